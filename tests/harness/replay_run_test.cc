// `turncoat replay` end to end: the real binary, agents and refbft replicas
// on 127.0.0.1. A run that finds a planted bug (double-commit, found within
// seconds by replayed forwards) records the command that re-runs it and
// keeps the files it ran; replaying it breaks the same invariant even after
// the plan file was changed to one that would pass. A passing run passes
// again. No process may outlive a run.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/harness/run_fixture.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kWorkload[] = "replicas: 4\nworkload: { rate: 40/s, clients: 2, value_bytes: 32 }\n";
constexpr char kSafety[] =
    "expect:\n  safety: [agreement, prefix, validity, integrity, no-honest-crash]\n";
// Every request Byzantine replica 2 forwards is sent again a second later,
// after it committed: a replica without request deduplication commits it
// twice (integrity).
constexpr char kReplayedForwards[] =
    "timeline:\n"
    "  - { at: 1s, for: 4s, adversary: replay, nodes: [2],\n"
    "      params: { after: 1s, peers: any, messages: [forward] } }\n";

class ReplayRunTest : public TurncoatRunTest {
 protected:
  // `turncoat replay ARGS`, started in dir_; the exit code, or -1.
  int Replay(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"replay"};
    argv.insert(argv.end(), args.begin(), args.end());
    Subprocess process = StartTurncoat(argv, "replay.");
    return Finish(process);
  }

  std::string ReplayOutput() {
    return Slurp(dir_ + "/replay.stdout") + Slurp(dir_ + "/replay.stderr");
  }
};

TEST_F(ReplayRunTest, AFailingRunReplaysTheSameInvariantFromItsSavedPlan) {
  const std::string plan = WritePlan(
      "replayed-forwards", absl::StrCat(kWorkload, "byzantine: [2]\nseed: 5\nduration: 6s\n",
                                        kReplayedForwards, kSafety));
  ASSERT_EQ(RunToEnd({plan, "--replica-arg=--bug=double-commit"}), 1) << Output();
  const json report = Report();
  ASSERT_EQ(Violated(report), std::vector<std::string>{"integrity"}) << Output();

  // The report, the page and the terminal all give the command.
  const json& replay = report["replay"];
  const std::vector<std::string> argv = {TURNCOAT_BINARY, "run", plan, "--seed=5",
                                         "--replica-arg=--bug=double-commit"};
  EXPECT_EQ(replay["argv"], json(argv));
  EXPECT_EQ(replay["plan"], plan);
  EXPECT_EQ(replay["target"], absl::StrCat(TURNCOAT_SOURCE_DIR, "/targets/refbft.yaml"));
  EXPECT_EQ(replay["seed"], 5);
  EXPECT_TRUE(replay["trace"].is_null());
  EXPECT_EQ(replay["direct_links"], false);
  EXPECT_EQ(replay["turncoat_version"], report["versions"]["turncoat"]);
  const std::string command = replay["command"];
  EXPECT_TRUE(absl::StrContains(Output(), "re-run:  " + command)) << Output();
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir_ + "/report.html"), command));
  EXPECT_EQ(Slurp(run_dir_ + "/plan.yaml"), Slurp(plan));
  EXPECT_EQ(Slurp(run_dir_ + "/target.yaml"),
            Slurp(absl::StrCat(TURNCOAT_SOURCE_DIR, "/targets/refbft.yaml")));

  // Without its fault the plan would pass; the replay still runs the plan
  // as it was run, and says the file changed.
  WritePlan("replayed-forwards",
            absl::StrCat(kWorkload, "byzantine: [2]\nseed: 5\nduration: 6s\n", kSafety));
  EXPECT_EQ(Replay({"run"}), 0) << ReplayOutput();
  const std::string out = ReplayOutput();
  EXPECT_TRUE(absl::StrContains(out, "warning: the plan file " + plan + " changed since the run"))
      << out;
  EXPECT_TRUE(absl::StrContains(out, "reproduced 1 of 1: integrity")) << out;
  const json again = json::parse(Slurp(run_dir_ + "/replay-1/report.json"));
  EXPECT_EQ(Violated(again), std::vector<std::string>{"integrity"});
  // The attempt's own report replays the same run.
  EXPECT_EQ(again["replay"]["argv"], json(argv));
  EXPECT_EQ(again["replay"]["plan_sha256"], replay["plan_sha256"]);
}

TEST_F(ReplayRunTest, APassingRunPassesAgain) {
  const std::string plan =
      WritePlan("quiet", absl::StrCat(kWorkload, "seed: 9\nduration: 4s\n", kSafety));
  ASSERT_EQ(RunToEnd({plan, "--trace=50"}), 0) << Output();
  EXPECT_EQ(Report()["replay"]["trace"], 50);
  EXPECT_EQ(Replay({"run", "--out=again"}), 0) << ReplayOutput();
  EXPECT_TRUE(absl::StrContains(ReplayOutput(), "passed again 1 of 1")) << ReplayOutput();
  EXPECT_FALSE(absl::StrContains(ReplayOutput(), "warning:")) << ReplayOutput();
  const json again = json::parse(Slurp(dir_ + "/again/replay-1/report.json"));
  EXPECT_EQ(again["verdict"], "pass");
  EXPECT_EQ(again["plan"]["trace"]["sample_every"], 0);  // the plan's own key
  EXPECT_EQ(again["trace"]["sample_every"], 50);         // --trace=50 again
  EXPECT_EQ(ProcessesMentioning(dir_ + "/again"), std::vector<int>{}) << "processes left behind";
}

}  // namespace
}  // namespace turncoat
