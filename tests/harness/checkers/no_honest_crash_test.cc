#include "harness/checkers/no_honest_crash.h"

#include "gtest/gtest.h"
#include "tests/harness/history_builder.h"

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

}  // namespace
}  // namespace turncoat
