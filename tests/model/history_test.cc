#include "model/history.h"

#include "gtest/gtest.h"

namespace turncoat {
namespace {

LinkStats Stats(int seconds, int from, int to, int64_t matched) {
  return LinkStats{absl::Seconds(seconds), from, to, {{"p0-omission-m0 matched", matched}}};
}

// A run of hundreds of phases records a link's cumulative counters after
// each one; the History keeps the latest per link, which is all its readers
// (the report's link counters, the inconclusive check) use.
TEST(HistoryTest, KeepsTheLatestLinkStatsOfEachLink) {
  History history;
  history.Add(Stats(1, 0, 1, 10));
  history.Add(Stats(2, 2, 0, 5));
  history.Add(Stats(3, 0, 1, 30));
  history.Add(Stats(2, 0, 1, 20));  // arrived late: older than the one kept
  history.Add(Stats(3, 0, 1, 31));  // same time, added later: the later one

  ASSERT_EQ(history.link_stats().size(), 2u);
  const LinkStats& first = history.link_stats()[0];
  EXPECT_EQ(first.from, 0);
  EXPECT_EQ(first.to, 1);
  EXPECT_EQ(first.t, absl::Seconds(3));
  EXPECT_EQ(first.counters.at("p0-omission-m0 matched"), 31);
  const LinkStats& second = history.link_stats()[1];
  EXPECT_EQ(second.from, 2);
  EXPECT_EQ(second.to, 0);
  EXPECT_EQ(second.counters.at("p0-omission-m0 matched"), 5);
}

}  // namespace
}  // namespace turncoat
