// Long-horizon replay end to end (plans/long-replay.yaml): correct refbft,
// four replicas, Byzantine replica 1 replaying from the agents' run-long
// archive. The first phase
// starts 25 s into the run and replays messages at least 20 s old; the
// second replays messages 10 or more rounds (heights) behind. The history
// must show that what was replayed was that old — by the clock and by its
// height against the highest the replica had sent — and refbft must stay
// safe and live through it.
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/harness/run_fixture.h"

namespace turncoat {
namespace {

class LongReplayRunTest : public TurncoatRunTest {
 protected:
  // Every rewriter counter of phase `phase`'s rules, from the last
  // link_stats of each link in history.jsonl, by "<link> <counter>".
  std::map<std::string, int64_t> PhaseCounters(int phase) {
    std::map<std::string, int64_t> counters;
    std::ifstream in(run_dir_ + "/history.jsonl");
    const std::string prefix = absl::StrCat("p", phase, "-replay");
    for (std::string line; std::getline(in, line);) {
      const nlohmann::json e = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (e.is_discarded() || e.value("type", "") != "link_stats") continue;
      for (const auto& [name, value] : e["counters"].items()) {
        if (!absl::StartsWith(name, prefix)) continue;
        const size_t space = name.find(' ');
        counters[absl::StrCat(e["from"].get<int>(), "->", e["to"].get<int>(),
                              name.substr(space))] = value.get<int64_t>();
      }
    }
    return counters;
  }

  // The smallest and largest value of `counter` over the links that have it.
  static std::pair<int64_t, int64_t> Range(const std::map<std::string, int64_t>& counters,
                                           const std::string& counter) {
    std::pair<int64_t, int64_t> range{INT64_MAX, INT64_MIN};
    for (const auto& [name, value] : counters) {
      if (!absl::EndsWith(name, absl::StrCat(" ", counter))) continue;
      range.first = std::min(range.first, value);
      range.second = std::max(range.second, value);
    }
    return range;
  }

  static int64_t Sum(const std::map<std::string, int64_t>& counters, const std::string& counter) {
    int64_t sum = 0;
    for (const auto& [name, value] : counters) {
      if (absl::EndsWith(name, absl::StrCat(" ", counter))) sum += value;
    }
    return sum;
  }
};

TEST_F(LongReplayRunTest, ReplaysMessagesTwentySecondsOldAndRefbftStaysSafe) {
  const int code = RunToEnd({Plan("long-replay.yaml")});
  ASSERT_EQ(code, 0) << Output();
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "pass") << Output();
  for (const auto& inv : report["invariants"]) {
    EXPECT_TRUE(inv["holds"].get<bool>()) << inv.dump();
  }

  // By the clock: every message the first phase replayed was at least 20 s
  // old when replayed, and some reached back to the run's first seconds.
  const std::map<std::string, int64_t> by_age = PhaseCounters(0);
  EXPECT_GT(Sum(by_age, "replayed"), 20) << testing::PrintToString(by_age);
  EXPECT_GE(Range(by_age, "replayed age ms min").first, 20'000) << testing::PrintToString(by_age);
  EXPECT_GE(Range(by_age, "replayed age ms max").second, 22'000)
      << testing::PrintToString(by_age);
  // By height: far below what replica 1 had reached.
  EXPECT_GE(Range(by_age, "replayed rounds behind max").second, 20)
      << testing::PrintToString(by_age);

  const std::map<std::string, int64_t> by_round = PhaseCounters(1);
  EXPECT_GT(Sum(by_round, "replayed"), 5) << testing::PrintToString(by_round);
  EXPECT_GE(Range(by_round, "replayed rounds behind min").first, 10)
      << testing::PrintToString(by_round);

  // The history says what the phase replayed.
  const std::string history = Slurp(run_dir_ + "/history.jsonl");
  EXPECT_TRUE(absl::StrContains(
      history, "replays messages at least 20s old, from the run's archive"));
  EXPECT_TRUE(absl::StrContains(
      history, "replays messages 10 or more rounds behind, from the run's archive"));
}

}  // namespace
}  // namespace turncoat
