#include "harness/checkers/liveness.h"

#include "gtest/gtest.h"
#include "tests/harness/history_builder.h"

namespace turncoat {
namespace {

const absl::Duration kBound = absl::Seconds(5);
const std::vector<int> kAll = {0, 1, 2, 3};

TEST(LivenessTest, WithoutABoundNothingIsJudged) {
  HistoryBuilder h;
  h.Submit(100, 0, "a").End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4));
  EXPECT_TRUE(r.holds());
  EXPECT_EQ(r.kind, InvariantKind::kLiveness);
  EXPECT_EQ(r.checked, "nothing: the plan sets no liveness bound");
}

TEST(LivenessTest, PromptCommitsEverywhereHold) {
  HistoryBuilder h;
  h.Submit(1000, 0, "a").CommitAt(1500, kAll, 1, "a");
  h.Submit(2000, 1, "b").CommitAt(6900, kAll, 2, "b");
  h.Submit(18000, 1, "c");  // its window outlives the run: not judged
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  EXPECT_TRUE(r.holds());
  EXPECT_EQ(r.checked,
            "2 values due within 5s, 2 committed in time everywhere; 0 submissions excused by "
            "faults, rejection or a Byzantine receiver; 1 too close to the end to judge; no "
            "fault phase to recover from");
}

TEST(LivenessTest, ReplicaThatNeverCommitsIsNamedWithItsLastCommit) {
  HistoryBuilder h;
  h.Submit(500, 0, "a").CommitAt(900, kAll, 1, "a");
  h.Submit(2000, 1, "b").CommitAt(2500, {0, 1, 2}, 2, "b");
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  ASSERT_EQ(r.violations, 1);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.message,
            "'b', submitted to replica 1 at 2s, did not commit at replica 3 within 5s "
            "(by 7s) although the cluster stayed within its fault bound");
  ASSERT_EQ(f.evidence.size(), 2u);
  EXPECT_EQ(f.evidence[0].event, "submit");
  EXPECT_EQ(f.evidence[0].replica, 1);
  EXPECT_EQ(f.evidence[1].event, "deadline");
  EXPECT_EQ(f.evidence[1].replica, 3);
  EXPECT_EQ(f.evidence[1].t, absl::Seconds(7));
  EXPECT_EQ(f.evidence[1].note,
            "never committed it; its last commit by the deadline was seq 1 at 900ms");
}

TEST(LivenessTest, LateCommitIsAViolation) {
  HistoryBuilder h;
  h.Submit(1000, 0, "a").CommitAt(1500, {0, 1, 2}, 1, "a").Commit(9000, 3, 1, "a").End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].evidence[1].note,
            "committed it only at 9s; it committed nothing by the deadline");
}

TEST(LivenessTest, RejectedAndByzantineReceivedValuesAreNotDue) {
  HistoryBuilder h;
  h.Submit(1000, 0, "rejected", /*accepted=*/false);
  h.Submit(1000, 3, "to-byzantine");
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {3}, kBound));
  EXPECT_TRUE(r.holds());
  EXPECT_EQ(r.checked.substr(0, 60),
            "0 values due within 5s, 0 committed in time everywhere; 2 su");
}

TEST(LivenessTest, FaultsWithinTheBoundStillRequireTheOthersToCommit) {
  HistoryBuilder h;
  h.Fault(1000, 8000, 0, "crash", {3});
  h.Submit(2000, 0, "a").CommitAt(2500, {0, 1}, 1, "a");
  h.CommitAt(9000, {2, 3}, 1, "a");  // replica 3 was down, but 2 is late
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message,
            "'a', submitted to replica 0 at 2s, did not commit at replica 2 within 5s (by 7s) "
            "although the cluster stayed within its fault bound");
  EXPECT_EQ(r.findings[0].evidence[1].note,
            "committed it only at 9s; it committed nothing by the deadline");
}

TEST(LivenessTest, BeyondTheBoundValuesAreExcused) {
  HistoryBuilder h;
  // One Byzantine replica plus one crashed: two faulty of four, f = 1.
  h.Fault(1000, 8000, 0, "crash", {2});
  h.Submit(2000, 1, "stuck");
  h.CommitAt(8500, {0, 1, 2}, 1, "stuck");  // recovery: commits resume
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {3}, kBound));
  EXPECT_TRUE(r.holds());
}

TEST(LivenessTest, ReplicaThatJustRecoveredGetsOneBoundToCatchUp) {
  HistoryBuilder h;
  h.Fault(0, 4000, 0, "pause", {3});
  h.Submit(6000, 0, "a").CommitAt(6500, {0, 1, 2}, 1, "a");
  h.Submit(10000, 0, "b").CommitAt(10500, {0, 1, 2}, 2, "b");
  h.Commit(16000, 3, 1, "a").Commit(16000, 3, 2, "b");
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  // "a" came within 5s of the pause ending, so replica 3 is excused for it;
  // by "b" it had been back for 6s and should have kept up.
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message,
            "'b', submitted to replica 0 at 10s, did not commit at replica 3 within 5s (by 15s) "
            "although the cluster stayed within its fault bound");
}

TEST(LivenessTest, ExitedReplicaIsFaultyUntilItRestarts) {
  HistoryBuilder h;
  h.Exit(1000, 2, /*requested=*/false, 1, std::nullopt);
  h.Submit(2000, 0, "a").CommitAt(2500, {0, 1, 3}, 1, "a");
  h.Start(9000, 2);
  h.End(20000);
  EXPECT_TRUE(RunRegistered("liveness", h.history(), Context(4, {}, kBound)).holds());
}

TEST(LivenessTest, CommitsMustResumeAfterTheLastFaultHeals) {
  HistoryBuilder h;
  h.Fault(1000, 10000, 0, "partition", kAll);
  h.Submit(2000, 0, "a");
  h.Submit(10500, 1, "b");
  h.CommitAt(12000, {0, 1, 3}, 1, "a").CommitAt(12000, {0, 1, 3}, 2, "b");
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  // "a" was caught by the partition and "b" came within one bound of its
  // end, when every replica still gets time to catch up; only the recovery
  // rule holds replica 2 to account.
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message,
            "commits did not resume at replica 2 within 5s after the last fault phase ended at "
            "10s, although values were pending, e.g. 'a'");
  ASSERT_EQ(r.findings[0].evidence.size(), 3u);
  EXPECT_EQ(r.findings[0].evidence[0].event, "fault_end");
  EXPECT_EQ(r.findings[0].evidence[1].value, "a");
  EXPECT_EQ(r.findings[0].evidence[2].note,
            "never committed it; it committed nothing by the deadline");
}

TEST(LivenessTest, RecoveryIsNotJudgedWhenTheRunEndsTooSoon) {
  HistoryBuilder h;
  h.Fault(1000, 17000, 0, "partition", kAll);
  h.Submit(2000, 0, "a");
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  EXPECT_TRUE(r.holds());
  EXPECT_NE(r.checked.find("recovery not judged: the run ended within the bound of the last "
                           "fault"),
            std::string::npos);
}

TEST(LivenessTest, UnendedFaultLastsToTheEndOfTheHistory) {
  HistoryBuilder h;
  h.Fault(1000, std::nullopt, 0, "partition", kAll);
  h.Submit(2000, 0, "a");
  h.End(20000);
  EXPECT_TRUE(RunRegistered("liveness", h.history(), Context(4, {}, kBound)).holds());
}

TEST(LivenessTest, StepsChangeWhoIsFaultyWithinAPhase) {
  HistoryBuilder h;
  // A random schedule by Byzantine replica 3: a quiet round, then one
  // that cuts replica 0 off (two faulty of four), then quiet again.
  h.Fault(1000, 13000, 0, "random", {3});
  h.Step(1000, 0, {3}).Step(5000, 0, {0, 3}).Step(7000, 0, {3});
  h.Submit(1500, 1, "during-quiet");  // its window reaches the cut: excused
  h.Submit(8000, 1, "after-cut").CommitAt(8200, {1, 2}, 1, "after-cut");
  h.Commit(15000, 0, 1, "after-cut");  // 0 was cut off until 7s: excused
  h.Submit(14000, 1, "late").CommitAt(14100, {1, 2}, 2, "late");  // 0 is late
  h.End(25000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {3}, kBound));
  ASSERT_EQ(r.violations, 1) << r.checked;
  EXPECT_EQ(r.findings[0].message,
            "'late', submitted to replica 1 at 14s, did not commit at replica 0 within 5s (by "
            "19s) although the cluster stayed within its fault bound");
  EXPECT_NE(r.checked.find("1 submissions excused"), std::string::npos) << r.checked;
}

TEST(LivenessTest, WithoutStepsAPhasesNodesHoldThroughout) {
  HistoryBuilder h;
  h.Fault(1000, 13000, 0, "random", {3});
  h.Submit(1500, 1, "a").CommitAt(1600, {1, 2}, 1, "a");  // 0 never commits
  h.End(25000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {3}, kBound));
  EXPECT_EQ(r.violations, 2);  // the value, and recovery at replica 0
}

}  // namespace
}  // namespace turncoat
