#include "checkers/integrity.h"

#include "gtest/gtest.h"
#include "tests/checkers/history_builder.h"

namespace turncoat {
namespace {

TEST(IntegrityTest, EachValueOnceHolds) {
  HistoryBuilder h;
  h.CommitAt(100, {0, 1, 2, 3}, 1, "a").CommitAt(200, {0, 1, 2, 3}, 2, "b");
  const CheckResult r = RunRegistered("integrity", h.history(), Context(4));
  EXPECT_TRUE(r.holds());
  EXPECT_EQ(r.checked, "8 honest commits");
}

TEST(IntegrityTest, ValueCommittedTwiceAtOneReplica) {
  HistoryBuilder h;
  h.CommitAt(100, {0, 1}, 1, "a").Commit(200, 1, 2, "b").Commit(500, 1, 3, "a");
  const CheckResult r = RunRegistered("integrity", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message, "replica 1 committed 'a' 2 times, at seqs 1, 3");
  ASSERT_EQ(r.findings[0].evidence.size(), 2u);
  EXPECT_EQ(r.findings[0].evidence[1].t, absl::Milliseconds(500));
}

TEST(IntegrityTest, ARestartedReplicaReplayingItsLogIsNotADoubleCommit) {
  HistoryBuilder h;
  // Replica 2 restarts with no state and reports seqs 1 and 2 again.
  h.CommitAt(100, {0, 1, 2, 3}, 1, "a").CommitAt(200, {0, 1, 2, 3}, 2, "b");
  h.Commit(900, 2, 1, "a").Commit(901, 2, 2, "b");
  EXPECT_TRUE(RunRegistered("integrity", h.history(), Context(4)).holds());
  h.Commit(950, 2, 3, "a");  // but "a" at a third position is
  EXPECT_EQ(RunRegistered("integrity", h.history(), Context(4)).violations, 1);
}

TEST(IntegrityTest, ByzantineDuplicatesAreIgnored) {
  HistoryBuilder h;
  h.Commit(100, 0, 1, "a").Commit(200, 0, 2, "a");
  EXPECT_TRUE(RunRegistered("integrity", h.history(), Context(4, {0})).holds());
}

TEST(IntegrityTest, PerSlotTwoValuesAtOneSeqIsAViolation) {
  HistoryBuilder h;
  h.CommitAt(100, {0, 1, 2}, 1, "a").Commit(200, 1, 2, "b").Commit(300, 1, 2, "c");
  CheckContext context = Context(4);
  context.checks.integrity = CheckSpec::Integrity::kPerSlot;
  const CheckResult r = RunRegistered("integrity", h.history(), context);
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message, "replica 1 committed 2 different values at seq 2: 'b', 'c'");
  ASSERT_EQ(r.findings[0].evidence.size(), 2u);
  EXPECT_EQ(r.findings[0].evidence[1].value, "c");
  EXPECT_EQ(r.checked, "5 honest commits, one value per sequence number");
  // Per value, the same history has nothing committed twice.
  EXPECT_TRUE(RunRegistered("integrity", h.history(), Context(4)).holds());
}

TEST(IntegrityTest, PerSlotTheSameValueAtTwoSlotsIsAllowed) {
  HistoryBuilder h;
  h.CommitAt(100, {0, 1}, 1, "a").CommitAt(200, {0, 1}, 2, "a");
  h.Commit(900, 1, 1, "a");  // a restarted replica's replay
  CheckContext context = Context(4);
  context.checks.integrity = CheckSpec::Integrity::kPerSlot;
  EXPECT_TRUE(RunRegistered("integrity", h.history(), context).holds());
  EXPECT_EQ(RunRegistered("integrity", h.history(), Context(4)).violations, 2);
}

TEST(IntegrityTest, PerSlotIgnoresByzantineReplicas) {
  HistoryBuilder h;
  h.Commit(100, 3, 1, "a").Commit(200, 3, 1, "b");
  CheckContext context = Context(4, {3});
  context.checks.integrity = CheckSpec::Integrity::kPerSlot;
  EXPECT_TRUE(RunRegistered("integrity", h.history(), context).holds());
}

}  // namespace
}  // namespace turncoat
