// quorum-split: what Twins prunes. Twins (Bano et al., OPODIS 2021) drops
// every partition in which no side holds a quorum, since a correct protocol
// can decide nothing there. That is exactly where a protocol that counts a
// quorum too low shows: each side one replica short decides on its own, and
// two sides decide two values for one round. A test of quorum arithmetic
// costs one partition, so seeds walk the splits (generators/quorum_split.h)
// and the round they are keyed to: seed s is split (s - 1) mod S, keyed to
// round 1 + ((s - 1) / S) mod r, held for the fault window or until every
// replica has moved past the round, then healed so that liveness is judged.
#include "generators/quorum_split.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "generators/generate.h"
#include "generators/twins.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

// No block holds a quorum (n - f distinct replicas) and at least two hold
// one replica fewer.
bool SidesOneShort(const ProcessPartition& partition, int n, int f) {
  int one_short = 0;
  for (const std::vector<int>& block : partition) {
    const int size = DistinctReplicas(block, n);
    if (size >= n - f) return false;
    if (size == n - f - 1) ++one_short;
  }
  return one_short >= 2;
}

}  // namespace

absl::StatusOr<std::vector<TwinsScenario>> QuorumSplits(int n, int f, std::vector<int> byzantine,
                                                        int max_twins) {
  if (max_twins < 0 || max_twins > f) {
    return absl::InvalidArgumentError(absl::StrCat(
        "twins: ", max_twins, " replicas twinned at most; expected 0 to f = ", f,
        " (a twin is a Byzantine replica's second process, and at most f may be Byzantine)"));
  }
  if (max_twins > static_cast<int>(byzantine.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "twins: ", max_twins, " replicas twinned at most, but only ", byzantine.size(),
        " are Byzantine ([", absl::StrJoin(byzantine, ", "), "]); lower twins or list more"));
  }
  if (n + max_twins > kMaxTwinsProcesses) {
    return absl::InvalidArgumentError(absl::StrCat(
        n, " replicas and ", max_twins, " twins are ", n + max_twins,
        " processes to partition; every partition is listed, for at most ", kMaxTwinsProcesses,
        ": lower replicas or twins"));
  }
  std::sort(byzantine.begin(), byzantine.end());
  const std::vector<int> honest = HonestReplicas(n, byzantine);
  // A twin needs two groups of honest replicas to split.
  const int twins_possible = honest.size() < 2 ? 0 : max_twins;
  const std::vector<TwinSplit> splits =
      twins_possible > 0 ? CanonicalSplits(honest) : std::vector<TwinSplit>{};
  std::set<TwinsScenario> found;
  for (int twins = 0; twins <= twins_possible; ++twins) {
    for (const std::vector<int>& twinned : Subsets(byzantine, twins)) {
      std::vector<int> processes;
      for (int r = 0; r < n; ++r) processes.push_back(r);
      for (int r : twinned) processes.push_back(n + r);
      // Whether sides are one short depends on the blocks alone; routing
      // and the effective form (which only ever removes processes from a
      // block) are checked for the few that are.
      std::vector<ProcessPartition> candidates;
      EachPartition(processes, [&](const ProcessPartition& partition) {
        if (SidesOneShort(partition, n, f)) candidates.push_back(partition);
      });
      EachSplitLayout(twinned, splits, [&](const std::map<int, TwinSplit>& layout) {
        for (const ProcessPartition& partition : candidates) {
          if (!Consistent(partition, layout, n)) continue;
          TwinsScenario scenario;
          scenario.splits = layout;
          scenario.rounds = {partition};
          scenario = Effective(std::move(scenario), n);
          if (SidesOneShort(scenario.rounds[0], n, f)) found.insert(std::move(scenario));
        }
      });
    }
  }
  if (found.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no partition of ", n, " replicas with at most ", twins_possible,
        " twinned leaves two sides one short of a quorum of ", n - f,
        "; twin more Byzantine replicas (`twins`, up to f) or list more in `byzantine`"));
  }
  std::vector<TwinsScenario> ordered(found.begin(), found.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const TwinsScenario& a, const TwinsScenario& b) {
                     return std::make_pair(a.splits.size(), a.rounds[0].size()) <
                            std::make_pair(b.splits.size(), b.rounds[0].size());
                   });
  return ordered;
}

namespace {

absl::StatusOr<std::vector<Phase>> GenerateQuorumSplit(const GeneratorInput& in) {
  const Plan& plan = *in.plan;
  const int64_t r = WholeOr(*in.params, "r", 3);
  const int64_t twins =
      WholeOr(*in.params, "twins", std::min<int64_t>(plan.f, plan.byzantine.size()));
  if (r < 1) return absl::InvalidArgumentError("r must be at least 1 (rounds 1..r)");
  if (absl::Status s = RequireRoundedPartitions(*in.target); !s.ok()) return s;
  absl::StatusOr<std::vector<TwinsScenario>> splits =
      QuorumSplits(plan.n, plan.f, plan.byzantine, static_cast<int>(twins));
  if (!splits.ok()) return splits.status();
  const uint64_t walked = in.seed == 0 ? 0 : in.seed - 1;
  const TwinsScenario& scenario = (*splits)[walked % splits->size()];
  const int64_t round = 1 + static_cast<int64_t>((walked / splits->size()) % r);
  const std::vector<Phase> phases = TwinsScenarioPhases(scenario, plan.n, round, FaultWindow(plan));
  if (absl::Status s = CheckRoundKeyedPhases(in.check, phases); !s.ok()) return s;
  return phases;
}

const GeneratorRegistration kQuorumSplit({
    "quorum-split",
    "Twins' pruned partitions: every side short of a quorum, two sides one replica short, "
    "keyed to a round; walked by seed",
    {{"r", ParamKind::kWhole, false,
      "the split is keyed to one of rounds 1..r, walked after the splits (default 3)"},
     {"twins", ParamKind::kWhole, false,
      "at most this many Byzantine replicas sit on two sides as twins, 0 to f (default: f, "
      "or fewer when fewer are Byzantine)"}},
    GenerateQuorumSplit,
});

}  // namespace
}  // namespace turncoat
