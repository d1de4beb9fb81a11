#include "reports/campaign_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/exit_codes.h"
#include "model/value_text.h"
#include "nlohmann/json.hpp"
#include "reports/xml_text.h"

namespace turncoat {
namespace {

using nlohmann::json;

std::string E(absl::string_view text) { return XmlEscape(text); }

std::string Attr(absl::string_view name, absl::string_view value) {
  return absl::StrCat(" ", name, "=\"", XmlEscape(value), "\"");
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

std::string Secs(absl::Duration d) { return absl::StrFormat("%.1f s", Seconds(d)); }

// For people: whole seconds, "7h41m3s".
std::string Rounded(absl::Duration d) {
  return absl::FormatDuration(absl::Trunc(d, absl::Seconds(1)));
}

// A moment in a campaign: tenths of a second while that still matters.
std::string When(absl::Duration d) { return d < absl::Minutes(1) ? Secs(d) : Rounded(d); }

std::string StringOr(const json& j, const char* key, std::string fallback = "") {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                               : fallback;
}

// One observation of report.json's evidence, as junit.xml writes it:
// "2.416s commit replica=0 seq=57 value=v: committed".
std::string EvidenceLine(const json& o) {
  std::string line = absl::StrFormat("%.3fs %s", o.value("t_s", 0.0), StringOr(o, "event"));
  if (o.contains("replica") && o["replica"].is_number() && o["replica"].get<int>() >= 0) {
    absl::StrAppend(&line, " replica=", o["replica"].get<int>());
  }
  if (o.contains("seq") && o["seq"].is_number()) absl::StrAppend(&line, " seq=", o["seq"].get<int64_t>());
  if (o.contains("value") && o["value"].is_string()) {
    absl::StrAppend(&line, " value=", DisplayValue(o["value"].get<std::string>()));
  } else if (o.contains("value_hex") && o["value_hex"].is_string()) {
    absl::StrAppend(&line, " value=0x", o["value_hex"].get<std::string>());
  }
  if (const std::string note = StringOr(o, "note"); !note.empty()) absl::StrAppend(&line, ": ", note);
  return line;
}

// What a report.json says was violated, and its first finding.
void ReadFindings(const json& report, ScenarioResult* r) {
  if (report.contains("invariants") && report["invariants"].is_array()) {
    for (const json& inv : report["invariants"]) {
      if (inv.is_object() && !inv.value("holds", true)) r->violated.push_back(StringOr(inv, "name"));
    }
  }
  if (!report.contains("findings") || !report["findings"].is_array()) return;
  std::optional<absl::Duration> earliest;
  for (const json& f : report["findings"]) {
    if (!f.is_object()) continue;
    if (r->finding_message.empty()) {
      r->finding_invariant = StringOr(f, "invariant");
      r->finding_message = StringOr(f, "message");
      if (f.contains("evidence") && f["evidence"].is_array() && !f["evidence"].empty()) {
        r->finding_evidence = EvidenceLine(f["evidence"][0]);
      }
    }
    // A finding becomes observable with the last observation it rests on
    // (harness/matrix.h's DetectionTime, over the report's findings).
    if (!f.contains("evidence") || !f["evidence"].is_array() || f["evidence"].empty()) continue;
    double established = 0;
    for (const json& o : f["evidence"]) established = std::max(established, o.value("t_s", 0.0));
    const absl::Duration at = absl::Seconds(established);
    if (!earliest || at < *earliest) earliest = at;
  }
  r->detected_at = earliest;
}

bool Conclusive(const ScenarioResult& r) {
  return r.verdict == kScenarioPass || r.verdict == kScenarioFail || r.verdict == kScenarioExpected;
}

std::string PlanLabel(const CampaignPlan& plan) {
  return plan.corpus ? absl::StrCat(plan.name, " (corpus)") : plan.name;
}

std::string ReportLink(const ScenarioResult& r) { return absl::StrCat(r.run_dir, "/report.html"); }

// The campaign's outcome in one word, for the page's header and the JSON.
std::string Outcome(const CampaignSummary& summary, int exit_code) {
  if (summary.state == "running") return "running";
  switch (exit_code) {
    case kExitViolation:
      return "findings";
    case kExitHarnessFailure:
      return "error";
    case kExitInconclusive:
      return "inconclusive";
    default:
      return "pass";
  }
}

}  // namespace

void JudgeScenario(int exit_code, const std::optional<std::string>& report_json,
                   absl::string_view why, ScenarioResult* r) {
  r->exit_code = exit_code;
  json report;
  if (report_json.has_value()) {
    report = json::parse(*report_json, nullptr, /*allow_exceptions=*/false);
    if (report.is_discarded()) report = json();
  }
  ReadFindings(report, r);
  switch (exit_code) {
    case kExitOk:
      r->verdict = StringOr(report, "verdict") == kScenarioExpected ? kScenarioExpected : kScenarioPass;
      return;
    case kExitViolation:
      r->verdict = kScenarioFail;
      return;
    case kExitInconclusive:
      r->verdict = kScenarioInconclusive;
      if (report.contains("inconclusive_reasons") && report["inconclusive_reasons"].is_array()) {
        for (const json& reason : report["inconclusive_reasons"]) {
          if (reason.is_string()) r->inconclusive_reasons.push_back(reason.get<std::string>());
        }
      }
      return;
    default:
      break;
  }
  r->verdict = kScenarioError;
  std::vector<std::string> parts;
  if (!why.empty()) parts.emplace_back(why);
  if (const std::string e = StringOr(report, "error"); !e.empty()) parts.push_back(e);
  if (!report_json.has_value()) parts.emplace_back("the run left no report.json");
  if (parts.empty()) parts.push_back(absl::StrCat("turncoat run exited ", exit_code));
  r->error = absl::StrJoin(parts, "; ");
}

CampaignTotals Totals(const CampaignSummary& summary) {
  CampaignTotals t;
  for (const ScenarioResult& r : summary.scenarios) {
    if (r.verdict == kScenarioRunning) {
      ++t.running;
      continue;
    }
    ++t.finished;
    t.passed += r.verdict == kScenarioPass;
    t.findings += r.verdict == kScenarioFail;
    t.errors += r.verdict == kScenarioError;
    t.inconclusive += r.verdict == kScenarioInconclusive;
    t.expected += r.verdict == kScenarioExpected;
  }
  return t;
}

std::vector<PlanTotals> TotalsPerPlan(const CampaignSummary& summary) {
  std::vector<PlanTotals> totals(summary.plans.size());
  for (const ScenarioResult& r : summary.scenarios) {
    if (r.verdict == kScenarioRunning || r.plan >= totals.size()) continue;
    PlanTotals& t = totals[r.plan];
    ++t.scenarios;
    t.errors += r.verdict == kScenarioError;
    t.inconclusive += r.verdict == kScenarioInconclusive;
    if (r.verdict != kScenarioFail) continue;
    ++t.findings;
    const absl::Duration at = r.started + r.detected_at.value_or(r.length);
    if (!t.first_finding || at < *t.first_finding) {
      t.first_finding = at;
      t.first_finding_scenario = r.number;
    }
  }
  return totals;
}

int CampaignExitCode(const CampaignSummary& summary, std::vector<std::string>* why) {
  const CampaignTotals totals = Totals(summary);
  if (totals.findings > 0) return kExitViolation;
  if (totals.errors > 0 || summary.state == "interrupted") return kExitHarnessFailure;
  std::vector<bool> conclusive(summary.plans.size(), false);
  std::vector<int> inconclusive(summary.plans.size(), 0);
  for (const ScenarioResult& r : summary.scenarios) {
    if (r.plan >= conclusive.size()) continue;
    conclusive[r.plan] = conclusive[r.plan] || Conclusive(r);
    inconclusive[r.plan] += r.verdict == kScenarioInconclusive;
  }
  const size_t before = why->size();
  for (size_t i = 0; i < summary.plans.size(); ++i) {
    if (conclusive[i]) continue;
    const std::string label = PlanLabel(summary.plans[i]);
    why->push_back(inconclusive[i] > 0
                       ? absl::StrCat(label, ": all ", inconclusive[i],
                                      " of its scenarios were inconclusive; their reports say why")
                       : absl::StrCat(label,
                                      ": no scenario ran; give the campaign a budget longer than "
                                      "one run of it"));
  }
  return why->size() > before ? kExitInconclusive : kExitOk;
}

std::string RenderCampaignJson(const CampaignSummary& summary) {
  const CampaignTotals totals = Totals(summary);
  const std::vector<PlanTotals> per_plan = TotalsPerPlan(summary);
  std::vector<std::string> why;
  const int exit_code = CampaignExitCode(summary, &why);
  json j;
  j["format"] = "turncoat-campaign/1";
  j["state"] = summary.state;
  j["outcome"] = Outcome(summary, exit_code);
  if (summary.state != "running") {
    j["exit_code"] = exit_code;
    j["exit_reasons"] = why;
  }
  j["stop_reason"] = summary.stop_reason;
  j["started_at"] = summary.started_at;
  j["elapsed_s"] = Seconds(summary.elapsed);
  j["budget_s"] = summary.budget ? json(Seconds(*summary.budget)) : json(nullptr);
  j["seeds"] = summary.seeds ? json{{"from", summary.seeds->from}, {"to", summary.seeds->to}}
                             : json(nullptr);
  j["jobs"] = summary.jobs;
  j["replica_args"] = summary.replica_args;
  j["shrink_share"] = summary.shrink_share;
  j["totals"] = {{"scenarios", totals.finished},   {"running", totals.running},
                 {"pass", totals.passed},          {"fail", totals.findings},
                 {"error", totals.errors},         {"inconclusive", totals.inconclusive},
                 {"expected_violation", totals.expected}};
  j["plans"] = json::array();
  for (size_t i = 0; i < summary.plans.size(); ++i) {
    const CampaignPlan& p = summary.plans[i];
    const PlanTotals& t = per_plan[i];
    json plan = {{"name", p.name},         {"path", p.path},
                 {"corpus", p.corpus},     {"seed", p.seed},
                 {"length_s", Seconds(p.length)},
                 {"scenarios", t.scenarios}, {"findings", t.findings},
                 {"errors", t.errors},     {"inconclusive", t.inconclusive}};
    plan["first_finding_s"] = t.first_finding ? json(Seconds(*t.first_finding)) : json(nullptr);
    plan["first_finding_scenario"] =
        t.first_finding ? json(t.first_finding_scenario) : json(nullptr);
    j["plans"].push_back(std::move(plan));
  }
  j["scenarios"] = json::array();
  for (const ScenarioResult& r : summary.scenarios) {
    const CampaignPlan& p = summary.plans.at(r.plan);
    json s = {{"number", r.number},
              {"plan", p.name},
              {"plan_path", p.path},
              {"corpus", p.corpus},
              {"seed", r.seed},
              {"verdict", r.verdict},
              {"violated", r.violated},
              {"started_s", Seconds(r.started)},
              {"run_dir", r.run_dir},
              {"report", ReportLink(r)}};
    if (r.verdict != kScenarioRunning) {
      s["exit_code"] = r.exit_code;
      s["duration_s"] = Seconds(r.length);
    }
    s["detected_s"] = r.detected_at ? json(Seconds(*r.detected_at)) : json(nullptr);
    s["finding"] = r.finding_message.empty()
                       ? json(nullptr)
                       : json{{"invariant", r.finding_invariant},
                              {"message", r.finding_message},
                              {"evidence", r.finding_evidence}};
    if (!r.inconclusive_reasons.empty()) s["inconclusive_reasons"] = r.inconclusive_reasons;
    if (!r.error.empty()) s["error"] = r.error;
    s["shrink"] = r.shrink.empty() ? json(nullptr)
                                   : json{{"state", r.shrink},
                                          {"plan", r.shrunk_plan.empty() ? json(nullptr)
                                                                         : json(r.shrunk_plan)},
                                          {"note", r.shrink_note}};
    j["scenarios"].push_back(std::move(s));
  }
  // Errors and evidence quote the system under test, which may print
  // anything: invalid UTF-8 becomes U+FFFD rather than an exception.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string RenderCampaignJunit(const CampaignSummary& summary) {
  const CampaignTotals totals = Totals(summary);
  std::vector<std::string> why;
  const int exit_code = CampaignExitCode(summary, &why);
  const bool inconclusive = summary.state != "running" && exit_code == kExitInconclusive;
  const bool interrupted = summary.state == "interrupted";
  std::string cases;
  for (const ScenarioResult& r : summary.scenarios) {
    if (r.verdict == kScenarioRunning) continue;
    const CampaignPlan& p = summary.plans.at(r.plan);
    absl::StrAppend(&cases, "    <testcase", Attr("classname", absl::StrCat("turncoat.", p.name)),
                    Attr("name", absl::StrCat(PlanLabel(p), " seed ", r.seed)),
                    Attr("time", absl::StrFormat("%.3f", Seconds(r.length))), ">\n");
    const std::string report = absl::StrCat("report: ", ReportLink(r), "\n");
    if (r.verdict == kScenarioFail) {
      std::string body = absl::StrCat(r.finding_invariant, ": ", r.finding_message, "\n");
      if (!r.finding_evidence.empty()) absl::StrAppend(&body, "  ", r.finding_evidence, "\n");
      absl::StrAppend(&body, "violated: ", absl::StrJoin(r.violated, ", "), "\n");
      if (r.detected_at) {
        absl::StrAppend(&body, "observable ", Secs(*r.detected_at), " into the run\n");
      }
      absl::StrAppend(&body, report);
      if (!r.shrunk_plan.empty()) {
        absl::StrAppend(&body, "shrunk: ", r.shrunk_plan, " (", r.shrink_note, ")\n");
      } else if (!r.shrink.empty()) {
        absl::StrAppend(&body, "shrink: ", r.shrink, "\n");
      }
      const std::string message =
          r.finding_message.empty() ? absl::StrJoin(r.violated, ", ")
                                    : absl::StrCat(r.finding_invariant, ": ", r.finding_message);
      absl::StrAppend(&cases, "      <failure", Attr("type", "violation"), Attr("message", message),
                      ">", E(body), "</failure>\n");
    } else if (r.verdict == kScenarioError) {
      absl::StrAppend(&cases, "      <error", Attr("type", "harness"), Attr("message", r.error),
                      ">", E(absl::StrCat(r.error, "\n", report)), "</error>\n");
    } else if (r.verdict == kScenarioInconclusive) {
      const std::string first =
          r.inconclusive_reasons.empty() ? "the run tested too little" : r.inconclusive_reasons[0];
      absl::StrAppend(&cases, "      <skipped", Attr("message", absl::StrCat("inconclusive: ", first)),
                      "/>\n      <system-out>",
                      E(absl::StrCat(absl::StrJoin(r.inconclusive_reasons, "\n"), "\n", report)),
                      "</system-out>\n");
    } else if (r.verdict == kScenarioExpected) {
      absl::StrAppend(&cases, "      <skipped",
                      Attr("message", absl::StrCat("expected beyond the fault bound: ",
                                                   absl::StrJoin(r.violated, ", "))),
                      "/>\n      <system-out>", E(report), "</system-out>\n");
    } else {
      absl::StrAppend(&cases, "      <system-out>", E(report), "</system-out>\n");
    }
    absl::StrAppend(&cases, "    </testcase>\n");
  }
  int tests = totals.finished;
  int failures = totals.findings;
  int errors = totals.errors;
  if (inconclusive) {
    ++tests;
    ++failures;
    absl::StrAppend(&cases, "    <testcase", Attr("classname", "turncoat.campaign"),
                    Attr("name", "conclusive"), Attr("time", "0"), ">\n      <failure",
                    Attr("type", "inconclusive"), Attr("message", why.empty() ? "" : why[0]), ">",
                    E(absl::StrJoin(why, "\n")), "</failure>\n    </testcase>\n");
  }
  if (interrupted) {
    ++tests;
    ++errors;
    absl::StrAppend(&cases, "    <testcase", Attr("classname", "turncoat.campaign"),
                    Attr("name", "interrupted"), Attr("time", "0"), ">\n      <error",
                    Attr("type", "interrupted"),
                    Attr("message", absl::StrCat("the campaign was interrupted: ", summary.stop_reason)),
                    "/>\n    </testcase>\n");
  }
  const int skipped = totals.inconclusive + totals.expected;
  const std::string counts = absl::StrCat(Attr("tests", absl::StrCat(tests)),
                                          Attr("failures", absl::StrCat(failures)),
                                          Attr("errors", absl::StrCat(errors)));
  // Wall time: scenarios run side by side with --jobs.
  const std::string t = absl::StrFormat("%.3f", Seconds(summary.elapsed));
  return absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", Attr("name", "turncoat-campaign"),
      counts, Attr("time", t), ">\n  <testsuite", Attr("name", "turncoat.campaign"), counts,
      Attr("skipped", absl::StrCat(skipped)), Attr("time", t),
      Attr("timestamp", summary.started_at), ">\n    <properties>\n      <property",
      Attr("name", "state"), Attr("value", summary.state), "/>\n      <property",
      Attr("name", "jobs"), Attr("value", absl::StrCat(summary.jobs)), "/>\n      <property",
      Attr("name", "budget"),
      Attr("value", summary.budget ? absl::FormatDuration(*summary.budget) : "none"),
      "/>\n      <property", Attr("name", "replica_args"),
      Attr("value", absl::StrJoin(summary.replica_args, " ")), "/>\n    </properties>\n", cases,
      "  </testsuite>\n</testsuites>\n");
}

namespace {

constexpr char kStyle[] = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 16px 48px; color: #222; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ddd; }
header { padding: 16px; margin: 16px 0; border-radius: 6px; }
header.pass { background: #e3f4e8; border-left: 8px solid #1e8e3e; }
header.findings { background: #fbe4e2; border-left: 8px solid #c0392b; }
header.error { background: #fff3d6; border-left: 8px solid #e69f00; }
header.inconclusive, header.running { background: #efeaf6; border-left: 8px solid #7b5ea7; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .evidence { font-family: ui-monospace, monospace; font-size: 13px; }
.muted { color: #666; }
.grid { display: flex; flex-wrap: wrap; gap: 3px; }
.cell { display: inline-block; min-width: 34px; padding: 1px 4px; border-radius: 3px; font-size: 12px; text-align: center; text-decoration: none; color: #111; }
.cell.pass { background: #b7e1c1; }
.cell.fail { background: #e74c3c; color: #fff; font-weight: bold; }
.cell.error { background: #f5c26b; }
.cell.inconclusive { background: #cbbde2; }
.cell.expected-violation { background: #b9c6ef; }
.cell.running { background: #eee; border: 1px dashed #999; }
)";

std::string VerdictWord(const std::string& outcome) {
  if (outcome == "findings") return "FINDINGS";
  if (outcome == "error") return "HARNESS ERRORS";
  if (outcome == "inconclusive") return "INCONCLUSIVE";
  if (outcome == "running") return "RUNNING";
  return "PASS";
}

}  // namespace

std::string RenderCampaignHtml(const CampaignSummary& summary) {
  const CampaignTotals totals = Totals(summary);
  const std::vector<PlanTotals> per_plan = TotalsPerPlan(summary);
  std::vector<std::string> why;
  const int exit_code = CampaignExitCode(summary, &why);
  const std::string outcome = Outcome(summary, exit_code);
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
      "<meta charset=\"utf-8\"/>\n",
      // A running campaign's page follows it without a script.
      summary.state == "running" ? "<meta http-equiv=\"refresh\" content=\"30\"/>\n" : "",
      "<title>turncoat campaign: ", E(VerdictWord(outcome)), "</title>\n<style>", kStyle,
      "</style>\n</head>\n<body>\n");

  absl::StrAppend(&out, "<header class=\"", outcome, "\"><h1>", E(VerdictWord(outcome)),
                  ": turncoat campaign</h1><p>", totals.finished, " scenarios finished",
                  totals.running > 0 ? absl::StrCat(", ", totals.running, " running") : "", ": ",
                  totals.findings, " with findings, ", totals.errors, " harness errors, ",
                  totals.inconclusive, " inconclusive, ", totals.passed, " passed",
                  totals.expected > 0 ? absl::StrCat(", ", totals.expected, " expected violations")
                                      : "",
                  ".</p><p class=\"muted\">Started ", E(summary.started_at), ", ran ",
                  E(Rounded(summary.elapsed)));
  if (summary.budget) absl::StrAppend(&out, " of a budget of ", E(Rounded(*summary.budget)));
  if (summary.seeds) {
    absl::StrAppend(&out, ", seeds ", summary.seeds->from, "..", summary.seeds->to);
  }
  absl::StrAppend(&out, ", ", summary.jobs, summary.jobs == 1 ? " scenario" : " scenarios",
                  " at a time");
  if (!summary.replica_args.empty()) {
    absl::StrAppend(&out, ", replica arguments <code>", E(absl::StrJoin(summary.replica_args, " ")),
                    "</code>");
  }
  absl::StrAppend(&out, ".");
  if (!summary.stop_reason.empty()) absl::StrAppend(&out, " Stopped: ", E(summary.stop_reason), ".");
  absl::StrAppend(&out, "</p>");
  if (summary.state != "running" && !why.empty()) {
    absl::StrAppend(&out, "<p>Why this is not a pass:</p><ul>");
    for (const std::string& w : why) absl::StrAppend(&out, "<li>", E(w), "</li>");
    absl::StrAppend(&out, "</ul>");
  }
  absl::StrAppend(&out, "</header>\n");

  absl::StrAppend(&out, "<h2 id=\"findings\">Findings</h2>\n");
  if (totals.findings == 0) {
    absl::StrAppend(&out, "<p>No scenario found a violation.</p>\n");
  } else {
    absl::StrAppend(&out,
                    "<table><tr><th>#</th><th>plan</th><th>seed</th><th>violated</th>"
                    "<th>observable at</th><th>first finding</th><th>report</th>"
                    "<th>shrunk</th></tr>\n");
    for (const ScenarioResult& r : summary.scenarios) {
      if (r.verdict != kScenarioFail) continue;
      absl::StrAppend(
          &out, "<tr><td class=\"num\">", r.number, "</td><td>",
          E(PlanLabel(summary.plans.at(r.plan))), "</td><td class=\"num\">", r.seed, "</td><td>",
          E(absl::StrJoin(r.violated, ", ")), "</td><td class=\"num\">",
          r.detected_at ? E(Secs(*r.detected_at)) : "", "</td><td>", E(r.finding_message),
          r.finding_evidence.empty()
              ? ""
              : absl::StrCat("<br/><span class=\"evidence\">", E(r.finding_evidence), "</span>"),
          "</td><td><a href=\"", E(ReportLink(r)), "\">report</a></td><td>",
          r.shrunk_plan.empty()
              ? E(r.shrink)
              : absl::StrCat("<a href=\"", E(r.shrunk_plan), "\">shrunk plan</a><br/>",
                             E(r.shrink_note)),
          "</td></tr>\n");
    }
    absl::StrAppend(&out, "</table>\n");
  }

  absl::StrAppend(&out,
                  "<h2 id=\"plans\">Plans</h2>\n<table><tr><th>plan</th><th>scenarios</th>"
                  "<th>findings</th><th>harness errors</th><th>inconclusive</th>"
                  "<th>time to first finding</th></tr>\n");
  for (size_t i = 0; i < summary.plans.size(); ++i) {
    const PlanTotals& t = per_plan[i];
    absl::StrAppend(&out, "<tr><td>", E(PlanLabel(summary.plans[i])), "</td><td class=\"num\">",
                    t.scenarios, "</td><td class=\"num\">", t.findings, "</td><td class=\"num\">",
                    t.errors, "</td><td class=\"num\">", t.inconclusive, "</td><td>",
                    t.first_finding ? E(absl::StrCat(When(*t.first_finding), " (scenario #",
                                                     t.first_finding_scenario, ")"))
                                    : "–",
                    "</td></tr>\n");
  }
  absl::StrAppend(&out,
                  "</table>\n<p class=\"muted\">Time to first finding counts from the campaign's "
                  "start to the moment the plan's first violation became observable.</p>\n");

  absl::StrAppend(&out,
                  "<h2 id=\"grid\">Scenarios by plan and seed</h2>\n<p class=\"grid\">"
                  "<span class=\"cell fail\">fail</span><span class=\"cell error\">harness "
                  "error</span><span class=\"cell inconclusive\">inconclusive</span><span "
                  "class=\"cell expected-violation\">expected violation</span><span class=\"cell "
                  "pass\">pass</span><span class=\"cell running\">running</span></p>\n");
  for (size_t i = 0; i < summary.plans.size(); ++i) {
    absl::StrAppend(&out, "<h3>", E(PlanLabel(summary.plans[i])), "</h3>\n<div class=\"grid\">");
    if (std::none_of(summary.scenarios.begin(), summary.scenarios.end(),
                     [i](const ScenarioResult& r) { return r.plan == i; })) {
      absl::StrAppend(&out, "<span class=\"muted\">none yet</span>");
    }
    for (const ScenarioResult& r : summary.scenarios) {
      if (r.plan != i) continue;
      std::string title = absl::StrCat("#", r.number, " seed ", r.seed, ": ", r.verdict);
      if (!r.violated.empty()) absl::StrAppend(&title, " (", absl::StrJoin(r.violated, ", "), ")");
      if (!r.error.empty()) absl::StrAppend(&title, ": ", r.error);
      if (!r.inconclusive_reasons.empty()) absl::StrAppend(&title, ": ", r.inconclusive_reasons[0]);
      absl::StrAppend(&out, "<a class=\"cell ", r.verdict, "\" href=\"", E(ReportLink(r)),
                      "\" title=\"", E(title), "\">", r.seed, "</a>");
    }
    absl::StrAppend(&out, "</div>\n");
  }

  if (totals.errors > 0) {
    absl::StrAppend(&out, "<h2 id=\"errors\">Harness errors</h2>\n<ul>\n");
    for (const ScenarioResult& r : summary.scenarios) {
      if (r.verdict != kScenarioError) continue;
      absl::StrAppend(&out, "<li>#", r.number, " ", E(PlanLabel(summary.plans.at(r.plan))),
                      " seed ", r.seed, ": ", E(r.error), " (<a href=\"", E(ReportLink(r)),
                      "\">report</a>)</li>\n");
    }
    absl::StrAppend(&out, "</ul>\n");
  }
  absl::StrAppend(&out,
                  "<p class=\"muted\">summary.json and junit.xml beside this page hold the same "
                  "record.</p>\n</body>\n</html>\n");
  return out;
}

std::string CampaignStatusLine(const CampaignSummary& summary, absl::Duration left) {
  const CampaignTotals t = Totals(summary);
  std::string line = absl::StrCat(t.finished, " done, ", t.running, " running, ", t.findings,
                                  t.findings == 1 ? " finding, " : " findings, ", t.errors,
                                  t.errors == 1 ? " harness error, " : " harness errors, ",
                                  t.inconclusive, " inconclusive");
  if (left != absl::InfiniteDuration()) {
    absl::StrAppend(&line, ", ", Rounded(std::max(left, absl::ZeroDuration())), " left");
  }
  return line;
}

std::string ScenarioLine(const CampaignSummary& summary, const ScenarioResult& r) {
  std::string line = absl::StrCat("#", r.number, " ", PlanLabel(summary.plans.at(r.plan)),
                                  " seed ", r.seed, ": ");
  if (r.verdict == kScenarioFail) {
    absl::StrAppend(&line, "FAIL ", absl::StrJoin(r.violated, ", "));
    if (r.detected_at) absl::StrAppend(&line, " at ", Secs(*r.detected_at));
  } else if (r.verdict == kScenarioError) {
    absl::StrAppend(&line, "ERROR ", r.error);
  } else if (r.verdict == kScenarioInconclusive) {
    absl::StrAppend(&line, "inconclusive");
  } else {
    absl::StrAppend(&line, r.verdict);
  }
  absl::StrAppend(&line, " (", r.run_dir, ", ", Secs(r.length), ")");
  return line;
}

}  // namespace turncoat
