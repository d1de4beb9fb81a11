// The laggards generator: every scenario leaves more than f identities
// behind in round 1 while the rest holds a quorum with the twins, then cuts
// one of the rest off so that no one can decide without the laggards;
// seeds walk the scenarios; the phases are each round's Twins phases.
#include "generators/laggards.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "model/generator_registry.h"
#include "tests/generators/generator_test_util.h"

namespace turncoat {
namespace {

std::set<int> Identities(const std::vector<int>& block, int n) {
  std::set<int> ids;
  for (int p : block) ids.insert(p % n);
  return ids;
}

void ExpectLaggardsShape(const std::vector<TwinsScenario>& space, int n, int f) {
  std::set<TwinsScenario> seen;
  for (const TwinsScenario& s : space) {
    EXPECT_TRUE(seen.insert(s).second) << "each scenario once";
    ASSERT_EQ(s.rounds.size(), 2u);
    ASSERT_FALSE(s.splits.empty());
    const TwinSplit& split = s.splits.begin()->second;
    for (const ProcessPartition& round : s.rounds) EXPECT_TRUE(Consistent(round, s.splits, n));
    // Round 1: the laggards and the originals each alone, more than f of
    // them; the rest with the twin, a quorum.
    ASSERT_EQ(s.splits.size(), 1u) << "two twins never share a block";
    const int b = s.splits.begin()->first;
    std::vector<int> behind;
    std::vector<int> deciding;
    for (const std::vector<int>& block : s.rounds[0]) {
      if (std::count(block.begin(), block.end(), n + b)) {
        deciding = block;
      } else {
        EXPECT_EQ(block.size(), 1u) << "a laggard hears no one";
        behind.push_back(block[0]);
      }
    }
    for (int p : split.original) EXPECT_EQ(std::count(behind.begin(), behind.end(), p), 1);
    EXPECT_GT(static_cast<int>(Identities(behind, n).size()), f);
    EXPECT_GE(static_cast<int>(Identities(deciding, n).size()), n - f);
    EXPECT_EQ(std::count(behind.begin(), behind.end(), b), 1);
    EXPECT_EQ(std::count(deciding.begin(), deciding.end(), n + b), 1);
    // Round 2: one replica of the rest alone; without it and the laggards'
    // identities, the rest is no quorum.
    ASSERT_EQ(s.rounds[1].size(), 2u);
    const std::vector<int>& alone =
        s.rounds[1][0].size() == 1 ? s.rounds[1][0] : s.rounds[1][1];
    ASSERT_EQ(alone.size(), 1u);
    EXPECT_EQ(std::count(split.twin.begin(), split.twin.end(), alone[0]), 1);
    std::set<int> without = Identities(deciding, n);
    for (int id : Identities(behind, n)) without.erase(id);
    without.erase(alone[0]);
    EXPECT_LT(static_cast<int>(without.size()), n - f);
  }
}

TEST(LaggardsSpaceTest, FourReplicasLeaveOneHonestBehindWithTheOriginal) {
  absl::StatusOr<std::vector<TwinsScenario>> space = LaggardScenarios(4, 1, {3});
  ASSERT_TRUE(space.ok()) << space.status();
  // Three choices of laggard, two of the replica cut off after.
  ASSERT_EQ(space->size(), 6u);
  ExpectLaggardsShape(*space, 4, 1);
  // The first: 0 behind with 3's original, 1 and 2 deciding with its twin
  // (process 7); then 1 cut off.
  const TwinsScenario& first = (*space)[0];
  EXPECT_EQ(first.splits.at(3), (TwinSplit{{0}, {1, 2}}));
  EXPECT_EQ(first.rounds[0], (ProcessPartition{{0}, {1, 2, 7}, {3}}));
  EXPECT_EQ(first.rounds[1], (ProcessPartition{{0, 2, 3, 7}, {1}}));
}

TEST(LaggardsSpaceTest, SevenReplicasLeaveEveryByzantineOriginalBehind) {
  absl::StatusOr<std::vector<TwinsScenario>> space = LaggardScenarios(7, 2, {5, 6});
  ASSERT_TRUE(space.ok()) << space.status();
  // One honest laggard with the two originals is three, more than f = 2;
  // the other four honest and one twin are a quorum of 5. Five laggards,
  // two replicas to twin, four to cut off.
  ASSERT_EQ(space->size(), 5u * 2u * 4u);
  ExpectLaggardsShape(*space, 7, 2);
  for (const TwinsScenario& s : *space) {
    for (int b : {5, 6}) {
      EXPECT_EQ(std::count(s.rounds[0].begin(), s.rounds[0].end(), std::vector<int>{b}), 1)
          << "every Byzantine replica's original falls behind";
    }
  }
  // With one Byzantine replica, two honest replicas fall behind with it.
  absl::StatusOr<std::vector<TwinsScenario>> one = LaggardScenarios(7, 2, {6});
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ(one->size(), 15u * 4u);
  ExpectLaggardsShape(*one, 7, 2);
}

TEST(LaggardsSpaceTest, NeedsAByzantineReplicaAndEnoughHonestOnes) {
  absl::StatusOr<std::vector<TwinsScenario>> none = LaggardScenarios(4, 1, {});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("the plan has none"), std::string::npos);
  absl::StatusOr<std::vector<TwinsScenario>> few = LaggardScenarios(3, 1, {1, 2});
  ASSERT_FALSE(few.ok());
  EXPECT_NE(few.status().message().find("list fewer in `byzantine`"), std::string::npos)
      << few.status();
}

std::string LaggardsPlan() {
  return absl::StrCat("name: gen\ntarget: ", TURNCOAT_SOURCE_DIR, "/targets/refbft.yaml\n",
                      "replicas: 4\nbyzantine: [3]\nseed: 1\nduration: 20s\n",
                      "workload: { rate: 40/s, clients: 4 }\ngenerate:\n  laggards: {}\n",
                      "expect:\n  safety: [agreement]\n  liveness: { commit_within: 12s }\n");
}

using LaggardsGeneratorTest = GeneratorTest;

TEST_F(LaggardsGeneratorTest, SeedsWalkTheScenariosAsTwinsPhasesOfRoundsOneAndTwo) {
  absl::StatusOr<Plan> first = Expand(LaggardsPlan(), 1);
  ASSERT_TRUE(first.ok()) << first.status();
  std::set<int64_t> rounds;
  bool cut_one = false;
  for (const Phase& phase : first->timeline) {
    ASSERT_TRUE(phase.rounds.has_value());
    EXPECT_EQ(phase.rounds->first, phase.rounds->last);
    rounds.insert(phase.rounds->first);
    EXPECT_EQ(phase.length, FaultWindow(*first));
    if (phase.adversary == "partition" && phase.rounds->first == 2) {
      EXPECT_EQ(std::get<std::vector<std::vector<int>>>(phase.params.at("groups")),
                (std::vector<std::vector<int>>{{0, 2, 3}, {1}}));
      cut_one = true;
    }
  }
  EXPECT_EQ(rounds, (std::set<int64_t>{1, 2}));
  EXPECT_TRUE(cut_one) << "round 2 cuts replica 1 off";
  auto describe = [](const Plan& plan) {
    std::string out;
    for (const Phase& p : plan.timeline) {
      absl::StrAppend(&out, p.adversary, " r", p.rounds->first);
      for (const auto& [k, v] : p.params) absl::StrAppend(&out, " ", k, "=", FormatParamValue(v));
      absl::StrAppend(&out, "; ");
    }
    return out;
  };
  std::set<std::string> drawn;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    absl::StatusOr<Plan> plan = Expand(LaggardsPlan(), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    drawn.insert(describe(*plan));
  }
  EXPECT_EQ(drawn.size(), 6u) << "seeds 1..6 walk the six scenarios";
  absl::StatusOr<Plan> wrapped = Expand(LaggardsPlan(), 7);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(describe(*wrapped), describe(*first));
}

}  // namespace
}  // namespace turncoat
