// partition: the replicas are split into `groups`; every message between
// replicas of different groups is dropped, in both directions. A replica in
// no group is isolated from everyone. Healing removes every cut.
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const AdversaryImplementation kPartition(
    {"partition",
     "cuts every link between different groups",
     NodeRule::kNone,
     {{"groups", ParamKind::kNodeGroups, true,
       "replicas that can still reach each other; a replica in no group is isolated"}}},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      const auto groups = ParamOr(*context.phase, "groups", std::vector<std::vector<int>>{});
      return std::unique_ptr<Adversary>(
          new LinkRuleAdversary(CutBetweenGroups(context, groups, "partition")));
    });

}  // namespace
}  // namespace turncoat
