#include "checkers/liveness.h"

#include "gtest/gtest.h"
#include "tests/checkers/history_builder.h"

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
            "2 values due within 5s, 2 committed in time everywhere; 1 excused: 1 too close to "
            "the end of the run to judge; no fault phase to recover from");
  ASSERT_TRUE(r.coverage.has_value());
  EXPECT_EQ(r.coverage->judged, 2);
  EXPECT_EQ(r.coverage->excused,
            (std::map<std::string, int64_t>{{kLivenessTooLate, 1}}));
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
  EXPECT_EQ(r.checked,
            "0 values due within 5s, 0 committed in time everywhere; 2 excused: 1 rejected by "
            "the replica they were sent to, 1 sent to a Byzantine replica; no fault phase to "
            "recover from");
  ASSERT_TRUE(r.coverage.has_value());
  EXPECT_EQ(r.coverage->judged, 0);
  EXPECT_EQ(r.coverage->excused,
            (std::map<std::string, int64_t>{{kLivenessRejected, 1},
                                            {kLivenessByzantineReceiver, 1}}));
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
  // Nothing was held to the bound, and the coverage says so and why.
  ASSERT_TRUE(r.coverage.has_value());
  EXPECT_EQ(r.coverage->judged, 0);
  EXPECT_EQ(r.coverage->excused, (std::map<std::string, int64_t>{{kLivenessBeyondBound, 1}}));
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
  EXPECT_NE(r.checked.find("1 excused: 1 submitted while the cluster was beyond its fault bound"),
            std::string::npos)
      << r.checked;
}

TEST(LivenessTest, WithoutStepsAPhasesNodesHoldThroughout) {
  HistoryBuilder h;
  h.Fault(1000, 13000, 0, "random", {3});
  h.Submit(1500, 1, "a").CommitAt(1600, {1, 2}, 1, "a");  // 0 never commits
  h.End(25000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {3}, kBound));
  EXPECT_EQ(r.violations, 2);  // the value, and recovery at replica 0
}

// A delay on every link within the plan's synchrony bound Δ is recorded as
// the controller records it (adversaries/delay.cc, FaultyAtStart): a phase
// that makes nobody faulty, whose step says why. The cluster is judged
// through it.
HistoryBuilder& SlowWithinDelta(HistoryBuilder& h) {
  h.Fault(1000, 19000, 0, "delay", {});
  return h.Step(1000, 0, {});
}

TEST(LivenessTest, AStallUnderADelayWithinDeltaIsAViolation) {
  HistoryBuilder h;
  SlowWithinDelta(h);
  h.Submit(500, 0, "before").CommitAt(700, kAll, 1, "before");
  h.Submit(3000, 1, "stalled");  // never commits anywhere
  h.End(30000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  // The value, and no recovery at any of the four replicas.
  ASSERT_EQ(r.violations, 5) << r.checked;
  EXPECT_EQ(r.findings[0].message,
            "'stalled', submitted to replica 1 at 3s, did not commit at replicas 0, 1, 2, 3 "
            "within 5s (by 8s) although the cluster stayed within its fault bound");
  EXPECT_EQ(r.findings[1].message,
            "commits did not resume at replica 0 within 5s after the last fault phase ended at "
            "19s, although values were pending, e.g. 'stalled'");
  ASSERT_TRUE(r.coverage.has_value());
  EXPECT_EQ(r.coverage->judged, 2);
}

TEST(LivenessTest, ACommittingClusterUnderADelayWithinDeltaPasses) {
  HistoryBuilder h;
  SlowWithinDelta(h);
  h.Submit(3000, 1, "slow").CommitAt(6500, kAll, 1, "slow");  // late, but within the bound
  h.Submit(10000, 2, "slower").CommitAt(14900, kAll, 2, "slower");
  h.End(30000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  EXPECT_TRUE(r.holds()) << r.checked;
  ASSERT_TRUE(r.coverage.has_value());
  EXPECT_EQ(r.coverage->judged, 2);
  EXPECT_TRUE(r.coverage->excused.empty());
}

TEST(LivenessTest, ADelayBeyondDeltaStillExcusesTheStall) {
  HistoryBuilder h;
  // Beyond Δ (or with no Δ declared) the delay has no step: its nodes, every
  // replica, are faulty throughout, as before Δ existed.
  h.Fault(1000, 19000, 0, "delay", kAll);
  h.Submit(3000, 1, "stalled");
  h.CommitAt(20000, kAll, 1, "stalled");  // commits resume after it heals
  h.End(30000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  EXPECT_TRUE(r.holds()) << r.checked;
  ASSERT_TRUE(r.coverage.has_value());
  EXPECT_EQ(r.coverage->judged, 0);
  EXPECT_EQ(r.coverage->excused, (std::map<std::string, int64_t>{{kLivenessBeyondBound, 1}}));
}

TEST(LivenessTest, ValuesThroughTheClientProgramAreJudgedAndNamedSo) {
  HistoryBuilder h;
  // Replica -1: the system's own client program picked the replicas.
  h.Submit(1000, -1, "met").CommitAt(1500, kAll, 1, "met");
  h.Submit(2000, -1, "p").CommitAt(2500, {0, 1, 2}, 2, "p");
  h.Submit(3000, -1, "refused", /*accepted=*/false);
  // Never acknowledged, never committed: exactly what liveness is about,
  // not an excuse.
  h.Unacknowledged(4000, "stalled", 3000);
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  ASSERT_EQ(r.violations, 2);
  EXPECT_EQ(r.findings[1].message,
            "'stalled', submitted through the client program at 4s, did not commit at replicas "
            "0, 1, 2, 3 within 5s (by 9s) although the cluster stayed within its fault bound");
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.message,
            "'p', submitted through the client program at 2s, did not commit at replica 3 "
            "within 5s (by 7s) although the cluster stayed within its fault bound");
  ASSERT_EQ(f.evidence.size(), 2u);
  EXPECT_EQ(f.evidence[0].event, "submit");
  EXPECT_EQ(f.evidence[0].replica, -1);
  EXPECT_EQ(f.evidence[0].note, "submitted through the client program and acknowledged");
  EXPECT_EQ(r.checked.substr(0, 55), "3 values due within 5s, 1 committed in time everywhere;")
      << r.checked;
}

// A chained protocol commits a block only once k later ones arrive: the
// last k values of the run are never due.
TEST(LivenessTest, TheLastValuesOfAPipelineAreNotDue) {
  HistoryBuilder h;
  h.Submit(1000, 0, "a").CommitAt(1500, kAll, 1, "a");
  h.Submit(2000, 0, "b").CommitAt(2500, kAll, 2, "b");
  h.Submit(3000, 0, "c");  // would be committed by later blocks
  h.Submit(3500, 1, "d");
  h.Submit(3600, 2, "c");  // a resubmission does not make "c" later
  h.End(20000);
  CheckContext context = Context(4, {}, kBound);
  EXPECT_EQ(RunRegistered("liveness", h.history(), context).violations, 2);
  context.checks.pipeline_depth = 2;
  const CheckResult r = RunRegistered("liveness", h.history(), context);
  EXPECT_TRUE(r.holds()) << r.checked;
  ASSERT_TRUE(r.coverage.has_value());
  EXPECT_EQ(r.coverage->judged, 2);
  EXPECT_EQ(r.coverage->excused,
            (std::map<std::string, int64_t>{{"last in the pipeline (pipeline_depth 2)", 2}}));
  EXPECT_NE(r.checked.find("2 excused: 2 last in the pipeline (pipeline_depth 2)"),
            std::string::npos)
      << r.checked;
  // Depth 1 excuses only "d", the last value submitted.
  context.checks.pipeline_depth = 1;
  const CheckResult one = RunRegistered("liveness", h.history(), context);
  ASSERT_EQ(one.violations, 1);
  EXPECT_EQ(one.findings[0].evidence[0].value, "c");
}

// Nor is a pipeline's tail pending for the recovery rule.
TEST(LivenessTest, APipelinesTailIsNotPendingAfterTheLastFault) {
  HistoryBuilder h;
  h.Fault(1000, 2000, 0, "omission", {});
  h.Submit(500, 0, "a").CommitAt(600, kAll, 1, "a");
  h.Submit(1500, 0, "tail");
  h.End(20000);
  CheckContext context = Context(4, {}, kBound);
  context.checks.pipeline_depth = 1;
  EXPECT_TRUE(RunRegistered("liveness", h.history(), context).holds());
  // Without the pipeline: the value is late everywhere, and commits did not
  // resume at any of the four replicas.
  context.checks.pipeline_depth = 0;
  EXPECT_EQ(RunRegistered("liveness", h.history(), context).violations, 5);
}

// One value sent to several replicas is due if any submission qualifies,
// and otherwise excused once, for its earliest submission's reason.
TEST(LivenessTest, CoverageCountsValuesNotSubmissions) {
  HistoryBuilder h;
  h.Fault(0, 10000, 0, "pause", {1});
  h.Submit(1000, 1, "a").Submit(1000, 0, "a", /*accepted=*/true, /*client=*/1);
  h.CommitAt(1200, {0, 2, 3}, 1, "a");
  h.Submit(2000, 1, "b").Submit(2500, 3, "b", /*accepted=*/false, /*client=*/1);
  h.End(20000);
  const CheckResult r = RunRegistered("liveness", h.history(), Context(4, {}, kBound));
  ASSERT_TRUE(r.coverage.has_value());
  EXPECT_EQ(r.coverage->judged, 1);
  EXPECT_EQ(r.coverage->excused, (std::map<std::string, int64_t>{{kLivenessFaultyReceiver, 1}}));
}

}  // namespace
}  // namespace turncoat
