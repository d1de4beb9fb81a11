// The quorum-split generator: its space holds exactly the consistent,
// effective splits in which no side is a quorum and two sides are one
// replica short, twinless ones first; seeds walk the splits, then the round
// they are keyed to; the phases are the split's, keyed to that round.
#include "generators/quorum_split.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "model/generator_registry.h"
#include "tests/generators/generator_test_util.h"

namespace turncoat {
namespace {

// Distinct replicas in each block, original and twin counting once.
std::vector<int> SideSizes(const ProcessPartition& partition, int n) {
  std::vector<int> sizes;
  for (const std::vector<int>& block : partition) {
    std::set<int> identities;
    for (int p : block) identities.insert(p % n);
    sizes.push_back(static_cast<int>(identities.size()));
  }
  return sizes;
}

void ExpectEverySplitOneShort(const std::vector<TwinsScenario>& space, int n, int f) {
  std::set<TwinsScenario> seen;
  std::pair<size_t, size_t> last_order{0, 0};
  for (const TwinsScenario& s : space) {
    ASSERT_EQ(s.rounds.size(), 1u);
    const ProcessPartition& partition = s.rounds[0];
    EXPECT_FALSE(HasQuorum(partition, n, f));
    int one_short = 0;
    for (int size : SideSizes(partition, n)) one_short += size == n - f - 1;
    EXPECT_GE(one_short, 2);
    EXPECT_TRUE(Consistent(partition, s.splits, n));
    EXPECT_TRUE(Effective(s, n) == s) << "listed in its effective form";
    EXPECT_TRUE(seen.insert(s).second) << "each split once";
    const std::pair<size_t, size_t> order{s.splits.size(), partition.size()};
    EXPECT_LE(last_order, order) << "fewer twins, then fewer blocks, first";
    last_order = order;
  }
}

TEST(QuorumSplitSpaceTest, FourReplicasSplitTwoAndTwoBeforeAnyTwin) {
  absl::StatusOr<std::vector<TwinsScenario>> space = QuorumSplits(4, 1, {3}, 1);
  ASSERT_TRUE(space.ok()) << space.status();
  ASSERT_GT(space->size(), 3u);
  const std::vector<ProcessPartition> halves = {
      {{0, 1}, {2, 3}}, {{0, 2}, {1, 3}}, {{0, 3}, {1, 2}}};
  for (size_t i = 0; i < halves.size(); ++i) {
    EXPECT_TRUE((*space)[i].splits.empty());
    EXPECT_EQ((*space)[i].rounds[0], halves[i]);
  }
  for (size_t i = halves.size(); i < space->size(); ++i) {
    EXPECT_EQ((*space)[i].splits.size(), 1u);
  }
  ExpectEverySplitOneShort(*space, 4, 1);
  // 0 with replica 3, 1 with its twin (process 7), 2 alone: sides of 2, 2, 1.
  TwinsScenario twinned;
  twinned.splits[3] = TwinSplit{{0}, {1, 2}};
  twinned.rounds = {{{0, 3}, {1, 7}, {2}}};
  EXPECT_EQ(std::count(space->begin(), space->end(), twinned), 1);
  // Without twins only the three halves are left.
  absl::StatusOr<std::vector<TwinsScenario>> twinless = QuorumSplits(4, 1, {3}, 0);
  ASSERT_TRUE(twinless.ok()) << twinless.status();
  EXPECT_EQ(twinless->size(), 3u);
}

TEST(QuorumSplitSpaceTest, SevenReplicasNeedTheirByzantineReplicasOnTwoSides) {
  // Two sides of n - f - 1 = 4 are 8 replicas: more than 7 without a twin.
  absl::StatusOr<std::vector<TwinsScenario>> none = QuorumSplits(7, 2, {5, 6}, 0);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("twin more Byzantine replicas"), std::string::npos)
      << none.status();
  absl::StatusOr<std::vector<TwinsScenario>> space = QuorumSplits(7, 2, {5, 6}, 2);
  ASSERT_TRUE(space.ok()) << space.status();
  ExpectEverySplitOneShort(*space, 7, 2);
  std::set<size_t> twin_counts;
  for (const TwinsScenario& s : *space) twin_counts.insert(s.splits.size());
  EXPECT_EQ(twin_counts, (std::set<size_t>{1, 2}));
  // 5 original with 0 and 1, its twin (12) with 2, 3 and 4, 6 beside the
  // original: sides of 4 and 4.
  TwinsScenario classic;
  classic.splits[5] = TwinSplit{{0, 1}, {2, 3, 4}};
  classic.rounds = {{{0, 1, 5, 6}, {2, 3, 4, 12}}};
  EXPECT_EQ(std::count(space->begin(), space->end(), classic), 1);
}

TEST(QuorumSplitSpaceTest, RefusesTwinsBeyondFOrTheByzantineReplicas) {
  auto error = [](int n, int f, std::vector<int> byzantine, int twins) {
    absl::StatusOr<std::vector<TwinsScenario>> space = QuorumSplits(n, f, byzantine, twins);
    return space.ok() ? std::string() : std::string(space.status().message());
  };
  EXPECT_NE(error(4, 1, {3}, 2).find("expected 0 to f = 1"), std::string::npos);
  EXPECT_NE(error(7, 2, {5}, 2).find("only 1 are Byzantine ([5])"), std::string::npos);
  EXPECT_NE(error(10, 3, {7, 8, 9}, 1).find("at most 10"), std::string::npos);
}

std::string QuorumSplitPlan(const std::string& params) {
  return absl::StrCat("name: gen\ntarget: ", TURNCOAT_SOURCE_DIR, "/targets/refbft.yaml\n",
                      "replicas: 4\nbyzantine: [3]\nseed: 1\nduration: 20s\n",
                      "workload: { rate: 40/s, clients: 4 }\ngenerate:\n  quorum-split: ", params,
                      "\nexpect:\n  safety: [agreement]\n  liveness: { commit_within: 12s }\n");
}

using QuorumSplitGeneratorTest = GeneratorTest;

TEST_F(QuorumSplitGeneratorTest, SeedsWalkTheSplitsThenTheRoundTheyAreKeyedTo) {
  absl::StatusOr<std::vector<TwinsScenario>> space = QuorumSplits(4, 1, {3}, 1);
  ASSERT_TRUE(space.ok()) << space.status();
  const uint64_t size = space->size();
  const std::string text = QuorumSplitPlan("{ r: 2 }");
  auto partition_of = [](const Plan& plan) {
    for (const Phase& phase : plan.timeline) {
      if (phase.adversary == "partition") return phase;
    }
    return Phase{};
  };
  absl::StatusOr<Plan> first = Expand(text, 1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->timeline.size(), 1u) << "a twinless split is one partition";
  const Phase split = partition_of(*first);
  EXPECT_EQ(std::get<std::vector<std::vector<int>>>(split.params.at("groups")),
            (std::vector<std::vector<int>>{{0, 1}, {2, 3}}));
  ASSERT_TRUE(split.rounds.has_value());
  EXPECT_EQ(split.rounds->first, 1);
  EXPECT_EQ(split.rounds->last, 1);
  EXPECT_EQ(split.length, FaultWindow(*first));

  absl::StatusOr<Plan> second = Expand(text, 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(std::get<std::vector<std::vector<int>>>(partition_of(*second).params.at("groups")),
            (std::vector<std::vector<int>>{{0, 2}, {1, 3}}));

  // Past the last split the walk starts over, keyed to round 2, then 1.
  for (uint64_t wrap : {size + 1, 2 * size + 1}) {
    absl::StatusOr<Plan> again = Expand(text, wrap);
    ASSERT_TRUE(again.ok()) << again.status();
    const Phase phase = partition_of(*again);
    EXPECT_EQ(phase.params, split.params);
    EXPECT_EQ(phase.rounds->first, wrap == size + 1 ? 2 : 1);
  }

  // A twinned split wakes the twin towards its side and keeps the sides
  // apart; the same seed draws it again.
  absl::StatusOr<Plan> twinned = Expand(text, size);
  ASSERT_TRUE(twinned.ok()) << twinned.status();
  std::set<std::string> adversaries;
  for (const Phase& phase : twinned->timeline) {
    adversaries.insert(phase.adversary);
    EXPECT_TRUE(phase.generated);
    EXPECT_EQ(phase.rounds->first, 1);
  }
  EXPECT_EQ(adversaries.count("twins"), 1u);
  EXPECT_EQ(adversaries.count("partition"), 1u);
  absl::StatusOr<Plan> repeat = Expand(text, size);
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  ASSERT_EQ(repeat->timeline.size(), twinned->timeline.size());
  for (size_t i = 0; i < repeat->timeline.size(); ++i) {
    EXPECT_EQ(repeat->timeline[i].params, twinned->timeline[i].params);
    EXPECT_EQ(repeat->timeline[i].nodes, twinned->timeline[i].nodes);
  }
}

TEST_F(QuorumSplitGeneratorTest, BadParametersNameThePlanAndTheFix) {
  absl::StatusOr<Plan> too_many = Expand(QuorumSplitPlan("{ twins: 2 }"), 1);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("plans/gen.yaml"), std::string::npos)
      << too_many.status();
  EXPECT_NE(too_many.status().message().find("expected 0 to f = 1"), std::string::npos)
      << too_many.status();
  absl::StatusOr<Plan> no_rounds = Expand(QuorumSplitPlan("{ r: 0 }"), 1);
  ASSERT_FALSE(no_rounds.ok());
  EXPECT_NE(no_rounds.status().message().find("r must be at least 1"), std::string::npos)
      << no_rounds.status();
}

}  // namespace
}  // namespace turncoat
