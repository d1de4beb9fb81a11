// partition: the replicas are split into `groups`; every message between
// replicas of different groups is dropped, in both directions. A replica in
// no group is isolated from everyone. Healing removes every cut.
#include <set>

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
      std::vector<int> group_of(context.n, -1);
      auto it = context.phase->params.find("groups");
      const auto& groups = std::get<std::vector<std::vector<int>>>(it->second);
      for (size_t g = 0; g < groups.size(); ++g) {
        for (int r : groups[g]) group_of[r] = static_cast<int>(g);
      }
      agent::v1::Action drop;
      drop.set_kind(agent::v1::Action::DROP);
      std::vector<PlacedRule> rules;
      for (int i = 0; i < context.n; ++i) {
        for (int j = 0; j < context.n; ++j) {
          if (i == j || (group_of[i] >= 0 && group_of[i] == group_of[j])) continue;
          for (PlacedRule& r : RulesOnLink(context, {i, j}, "partition", drop, 1.0)) {
            rules.push_back(std::move(r));
          }
        }
      }
      return std::unique_ptr<Adversary>(new LinkRuleAdversary(std::move(rules)));
    });

}  // namespace
}  // namespace turncoat
