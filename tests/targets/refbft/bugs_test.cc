#include "targets/refbft/bugs.h"

#include "gtest/gtest.h"

namespace refbft {
namespace {

TEST(BugSetTest, ParsesEveryKnownNameAndRoundTrips) {
  auto all = BugSet::Parse(
      "skip-signature-check, small-quorum,ignore-lock,no-view-change,double-commit,"
      "count-duplicate-votes,no-timeout-backoff,qc-any-round,backoff-per-replica");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(all->Has(Bug::kSkipSignatureCheck));
  EXPECT_TRUE(all->Has(Bug::kCountDuplicateVotes));
  EXPECT_TRUE(all->Has(Bug::kNoTimeoutBackoff));
  EXPECT_TRUE(all->Has(Bug::kQcAnyRound));
  EXPECT_TRUE(all->Has(Bug::kBackoffPerReplica));
  EXPECT_EQ(BugSet::AllNames().size(), 9u);
  auto again = BugSet::Parse(all->ToString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ToString(), all->ToString());
}

TEST(BugSetTest, EmptyIsNoBugs) {
  auto none = BugSet::Parse("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(none->Has(Bug::kSmallQuorum));
}

TEST(BugSetTest, UnknownNameListsTheKnownOnes) {
  auto bad = BugSet::Parse("small-quorum,typo");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown bug 'typo'"), std::string::npos);
  EXPECT_NE(bad.status().message().find("ignore-lock"), std::string::npos);
}

}  // namespace
}  // namespace refbft
