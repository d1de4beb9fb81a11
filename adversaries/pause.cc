// pause: the replicas in `nodes` are stopped with SIGSTOP for the phase and
// resumed (SIGCONT) when it ends: alive but silent, with their state intact —
// a long GC pause or a VM migration, as the others see it.
#include "adversaries/process_faults.h"

namespace turncoat {
namespace {

const AdversaryImplementation kPause(
    {"pause", "stops the processes of `nodes` (SIGSTOP) for the phase", NodeRule::kAny, {}},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      return std::unique_ptr<Adversary>(new NodeActionAdversary(
          context.phase->nodes, [](FaultControl& c, int r) { return c.Pause(r); },
          [](FaultControl& c, int r) { return c.Resume(r); }));
    });

}  // namespace
}  // namespace turncoat
