#include "checkers/prefix.h"

#include "gtest/gtest.h"
#include "tests/checkers/history_builder.h"

namespace turncoat {
namespace {

TEST(PrefixTest, LaggingLogsArePrefixes) {
  HistoryBuilder h;
  h.CommitAt(100, {0, 1, 2}, 1, "a").CommitAt(200, {0, 1}, 2, "b").Commit(300, 0, 3, "c");
  const CheckResult r = RunRegistered("prefix", h.history(), Context(4));
  EXPECT_TRUE(r.holds());
  EXPECT_EQ(r.checked, "6 commits in 3 logs of honest replica processes");
}

TEST(PrefixTest, SkippedSequenceNumberIsAGap) {
  HistoryBuilder h;
  h.Commit(100, 1, 1, "a").Commit(200, 1, 3, "c");
  const CheckResult r = RunRegistered("prefix", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message,
            "replica 1's commit number 2 has seq 3 (expected 2): its log skips at this point");
  ASSERT_EQ(r.findings[0].evidence.size(), 2u);
  EXPECT_EQ(r.findings[0].evidence[0].seq, 1u);
  EXPECT_EQ(r.findings[0].evidence[1].seq, 3u);
}

TEST(PrefixTest, RepeatedSequenceNumberIsReported) {
  HistoryBuilder h;
  h.Commit(100, 2, 1, "a").Commit(200, 2, 1, "b");
  const CheckResult r = RunRegistered("prefix", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message,
            "replica 2's commit number 2 has seq 1 (expected 2): its log "
            "repeats or goes back at this point");
}

TEST(PrefixTest, SameValuesInDifferentOrderDiverge) {
  HistoryBuilder h;
  h.Commit(100, 0, 1, "a").Commit(200, 0, 2, "b");
  h.Commit(100, 1, 1, "b").Commit(200, 1, 2, "a");
  h.Commit(100, 2, 1, "a");
  const CheckResult r = RunRegistered("prefix", h.history(), Context(4));
  ASSERT_EQ(r.violations, 2);  // 0-1 and 1-2; 0-2 agree as far as 2 goes
  EXPECT_EQ(r.findings[0].message,
            "the logs of replica 0 and replica 1 diverge at commit number 1: "
            "'a' vs 'b', so neither log is a prefix of the other");
  EXPECT_EQ(r.findings[1].message,
            "the logs of replica 1 and replica 2 diverge at commit number 1: "
            "'b' vs 'a', so neither log is a prefix of the other");
  EXPECT_EQ(r.findings[0].evidence[1].replica, 1);
}

TEST(PrefixTest, ARestartedProcessStartsANewLogThatMustStillAgree) {
  HistoryBuilder h;
  h.Start(0, 1);
  h.CommitAt(100, {0, 1}, 1, "a").CommitAt(200, {0, 1}, 2, "b").Commit(300, 0, 3, "c");
  h.Start(1000, 1);  // no durable state: replays from seq 1
  h.Commit(1100, 1, 1, "a").Commit(1101, 1, 2, "b");
  EXPECT_TRUE(RunRegistered("prefix", h.history(), Context(4)).holds());

  h.Commit(1102, 1, 3, "x");  // the replay diverges from replica 0
  const CheckResult r = RunRegistered("prefix", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);  // its first log ended before commit 3
  EXPECT_EQ(r.findings[0].message,
            "the logs of replica 0 and replica 1 (after restart 1) diverge at commit number 3: "
            "'c' vs 'x', so neither log is a prefix of the other");
}

TEST(PrefixTest, ByzantineLogsAreIgnored) {
  HistoryBuilder h;
  h.Commit(100, 0, 1, "a").Commit(100, 3, 5, "z");
  EXPECT_TRUE(RunRegistered("prefix", h.history(), Context(4, {3})).holds());
}

}  // namespace
}  // namespace turncoat
