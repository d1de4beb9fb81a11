// Reading a run directory back for a replay (harness/replay.h): the saved
// copies are what would run, changes since the run are warned about, and a
// directory that cannot be replayed is bad input naming the file and the
// fix. Files only: nothing is started.
#include "harness/replay.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "gtest/gtest.h"
#include "harness/commands/replay_command.h"
#include "harness/version.h"
#include "loaders/plan_loader.h"
#include "loaders/target_loader.h"
#include "model/exit_codes.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSource = TURNCOAT_SOURCE_DIR;

std::string PlanText(const std::string& duration) {
  return absl::StrCat("name: replayed\ntarget: ", kSource,
                      "/targets/refbft.yaml\nreplicas: 4\nbyzantine: [2]\nseed: 3\nduration: ",
                      duration,
                      "\nworkload: { rate: 20/s }\ntimeline:\n"
                      "  - { at: 1s, for: 2s, adversary: omission, nodes: [2], params: { drop: 1 } }\n"
                      "expect:\n  safety: [agreement, integrity]\n");
}

class ReplayLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/turncoat_replay_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    plan_path_ = dir_ + "/plan-as-written.yaml";
    run_dir_ = dir_ + "/run";
    std::ofstream(plan_path_) << PlanText("7s");
    // A run of the plan, as the controller leaves it: the copies and a
    // report whose replay object it made.
    auto plan = LoadPlanFile(plan_path_);
    ASSERT_TRUE(plan.ok()) << plan.status();
    auto target = LoadTargetFile(plan->target);
    ASSERT_TRUE(target.ok()) << target.status();
    RunOptions options;
    options.seed = 11;
    options.replica_args = {"--bug=double-commit"};
    spec_ = ReplaySpecFor(*plan, *target, options);
    const absl::Status saved = SaveRunInputs(*plan, *target, run_dir_);
    ASSERT_TRUE(saved.ok()) << saved;
    WriteReport(R"({"verdict": "fail", "invariants": [{"name": "agreement", "holds": true},
                   {"name": "integrity", "holds": false}]})");
  }

  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  void WriteReport(const std::string& findings) {
    json report = json::parse(findings);
    report["replay"] = ReplaySpecToJson(spec_);
    std::ofstream(run_dir_ + "/report.json") << report.dump(2);
  }

  std::string dir_;
  std::string plan_path_;
  std::string run_dir_;
  ReplaySpec spec_;
};

TEST_F(ReplayLoadTest, TheSpecNamesAbsolutePathsAndTheHashesOfWhatRan) {
  EXPECT_EQ(spec_.plan_path, plan_path_);
  EXPECT_EQ(spec_.target_path, kSource + "/targets/refbft.yaml");
  EXPECT_EQ(spec_.plan_sha256, Sha256Hex(PlanText("7s")));
  std::ifstream target(spec_.target_path);
  std::stringstream text;
  text << target.rdbuf();
  EXPECT_EQ(spec_.target_sha256, Sha256Hex(text.str()));
  EXPECT_EQ(spec_.seed, 11u);
  EXPECT_EQ(spec_.turncoat_version, TurncoatVersion());
  EXPECT_TRUE(fs::path(spec_.turncoat).is_absolute());
}

TEST_F(ReplayLoadTest, AnUnchangedRunLoadsWithoutWarnings) {
  auto run = LoadRecordedRun(run_dir_);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->warnings, std::vector<std::string>{});
  EXPECT_EQ(run->findings.verdict, "fail");
  EXPECT_EQ(run->findings.violated, std::vector<std::string>{"integrity"});
  EXPECT_EQ(run->spec.replica_args, std::vector<std::string>{"--bug=double-commit"});
  EXPECT_EQ(run->runnable.plan.duration, absl::Seconds(7));
  // Loaded as if where it was written, so a re-run's report names the
  // same files.
  EXPECT_EQ(run->runnable.plan.path, plan_path_);
  EXPECT_EQ(run->runnable.target.path, spec_.target_path);
}

TEST_F(ReplayLoadTest, AChangedPlanIsWarnedAboutAndTheCopyAsRunIsWhatRuns) {
  std::ofstream(plan_path_) << PlanText("9s");
  auto run = LoadRecordedRun(run_dir_);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->warnings.size(), 1u);
  EXPECT_EQ(run->warnings[0],
            absl::StrCat("the plan file ", plan_path_, " changed since the run (sha256 differs); "
                         "replaying the copy saved as ", run_dir_, "/plan.yaml, as it was run"));
  EXPECT_EQ(run->runnable.plan.duration, absl::Seconds(7));
}

TEST_F(ReplayLoadTest, AGonePlanIsWarnedAbout) {
  fs::remove(plan_path_);
  auto run = LoadRecordedRun(run_dir_);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->warnings.size(), 1u);
  EXPECT_TRUE(absl::StrContains(run->warnings[0], "is gone since the run")) << run->warnings[0];
}

TEST_F(ReplayLoadTest, AnEditedCopyAndAnotherTurncoatAreWarnedAbout) {
  std::ofstream(run_dir_ + "/plan.yaml") << PlanText("5s");
  spec_.turncoat_version = "0.0.1";
  WriteReport(R"({"verdict": "pass", "invariants": []})");
  auto run = LoadRecordedRun(run_dir_);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->warnings.size(), 2u);
  EXPECT_TRUE(absl::StrContains(run->warnings[0], "plan.yaml was edited since the run"))
      << run->warnings[0];
  EXPECT_TRUE(absl::StrContains(run->warnings[1], "made by turncoat 0.0.1"))
      << run->warnings[1];
  EXPECT_EQ(run->runnable.plan.duration, absl::Seconds(5));
}

TEST_F(ReplayLoadTest, ACopyThatNoLongerLoadsNamesTheCopy) {
  std::ofstream(run_dir_ + "/plan.yaml") << PlanText("5s") << "surprise: 1\n";
  auto run = LoadRecordedRun(run_dir_);
  ASSERT_FALSE(run.ok());
  EXPECT_TRUE(absl::StartsWith(run.status().message(),
                               absl::StrCat("in ", run_dir_, "/plan.yaml, the copy of ",
                                            plan_path_, " as run")))
      << run.status();
}

TEST_F(ReplayLoadTest, AMissingCopyIsBadInputNamingIt) {
  fs::remove(run_dir_ + "/target.yaml");
  auto run = LoadRecordedRun(run_dir_);
  ASSERT_FALSE(run.ok());
  EXPECT_TRUE(absl::StartsWith(run.status().message(),
                               run_dir_ + "/target.yaml: the copy of the target as run is missing"))
      << run.status();
}

TEST_F(ReplayLoadTest, AReportWithoutReplaySaysHowToRunItAgain) {
  std::ofstream(run_dir_ + "/report.json")
      << R"({"verdict": "fail", "invariants": [], "plan": {"path": "plans/x.yaml", "seed": 7}})";
  auto run = LoadRecordedRun(run_dir_);
  ASSERT_FALSE(run.ok());
  EXPECT_TRUE(absl::StartsWith(run.status().message(),
                               run_dir_ + "/report.json: no `replay` object"))
      << run.status();
  EXPECT_TRUE(absl::StrContains(run.status().message(), "turncoat run plans/x.yaml --seed=7"))
      << run.status();
}

TEST_F(ReplayLoadTest, AReportThatIsNotJsonNamesItsLine) {
  std::ofstream(run_dir_ + "/report.json") << "{\n  \"verdict\": \"fail\",\n  oops\n}\n";
  auto run = LoadRecordedRun(run_dir_);
  ASSERT_FALSE(run.ok());
  EXPECT_TRUE(absl::StartsWith(run.status().message(),
                               run_dir_ + "/report.json:3: not valid JSON"))
      << run.status();
}

TEST_F(ReplayLoadTest, AFieldErrorNamesTheReplayObjectsLine) {
  json report = json::parse(R"({"verdict": "fail", "invariants": []})");
  report["replay"] = ReplaySpecToJson(spec_);
  report["replay"]["seed"] = "eleven";
  std::ofstream(run_dir_ + "/report.json") << report.dump(2);
  auto run = LoadRecordedRun(run_dir_);
  ASSERT_FALSE(run.ok());
  // nlohmann sorts keys: "invariants" (3 lines), then "replay".
  EXPECT_TRUE(absl::StartsWith(run.status().message(),
                               run_dir_ + "/report.json:3: replay.seed: expected a non-negative "
                                          "integer, got \"eleven\""))
      << run.status();
}

TEST_F(ReplayLoadTest, ADirectoryWithoutAReportIsBadInputForTheCommand) {
  fs::remove(run_dir_ + "/report.json");
  std::ostringstream out, err;
  EXPECT_EQ(RunReplay({run_dir_}, nullptr, out, err), kExitBadInput);
  EXPECT_TRUE(absl::StartsWith(err.str(), run_dir_ + "/report.json: no report (cannot read "))
      << err.str();
  EXPECT_TRUE(absl::StrContains(err.str(), "give one `turncoat run` wrote, which holds "
                                           "report.json"))
      << err.str();
  EXPECT_FALSE(fs::exists(run_dir_ + "/replay-1"));

  err.str("");
  EXPECT_EQ(RunReplay({dir_ + "/nowhere"}, nullptr, out, err), kExitBadInput);
  EXPECT_TRUE(absl::StartsWith(err.str(), dir_ + "/nowhere: no such directory")) << err.str();
}

TEST(ReplayCommandTest, BadOptionsAreBadInputWithTheUsage) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{}, {"run", "--times=0"}, {"run", "--times=x"},
                                             {"run", "--bogus"}, {"a", "b"}}) {
    std::ostringstream out, err;
    EXPECT_EQ(RunReplay(args, nullptr, out, err), kExitBadInput) << err.str();
    EXPECT_TRUE(absl::StrContains(err.str(), "turncoat replay: ")) << err.str();
  }
}

}  // namespace
}  // namespace turncoat
