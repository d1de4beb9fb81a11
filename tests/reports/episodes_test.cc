#include "reports/episodes.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/checkers/history_builder.h"

namespace turncoat {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Duration kBound = absl::Seconds(6);
const std::vector<int> kAll = {0, 1, 2, 3};

Plan FourReplicas() {
  Plan plan;
  plan.n = 4;
  plan.f = 1;
  plan.expect.commit_within = kBound;
  return plan;
}

std::vector<CheckResult> Check(const History& history, std::set<int> byzantine = {}) {
  std::vector<CheckResult> results;
  for (const char* name : {"agreement", "liveness"}) {
    results.push_back(RunRegistered(name, history, Context(4, byzantine, kBound)));
  }
  return results;
}

// One value every 100 ms to replica 0; each commits 50 ms later at every
// replica unless `committed` says otherwise.
template <typename CommitFn>
HistoryBuilder Steady(int64_t until_ms, CommitFn committed) {
  HistoryBuilder h;
  uint64_t seq = 0;
  for (int i = 1; 100 * i < until_ms; ++i) {
    const std::string value = absl::StrCat("v", i);
    h.Submit(100 * i, 0, value);
    if (std::optional<int64_t> at = committed(i); at.has_value()) {
      h.CommitAt(*at, kAll, ++seq, value);
    }
  }
  return h;
}

// The case: the leader crashes at 5 s and no honest replica ever
// commits again, after the values already in flight (committed 150 ms after
// submission, so one lands after the first late value was submitted).
// Hundreds of findings are one episode.
TEST(EpisodesTest, ALeaderCrashThatStopsCommitsForGoodIsOneEpisode) {
  HistoryBuilder h = Steady(25000, [](int i) -> std::optional<int64_t> {
    return 100 * i < 5000 ? std::optional<int64_t>(100 * i + 150) : std::nullopt;
  });
  h.Fault(5000, 15000, 0, "crash", {1}).Exit(5000, 1, true, std::nullopt, 9).Start(15000, 1);
  h.End(25000);
  const std::vector<CheckResult> results = Check(h.history());
  ASSERT_GT(results[1].violations, 100);

  const std::vector<Episode> episodes = BuildEpisodes(FourReplicas(), h.history(), results);
  ASSERT_EQ(episodes.size(), 1u);
  const Episode& e = episodes[0];
  EXPECT_EQ(e.invariant, "liveness");
  EXPECT_EQ(e.kind, InvariantKind::kLiveness);
  EXPECT_TRUE(e.stalled);
  EXPECT_EQ(e.began, absl::Milliseconds(5050));
  EXPECT_FALSE(e.resumed.has_value());
  // Replica 1 is late too once back: commits do not resume after the
  // crash ends (the recovery rule's findings, one per replica).
  EXPECT_THAT(e.replicas, ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(e.findings, results[1].violations);
  EXPECT_EQ(e.values, results[1].violations - 4);
  EXPECT_EQ(e.examples.size(), kMaxEpisodeExamples);
  ASSERT_EQ(e.faults.size(), 1u);
  EXPECT_EQ(e.faults[0].adversary, "crash");
  EXPECT_THAT(e.faults[0].nodes, ElementsAre(1));
  EXPECT_THAT(e.summary, HasSubstr("Commits stopped at 5.050s at replicas 0, 1, 2, 3 and never "
                                   "resumed (the run ended at 25.000s): "));
  EXPECT_THAT(e.summary, HasSubstr("values submitted from 5.000s to "));
  EXPECT_THAT(e.summary, HasSubstr("did not commit within 6s; active then: phase 0 (crash on "
                                   "replica 1, 5.000s to 15.000s)."));
  EXPECT_THAT(e.why, HasSubstr("At most f = 1 of the 4 replicas were faulty"));
  EXPECT_THAT(e.why, HasSubstr("commit_within of 6s"));
  EXPECT_TRUE(e.logs.empty());
}

// Two stalls with healthy commits between them are two episodes; the
// first says when commits came back.
TEST(EpisodesTest, SeparateStallsAreSeparateEpisodesInTimeOrder) {
  HistoryBuilder h = Steady(30000, [](int i) -> std::optional<int64_t> {
    const int64_t t = 100 * i;
    if (t >= 20000) return std::nullopt;                // stops for good at 20 s
    if (t >= 2000 && t < 10000) return 10000 + (i - 20);  // the backlog, at 10 s
    return t + 50;
  });
  h.End(30000);
  const std::vector<CheckResult> results = Check(h.history());
  const std::vector<Episode> episodes = BuildEpisodes(FourReplicas(), h.history(), results);
  ASSERT_EQ(episodes.size(), 2u);
  EXPECT_EQ(episodes[0].began, absl::Milliseconds(1950));
  ASSERT_TRUE(episodes[0].resumed.has_value());
  EXPECT_EQ(*episodes[0].resumed, absl::Milliseconds(10000));
  EXPECT_THAT(episodes[0].summary, HasSubstr("resumed only at 10.000s"));
  EXPECT_THAT(episodes[0].replicas, ElementsAre(0, 1, 2, 3));
  EXPECT_TRUE(episodes[0].faults.empty());
  EXPECT_EQ(episodes[1].began, absl::Milliseconds(19950));
  EXPECT_FALSE(episodes[1].resumed.has_value());
  EXPECT_EQ(episodes[0].findings + episodes[1].findings, results[1].violations);
}

// A value left out while the replica kept committing others is not a
// stall, and the episode says so.
TEST(EpisodesTest, ACensoredValueIsNotCalledAStall) {
  HistoryBuilder h = Steady(20000, [](int i) -> std::optional<int64_t> {
    return i == 30 ? std::nullopt : std::optional<int64_t>(100 * i + 50);
  });
  h.End(20000);
  const std::vector<CheckResult> results = Check(h.history());
  const std::vector<Episode> episodes = BuildEpisodes(FourReplicas(), h.history(), results);
  ASSERT_EQ(episodes.size(), 1u);
  EXPECT_FALSE(episodes[0].stalled);
  EXPECT_EQ(episodes[0].began, absl::Milliseconds(3000));
  EXPECT_EQ(episodes[0].summary,
            "1 value submitted from 3.000s to 3.000s did not commit within 6s at replicas 0, 1, "
            "2, 3, which kept committing other values.");
}

// A safety episode shows the logs side by side around the lowest diverging
// sequence number, the divergence's own entries cited.
TEST(EpisodesTest, ASafetyEpisodeShowsTheLogsAroundTheFirstDivergence) {
  HistoryBuilder h;
  for (uint64_t seq = 1; seq <= 12; ++seq) {
    const std::string value = absl::StrCat("v", seq);
    const int64_t t = 100 * static_cast<int64_t>(seq);
    h.Submit(t - 50, 0, value).CommitAt(t, {0, 1}, seq, value);
    h.Commit(t, 2, seq, seq >= 6 ? absl::StrCat("rogue", seq) : value);
  }
  h.End(20000);
  std::vector<CheckResult> results = {
      RunRegistered("agreement", h.history(), Context(4, {3}, kBound))};
  ASSERT_EQ(results[0].violations, 7);
  Plan plan = FourReplicas();
  plan.byzantine = {3};

  const std::vector<Episode> episodes = BuildEpisodes(plan, h.history(), results);
  ASSERT_EQ(episodes.size(), 1u);
  const Episode& e = episodes[0];
  EXPECT_EQ(e.kind, InvariantKind::kSafety);
  EXPECT_EQ(e.began, absl::Milliseconds(600));
  EXPECT_THAT(e.replicas, ElementsAre(0, 1, 2));
  EXPECT_EQ(e.findings, 7);
  EXPECT_EQ(e.examples.size(), kMaxEpisodeExamples);
  EXPECT_EQ(e.summary,
            "The first of 7 violations of agreement, at 0.600s: honest replicas disagree at seq "
            "6: 'rogue6' at replica 2; 'v6' at replicas 0, 1.");
  EXPECT_EQ(e.why,
            "A correct BFT protocol promises that no two honest replicas commit different values "
            "at one sequence number whatever the network does, with up to f = 1 of its 4 "
            "replicas faulty.");
  ASSERT_EQ(e.logs.size(), 3u);
  const ReplicaLog& rogue = e.logs[2];
  EXPECT_EQ(rogue.replica, 2);
  ASSERT_EQ(rogue.entries.size(), 2 * kLogContext + 1);
  EXPECT_EQ(rogue.entries.front().seq, 3u);
  EXPECT_EQ(rogue.entries.back().seq, 9u);
  for (const LogEntry& entry : rogue.entries) {
    EXPECT_EQ(entry.cited, entry.seq == 6) << entry.seq;
  }
  EXPECT_EQ(rogue.entries[3].value, "rogue6");
  EXPECT_EQ(e.logs[0].entries[3].value, "v6");
}

TEST(EpisodesTest, EveryFindingBelongsToExactlyOneEpisode) {
  HistoryBuilder h = Steady(25000, [](int i) -> std::optional<int64_t> {
    return 100 * i < 5000 ? std::optional<int64_t>(100 * i + 50) : std::nullopt;
  });
  h.Commit(5100, 2, 49, "evil").End(25000);
  std::vector<CheckResult> results = Check(h.history());
  ASSERT_FALSE(results[0].holds());
  const std::vector<Episode> episodes = BuildEpisodes(FourReplicas(), h.history(), results);
  ASSERT_EQ(episodes.size(), 2u);
  // In time order: the liveness stall began before the divergence.
  EXPECT_EQ(episodes[0].invariant, "liveness");
  EXPECT_EQ(episodes[1].invariant, "agreement");
  EXPECT_EQ(episodes[0].findings, static_cast<int64_t>(results[1].findings.size()));
  EXPECT_EQ(episodes[1].findings, static_cast<int64_t>(results[0].findings.size()));
}

TEST(EpisodesTest, NoFindingsNoEpisodes) {
  HistoryBuilder h = Steady(10000, [](int i) { return std::optional<int64_t>(100 * i + 50); });
  h.End(10000);
  EXPECT_TRUE(BuildEpisodes(FourReplicas(), h.history(), Check(h.history())).empty());
}

}  // namespace
}  // namespace turncoat
