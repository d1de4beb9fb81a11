// ReplaySpec and RunFindings (model/replay_spec.h): the command line a
// report records, its JSON form both ways, and whether a re-run found what
// the original run found. Pure: no file, no process.
#include "model/replay_spec.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

ReplaySpec FullSpec() {
  ReplaySpec spec;
  spec.turncoat = "/opt/turncoat/build/harness/turncoat";
  spec.turncoat_version = "0.1.0+abcdef123456";
  spec.plan_path = "/home/me/plans/my plan.yaml";
  spec.plan_sha256 = std::string(64, 'a');
  spec.target_path = "/home/me/targets/refbft.yaml";
  spec.target_sha256 = std::string(64, 'b');
  spec.seed = 104;
  spec.replica_args = {"--bug=small-quorum", "--log level"};
  spec.trace = 10;
  spec.direct_links = true;
  spec.links = LinkMode::kNetns;
  return spec;
}

TEST(ReplaySpecTest, ArgvNamesEveryPartThatDecidesTheRun) {
  EXPECT_EQ(ReplayArgv(FullSpec()),
            (Strings{"/opt/turncoat/build/harness/turncoat", "run", "/home/me/plans/my plan.yaml",
                     "--seed=104", "--replica-arg=--bug=small-quorum",
                     "--replica-arg=--log level", "--trace=10", "--direct-links",
                     "--links=netns"}));
}

TEST(ReplaySpecTest, ArgvLeavesTraceToThePlanWhenTheRunDidNotOverrideIt) {
  ReplaySpec spec = FullSpec();
  spec.trace.reset();
  spec.direct_links = false;
  spec.links.reset();
  spec.replica_args.clear();
  EXPECT_EQ(ReplayArgv(spec), (Strings{"/opt/turncoat/build/harness/turncoat", "run",
                                       "/home/me/plans/my plan.yaml", "--seed=104"}));
  // --trace=0 turned a plan's trace off: it must be kept.
  spec.trace = 0;
  EXPECT_EQ(ReplayArgv(spec).back(), "--trace=0");
}

TEST(ReplaySpecTest, ShellCommandQuotesOnlyWordsAShellWouldChange) {
  EXPECT_EQ(ShellCommand({"/bin/turncoat", "run", "plans/x.yaml", "--seed=1",
                          "--replica-arg=--bug=small-quorum"}),
            "/bin/turncoat run plans/x.yaml --seed=1 --replica-arg=--bug=small-quorum");
  EXPECT_EQ(ShellCommand({"a b", "it's", "", "$HOME", "*"}), R"('a b' 'it'\''s' '' '$HOME' '*')");
}

TEST(ReplaySpecTest, JsonCarriesArgvCommandAndPartsAndReadsBack) {
  const ReplaySpec spec = FullSpec();
  const json j = ReplaySpecToJson(spec);
  EXPECT_EQ(j["argv"], json(ReplayArgv(spec)));
  EXPECT_EQ(j["command"], ShellCommand(ReplayArgv(spec)));
  EXPECT_EQ(j["plan"], spec.plan_path);
  EXPECT_EQ(j["seed"], 104);
  EXPECT_EQ(j["trace"], 10);
  EXPECT_EQ(j["turncoat_version"], "0.1.0+abcdef123456");

  // Through text, as a report on disk is read.
  auto back = ReplaySpecFromJson(json::parse(j.dump()), "r.json:3");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ReplayArgv(*back), ReplayArgv(spec));
  EXPECT_EQ(back->plan_sha256, spec.plan_sha256);
  EXPECT_EQ(back->target_path, spec.target_path);
  EXPECT_EQ(back->target_sha256, spec.target_sha256);
  EXPECT_EQ(back->turncoat_version, spec.turncoat_version);

  ReplaySpec untraced = spec;
  untraced.trace.reset();
  EXPECT_TRUE(ReplaySpecToJson(untraced)["trace"].is_null());
  back = ReplaySpecFromJson(ReplaySpecToJson(untraced), "r.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->trace.has_value());
}

TEST(ReplaySpecTest, LinksReadBackAndAReportWithoutThemLeavesTheTargetsOwn) {
  json j = ReplaySpecToJson(FullSpec());
  EXPECT_EQ(j["links"], "netns");
  auto back = ReplaySpecFromJson(j, "r.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->links, LinkMode::kNetns);

  j.erase("links");  // a report from before --links
  back = ReplaySpecFromJson(j, "r.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->links.has_value());

  j["links"] = "bridge";
  back = ReplaySpecFromJson(j, "r.json");
  ASSERT_FALSE(back.ok());
  EXPECT_TRUE(absl::StrContains(back.status().message(),
                                R"(replay.links: expected null, "ports" or "netns", got "bridge")"))
      << back.status();
}

TEST(ReplaySpecTest, AWrongFieldIsNamedWithWhereAndWhatItMustBe) {
  json j = ReplaySpecToJson(FullSpec());
  j["seed"] = "104";
  auto spec = ReplaySpecFromJson(j, "runs/x/report.json:212");
  ASSERT_FALSE(spec.ok());
  EXPECT_TRUE(absl::StartsWith(spec.status().message(),
                               "runs/x/report.json:212: replay.seed: expected a non-negative "
                               "integer, got \"104\""))
      << spec.status();

  j = ReplaySpecToJson(FullSpec());
  j.erase("plan");
  spec = ReplaySpecFromJson(j, "r.json");
  ASSERT_FALSE(spec.ok());
  EXPECT_TRUE(absl::StrContains(spec.status().message(), "replay.plan: expected a string, got null"))
      << spec.status();

  j = ReplaySpecToJson(FullSpec());
  j["replica_args"] = {"--bug=x", 3};
  EXPECT_FALSE(ReplaySpecFromJson(j, "r.json").ok());
  j = ReplaySpecToJson(FullSpec());
  j["trace"] = -1;
  EXPECT_FALSE(ReplaySpecFromJson(j, "r.json").ok());
  EXPECT_FALSE(ReplaySpecFromJson(json::array(), "r.json").ok());
}

TEST(RunFindingsTest, ReadsVerdictAndViolatedInvariantsInReportOrder) {
  const json report = json::parse(R"({
    "verdict": "fail",
    "invariants": [
      {"name": "agreement", "holds": false},
      {"name": "validity", "holds": true},
      {"name": "prefix", "holds": false}
    ]})");
  auto findings = RunFindingsFromReportJson(report, "r.json");
  ASSERT_TRUE(findings.ok()) << findings.status();
  EXPECT_EQ(findings->verdict, "fail");
  EXPECT_EQ(findings->violated, (Strings{"agreement", "prefix"}));
}

TEST(RunFindingsTest, AnUnknownVerdictOrMalformedInvariantIsAnError) {
  auto findings = RunFindingsFromReportJson(
      json::parse(R"({"verdict": "maybe", "invariants": []})"), "r.json");
  ASSERT_FALSE(findings.ok());
  EXPECT_TRUE(absl::StrContains(findings.status().message(), "verdict: expected one of pass, "))
      << findings.status();
  EXPECT_FALSE(RunFindingsFromReportJson(
                   json::parse(R"({"verdict": "pass", "invariants": [{"name": "x"}]})"), "r.json")
                   .ok());
  EXPECT_FALSE(RunFindingsFromReportJson(json::parse(R"({"verdict": "pass"})"), "r.json").ok());
}

TEST(CompareFindingsTest, TheSameInvariantsBrokenAgainReproduce) {
  const RunFindings original{"fail", {"agreement", "prefix"}};
  const ReplayComparison c = CompareFindings(original, {"fail", {"agreement", "prefix"}});
  EXPECT_TRUE(c.reproduced);
  EXPECT_TRUE(c.missing.empty());
  EXPECT_TRUE(c.extra.empty());
  EXPECT_EQ(c.summary, "reproduced: agreement, prefix");
}

TEST(CompareFindingsTest, MoreInvariantsBrokenStillReproduceAndAreNamed) {
  const ReplayComparison c =
      CompareFindings({"fail", {"agreement"}}, {"fail", {"agreement", "liveness"}});
  EXPECT_TRUE(c.reproduced);
  EXPECT_EQ(c.extra, Strings{"liveness"});
  EXPECT_EQ(c.summary, "reproduced: agreement (and liveness)");
}

TEST(CompareFindingsTest, AnInvariantThatHeldThisTimeIsNotAReproduction) {
  ReplayComparison c = CompareFindings({"fail", {"agreement", "prefix"}}, {"fail", {"agreement"}});
  EXPECT_FALSE(c.reproduced);
  EXPECT_EQ(c.missing, Strings{"prefix"});
  EXPECT_EQ(c.summary, "not reproduced: agreement broke, prefix held");

  c = CompareFindings({"fail", {"integrity"}}, {"pass", {}});
  EXPECT_FALSE(c.reproduced);
  EXPECT_EQ(c.summary, "not reproduced: verdict pass, no invariant broke");
}

TEST(CompareFindingsTest, APassReproducesOnlyByPassingAgain) {
  EXPECT_TRUE(CompareFindings({"pass", {}}, {"pass", {}}).reproduced);
  EXPECT_EQ(CompareFindings({"pass", {}}, {"pass", {}}).summary, "passed again");

  ReplayComparison c = CompareFindings({"pass", {}}, {"fail", {"liveness"}});
  EXPECT_FALSE(c.reproduced);
  EXPECT_EQ(c.summary, "not reproduced: liveness broke");
  // Tested too little is not passing.
  c = CompareFindings({"pass", {}}, {"inconclusive", {}});
  EXPECT_FALSE(c.reproduced);
  EXPECT_EQ(c.summary, "not reproduced: verdict inconclusive");
  EXPECT_TRUE(CompareFindings({"inconclusive", {}}, {"inconclusive", {}}).reproduced);
}

TEST(ReplayTotalTest, SaysHowOftenAndWhat) {
  EXPECT_EQ(ReplayTotal({"fail", {"agreement"}}, 2, 3), "reproduced 2 of 3: agreement");
  EXPECT_EQ(ReplayTotal({"pass", {}}, 3, 3), "passed again 3 of 3");
  EXPECT_EQ(ReplayTotal({"inconclusive", {}}, 0, 1), "inconclusive again 0 of 1");
}

TEST(DescribeFindingsTest, NamesTheBrokenInvariantsOrTheVerdictAlone) {
  EXPECT_EQ(DescribeFindings({"fail", {"agreement", "prefix"}}), "fail: agreement, prefix");
  EXPECT_EQ(DescribeFindings({"pass", {}}), "pass");
}

}  // namespace
}  // namespace turncoat
