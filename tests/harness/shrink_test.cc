// Shrink candidates: ordered as promised (whole phases first, halves before
// single ones), each strictly smaller and loadable, none below the recovery
// floor, and a search that keeps accepting candidates ends.
#include "harness/shrink.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "loaders/plan_loader.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

const std::string kDir = std::string(TURNCOAT_SOURCE_DIR) + "/plans/nightly";

// Four phases: the replay that matters and three that do not.
constexpr char kPlan[] = R"(name: four-phases
target: ../../targets/refbft.yaml
replicas: 4
byzantine: [2]
seed: 5
duration: 30s
workload: { rate: 40/s, clients: 4, value_bytes: 32 }
timeline:
  - { at: 2s, for: 12s, adversary: replay, nodes: [2], params: { after: 2s, peers: any, messages: [forward, vote] } }
  - { at: 3s, for: 4s, adversary: delay, nodes: [0, 1], params: { by: 50ms } }
  - { rounds: 3..6, for: 5s, adversary: partition, params: { groups: [[0, 1, 2], [3]] } }
  - { at: 10s, for: 4s, adversary: duplicate, nodes: [1], params: { probability: 0.5 } }
expect:
  safety: [agreement, prefix, validity, integrity, no-honest-crash]
  liveness: { commit_within: 6s }
)";

Plan Load(const std::string& text) {
  absl::StatusOr<Plan> plan = ParsePlan(text, kDir + "/four-phases.yaml");
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : Plan();
}

std::vector<std::string> Steps(const std::vector<ShrinkCandidate>& candidates) {
  std::vector<std::string> steps;
  for (const ShrinkCandidate& c : candidates) steps.push_back(c.step);
  return steps;
}

TEST(ShrinkTest, DropsHalvesOfTheTimelineFirstThenSinglePhases) {
  const std::vector<std::string> steps = Steps(ShrinkCandidates(Load(kPlan)));
  ASSERT_GE(steps.size(), 6u);
  EXPECT_EQ(steps[0], "drop phases 1-2 of 4 (replay, delay)");
  EXPECT_EQ(steps[1], "drop phases 3-4 of 4 (partition, duplicate)");
  EXPECT_EQ(steps[2], "drop phase 1 of 4 (replay)");
  EXPECT_EQ(steps[5], "drop phase 4 of 4 (duplicate)");
}

TEST(ShrinkTest, OffersEveryKindOfStepInOrder) {
  const std::vector<std::string> steps = Steps(ShrinkCandidates(Load(kPlan)));
  auto first = [&](const std::string& prefix) {
    for (size_t i = 0; i < steps.size(); ++i) {
      if (absl::StartsWith(steps[i], prefix)) return static_cast<int>(i);
    }
    return -1;
  };
  const std::vector<std::string> order = {"drop phase",       "rounds of phase 3",
                                          "for of phase 1",   "nodes of phase 2",
                                          "params.messages",  "duration: 30s -> 22s",
                                          "clients: 4 -> 2",  "rate: 40/s -> 20/s"};
  int last = -1;
  for (const std::string& prefix : order) {
    const int at = first(prefix);
    EXPECT_GT(at, last) << prefix << " missing or out of order in:\n"
                        << testing::PrintToString(steps);
    last = std::max(last, at);
  }
  // Halves of a round span before trimming one round off either end.
  EXPECT_NE(std::find(steps.begin(), steps.end(),
                      "rounds of phase 3 of 4 (partition): 3..6 -> 3..4"),
            steps.end());
  // Partition groups are not thinned: that would cut a replica off.
  EXPECT_EQ(first("params.groups"), -1);
}

TEST(ShrinkTest, EveryCandidateIsSmallerLoadableAndKeepsTheRecoveryFloor) {
  const Plan plan = Load(kPlan);
  for (const ShrinkCandidate& c : ShrinkCandidates(plan)) {
    SCOPED_TRACE(c.step);
    EXPECT_TRUE(IsSmaller(SizeOf(c.plan), SizeOf(plan)));
    absl::StatusOr<Plan> again = ParsePlan(c.plan.source_text, plan.path);
    EXPECT_TRUE(again.ok()) << again.status();
    absl::Duration last_end;
    for (const Phase& p : c.plan.timeline) last_end = std::max(last_end, p.end());
    // The last phase ends at 14s, the bound is 6s, the margin 2s.
    if (!c.plan.timeline.empty() && last_end == absl::Seconds(14)) {
      EXPECT_GE(c.plan.duration, absl::Seconds(22));
    }
    EXPECT_GE(c.plan.workload.rate * absl::ToDoubleSeconds(c.plan.duration), 20.0);
  }
}

TEST(ShrinkTest, NoPhaseShrinksBelowItsMinimumAndSingleNodesStay) {
  const Plan plan = Load(R"(name: tiny
target: ../../targets/refbft.yaml
replicas: 4
seed: 1
duration: 3s
workload: { rate: 10/s, clients: 1 }
timeline:
  - { at: 0s, for: 600ms, adversary: crash, nodes: [1] }
expect:
  safety: [agreement]
)");
  const std::vector<std::string> steps = Steps(ShrinkCandidates(plan));
  // Dropping the only phase; 600ms halved is below the minimum; one node
  // stays; 3s is already at the floor; one client; 5/s would submit 15
  // values, fewer than twice min_commits.
  EXPECT_EQ(steps, (std::vector<std::string>{"drop phase 1 of 1 (crash)",
                                             "for of phase 1 of 1 (crash): 600ms -> 500ms"}));
}

TEST(ShrinkTest, AcceptingCandidatesAlwaysEnds) {
  for (const auto& entry : fs::recursive_directory_iterator(
           std::string(TURNCOAT_SOURCE_DIR) + "/plans")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    absl::StatusOr<Plan> plan = LoadPlanFile(entry.path().string());
    ASSERT_TRUE(plan.ok()) << plan.status();
    // Always the last candidate, the smallest step, is the longest descent.
    Plan current = *plan;
    int steps = 0;
    for (; steps < 10000; ++steps) {
      std::vector<ShrinkCandidate> next = ShrinkCandidates(current);
      if (next.empty()) break;
      ASSERT_TRUE(IsSmaller(SizeOf(next.back().plan), SizeOf(current))) << next.back().step;
      current = next.back().plan;
    }
    EXPECT_LT(steps, 10000);
  }
}

TEST(ShrinkTest, SizeOrderIsStrict) {
  PlanSize a;
  a.phases = 2;
  a.duration_ms = 1000;
  PlanSize b = a;
  EXPECT_FALSE(IsSmaller(a, b));
  b.phases = 1;
  EXPECT_TRUE(IsSmaller(b, a));
  b.duration_ms = 2000;  // one count fell, another grew: not smaller
  EXPECT_FALSE(IsSmaller(b, a));
  EXPECT_FALSE(IsSmaller(a, b));
}

}  // namespace
}  // namespace turncoat
