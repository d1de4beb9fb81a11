#include "harness/archive_use.h"

namespace turncoat {

ArchiveUse PlanArchiveUse(const Plan& plan) {
  ArchiveUse use;
  for (const Phase& phase : plan.timeline) {
    const AdversaryInfo* info = AdversaryRegistry::Global().Find(phase.adversary);
    if (info == nullptr || !info->archive_use) continue;
    const ArchiveUse asked = info->archive_use(phase.params);
    use.archive = use.archive || asked.archive;
    use.rounds = use.rounds || asked.rounds;
  }
  return use;
}

}  // namespace turncoat
