#include "reports/html_report.h"

#include "gtest/gtest.h"
#include "tests/reports/sample_report.h"
#include "tests/reports/xml_lite.h"

namespace turncoat {
namespace {

XmlElement ParseHtml(const std::string& html) {
  absl::StatusOr<XmlElement> doc = ParseXml(html);
  EXPECT_TRUE(doc.ok()) << doc.status();
  return doc.ok() ? *doc : XmlElement{};
}

// Nothing in the page may make a browser fetch anything.
void ExpectSelfContained(const XmlElement& doc) {
  for (const char* tag : {"script", "link", "img", "iframe", "object", "embed", "image", "use",
                          "audio", "video", "source", "base"}) {
    EXPECT_TRUE(doc.FindAll(tag).empty()) << "<" << tag << "> in the page";
  }
  std::vector<const XmlElement*> stack = {&doc};
  while (!stack.empty()) {
    const XmlElement* e = stack.back();
    stack.pop_back();
    EXPECT_FALSE(e->HasAttr("src")) << "src on <" << e->name << ">";
    EXPECT_FALSE(e->HasAttr("xlink:href")) << "xlink:href on <" << e->name << ">";
    if (e->HasAttr("href")) {
      EXPECT_EQ(e->Attr("href").substr(0, 1), "#") << e->Attr("href");
    }
    EXPECT_EQ(e->Attr("style").find("url("), std::string::npos);
    for (const XmlElement& c : e->children) stack.push_back(&c);
  }
  for (const XmlElement* style : doc.FindAll("style")) {
    EXPECT_EQ(style->text.find("url("), std::string::npos);
    EXPECT_EQ(style->text.find("@import"), std::string::npos);
  }
}

TEST(HtmlReportTest, CleanReportIsSelfContained) {
  const std::string html = RenderHtmlReport(SampleReport(false));
  EXPECT_EQ(html.substr(0, 15), "<!DOCTYPE html>");
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  const XmlElement doc = ParseHtml(html);
  EXPECT_EQ(doc.name, "html");
  ExpectSelfContained(doc);
  const std::vector<const XmlElement*> headers = doc.FindAll("header");
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0]->Attr("class"), "pass");
  EXPECT_NE(headers[0]->AllText().find("PASS: plan sample on refbft"), std::string::npos);
  EXPECT_NE(doc.AllText().find("None: every expected invariant holds."), std::string::npos);
}

TEST(HtmlReportTest, DrawsTimelineRateAndLatency) {
  const XmlElement doc = ParseHtml(RenderHtmlReport(SampleReport(false)));
  const std::vector<const XmlElement*> svgs = doc.FindAll("svg");
  ASSERT_EQ(svgs.size(), 3u);
  EXPECT_EQ(svgs[0]->Attr("aria-label"), "timeline of faults and commits per replica");
  // The crash phase on replica 1, with its details on hover.
  int fault_rects = 0;
  for (const XmlElement* rect : svgs[0]->FindAll("rect")) {
    if (rect->Attr("class") != "fault") continue;
    ++fault_rects;
    EXPECT_NE(rect->AllText().find("phase 0: crash on [1]"), std::string::npos);
  }
  EXPECT_EQ(fault_rects, 1);
  int commit_cells = 0;
  for (const XmlElement* rect : svgs[0]->FindAll("rect")) {
    commit_cells += rect->Attr("class") == "commits" ? 1 : 0;
  }
  EXPECT_GT(commit_cells, 40);
  EXPECT_EQ(svgs[1]->FindAll("polyline").size(), 4u);  // one rate line per replica
  EXPECT_GE(svgs[2]->FindAll("polyline").size(), 2u);  // p50 and p99
}

TEST(HtmlReportTest, APhasesStepsAreBandsOnTheReplicasTheyMadeFaulty) {
  Report report = SampleReport(false);
  ASSERT_EQ(report.faults.size(), 1u);
  report.faults[0].interval.steps.push_back(
      FaultStep{absl::Seconds(6), 0, "round 1: partition [0, 3] | [1, 2]", {1, 2}});
  const XmlElement doc = ParseHtml(RenderHtmlReport(report));
  std::vector<std::string> timeline_bands;
  for (const XmlElement* rect : doc.FindAll("svg")[0]->FindAll("rect")) {
    if (rect->Attr("class") == "fault") timeline_bands.push_back(rect->AllText());
  }
  // 5s-6s on replica 1 as the phase started; 6s-8s on replicas 1 and 2.
  ASSERT_EQ(timeline_bands.size(), 3u);
  EXPECT_EQ(timeline_bands[0].find("round 1"), std::string::npos) << timeline_bands[0];
  for (int i : {1, 2}) {
    EXPECT_NE(timeline_bands[i].find("; round 1: partition [0, 3] | [1, 2] (6.000s to 8.000s)"),
              std::string::npos)
        << timeline_bands[i];
  }
}

// The rows of the table in the section with id `id`, as cell texts.
std::vector<std::vector<std::string>> TableRows(const XmlElement& doc, const std::string& id) {
  std::vector<std::vector<std::string>> rows;
  for (const XmlElement* section : doc.FindAll("section")) {
    if (section->Attr("id") != id) continue;
    for (const XmlElement* tr : section->FindAll("tr")) {
      std::vector<std::string> cells;
      for (const XmlElement& cell : tr->children) cells.push_back(cell.AllText());
      rows.push_back(std::move(cells));
    }
  }
  return rows;
}

TEST(HtmlReportTest, MessagesTableHasLinksByActions) {
  const XmlElement doc = ParseHtml(RenderHtmlReport(SampleReport(false)));
  ExpectSelfContained(doc);
  const std::vector<std::vector<std::string>> expected = {
      {"link", "drop", "pass", "all"},
      {"0 \u2192 1", "1", "3", "4"},
      {"1 \u2192 0", "0", "2", "2"},
      {"twin of 3 \u2192 0", "0", "1", "1"},
      {"all links", "1", "6", "7"},
  };
  EXPECT_EQ(TableRows(doc, "messages"), expected);
  EXPECT_NE(doc.AllText().find("Every proxied message was traced: 7 traced"), std::string::npos);
}

TEST(HtmlReportTest, SampledTraceSaysHowToScale) {
  Report r = SampleReport(false);
  r.trace.sample_every = 10;
  const XmlElement doc = ParseHtml(RenderHtmlReport(r));
  EXPECT_NE(doc.AllText().find("One proxied message in 10 was traced at each agent; multiply by "
                               "10 to estimate all"),
            std::string::npos);
}

TEST(HtmlReportTest, UntracedRunHasNoMessagesSection) {
  Report r = SampleReport(false);
  r.trace = TraceCounts{};
  EXPECT_TRUE(TableRows(ParseHtml(RenderHtmlReport(r)), "messages").empty());
  EXPECT_EQ(RenderHtmlReport(r).find("id=\"messages\""), std::string::npos);
}

TEST(HtmlReportTest, TrafficTableHasLinksByKindWithNamesEscaped) {
  EXPECT_EQ(RenderHtmlReport(SampleReport(false)).find("id=\"traffic\""), std::string::npos)
      << "no traffic, no section";
  Report r = SampleReport(false);
  r.traffic.links[{0, 1}] = LinkTraffic{
      absl::ZeroDuration(), 0, 1, {{"PREPARE", {3, 300}}, {"<vote & co>", {1, 50}}}, 7, 2, 0};
  r.traffic.links[{7, 0}] = LinkTraffic{absl::ZeroDuration(), 7, 0, {{"PREPARE", {2, 200}}}, 0, 2, 1};
  r.traffic.kinds = {{"PREPARE", {5, 500}}, {"<vote & co>", {1, 50}}};
  const std::string html = RenderHtmlReport(r);
  EXPECT_EQ(html.find("<vote"), std::string::npos) << "kind names are escaped";
  const XmlElement doc = ParseHtml(html);
  ExpectSelfContained(doc);
  const std::vector<std::vector<std::string>> expected = {
      {"link", "<vote & co>", "PREPARE", "unparsed bytes", "connections", "refused"},
      {"0 \u2192 1", "1 (50 B)", "3 (300 B)", "7", "2", "0"},
      {"twin of 3 \u2192 0", "0 (0 B)", "2 (200 B)", "0", "2", "1"},
      {"all links", "1 (50 B)", "5 (500 B)", "", "", ""},
  };
  EXPECT_EQ(TableRows(doc, "traffic"), expected);
}

// A gRPC target's links are in the traffic counts only for what their
// proxies rejected: they get rows of their own, and no traffic table.
TEST(HtmlReportTest, RejectedTableHasOnlyTheLinksThatRejectedSomething) {
  Report r = SampleReport(false);
  EXPECT_EQ(RenderHtmlReport(r).find("id=\"rejected\""), std::string::npos)
      << "nothing rejected, no section";
  LinkTraffic malformed{absl::ZeroDuration(), 2, 0, {}, 0, 0, 0};
  malformed.malformed_connections = 3;
  LinkTraffic oversized{absl::ZeroDuration(), 7, 1, {}, 0, 0, 0};
  oversized.oversized_messages = 1;
  r.traffic.links[{2, 0}] = malformed;
  r.traffic.links[{7, 1}] = oversized;
  r.traffic.links[{3, 0}] = LinkTraffic{absl::ZeroDuration(), 3, 0, {}, 0, 0, 0};
  const XmlElement doc = ParseHtml(RenderHtmlReport(r));
  ExpectSelfContained(doc);
  const std::vector<std::vector<std::string>> expected = {
      {"link", "malformed connections", "oversized messages"},
      {"2 \u2192 0", "3", "0"},
      {"twin of 3 \u2192 1", "0", "1"},
  };
  EXPECT_EQ(TableRows(doc, "rejected"), expected);
  EXPECT_TRUE(TableRows(doc, "traffic").empty()) << "no TCP link, no traffic table";
}

// On a TCP target's report a link with both kinds of counts shows in both.
TEST(HtmlReportTest, TrafficTableKeepsTcpLinksBesideRejections) {
  Report r = SampleReport(false);
  LinkTraffic both{absl::ZeroDuration(), 0, 1, {{"PREPARE", {3, 300}}}, 0, 2, 0};
  both.oversized_messages = 2;
  r.traffic.links[{0, 1}] = both;
  r.traffic.links[{1, 0}] = LinkTraffic{absl::ZeroDuration(), 1, 0, {}, 0, 0, 0};
  r.traffic.links[{1, 0}].malformed_connections = 1;
  r.traffic.kinds = {{"PREPARE", {3, 300}}};
  const XmlElement doc = ParseHtml(RenderHtmlReport(r));
  const std::vector<std::vector<std::string>> traffic = {
      {"link", "PREPARE", "unparsed bytes", "connections", "refused"},
      {"0 \u2192 1", "3 (300 B)", "0", "2", "0"},
      {"all links", "3 (300 B)", "", "", ""},
  };
  EXPECT_EQ(TableRows(doc, "traffic"), traffic);
  const std::vector<std::vector<std::string>> rejected = {
      {"link", "malformed connections", "oversized messages"},
      {"0 \u2192 1", "0", "2"},
      {"1 \u2192 0", "1", "0"},
  };
  EXPECT_EQ(TableRows(doc, "rejected"), rejected);
}

TEST(HtmlReportTest, FindingsAndEvidenceAreShownEscaped) {
  const std::string hostile = "<img src=\"https://evil.example/x.png\"/><script>alert(1)</script>";
  const Report report = SampleReport(true, hostile);
  const XmlElement doc = ParseHtml(RenderHtmlReport(report));
  ExpectSelfContained(doc);
  EXPECT_EQ(doc.FindAll("header")[0]->Attr("class"), "fail");
  const std::string text = doc.AllText();
  for (const CheckResult& r : report.results) {
    for (const Finding& f : r.findings) {
      EXPECT_NE(text.find(f.message), std::string::npos) << f.message;
    }
  }
  EXPECT_NE(text.find(hostile), std::string::npos);  // as text, not markup
  int evidence_marks = 0;
  for (const XmlElement* c : doc.FindAll("circle")) {
    evidence_marks += c->Attr("class") == "evidence" ? 1 : 0;
  }
  EXPECT_GT(evidence_marks, 0);
}

// The first screen tells the story: verdict, a line per episode, the
// command to run it again, the timeline; then each episode in full.
TEST(HtmlReportTest, EpisodesOpenThePage) {
  Report report = SampleReport(true);
  report.replay = ReplaySpec{};
  ASSERT_GE(report.episodes.size(), 3u);
  const XmlElement doc = ParseHtml(RenderHtmlReport(report));
  const XmlElement* body = doc.FindAll("body")[0];
  ASSERT_GE(body->children.size(), 4u);
  EXPECT_EQ(body->children[0].name, "header");
  EXPECT_EQ(body->children[1].Attr("id"), "replay");
  EXPECT_EQ(body->children[2].Attr("id"), "timeline");
  EXPECT_EQ(body->children[3].Attr("id"), "episodes");
  std::vector<const XmlElement*> lines;
  for (const XmlElement* ol : body->children[0].FindAll("ol")) {
    if (ol->Attr("id") == "episode-summary") lines = ol->FindAll("li");
  }
  ASSERT_EQ(lines.size(), report.episodes.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string text = lines[i]->AllText();
    EXPECT_NE(text.find(report.episodes[i].summary), std::string::npos) << text;
    EXPECT_NE(text.find(report.episodes[i].why), std::string::npos) << text;
    const std::string target = "episode-" + std::to_string(i + 1);
    EXPECT_EQ(lines[i]->FindAll("a")[0]->Attr("href"), "#" + target);
    int found = 0;
    for (const XmlElement* div : body->children[3].FindAll("div")) {
      found += div->Attr("id") == target ? 1 : 0;
    }
    EXPECT_EQ(found, 1) << target;
  }
  // The agreement episode shows the logs side by side with the cited entry.
  std::vector<const XmlElement*> cited;
  for (const XmlElement* td : body->children[3].FindAll("td")) {
    if (td->Attr("class") == "value cited") cited.push_back(td);
  }
  bool rogue_cited = false;
  for (const XmlElement* td : cited) rogue_cited |= td->AllText().substr(0, 5) == "rogue";
  EXPECT_TRUE(rogue_cited);
}

// With a trace, a safety episode lists what its links carried just before.
TEST(HtmlReportTest, ASafetyEpisodeShowsTheTracedMessagesBeforeIt) {
  Report report = SampleReport(true);
  ASSERT_EQ(report.episodes[0].kind, InvariantKind::kSafety);
  EXPECT_EQ(RenderHtmlReport(report).find("class=\"messages\""), std::string::npos);
  report.episodes[0].message_actions = {{"pass", 12}, {"replace", 1}};
  report.episodes[0].messages = {MessageFate{absl::Milliseconds(5100), 7, 0, "/refbft.Peer/Send",
                                             MessageDirection::kRequest, 120, "replace",
                                             "p0-equivocate"}};
  const XmlElement doc = ParseHtml(RenderHtmlReport(report));
  std::vector<std::vector<std::string>> rows;
  for (const XmlElement* table : doc.FindAll("table")) {
    if (table->Attr("class") != "messages") continue;
    for (const XmlElement* tr : table->FindAll("tr")) {
      std::vector<std::string> row;
      for (const XmlElement& cell : tr->children) row.push_back(cell.AllText());
      rows.push_back(row);
    }
  }
  const std::vector<std::vector<std::string>> expected = {
      {"time", "link", "method", "bytes", "action", "rule"},
      {"5.100s", "twin of 3 \u2192 0", "/refbft.Peer/Send", "120", "replace", "p0-equivocate"}};
  EXPECT_EQ(rows, expected);
  EXPECT_NE(doc.AllText().find("in the 1s before: 13 (12 pass, 1 replace)"), std::string::npos);
}

// Only the episodes' examples are shown, however many findings there are.
TEST(HtmlReportTest, ShowsTheEpisodesExamplesNotEveryFinding) {
  Report report = SampleReport(true);
  Finding extra{"not an example", {}};
  for (int i = 0; i < 50; ++i) report.results[0].Add(extra);
  const std::string html = RenderHtmlReport(report);
  EXPECT_EQ(html.find("not an example"), std::string::npos);
  const XmlElement doc = ParseHtml(html);
  size_t examples = 0;
  for (const Episode& e : report.episodes) examples += e.examples.size();
  EXPECT_EQ(doc.FindAll("details").size(), examples);
}

TEST(HtmlReportTest, ExpectedViolationSaysWhyItIsExpected) {
  const XmlElement doc = ParseHtml(RenderHtmlReport(BeyondBoundSampleReport()));
  ExpectSelfContained(doc);
  const std::vector<const XmlElement*> headers = doc.FindAll("header");
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0]->Attr("class"), "expected-violation");
  const std::string text = headers[0]->AllText();
  EXPECT_NE(text.find("EXPECTED VIOLATION: plan sample on refbft"), std::string::npos) << text;
  EXPECT_NE(text.find("invariants violated, as expected beyond the fault bound (n = 4 < 3f+1 = 7)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("not a bug in refbft"), std::string::npos) << text;
  // The findings are shown in full all the same.
  EXPECT_NE(doc.AllText().find("honest replicas disagree at seq 5"), std::string::npos);
}

TEST(HtmlReportTest, InconclusiveRunSaysWhyAtTheTop) {
  const Report report = IdlePhaseSampleReport();
  const XmlElement doc = ParseHtml(RenderHtmlReport(report));
  ExpectSelfContained(doc);
  const std::vector<const XmlElement*> headers = doc.FindAll("header");
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0]->Attr("class"), "inconclusive");
  const std::string text = headers[0]->AllText();
  EXPECT_NE(text.find("INCONCLUSIVE: plan sample on refbft"), std::string::npos) << text;
  EXPECT_NE(text.find("all 6 expected invariants hold, but the run tested too little for that "
                      "to count"),
            std::string::npos)
      << text;
  const std::vector<const XmlElement*> reasons = headers[0]->FindAll("li");
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0]->AllText(), report.inconclusive_reasons[0]);
}

TEST(HtmlReportTest, PassingRunHasNoReasonsOrWarnings) {
  const std::string html = RenderHtmlReport(SampleReport(false));
  EXPECT_EQ(html.find("id=\"inconclusive-reasons\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"warnings\""), std::string::npos);
}

// Warnings follow the story (verdict, timeline, episodes) and come before
// the invariants and the rest.
TEST(HtmlReportTest, ALatePhaseIsWarnedAboutAfterTheStory) {
  const Report report = LatePhaseSampleReport();
  const XmlElement doc = ParseHtml(RenderHtmlReport(report));
  const XmlElement* body = doc.FindAll("body")[0];
  ASSERT_GE(body->children.size(), 5u);
  EXPECT_EQ(body->children[0].name, "header");
  EXPECT_EQ(body->children[1].Attr("id"), "timeline");
  EXPECT_EQ(body->children[2].Attr("id"), "episodes");
  EXPECT_EQ(body->children[3].Attr("id"), "warnings");
  EXPECT_EQ(body->children[4].Attr("id"), "invariants");
  const std::vector<const XmlElement*> items = body->children[3].FindAll("li");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]->AllText(), report.warnings[0]);
}

TEST(HtmlReportTest, PhasesShowPlannedBesideActualTimes) {
  const XmlElement doc = ParseHtml(RenderHtmlReport(LatePhaseSampleReport()));
  const std::vector<std::vector<std::string>> expected = {
      {"phase", "adversary", "nodes", "planned", "actual", "start delay"},
      {"0", "crash", "[1]", "4.600s to 7.600s", "5.000s to 8.000s", "0.400s"},
  };
  EXPECT_EQ(TableRows(doc, "fault-phases"), expected);
}

TEST(HtmlReportTest, OrdinaryFailureDoesNotClaimToBeExpected) {
  const XmlElement doc = ParseHtml(RenderHtmlReport(SampleReport(true)));
  EXPECT_EQ(doc.AllText().find("as expected beyond the fault bound"), std::string::npos);
}

}  // namespace
}  // namespace turncoat

namespace turncoat {
namespace {

TEST(HtmlReportTest, TheReplayCommandComesRightAfterTheVerdict) {
  Report report = SampleReport(false);
  EXPECT_EQ(RenderHtmlReport(report).find("id=\"replay\""), std::string::npos);
  ReplaySpec spec;
  spec.turncoat = "/b/turncoat";
  spec.plan_path = "/p/a&b.yaml";
  spec.seed = 7;
  report.replay = spec;
  const std::string html = RenderHtmlReport(report);
  const XmlElement doc = ParseHtml(html);
  const std::vector<const XmlElement*> pres = doc.FindAll("pre");
  ASSERT_FALSE(pres.empty());
  EXPECT_EQ(pres[0]->Attr("class"), "command");
  EXPECT_EQ(pres[0]->text, "/b/turncoat run '/p/a&b.yaml' --seed=7");
  // Before the invariants table: the first thing after the verdict.
  EXPECT_LT(html.find("id=\"replay\""), html.find("id=\"invariants\""));
  EXPECT_GT(html.find("id=\"replay\""), html.find("</header>"));
}

}  // namespace
}  // namespace turncoat
