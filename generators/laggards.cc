// laggards: replicas left behind, then a cluster that cannot decide
// without them. Found in refbft by the twins generator before anyone
// looked for it (gen-twins seed 14: a replica's view timer restarted its
// back-off when it caught up, so it ran ahead of the others' view for
// good), and a class of its own: catching up on decisions is one path,
// rejoining the others' view is another, and a protocol may do the first
// and not the second. Twins samples this shape about once in a dozen
// scenarios; here every seed is one, walked in order (seed s is scenario
// (s - 1) mod their number), both rounds lasting the fault window.
#include "generators/laggards.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "generators/generate.h"
#include "generators/twins.h"
#include "model/generator_registry.h"

namespace turncoat {

absl::StatusOr<std::vector<TwinsScenario>> LaggardScenarios(int n, int f,
                                                           std::vector<int> byzantine) {
  if (byzantine.empty()) {
    return absl::InvalidArgumentError(
        "laggards twins a Byzantine replica so that the rest can decide while its original "
        "lags, but the plan has none; list one in `byzantine` or leave `byzantine` out to have "
        "them drawn");
  }
  std::sort(byzantine.begin(), byzantine.end());
  const std::vector<int> honest = HonestReplicas(n, byzantine);
  // Every Byzantine replica falls behind, and one of them also decides
  // through its twin: two twins never share a block (adversaries/twins.h).
  const int lagging = std::max<int>(1, f + 1 - static_cast<int>(byzantine.size()));
  if (static_cast<int>(honest.size()) < lagging + 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "laggards needs ", lagging, " honest replicas to fall behind and one to decide without "
        "them, but the plan has ", honest.size(), " honest; list fewer in `byzantine`"));
  }
  std::vector<TwinsScenario> scenarios;
  for (const std::vector<int>& laggards : Subsets(honest, lagging)) {
    std::vector<int> rest;
    std::set_difference(honest.begin(), honest.end(), laggards.begin(), laggards.end(),
                        std::back_inserter(rest));
    std::vector<int> behind = laggards;
    behind.insert(behind.end(), byzantine.begin(), byzantine.end());
    std::sort(behind.begin(), behind.end());
    for (int twinned : byzantine) {
      std::vector<int> deciding = rest;
      deciding.push_back(n + twinned);
      for (int cut : rest) {
        std::vector<int> others = behind;
        for (int p : deciding) {
          if (p != cut) others.push_back(p);
        }
        std::sort(others.begin(), others.end());
        TwinsScenario scenario;
        scenario.splits[twinned] = TwinSplit{laggards, rest};
        // Each laggard alone: laggards that could talk would keep each
        // other's view, which hid the bug this generator is named for in
        // 4 of 6 runs.
        ProcessPartition first{deciding};
        for (int p : behind) first.push_back({p});
        scenario.rounds = {first, ProcessPartition{others, {cut}}};
        for (ProcessPartition& partition : scenario.rounds) {
          std::sort(partition.begin(), partition.end());
        }
        scenarios.push_back(std::move(scenario));
      }
    }
  }
  return scenarios;
}

namespace {

absl::StatusOr<std::vector<Phase>> GenerateLaggards(const GeneratorInput& in) {
  const Plan& plan = *in.plan;
  if (absl::Status s = RequireRoundedPartitions(*in.target); !s.ok()) return s;
  absl::StatusOr<std::vector<TwinsScenario>> scenarios =
      LaggardScenarios(plan.n, plan.f, plan.byzantine);
  if (!scenarios.ok()) return scenarios.status();
  const uint64_t walked = in.seed == 0 ? 0 : in.seed - 1;
  const std::vector<Phase> phases = TwinsScenarioPhases((*scenarios)[walked % scenarios->size()],
                                                        plan.n, 1, FaultWindow(plan));
  if (absl::Status s = CheckRoundKeyedPhases(in.check, phases); !s.ok()) return s;
  return phases;
}

const GeneratorRegistration kLaggards({
    "laggards",
    "more than f replicas fall behind in round 1 while the rest decides with one Byzantine "
    "replica's twin; round 2 cuts one of the rest off; walked by seed",
    {},
    GenerateLaggards,
});

}  // namespace
}  // namespace turncoat
