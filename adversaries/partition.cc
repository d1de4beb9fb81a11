// partition: the replicas are split into `groups`; every message between
// replicas of different groups is dropped, in both directions. A replica in
// no group is isolated from everyone. Healing removes every cut. While it
// lasts, the replicas outside every group that holds a quorum (n - f) count
// as faulty: they cannot make progress, however correct.
#include "absl/strings/str_cat.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const AdversaryImplementation kPartition(
    {"partition",
     "cuts every link between different groups",
     NodeRule::kNone,
     {{"groups", ParamKind::kNodeGroups, true,
       "replicas that can still reach each other; a replica in no group is isolated"}},
     /*round_keyed=*/true},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      const auto groups = ParamOr(*context.phase, "groups", std::vector<std::vector<int>>{});
      return std::unique_ptr<Adversary>(new LinkRuleAdversary(
          CutBetweenGroups(context, groups, "partition"),
          AdversaryStep{absl::StrCat("groups ", GroupsText(groups)),
                        CutOffFromQuorums(context, groups)}));
    });

}  // namespace
}  // namespace turncoat
