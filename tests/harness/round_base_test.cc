// The round base a run keys its phases to, and when a phase's rounds are
// past, from what the agents report.
#include "harness/round_base.h"

#include "gtest/gtest.h"

namespace turncoat {
namespace {

TEST(RoundBaseTest, TheBaseIsTheHighestRoundAnyAgentSaw) {
  EXPECT_EQ(RoundBase({}), 0);
  EXPECT_EQ(RoundBase({std::nullopt, std::nullopt}), 0);
  EXPECT_EQ(RoundBase({998, std::nullopt, 1000, 999}), 1000);
}

TEST(RoundBaseTest, RoundsArePastOnlyWhenEveryReplicaMovedOn) {
  EXPECT_TRUE(RoundsPast({1005, 1006, 1005, 1007}, 1004));
  // One replica still at the last round (or not heard from) holds the phase.
  EXPECT_FALSE(RoundsPast({1005, 1004, 1005, 1007}, 1004));
  EXPECT_FALSE(RoundsPast({1005, std::nullopt, 1005, 1007}, 1004));
  EXPECT_FALSE(RoundsPast({}, 0));
}

TEST(RoundBaseTest, AgentsReportARoundOnlyWhenTheySawOne) {
  agent::v1::RuleStatsReply reply;
  EXPECT_EQ(HighestRound(reply), std::nullopt);
  reply.set_round_seen(true);
  EXPECT_EQ(HighestRound(reply), std::optional<int64_t>(0));
  reply.set_max_round(41);
  EXPECT_EQ(HighestRound(reply), std::optional<int64_t>(41));
}

TEST(RoundBaseTest, OnlyPlansWithRoundKeyedPhasesTrackRounds) {
  Plan plan;
  EXPECT_FALSE(KeyedToRounds(plan));
  plan.timeline.push_back(Phase{});
  EXPECT_FALSE(KeyedToRounds(plan));
  plan.timeline.push_back(Phase{});
  plan.timeline.back().rounds = RoundSpan{1, 2};
  EXPECT_TRUE(KeyedToRounds(plan));
}

}  // namespace
}  // namespace turncoat
