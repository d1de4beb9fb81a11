#include "reports/junit_report.h"

#include "gtest/gtest.h"
#include "tests/reports/sample_report.h"
#include "tests/reports/xml_lite.h"

namespace turncoat {
namespace {

XmlElement ParseJunit(const Report& report) {
  const std::string xml = RenderJunitReport(report);
  EXPECT_EQ(xml.substr(0, 38), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  absl::StatusOr<XmlElement> doc = ParseXml(xml);
  EXPECT_TRUE(doc.ok()) << doc.status() << "\n" << xml;
  return doc.ok() ? *doc : XmlElement{};
}

TEST(JunitReportTest, OneTestCasePerInvariant) {
  const XmlElement doc = ParseJunit(SampleReport(false));
  EXPECT_EQ(doc.name, "testsuites");
  EXPECT_EQ(doc.Attr("tests"), "6");
  EXPECT_EQ(doc.Attr("failures"), "0");
  const std::vector<const XmlElement*> suites = doc.FindAll("testsuite");
  ASSERT_EQ(suites.size(), 1u);
  EXPECT_EQ(suites[0]->Attr("name"), "turncoat.sample");
  EXPECT_EQ(suites[0]->Attr("timestamp"), "2024-05-01T12:00:00Z");
  std::vector<std::string> names;
  for (const XmlElement* tc : doc.FindAll("testcase")) names.push_back(tc->Attr("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"agreement", "prefix", "validity", "integrity",
                                             "no-honest-crash", "liveness"}));
  EXPECT_TRUE(doc.FindAll("failure").empty());
  bool seed = false;
  for (const XmlElement* p : doc.FindAll("property")) {
    seed = seed || (p->Attr("name") == "seed" && p->Attr("value") == "7");
  }
  EXPECT_TRUE(seed);
}

TEST(JunitReportTest, EachViolatedInvariantFailsWithItsEvidence) {
  const Report report = SampleReport(true);
  const XmlElement doc = ParseJunit(report);
  int violated = 0;
  for (const CheckResult& r : report.results) violated += r.holds() ? 0 : 1;
  ASSERT_GE(violated, 3);
  EXPECT_EQ(doc.Attr("failures"), std::to_string(violated));
  EXPECT_EQ(doc.FindAll("failure").size(), static_cast<size_t>(violated));
  for (const XmlElement* tc : doc.FindAll("testcase")) {
    const CheckResult* result = nullptr;
    for (const CheckResult& r : report.results) {
      if (r.invariant == tc->Attr("name")) result = &r;
    }
    ASSERT_NE(result, nullptr) << tc->Attr("name");
    const std::vector<const XmlElement*> failures = tc->FindAll("failure");
    EXPECT_EQ(failures.size(), result->holds() ? 0u : 1u) << result->invariant;
  }
  const XmlElement* agreement = doc.FindAll("testcase")[0];
  const XmlElement* failure = agreement->FindAll("failure")[0];
  EXPECT_EQ(failure->Attr("type"), "violation");
  EXPECT_EQ(failure->Attr("message"),
            "1 violation: honest replicas disagree at seq 5: 'rogue' "
            "at replica 2; 'v5' at replicas 0, 1");
  EXPECT_NE(failure->text.find("5.220s commit replica=2 seq=5 value=rogue: committed here"),
            std::string::npos)
      << failure->text;
  // The episode comes first, with why it is a violation.
  EXPECT_EQ(failure->text.find("episode: The only violation of agreement, at 5.220s"), 0u)
      << failure->text;
  EXPECT_NE(failure->text.find("  why: A correct BFT protocol promises"), std::string::npos);
}

// A nightly job running a plan beyond the bound stays green, and the
// finding is still there to read.
TEST(JunitReportTest, ExpectedViolationsAreSkippedNotFailed) {
  const Report report = BeyondBoundSampleReport();
  const XmlElement doc = ParseJunit(report);
  int violated = 0;
  for (const CheckResult& r : report.results) violated += r.holds() ? 0 : 1;
  ASSERT_GE(violated, 3);
  EXPECT_EQ(doc.Attr("failures"), "0");
  EXPECT_EQ(doc.Attr("errors"), "0");
  EXPECT_TRUE(doc.FindAll("failure").empty());
  const XmlElement* suite = doc.FindAll("testsuite")[0];
  EXPECT_EQ(suite->Attr("failures"), "0");
  EXPECT_EQ(suite->Attr("skipped"), std::to_string(violated));
  EXPECT_EQ(doc.FindAll("skipped").size(), static_cast<size_t>(violated));
  bool verdict = false;
  for (const XmlElement* p : doc.FindAll("property")) {
    verdict = verdict || (p->Attr("name") == "verdict" && p->Attr("value") == "expected-violation");
  }
  EXPECT_TRUE(verdict);
  const XmlElement* agreement = doc.FindAll("testcase")[0];
  ASSERT_EQ(agreement->Attr("name"), "agreement");
  const std::vector<const XmlElement*> skipped = agreement->FindAll("skipped");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0]->Attr("message"),
            "expected beyond the fault bound (n = 4 < 3f+1 = 7): 1 violation: honest replicas "
            "disagree at seq 5: 'rogue' at replica 2; 'v5' at replicas 0, 1");
  EXPECT_NE(skipped[0]->text.find("5.220s commit replica=2 seq=5 value=rogue: committed here"),
            std::string::npos)
      << skipped[0]->text;
}

// Exit code 4 fails the CI job, so the report fails a test case too: one
// named `conclusive`, listing every reason.
TEST(JunitReportTest, InconclusiveRunFailsItsOwnTestCase) {
  const Report report = IdlePhaseSampleReport();
  ASSERT_EQ(report.verdict(), Verdict::kInconclusive);
  const XmlElement doc = ParseJunit(report);
  EXPECT_EQ(doc.Attr("tests"), "7");
  EXPECT_EQ(doc.Attr("failures"), "1");
  EXPECT_EQ(doc.Attr("errors"), "0");
  const std::vector<const XmlElement*> cases = doc.FindAll("testcase");
  ASSERT_EQ(cases.size(), 7u);
  EXPECT_EQ(cases[6]->Attr("name"), "conclusive");
  const std::vector<const XmlElement*> failures = cases[6]->FindAll("failure");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0]->Attr("type"), "inconclusive");
  EXPECT_EQ(failures[0]->Attr("message"), "inconclusive: " + report.inconclusive_reasons[0]);
  EXPECT_EQ(failures[0]->text, "- " + report.inconclusive_reasons[0] + "\n");
  for (size_t i = 0; i < 6; ++i) EXPECT_TRUE(cases[i]->FindAll("failure").empty());
}

// Beside a finding the reasons are not the verdict: no extra test case.
TEST(JunitReportTest, AFailedRunHasNoInconclusiveTestCase) {
  const XmlElement doc = ParseJunit(IdlePhaseSampleReport(/*diverge=*/true));
  for (const XmlElement* tc : doc.FindAll("testcase")) EXPECT_NE(tc->Attr("name"), "conclusive");
}

TEST(JunitReportTest, HarnessFailureIsAnError) {
  Report report = SampleReport(false);
  report.harness_error = "agent <2> & friends died";
  const XmlElement doc = ParseJunit(report);
  EXPECT_EQ(doc.Attr("errors"), "1");
  EXPECT_EQ(doc.Attr("tests"), "7");
  const std::vector<const XmlElement*> errors = doc.FindAll("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]->Attr("message"), "agent <2> & friends died");
}

}  // namespace
}  // namespace turncoat

namespace turncoat {
namespace {

TEST(JunitReportTest, TheReplayCommandIsAPropertyWhenKnown) {
  Report report = SampleReport(false);
  const auto replay_property = [](const XmlElement& doc) -> std::string {
    for (const XmlElement* p : doc.FindAll("property")) {
      if (p->Attr("name") == "replay") return p->Attr("value");
    }
    return "none";
  };
  EXPECT_EQ(replay_property(ParseJunit(report)), "none");
  ReplaySpec spec;
  spec.turncoat = "/b/turncoat";
  spec.plan_path = "/p/x.yaml";
  spec.seed = 7;
  spec.direct_links = true;
  report.replay = spec;
  EXPECT_EQ(replay_property(ParseJunit(report)), "/b/turncoat run /p/x.yaml --seed=7 --direct-links");
}

}  // namespace
}  // namespace turncoat
