#include "checkers/no_honest_crash.h"

#include "gtest/gtest.h"
#include "tests/checkers/history_builder.h"

namespace turncoat {
namespace {

TEST(NoHonestCrashTest, ExitsTheHarnessAskedForHold) {
  HistoryBuilder h;
  h.Exit(5000, 1, /*requested=*/true, std::nullopt, 9).Exit(20000, 2, true, 0, std::nullopt);
  const CheckResult r = RunRegistered("no-honest-crash", h.history(), Context(4));
  EXPECT_TRUE(r.holds());
  EXPECT_EQ(r.checked, "2 process exits of honest replicas");
}

TEST(NoHonestCrashTest, SignalDeathIsReportedWithItsOutput) {
  HistoryBuilder h;
  h.Exit(3000, 2, false, std::nullopt, 11, "SIGSEGV in Replica::OnVote");
  const CheckResult r = RunRegistered("no-honest-crash", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message,
            "honest replica 2 was killed by signal 11 at 3s without the harness stopping it");
  ASSERT_EQ(r.findings[0].evidence.size(), 1u);
  EXPECT_EQ(r.findings[0].evidence[0].event, "process_exit");
  EXPECT_EQ(r.findings[0].evidence[0].note, "was killed by signal 11: SIGSEGV in Replica::OnVote");
}

TEST(NoHonestCrashTest, EvenACleanUnrequestedExitCounts) {
  HistoryBuilder h;
  h.Exit(1500, 0, false, 0, std::nullopt);
  const CheckResult r = RunRegistered("no-honest-crash", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message,
            "honest replica 0 exited with code 0 at 1.5s without the harness stopping it");
}

TEST(NoHonestCrashTest, ByzantineReplicasMayDie) {
  HistoryBuilder h;
  h.Exit(1500, 3, false, 1, std::nullopt);
  EXPECT_TRUE(RunRegistered("no-honest-crash", h.history(), Context(4, {3})).holds());
}

// After the run's end turncoat is stopping the cluster: a replica whose
// peers went first may leave on its own, with a status the target calls
// clean (exit_ok, by default 0 and 128 + SIGTERM).
TEST(NoHonestCrashTest, ACleanExitOnItsOwnAfterTheRunsEndIsNoCrash) {
  HistoryBuilder h;
  h.End(20000);
  h.Exit(20100, 0, /*requested=*/false, 0, std::nullopt);
  h.Exit(20200, 1, false, std::nullopt, 15);
  h.Exit(20300, 2, true, std::nullopt, 9);
  const CheckResult r = RunRegistered("no-honest-crash", h.history(), Context(4));
  EXPECT_TRUE(r.holds());
  EXPECT_EQ(r.checked,
            "3 process exits of honest replicas, 2 unasked after the run's end with a status "
            "the target calls clean (exit_ok)");
}

TEST(NoHonestCrashTest, AnyOtherStatusAfterTheRunsEndIsStillACrash) {
  HistoryBuilder h;
  h.End(20000);
  h.Exit(20100, 0, false, 1, std::nullopt, "panic: peer gone");
  h.Exit(20200, 1, false, std::nullopt, 11);  // 128 + 11 = 139
  const CheckResult r = RunRegistered("no-honest-crash", h.history(), Context(4));
  ASSERT_EQ(r.violations, 2);
  EXPECT_EQ(r.findings[0].message,
            "honest replica 0 exited with code 1 at 20.1s without the harness stopping it");
}

TEST(NoHonestCrashTest, TheTargetSaysWhichStatusesAreClean) {
  HistoryBuilder h;
  h.End(20000);
  h.Exit(20100, 0, false, 1, std::nullopt);
  h.Exit(20200, 1, false, std::nullopt, 2);  // SIGINT: 130
  CheckContext context = Context(4);
  context.checks.exit_ok = {1, 130};
  EXPECT_TRUE(RunRegistered("no-honest-crash", h.history(), context).holds());
  context.checks.exit_ok = {};
  EXPECT_EQ(RunRegistered("no-honest-crash", h.history(), context).violations, 2);
}

// Before the run's end a clean status is still an exit nobody asked for,
// and without a RunEnd the run never ended.
TEST(NoHonestCrashTest, BeforeTheRunsEndACleanStatusIsStillACrash) {
  HistoryBuilder h;
  h.Exit(5000, 0, false, 0, std::nullopt);
  EXPECT_EQ(RunRegistered("no-honest-crash", h.history(), Context(4)).violations, 1);
  h.End(20000);
  EXPECT_EQ(RunRegistered("no-honest-crash", h.history(), Context(4)).violations, 1);
}

}  // namespace
}  // namespace turncoat
