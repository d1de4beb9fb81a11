#include "checkers/agreement.h"

#include "gtest/gtest.h"
#include "tests/checkers/history_builder.h"

namespace turncoat {
namespace {

TEST(AgreementTest, IdenticalLogsHold) {
  HistoryBuilder h;
  h.CommitAt(100, {0, 1, 2, 3}, 1, "a").CommitAt(200, {0, 1, 2, 3}, 2, "b");
  h.CommitAt(300, {0, 1}, 3, "c");  // 2 and 3 lag: not a disagreement
  const CheckResult r = RunRegistered("agreement", h.history(), Context(4));
  EXPECT_TRUE(r.holds());
  EXPECT_EQ(r.invariant, "agreement");
  EXPECT_EQ(r.kind, InvariantKind::kSafety);
  EXPECT_EQ(r.checked, "3 sequence numbers committed by 4 honest replicas");
}

TEST(AgreementTest, DifferentValuesAtOneSeqAreReportedWithEveryCommit) {
  HistoryBuilder h;
  h.CommitAt(100, {0, 1, 2, 3}, 1, "a");
  h.CommitAt(200, {0, 1, 3}, 2, "b").Commit(250, 2, 2, "evil");
  const CheckResult r = RunRegistered("agreement", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.message,
            "honest replicas disagree at seq 2: 'b' at replicas 0, 1, 3; 'evil' at "
            "replica 2");
  ASSERT_EQ(f.evidence.size(), 4u);
  const Observation& odd = f.evidence[3];
  EXPECT_EQ(odd.event, "commit");
  EXPECT_EQ(odd.replica, 2);
  EXPECT_EQ(odd.seq, 2u);
  EXPECT_EQ(odd.value, "evil");
  EXPECT_EQ(odd.t, absl::Milliseconds(250));
}

TEST(AgreementTest, ByzantineCommitsAreIgnored) {
  HistoryBuilder h;
  h.CommitAt(100, {1, 2, 3}, 1, "a").Commit(100, 0, 1, "lie");
  EXPECT_TRUE(RunRegistered("agreement", h.history(), Context(4, {0})).holds());
  EXPECT_FALSE(RunRegistered("agreement", h.history(), Context(4)).holds());
}

TEST(AgreementTest, FindingsAreCappedButEveryViolationCounts) {
  HistoryBuilder h;
  const uint64_t seqs = CheckResult::kMaxFindings + 10;
  for (uint64_t seq = 1; seq <= seqs; ++seq) {
    h.Commit(10 * seq, 0, seq, "x" + std::to_string(seq));
    h.Commit(10 * seq, 1, seq, "y" + std::to_string(seq));
  }
  const CheckResult r = RunRegistered("agreement", h.history(), Context(4));
  EXPECT_EQ(r.violations, static_cast<int64_t>(seqs));
  EXPECT_EQ(r.findings.size(), CheckResult::kMaxFindings);
  EXPECT_EQ(r.findings[0].message,
            "honest replicas disagree at seq 1: 'x1' at replica 0; 'y1' "
            "at replica 1");
}

}  // namespace
}  // namespace turncoat
