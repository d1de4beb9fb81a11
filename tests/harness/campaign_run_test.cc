// `turncoat campaign` end to end: the real binary running child `turncoat
// run`s of short plans (testdata/campaign/) on 127.0.0.1, two at a time,
// and the files it leaves. No process may outlive a campaign.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/harness/run_fixture.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

class CampaignRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/turncoat_campaign_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    out_ = dir_ + "/campaign";
  }

  void TearDown() override {
    EXPECT_EQ(ProcessesMentioning(dir_), std::vector<int>{}) << "processes left behind";
    if (!HasFailure()) fs::remove_all(dir_);
  }

  static std::string Testdata(const std::string& name) {
    return absl::StrCat(TURNCOAT_SOURCE_DIR, "/tests/harness/testdata/", name);
  }

  Subprocess Start(std::vector<std::string> args) {
    std::vector<std::string> argv = {TURNCOAT_BINARY, "campaign"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--out=" + out_);
    SpawnOptions options;
    options.stdout_path = dir_ + "/stdout";
    options.stderr_path = dir_ + "/stderr";
    auto process = Subprocess::Spawn(argv, options);
    EXPECT_TRUE(process.ok()) << process.status();
    return *std::move(process);
  }

  int Campaign(std::vector<std::string> args) {
    Subprocess process = Start(std::move(args));
    auto exit = process.Wait(absl::Seconds(240));
    EXPECT_TRUE(exit.ok()) << exit.status();
    return exit.ok() ? exit->code : -1;
  }

  nlohmann::json Summary() {
    return nlohmann::json::parse(Slurp(out_ + "/summary.json"), nullptr, false);
  }

  std::string Output() { return Slurp(dir_ + "/stdout") + Slurp(dir_ + "/stderr"); }

  std::string dir_;
  std::string out_;
};

TEST_F(CampaignRunTest, TwoPlansTwoSeedsOneFailingGiveIndexSummaryJunitAndExit1) {
  const int code = Campaign({Testdata("campaign/steady.yaml"),
                             Testdata("campaign/impossible-bound.yaml"), "--seeds=1..2",
                             "--jobs=2", "--corpus=" + Testdata("campaign/corpus")});
  ASSERT_EQ(code, 1) << Output();

  const nlohmann::json s = Summary();
  ASSERT_FALSE(s.is_discarded()) << Slurp(out_ + "/summary.json");
  EXPECT_EQ(s["state"], "finished");
  EXPECT_EQ(s["exit_code"], 1);
  EXPECT_EQ(s["totals"]["scenarios"], 5);
  EXPECT_EQ(s["totals"]["running"], 0);
  EXPECT_EQ(s["totals"]["fail"], 2);
  EXPECT_EQ(s["totals"]["error"], 0) << s.dump(2);
  const nlohmann::json& scenarios = s["scenarios"];
  ASSERT_EQ(scenarios.size(), 5u);
  // The corpus first, with its own seed; then seed 1 of each plan, then 2.
  EXPECT_EQ(scenarios[0]["plan"], "steady-regression");
  EXPECT_EQ(scenarios[0]["corpus"], true);
  EXPECT_EQ(scenarios[0]["seed"], 42);
  std::set<std::pair<std::string, int>> started;
  for (size_t i = 1; i < scenarios.size(); ++i) {
    started.insert({scenarios[i]["plan"].get<std::string>(), scenarios[i]["seed"].get<int>()});
  }
  EXPECT_EQ(started, (std::set<std::pair<std::string, int>>{
                         {"steady", 1}, {"steady", 2}, {"impossible-bound", 1}, {"impossible-bound", 2}}));
  for (const auto& sc : scenarios) {
    const std::string plan = sc["plan"];
    EXPECT_TRUE(fs::exists(out_ + "/" + sc["report"].get<std::string>())) << sc.dump();
    EXPECT_GT(sc["duration_s"].get<double>(), 6.0) << sc.dump();
    if (plan == "impossible-bound") {
      EXPECT_EQ(sc["verdict"], "fail") << sc.dump();
      EXPECT_EQ(sc["exit_code"], 1);
      EXPECT_EQ(sc["violated"], nlohmann::json({"liveness"}));
      EXPECT_EQ(sc["finding"]["invariant"], "liveness");
      EXPECT_FALSE(sc["finding"]["evidence"].get<std::string>().empty());
      EXPECT_TRUE(sc["detected_s"].is_number());
    } else {
      EXPECT_EQ(sc["verdict"], "pass") << sc.dump() << "\n" << Output();
    }
  }
  for (const auto& plan : s["plans"]) {
    EXPECT_EQ(plan["first_finding_s"].is_number(), plan["name"] == "impossible-bound")
        << plan.dump();
  }

  const std::string junit = Slurp(out_ + "/junit.xml");
  EXPECT_NE(junit.find("tests=\"5\" failures=\"2\" errors=\"0\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("name=\"impossible-bound seed 1\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<failure type=\"violation\" message=\"liveness: "), std::string::npos)
      << junit;
  const std::string index = Slurp(out_ + "/index.html");
  EXPECT_NE(index.find("FINDINGS: turncoat campaign"), std::string::npos);
  for (const auto& sc : scenarios) {
    EXPECT_NE(index.find("href=\"" + sc["report"].get<std::string>() + "\""), std::string::npos)
        << sc["report"];
  }
  EXPECT_LT(index.find("id=\"findings\""), index.find("id=\"grid\""));
  EXPECT_NE(Output().find("FAIL: 2 scenarios found a violation"), std::string::npos) << Output();
}

// Every replica refuses an argument it does not know, so no run can start:
// each scenario is a harness error, and the campaign goes on to the next.
TEST_F(CampaignRunTest, ScenariosTheHarnessCannotRunAreErrorsAndTheCampaignGoesOn) {
  const int code = Campaign({Testdata("campaign/steady.yaml"), "--seeds=1..2",
                             "--replica-arg=--no-such-flag-for-refbft"});
  EXPECT_EQ(code, 3) << Output();
  const nlohmann::json s = Summary();
  ASSERT_FALSE(s.is_discarded());
  EXPECT_EQ(s["totals"]["error"], 2) << s.dump(2);
  for (const auto& sc : s["scenarios"]) {
    EXPECT_EQ(sc["verdict"], "error");
    EXPECT_FALSE(sc["error"].get<std::string>().empty());
  }
  EXPECT_NE(Slurp(out_ + "/junit.xml").find("errors=\"2\""), std::string::npos);
}

TEST_F(CampaignRunTest, CtrlCStopsTheRunningScenariosAndStillWritesTheFiles) {
  Subprocess campaign =
      Start({Testdata("campaign/steady.yaml"), "--budget=10m", "--jobs=2"});
  // Wait until both scenarios are under way, then interrupt as a terminal would.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    const nlohmann::json s = Summary();
    if (!s.is_discarded() && s["totals"]["running"] == 2) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  absl::SleepFor(absl::Seconds(2));
  ASSERT_TRUE(campaign.Signal(SIGINT).ok());
  auto exit = campaign.Wait(absl::Seconds(90));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->code, 3) << Output();
  const nlohmann::json s = Summary();
  ASSERT_FALSE(s.is_discarded());
  EXPECT_EQ(s["state"], "interrupted");
  EXPECT_EQ(s["totals"]["running"], 0);
  EXPECT_GE(s["scenarios"].size(), 2u);
  for (const auto& sc : s["scenarios"]) {
    EXPECT_NE(sc["verdict"], "running");
    EXPECT_TRUE(fs::exists(out_ + "/" + sc["run_dir"].get<std::string>() + "/report.json"))
        << "the interrupted run wrote no partial report: " << sc.dump();
  }
  EXPECT_NE(Slurp(out_ + "/junit.xml").find("name=\"interrupted\""), std::string::npos);
}

// Both seeds of a plan whose liveness bound no cluster meets fail the same
// way: the first finding is shrunk within 30% of the budget, the second is
// the same finding and not shrunk again, and every file links the result.
TEST_F(CampaignRunTest, AFindingIsShrunkOnceAndTheShrunkPlanIsLinked) {
  const int code = Campaign({Testdata("campaign/impossible-bound.yaml"), "--seeds=1..2",
                             "--budget=4m", "--shrink=0.3"});
  ASSERT_EQ(code, 1) << Output();
  const nlohmann::json s = Summary();
  ASSERT_FALSE(s.is_discarded());
  EXPECT_EQ(s["shrink_share"], 0.3);
  const nlohmann::json& scenarios = s["scenarios"];
  ASSERT_EQ(scenarios.size(), 2u) << s.dump(2);
  const nlohmann::json& first = scenarios[0]["shrink"];
  EXPECT_EQ(first["state"], "shrunk") << s.dump(2) << "\n" << Output();
  const std::string shrunk = first["plan"].is_string() ? first["plan"].get<std::string>() : "";
  EXPECT_EQ(shrunk, scenarios[0]["run_dir"].get<std::string>() + "/shrink/shrunk.yaml");
  EXPECT_TRUE(fs::exists(out_ + "/" + shrunk)) << shrunk;
  EXPECT_TRUE(absl::StrContains(first["note"].get<std::string>(), ": liveness")) << first.dump();
  EXPECT_EQ(scenarios[1]["shrink"]["state"], "same finding as #1") << s.dump(2);
  EXPECT_TRUE(absl::StrContains(Slurp(out_ + "/junit.xml"), "shrunk: " + shrunk));
  EXPECT_TRUE(absl::StrContains(Slurp(out_ + "/index.html"), "href=\"" + shrunk + "\""));
  EXPECT_TRUE(absl::StrContains(Output(), "shrink of #1: shrunk -> " + shrunk)) << Output();
}

TEST_F(CampaignRunTest, ABadPlanStopsTheCampaignBeforeAnythingRuns) {
  const int code = Campaign({Testdata("campaign/steady.yaml"), Testdata("unknown_adversary.yaml"),
                             "--budget=1h"});
  EXPECT_EQ(code, 2) << Output();
  EXPECT_NE(Output().find("unknown_adversary.yaml:"), std::string::npos) << Output();
  EXPECT_FALSE(fs::exists(out_));
}

}  // namespace
}  // namespace turncoat
