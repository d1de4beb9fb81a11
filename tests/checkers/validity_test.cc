#include "checkers/validity.h"

#include "gtest/gtest.h"
#include "tests/checkers/history_builder.h"

namespace turncoat {
namespace {

TEST(ValidityTest, SubmittedValuesMayCommit) {
  HistoryBuilder h;
  h.Submit(100, 0, "a").CommitAt(300, {0, 1, 2, 3}, 1, "a");
  h.Submit(200, 1, "b", /*accepted=*/false).CommitAt(400, {0, 1}, 2, "b");
  const CheckResult r = RunRegistered("validity", h.history(), Context(4));
  EXPECT_TRUE(r.holds());
  EXPECT_EQ(r.checked, "6 honest commits against 2 submitted values");
}

TEST(ValidityTest, ValueNobodySubmittedIsOneFindingAcrossReplicas) {
  HistoryBuilder h;
  h.Submit(100, 0, "a").CommitAt(300, {0, 1}, 1, "forged").CommitAt(300, {2, 3}, 1, "a");
  const CheckResult r = RunRegistered("validity", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message, "replicas 0, 1 committed 'forged', which no client submitted");
  ASSERT_EQ(r.findings[0].evidence.size(), 2u);
  EXPECT_EQ(r.findings[0].evidence[1].replica, 1);
  EXPECT_EQ(r.findings[0].evidence[1].value, "forged");
}

TEST(ValidityTest, CommitBeforeSubmitIsAViolation) {
  HistoryBuilder h;
  h.Commit(1000, 2, 1, "early").Submit(2000, 0, "early");
  const CheckResult r = RunRegistered("validity", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message,
            "replica 2 committed 'early' before any client submitted it (first at 2s)");
  ASSERT_EQ(r.findings[0].evidence.size(), 2u);
  EXPECT_EQ(r.findings[0].evidence[1].event, "submit");
}

TEST(ValidityTest, NonTextValuesAreShownInHex) {
  HistoryBuilder h;
  h.Commit(100, 0, 1, std::string("\xff\x00", 2));
  const CheckResult r = RunRegistered("validity", h.history(), Context(4));
  ASSERT_EQ(r.violations, 1);
  EXPECT_EQ(r.findings[0].message, "replica 0 committed '0xff00', which no client submitted");
}

TEST(ValidityTest, ByzantineReplicasMayCommitAnything) {
  HistoryBuilder h;
  h.Commit(100, 3, 1, "forged");
  EXPECT_TRUE(RunRegistered("validity", h.history(), Context(4, {3})).holds());
}

}  // namespace
}  // namespace turncoat
