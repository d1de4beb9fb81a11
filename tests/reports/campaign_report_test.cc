#include "reports/campaign_report.h"

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "model/exit_codes.h"
#include "nlohmann/json.hpp"
#include "reports/json_report.h"
#include "tests/reports/sample_report.h"
#include "tests/reports/xml_lite.h"

namespace turncoat {
namespace {

CampaignPlan P(const std::string& name, uint64_t seed) {
  CampaignPlan p;
  p.name = name;
  p.path = "plans/" + name + ".yaml";
  p.seed = seed;
  p.length = absl::Seconds(20);
  return p;
}

// A finished scenario judged from `report` (as `turncoat run` wrote it)
// and its exit code.
ScenarioResult Judged(int number, size_t plan, uint64_t seed, int exit_code,
                      const std::optional<Report>& report, absl::Duration started,
                      const std::string& why = "") {
  ScenarioResult r;
  r.number = number;
  r.plan = plan;
  r.seed = seed;
  r.started = started;
  r.length = absl::Seconds(24);
  r.run_dir = "runs/" + std::to_string(number);
  JudgeScenario(exit_code,
                report ? std::optional<std::string>(RenderJsonReport(*report)) : std::nullopt,
                why, &r);
  return r;
}

TEST(JudgeScenarioTest, AViolationCarriesItsInvariantsFirstFindingAndDetectionTime) {
  const Report report = SampleReport(/*diverge=*/true);
  const ScenarioResult r = Judged(1, 0, 7, kExitViolation, report, absl::Seconds(100));
  EXPECT_EQ(r.verdict, kScenarioFail);
  EXPECT_EQ(r.exit_code, kExitViolation);
  EXPECT_EQ(r.violated, (std::vector<std::string>{"agreement", "prefix", "validity"}));
  EXPECT_EQ(r.finding_invariant, "agreement");
  EXPECT_EQ(r.finding_message, report.results[0].findings[0].message);
  // The first observation of the first finding, as junit.xml writes it.
  const Observation& first = report.results[0].findings[0].evidence[0];
  EXPECT_TRUE(absl::StartsWith(r.finding_evidence, absl::StrFormat("%.3fs commit replica=%d seq=5",
                                                                   absl::ToDoubleSeconds(first.t),
                                                                   first.replica)))
      << r.finding_evidence;
  // Observable when the earliest finding's last evidence was recorded.
  std::optional<absl::Duration> earliest;
  for (const CheckResult& result : report.results) {
    for (const Finding& f : result.findings) {
      absl::Duration last = absl::ZeroDuration();
      for (const Observation& o : f.evidence) last = std::max(last, o.t);
      if (!f.evidence.empty() && (!earliest || last < *earliest)) earliest = last;
    }
  }
  ASSERT_TRUE(r.detected_at.has_value());
  ASSERT_TRUE(earliest.has_value());
  EXPECT_NEAR(absl::ToDoubleSeconds(*r.detected_at), absl::ToDoubleSeconds(*earliest), 1e-6);
  EXPECT_TRUE(r.error.empty());
}

TEST(JudgeScenarioTest, ExitCodesDecideAndReportsExplain) {
  EXPECT_EQ(Judged(1, 0, 1, kExitOk, SampleReport(false), absl::ZeroDuration()).verdict,
            kScenarioPass);
  const ScenarioResult expected =
      Judged(1, 0, 1, kExitOk, BeyondBoundSampleReport(), absl::ZeroDuration());
  EXPECT_EQ(expected.verdict, kScenarioExpected);
  EXPECT_FALSE(expected.violated.empty());

  const ScenarioResult idle =
      Judged(1, 0, 1, kExitInconclusive, IdlePhaseSampleReport(), absl::ZeroDuration());
  EXPECT_EQ(idle.verdict, kScenarioInconclusive);
  ASSERT_FALSE(idle.inconclusive_reasons.empty());
  EXPECT_NE(idle.inconclusive_reasons[0].find("phase 1"), std::string::npos)
      << idle.inconclusive_reasons[0];

  const ScenarioResult killed =
      Judged(1, 0, 1, -1, std::nullopt, absl::ZeroDuration(), "turncoat run was killed by signal 9");
  EXPECT_EQ(killed.verdict, kScenarioError);
  EXPECT_EQ(killed.error, "turncoat run was killed by signal 9; the run left no report.json");

  // A run cut short whose partial history already shows a violation exits
  // 1: a finding, whatever else went wrong.
  EXPECT_EQ(Judged(1, 0, 1, kExitViolation, SampleReport(true), absl::ZeroDuration(), "overran")
                .verdict,
            kScenarioFail);

  ScenarioResult garbled;
  JudgeScenario(kExitHarnessFailure, std::string("{not json"), "", &garbled);
  EXPECT_EQ(garbled.verdict, kScenarioError);
  EXPECT_EQ(garbled.error, "turncoat run exited 3");
}

// Two plans: "smoke" passes seed 1 and 2; "trap" fails seed 5 (started at
// 30 s), errs on seed 6, and fails seed 7 (started at 10 s, so first).
CampaignSummary Mixed() {
  CampaignSummary s;
  s.started_at = "2026-12-06T03:00:00Z";
  s.state = "finished";
  s.stop_reason = "the budget left no room for another scenario";
  s.budget = absl::Minutes(10);
  s.elapsed = absl::Seconds(590);
  s.jobs = 2;
  s.plans = {P("smoke", 1), P("trap", 5)};
  s.scenarios = {
      Judged(1, 0, 1, kExitOk, SampleReport(false), absl::ZeroDuration()),
      Judged(2, 1, 7, kExitViolation, SampleReport(true), absl::Seconds(10)),
      Judged(3, 0, 2, kExitOk, SampleReport(false), absl::Seconds(25)),
      Judged(4, 1, 5, kExitViolation, SampleReport(true), absl::Seconds(30)),
      Judged(5, 1, 6, kExitHarnessFailure, std::nullopt, absl::Seconds(40),
             "still running after 2m30s <stopped>"),
  };
  ScenarioResult running;
  running.number = 6;
  running.plan = 0;
  running.seed = 3;
  running.run_dir = "runs/6";
  s.scenarios.push_back(running);
  return s;
}

TEST(CampaignSummaryTest, TotalsAndTimeToFirstFindingPerPlan) {
  const CampaignSummary s = Mixed();
  const CampaignTotals t = Totals(s);
  EXPECT_EQ(t.finished, 5);
  EXPECT_EQ(t.running, 1);
  EXPECT_EQ(t.passed, 2);
  EXPECT_EQ(t.findings, 2);
  EXPECT_EQ(t.errors, 1);
  const std::vector<PlanTotals> per_plan = TotalsPerPlan(s);
  ASSERT_EQ(per_plan.size(), 2u);
  EXPECT_EQ(per_plan[0].scenarios, 2);
  EXPECT_EQ(per_plan[0].first_finding, std::nullopt);
  EXPECT_EQ(per_plan[1].findings, 2);
  EXPECT_EQ(per_plan[1].errors, 1);
  EXPECT_EQ(per_plan[1].first_finding_scenario, 2);
  EXPECT_EQ(per_plan[1].first_finding, absl::Seconds(10) + *s.scenarios[1].detected_at);
}

TEST(CampaignSummaryTest, ExitCodeFindingsThenHarnessErrorsThenInconclusivePlans) {
  std::vector<std::string> why;
  CampaignSummary s = Mixed();
  EXPECT_EQ(CampaignExitCode(s, &why), kExitViolation);

  s.scenarios.erase(s.scenarios.begin() + 3);  // the second finding
  s.scenarios.erase(s.scenarios.begin() + 1);  // the first
  EXPECT_EQ(CampaignExitCode(s, &why), kExitHarnessFailure);

  s.scenarios.pop_back();  // the running one
  s.scenarios.pop_back();  // the error
  // trap has no scenario left: it tested nothing, which is no pass.
  EXPECT_EQ(CampaignExitCode(s, &why), kExitInconclusive);
  ASSERT_EQ(why.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(why[0], "trap: no scenario ran")) << why[0];

  // Every scenario of a plan inconclusive is no pass either...
  s.scenarios.push_back(Judged(7, 1, 5, kExitInconclusive, IdlePhaseSampleReport(),
                               absl::Seconds(50)));
  why.clear();
  EXPECT_EQ(CampaignExitCode(s, &why), kExitInconclusive);
  ASSERT_EQ(why.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(why[0], "trap: all 1 of its scenarios were inconclusive")) << why[0];

  // ...but one conclusive scenario beside inconclusive ones is.
  s.scenarios.push_back(Judged(8, 1, 6, kExitOk, SampleReport(false), absl::Seconds(60)));
  why.clear();
  EXPECT_EQ(CampaignExitCode(s, &why), kExitOk);
  EXPECT_TRUE(why.empty());

  s.state = "interrupted";
  EXPECT_EQ(CampaignExitCode(s, &why), kExitHarnessFailure);
}

TEST(CampaignSummaryTest, SummaryJsonHasEveryScenarioTotalsAndFirstFindings) {
  const CampaignSummary s = Mixed();
  const nlohmann::json j = nlohmann::json::parse(RenderCampaignJson(s));
  EXPECT_EQ(j["format"], "turncoat-campaign/1");
  EXPECT_EQ(j["state"], "finished");
  EXPECT_EQ(j["outcome"], "findings");
  EXPECT_EQ(j["exit_code"], kExitViolation);
  EXPECT_EQ(j["budget_s"], 600.0);
  EXPECT_EQ(j["totals"]["scenarios"], 5);
  EXPECT_EQ(j["totals"]["running"], 1);
  EXPECT_EQ(j["totals"]["fail"], 2);
  EXPECT_EQ(j["totals"]["error"], 1);
  EXPECT_EQ(j["totals"]["pass"], 2);
  ASSERT_EQ(j["plans"].size(), 2u);
  EXPECT_EQ(j["plans"][0]["first_finding_s"], nullptr);
  EXPECT_EQ(j["plans"][1]["first_finding_scenario"], 2);
  EXPECT_NEAR(j["plans"][1]["first_finding_s"].get<double>(),
              10 + absl::ToDoubleSeconds(*s.scenarios[1].detected_at), 1e-6);
  ASSERT_EQ(j["scenarios"].size(), 6u);
  const nlohmann::json& fail = j["scenarios"][1];
  EXPECT_EQ(fail["number"], 2);
  EXPECT_EQ(fail["plan"], "trap");
  EXPECT_EQ(fail["plan_path"], "plans/trap.yaml");
  EXPECT_EQ(fail["seed"], 7);
  EXPECT_EQ(fail["verdict"], "fail");
  EXPECT_EQ(fail["violated"], nlohmann::json({"agreement", "prefix", "validity"}));
  EXPECT_EQ(fail["duration_s"], 24.0);
  EXPECT_EQ(fail["started_s"], 10.0);
  EXPECT_EQ(fail["run_dir"], "runs/2");
  EXPECT_EQ(fail["report"], "runs/2/report.html");
  EXPECT_EQ(fail["finding"]["invariant"], "agreement");
  EXPECT_EQ(fail["finding"]["message"], s.scenarios[1].finding_message);
  EXPECT_TRUE(fail["detected_s"].is_number());
  EXPECT_EQ(j["scenarios"][0]["finding"], nullptr);
  EXPECT_EQ(j["scenarios"][4]["verdict"], "error");
  EXPECT_EQ(j["scenarios"][4]["error"],
            "still running after 2m30s <stopped>; the run left no report.json");
  EXPECT_EQ(j["scenarios"][5]["verdict"], "running");
  EXPECT_FALSE(j["scenarios"][5].contains("duration_s"));

  CampaignSummary running = Mixed();
  running.state = "running";
  const nlohmann::json r = nlohmann::json::parse(RenderCampaignJson(running));
  EXPECT_EQ(r["outcome"], "running");
  EXPECT_FALSE(r.contains("exit_code"));
}

XmlElement ParseOrFail(const std::string& xml) {
  absl::StatusOr<XmlElement> doc = ParseXml(xml);
  EXPECT_TRUE(doc.ok()) << doc.status() << "\n" << xml;
  return doc.ok() ? *doc : XmlElement{};
}

TEST(CampaignJunitTest, OneCasePerFinishedScenarioFailuresCarryTheFinding) {
  const CampaignSummary s = Mixed();
  const XmlElement doc = ParseOrFail(RenderCampaignJunit(s));
  EXPECT_EQ(doc.name, "testsuites");
  EXPECT_EQ(doc.Attr("tests"), "5");
  EXPECT_EQ(doc.Attr("failures"), "2");
  EXPECT_EQ(doc.Attr("errors"), "1");
  const std::vector<const XmlElement*> cases = doc.FindAll("testcase");
  ASSERT_EQ(cases.size(), 5u);  // not the running one
  EXPECT_EQ(cases[1]->Attr("name"), "trap seed 7");
  EXPECT_EQ(cases[1]->Attr("classname"), "turncoat.trap");
  EXPECT_EQ(cases[1]->Attr("time"), "24.000");
  const std::vector<const XmlElement*> failures = cases[1]->FindAll("failure");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0]->Attr("type"), "violation");
  EXPECT_EQ(failures[0]->Attr("message"), "agreement: " + s.scenarios[1].finding_message);
  EXPECT_NE(failures[0]->text.find(s.scenarios[1].finding_evidence), std::string::npos)
      << failures[0]->text;
  EXPECT_NE(failures[0]->text.find("report: runs/2/report.html"), std::string::npos);
  EXPECT_TRUE(cases[0]->FindAll("failure").empty());
  const std::vector<const XmlElement*> errors = cases[4]->FindAll("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]->Attr("message"),
            "still running after 2m30s <stopped>; the run left no report.json");
}

TEST(CampaignJunitTest, InconclusiveScenariosAreSkippedAndAnInconclusiveCampaignFails) {
  CampaignSummary s;
  s.state = "finished";
  s.plans = {P("idle", 3)};
  s.scenarios = {Judged(1, 0, 3, kExitInconclusive, IdlePhaseSampleReport(), absl::ZeroDuration())};
  const XmlElement doc = ParseOrFail(RenderCampaignJunit(s));
  EXPECT_EQ(doc.Attr("tests"), "2");
  EXPECT_EQ(doc.Attr("failures"), "1");
  const std::vector<const XmlElement*> cases = doc.FindAll("testcase");
  ASSERT_EQ(cases.size(), 2u);
  ASSERT_EQ(cases[0]->FindAll("skipped").size(), 1u);
  EXPECT_TRUE(absl::StartsWith(cases[0]->FindAll("skipped")[0]->Attr("message"), "inconclusive: "));
  EXPECT_EQ(cases[1]->Attr("name"), "conclusive");
  ASSERT_EQ(cases[1]->FindAll("failure").size(), 1u);
  EXPECT_EQ(cases[1]->FindAll("failure")[0]->Attr("type"), "inconclusive");
}

TEST(CampaignHtmlTest, FindingsComeFirstAndEveryScenarioLinksToItsReport) {
  const CampaignSummary s = Mixed();
  const std::string html = RenderCampaignHtml(s);
  const XmlElement doc = ParseOrFail(html);
  EXPECT_EQ(doc.FindAll("script").size(), 0u);
  EXPECT_NE(html.find("FINDINGS: turncoat campaign"), std::string::npos);
  const size_t findings = html.find("id=\"findings\"");
  const size_t grid = html.find("id=\"grid\"");
  ASSERT_NE(findings, std::string::npos);
  ASSERT_NE(grid, std::string::npos);
  EXPECT_LT(findings, grid);
  std::vector<std::string> links;
  for (const XmlElement* a : doc.FindAll("a")) links.push_back(a->Attr("href"));
  for (const ScenarioResult& r : s.scenarios) {
    EXPECT_NE(std::find(links.begin(), links.end(), r.run_dir + "/report.html"), links.end())
        << r.run_dir;
  }
  // The error's text is escaped, and the page reloads only while running.
  EXPECT_NE(html.find("&lt;stopped&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http-equiv=\"refresh\""), std::string::npos);
  CampaignSummary running = Mixed();
  running.state = "running";
  EXPECT_NE(RenderCampaignHtml(running).find("http-equiv=\"refresh\""), std::string::npos);
}

TEST(CampaignShrinkTest, EveryFileLinksTheShrunkPlanOrSaysWhyThereIsNone) {
  CampaignSummary s = Mixed();
  s.shrink_share = 0.25;
  s.scenarios[1].shrink = kShrinkDone;
  s.scenarios[1].shrunk_plan = "runs/2/shrink/shrunk.yaml";
  s.scenarios[1].shrink_note = "2 steps; reproduced 3 of 3: agreement";
  const nlohmann::json j = nlohmann::json::parse(RenderCampaignJson(s));
  EXPECT_EQ(j["shrink_share"], 0.25);
  EXPECT_EQ(j["scenarios"][1]["shrink"],
            nlohmann::json({{"state", "shrunk"},
                            {"plan", "runs/2/shrink/shrunk.yaml"},
                            {"note", "2 steps; reproduced 3 of 3: agreement"}}));
  EXPECT_EQ(j["scenarios"][0]["shrink"], nullptr);

  const XmlElement junit = ParseOrFail(RenderCampaignJunit(s));
  const std::vector<const XmlElement*> failures = junit.FindAll("failure");
  ASSERT_FALSE(failures.empty());
  EXPECT_NE(failures[0]->text.find("shrunk: runs/2/shrink/shrunk.yaml (2 steps; reproduced 3 of "
                                   "3: agreement)"),
            std::string::npos)
      << failures[0]->text;

  const XmlElement html = ParseOrFail(RenderCampaignHtml(s));
  std::vector<std::string> links;
  for (const XmlElement* a : html.FindAll("a")) links.push_back(a->Attr("href"));
  EXPECT_NE(std::find(links.begin(), links.end(), "runs/2/shrink/shrunk.yaml"), links.end());

  // A shrink that never ran says so instead of linking anything.
  s.scenarios[1].shrunk_plan.clear();
  s.scenarios[1].shrink = kShrinkNoBudget;
  EXPECT_NE(RenderCampaignJunit(s).find("shrink: not run: the shrink share was spent"),
            std::string::npos);
  EXPECT_NE(RenderCampaignHtml(s).find("not run: the shrink share was spent"), std::string::npos);
}

TEST(CampaignStatusTest, LiveLineCountsAndTimeLeft) {
  const CampaignSummary s = Mixed();
  EXPECT_EQ(CampaignStatusLine(s, absl::Seconds(3723.6)),
            "5 done, 1 running, 2 findings, 1 harness error, 0 inconclusive, 1h2m3s left");
  EXPECT_EQ(CampaignStatusLine(s, absl::InfiniteDuration()),
            "5 done, 1 running, 2 findings, 1 harness error, 0 inconclusive");
  EXPECT_TRUE(absl::StartsWith(ScenarioLine(s, s.scenarios[1]),
                               "#2 trap seed 7: FAIL agreement, prefix, validity at "))
      << ScenarioLine(s, s.scenarios[1]);
}

}  // namespace
}  // namespace turncoat
