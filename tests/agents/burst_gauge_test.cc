// BurstGauge tests: the dense/sparse verdict from messages per turn.
#include "agents/burst_gauge.h"

#include "gtest/gtest.h"

namespace turncoat {
namespace agent {
namespace {

// Feeds `turns` turns of `messages` each; returns how many changed the verdict.
int Feed(BurstGauge& gauge, int turns, int messages) {
  int changes = 0;
  for (int i = 0; i < turns; ++i) changes += gauge.AddTurn(messages) ? 1 : 0;
  return changes;
}

TEST(BurstGaugeTest, PingPongNeverTurnsDense) {
  BurstGauge gauge;
  EXPECT_EQ(Feed(gauge, 10000, 1), 0);
  EXPECT_FALSE(gauge.dense());
}

TEST(BurstGaugeTest, TurnsWithoutMessagesDoNotCount) {
  BurstGauge gauge;
  Feed(gauge, 20, 4);
  ASSERT_TRUE(gauge.dense());
  EXPECT_EQ(Feed(gauge, 1000, 0), 0);
  EXPECT_TRUE(gauge.dense());
}

TEST(BurstGaugeTest, AStreamTurnsDenseWithinTwoTurns) {
  BurstGauge gauge;
  EXPECT_FALSE(gauge.AddTurn(4));
  EXPECT_TRUE(gauge.AddTurn(4));
  EXPECT_TRUE(gauge.dense());
}

TEST(BurstGaugeTest, ASingleBurstAmongPingPongDoesNotTurnDense) {
  BurstGauge gauge;
  for (int i = 0; i < 100; ++i) {
    gauge.AddTurn(i % 10 == 0 ? 2 : 1);
    EXPECT_FALSE(gauge.dense()) << "turn " << i;
  }
}

TEST(BurstGaugeTest, PingPongAfterAStreamTurnsSparseAgain) {
  BurstGauge gauge;
  Feed(gauge, 100, 4);
  ASSERT_TRUE(gauge.dense());
  EXPECT_EQ(Feed(gauge, 26, 1), 0);
  EXPECT_TRUE(gauge.dense());
  EXPECT_EQ(Feed(gauge, 1, 1), 1);
  EXPECT_FALSE(gauge.dense());
}

// Between the two thresholds the verdict holds, whichever it was.
TEST(BurstGaugeTest, TrafficBetweenTheThresholdsKeepsTheVerdict) {
  BurstGauge sparse;
  EXPECT_EQ(Feed(sparse, 200, 1), 0);
  for (int i = 0; i < 200; ++i) sparse.AddTurn(i % 4 == 0 ? 2 : 1);  // 1.25 per turn
  EXPECT_FALSE(sparse.dense());

  BurstGauge dense;
  Feed(dense, 100, 4);
  ASSERT_TRUE(dense.dense());
  for (int i = 0; i < 200; ++i) dense.AddTurn(i % 4 == 0 ? 2 : 1);
  EXPECT_TRUE(dense.dense());
}

// One turn that drains a long backlog counts as 64 messages, so ping-pong
// is back to sparse soon after it rather than hundreds of turns later.
TEST(BurstGaugeTest, ALongBacklogWeighsLikeSixtyFourMessages) {
  BurstGauge capped;
  capped.AddTurn(100000);
  ASSERT_TRUE(capped.dense());
  EXPECT_EQ(Feed(capped, 50, 1), 1);
  EXPECT_FALSE(capped.dense());
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
