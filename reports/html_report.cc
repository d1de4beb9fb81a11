#include "reports/html_report.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/value_text.h"
#include "reports/episode_messages.h"
#include "reports/svg_chart.h"
#include "reports/xml_text.h"

namespace turncoat {
namespace {

constexpr char kStyle[] = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1000px; padding: 0 16px 48px; color: #222; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin-bottom: 4px; }
header { padding: 16px; margin: 16px 0; border-radius: 6px; }
header.pass { background: #e3f4e8; border-left: 8px solid #1e8e3e; }
header.fail { background: #fbe4e2; border-left: 8px solid #c0392b; }
header.error { background: #fff3d6; border-left: 8px solid #e69f00; }
header.expected-violation { background: #e6ecfa; border-left: 8px solid #3451b2; }
header.inconclusive { background: #efeaf6; border-left: 8px solid #7b5ea7; }
.warnings { background: #fff8e1; border-left: 4px solid #e69f00; padding: 4px 12px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.holds { color: #1e8e3e; font-weight: bold; }
.violated { color: #c0392b; font-weight: bold; }
.finding { border-left: 4px solid #c0392b; padding-left: 12px; margin: 16px 0; }
ol#episode-summary { margin: 8px 0 0; padding-left: 22px; }
ol#episode-summary li { margin: 2px 0; }
.episode { border-left: 4px solid #c0392b; padding-left: 12px; margin: 16px 0; }
.why { font-style: italic; color: #444; }
td.cited { background: #fbe4e2; font-weight: bold; }
td.differs { background: #fff3d6; }
details > summary { cursor: pointer; }
code, pre, .value { font-family: ui-monospace, monospace; font-size: 13px; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; }
svg.chart { display: block; max-width: 100%; height: auto; font: 11px sans-serif; }
.muted { color: #666; }
pre.command { user-select: all; white-space: pre-wrap; word-break: break-all; }
)";

std::string E(absl::string_view text) { return XmlEscape(text); }

std::string Secs(absl::Duration d) { return absl::StrFormat("%.3fs", absl::ToDoubleSeconds(d)); }

std::string List(const std::vector<int>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ", "), "]");
}

// What went wrong, when and where: one line per episode, each a link to
// its details, so the first screen tells the story.
std::string EpisodeSummary(const Report& report) {
  if (report.episodes.empty()) return "";
  std::string out = absl::StrCat("<p><strong>What went wrong</strong> (",
                                 report.episodes.size(),
                                 report.episodes.size() == 1 ? " episode" : " episodes",
                                 "):</p><ol id=\"episode-summary\">");
  for (size_t i = 0; i < report.episodes.size(); ++i) {
    const Episode& e = report.episodes[i];
    absl::StrAppend(&out, "<li><a href=\"#episode-", i + 1, "\">", E(e.invariant), "</a>: ",
                    E(e.summary), "<br/><span class=\"why\">", E(e.why), "</span></li>");
  }
  absl::StrAppend(&out, "</ol>");
  return out;
}

std::string Header(const Report& report) {
  const Verdict verdict = report.verdict();
  const std::string word = verdict == Verdict::kPass                ? "PASS"
                           : verdict == Verdict::kViolation         ? "FAIL"
                           : verdict == Verdict::kExpectedViolation ? "EXPECTED VIOLATION"
                           : verdict == Verdict::kInconclusive      ? "INCONCLUSIVE"
                                                                    : "ERROR";
  const Plan& plan = report.plan;
  int64_t violated = 0;
  for (const CheckResult& r : report.results) violated += r.holds() ? 0 : 1;
  std::string summary =
      verdict == Verdict::kPass || verdict == Verdict::kInconclusive
          ? absl::StrCat("all ", report.results.size(), " expected invariants hold")
          : absl::StrCat(violated, " of ", report.results.size(), " invariants violated");
  if (verdict == Verdict::kInconclusive) {
    absl::StrAppend(&summary, ", but the run tested too little for that to count");
  }
  if (verdict == Verdict::kExpectedViolation) {
    absl::StrAppend(&summary, ", as expected beyond the fault bound (", FaultBoundBreach(plan),
                    ")");
  }
  std::string out =
      absl::StrCat("<header class=\"", VerdictName(verdict), "\"><h1>", word, ": plan ",
                   E(plan.name), " on ", E(report.target_name), "</h1><p>", E(summary),
                   "</p><p class=\"muted\">n = ", plan.n, ", f = ", plan.f, ", Byzantine ",
                   List(plan.byzantine), ", seed ", plan.seed, ", planned duration ",
                   E(absl::FormatDuration(plan.duration)), ", recorded ", Secs(report.length));
  if (!report.started_at.empty()) absl::StrAppend(&out, ", started ", E(report.started_at));
  if (!plan.generated_by.empty()) {
    absl::StrAppend(&out, "; phases drawn by ", E(plan.generated_by));
  }
  absl::StrAppend(&out, "</p>");
  if (report.calibration.has_value()) {
    const Calibration& c = *report.calibration;
    absl::StrAppend(&out, "<p class=\"muted\" id=\"calibration\">Warm-up (rate: auto): ",
                    absl::StrFormat("%.1f", c.commit_rate), " commits/s, latency p50 ",
                    E(absl::FormatDuration(absl::Trunc(c.latency_p50, absl::Milliseconds(1)))),
                    " p99 ",
                    E(absl::FormatDuration(absl::Trunc(c.latency_p99, absl::Milliseconds(1)))),
                    "; paced at ", absl::StrFormat("%.1f", c.rate), " values/s");
    if (c.commit_within.has_value()) {
      absl::StrAppend(&out, ", liveness bound ", E(absl::FormatDuration(*c.commit_within)));
    }
    absl::StrAppend(&out, ".</p>");
  }
  if (verdict == Verdict::kExpectedViolation) {
    // Whoever opens the report must not take the finding for a bug.
    absl::StrAppend(&out,
                    "<p>The plan goes beyond the fault bound on purpose "
                    "(<code>beyond_fault_bound: true</code>). A BFT protocol can be safe only with "
                    "n &#8805; 3f+1 replicas of which at most f are Byzantine (Lamport, Shostak, "
                    "Pease 1982), so these violations show the bound, not a bug in ",
                    E(report.target_name), ".</p>");
  }
  if (!report.harness_error.empty()) {
    absl::StrAppend(&out, "<p><strong>Harness failure:</strong> ", E(report.harness_error), "</p>");
  }
  if (!report.inconclusive_reasons.empty()) {
    // Beside a finding they are not the verdict, but still say what the
    // run did not test.
    absl::StrAppend(&out, "<p>",
                    verdict == Verdict::kInconclusive ? "<strong>Why this is not a pass:</strong>"
                                                      : "The run also tested less than planned:",
                    "</p><ul id=\"inconclusive-reasons\">");
    for (const std::string& reason : report.inconclusive_reasons) {
      absl::StrAppend(&out, "<li>", E(reason), "</li>");
    }
    absl::StrAppend(&out, "</ul>");
  }
  if (report.history_truncated) {
    absl::StrAppend(&out, "<p>The history's last line was cut off mid-write and skipped.</p>");
  }
  absl::StrAppend(&out, EpisodeSummary(report), "</header>");
  return out;
}

// Near the top, one click selects it: the first thing to do with a
// finding is to see it again.
std::string Replay(const Report& report) {
  if (!report.replay.has_value()) return "";
  const ReplaySpec& spec = *report.replay;
  return absl::StrCat(
      "<section id=\"replay\"><p><strong>Run it again</strong> (same plan, target, seed, "
      "replica arguments, trace and links; turncoat ",
      E(spec.turncoat_version), "):</p><pre class=\"command\">",
      E(ShellCommand(ReplayArgv(spec))), "</pre><p class=\"muted\">Or, from this report's "
      "directory, <code>", E(ShellCommand({spec.turncoat, "replay", "."})),
      "</code> runs the copies of the plan and target saved here and says whether the same "
      "invariants break.</p></section>");
}

std::string Warnings(const Report& report) {
  if (report.warnings.empty()) return "";
  std::string out =
      "<section id=\"warnings\" class=\"warnings\"><p><strong>Warnings</strong></p><ul>";
  for (const std::string& warning : report.warnings) {
    absl::StrAppend(&out, "<li>", E(warning), "</li>");
  }
  absl::StrAppend(&out, "</ul></section>");
  return out;
}

// The first episode of `invariant`, counted from 1; 0 if none.
size_t FirstEpisode(const Report& report, const std::string& invariant) {
  for (size_t i = 0; i < report.episodes.size(); ++i) {
    if (report.episodes[i].invariant == invariant) return i + 1;
  }
  return 0;
}

std::string Invariants(const Report& report) {
  std::string out =
      "<section id=\"invariants\"><h2>Invariants</h2><table><tr><th>invariant</th><th>kind</th>"
      "<th>result</th><th>violations</th><th>examined</th></tr>";
  for (const CheckResult& r : report.results) {
    // Only a violated invariant has an episode to jump to.
    const size_t episode = FirstEpisode(report, r.invariant);
    const std::string name =
        episode == 0 ? E(r.invariant)
                     : absl::StrCat("<a href=\"#episode-", episode, "\">", E(r.invariant), "</a>");
    absl::StrAppend(&out, "<tr><td>", name, "</td><td>",
                    r.kind == InvariantKind::kSafety ? "safety" : "liveness", "</td><td class=\"",
                    r.holds() ? "holds\">holds" : "violated\">violated", "</td><td class=\"num\">",
                    r.violations, "</td><td>", E(r.checked), "</td></tr>");
  }
  absl::StrAppend(&out, "</table></section>");
  return out;
}

std::string Evidence(const Finding& finding) {
  std::string out =
      "<table><tr><th>time</th><th>event</th><th>replica</th><th>seq</th><th>value</th>"
      "<th>what it shows</th></tr>";
  for (const Observation& o : finding.evidence) {
    absl::StrAppend(&out, "<tr><td class=\"num\">", Secs(o.t), "</td><td>", E(o.event),
                    "</td><td class=\"num\">", o.replica >= 0 ? absl::StrCat(o.replica) : "",
                    "</td><td class=\"num\">", o.seq.has_value() ? absl::StrCat(*o.seq) : "",
                    "</td><td class=\"value\">",
                    o.value.has_value() ? E(DisplayValue(*o.value)) : "", "</td><td>", E(o.note),
                    "</td></tr>");
  }
  absl::StrAppend(&out, "</table>");
  return out;
}

std::string ValueCell(const LogEntry& entry) { return E(DisplayValue(entry.value)); }

// The replicas' logs side by side, one row per sequence number: a cited
// entry is part of the divergence's evidence, and a row whose replicas
// hold different values is where the logs disagree.
std::string Logs(const Episode& e) {
  if (e.logs.empty()) return "";
  std::map<uint64_t, std::vector<std::vector<const LogEntry*>>> rows;
  for (size_t i = 0; i < e.logs.size(); ++i) {
    for (const LogEntry& entry : e.logs[i].entries) {
      auto& row = rows[entry.seq];
      row.resize(e.logs.size());
      row[i].push_back(&entry);
    }
  }
  std::string out = "<table class=\"logs\"><tr><th>seq</th>";
  for (const ReplicaLog& log : e.logs) absl::StrAppend(&out, "<th>replica ", log.replica, "</th>");
  absl::StrAppend(&out, "</tr>");
  for (const auto& [seq, row] : rows) {
    std::set<std::string> distinct;
    for (const auto& cell : row) {
      for (const LogEntry* entry : cell) distinct.insert(entry->value);
    }
    absl::StrAppend(&out, "<tr><td class=\"num\">", seq, "</td>");
    for (const auto& cell : row) {
      bool cited = false;
      std::vector<std::string> shown;
      for (const LogEntry* entry : cell) {
        cited |= entry->cited;
        shown.push_back(absl::StrCat(ValueCell(*entry), " <span class=\"muted\">at ",
                                     Secs(entry->t), "</span>"));
      }
      const char* cls = cited ? " class=\"value cited\""
                        : distinct.size() > 1 && !cell.empty() ? " class=\"value differs\""
                                                               : " class=\"value\"";
      absl::StrAppend(&out, "<td", cls, ">",
                      shown.empty() ? "<span class=\"muted\">(none)</span>"
                                    : absl::StrJoin(shown, "<br/>"),
                      "</td>");
    }
    absl::StrAppend(&out, "</tr>");
  }
  absl::StrAppend(&out, "</table>");
  return out;
}

std::string Sender(int from, int n);

// What the divergence's links carried just before it, when the run traced
// messages: counts by action, then the last few.
std::string EpisodeMessagesHtml(const Report& report, const Episode& e) {
  if (e.message_actions.empty()) return "";
  int64_t total = 0;
  std::vector<std::string> actions;
  for (const auto& [action, count] : e.message_actions) {
    total += count;
    actions.push_back(absl::StrCat(count, " ", action));
  }
  std::string out = absl::StrCat(
      "<p class=\"muted\">Traced messages on links of ", e.replicas.size() == 1 ? "replica " : "replicas ",
      absl::StrJoin(e.replicas, ", "), " in the ",
      E(absl::FormatDuration(kEpisodeMessageWindow)), " before: ", total, " (",
      E(absl::StrJoin(actions, ", ")), ")",
      report.trace.sample_every > 1
          ? absl::StrCat(", one in ", report.trace.sample_every, " traced")
          : "",
      static_cast<int64_t>(e.messages.size()) < total
          ? absl::StrCat("; ", e.messages.size(), " of them, those a fault rule acted on first:")
          : std::string(":"),
      "</p><table class=\"messages\"><tr><th>time</th>"
      "<th>link</th><th>method</th><th>bytes</th><th>action</th><th>rule</th></tr>");
  for (const MessageFate& m : e.messages) {
    absl::StrAppend(&out, "<tr><td class=\"num\">", Secs(m.t), "</td><td>",
                    Sender(m.from, report.plan.n), " &#8594; ", m.to, "</td><td><code>",
                    E(m.method), "</code>",
                    m.direction == MessageDirection::kResponse ? " (response)" : "", "</td>"
                    "<td class=\"num\">", m.bytes, "</td><td>", E(m.action), "</td><td>",
                    E(m.rule), "</td></tr>");
  }
  absl::StrAppend(&out, "</table>");
  return out;
}

std::string Episodes(const Report& report) {
  std::string out = "<section id=\"episodes\"><h2>Episodes</h2>";
  if (report.episodes.empty()) {
    absl::StrAppend(&out, "<p>None: every expected invariant holds.</p></section>");
    return out;
  }
  for (size_t i = 0; i < report.episodes.size(); ++i) {
    const Episode& e = report.episodes[i];
    absl::StrAppend(&out, "<div class=\"episode\" id=\"episode-", i + 1, "\"><h3>Episode ", i + 1,
                    ": ", E(e.invariant), ", from ", Secs(e.began), "</h3><p>", E(e.summary),
                    "</p><p class=\"why\"><strong>Why it is a violation:</strong> ", E(e.why),
                    "</p>");
    if (!e.logs.empty()) {
      absl::StrAppend(&out,
                      "<p class=\"muted\">The logs around the first divergence (red: the "
                      "entries it cites; yellow: a sequence number where the replicas "
                      "disagree).</p>",
                      Logs(e));
    }
    absl::StrAppend(&out, EpisodeMessagesHtml(report, e));
    absl::StrAppend(&out, "<p class=\"muted\">", e.examples.size() == 1 ? "Example" : "Examples",
                    " (", e.examples.size(), " of ", e.findings,
                    e.findings == 1 ? " finding" : " findings",
                    "; report.json lists them all):</p>");
    for (size_t j = 0; j < e.examples.size(); ++j) {
      absl::StrAppend(&out, "<details class=\"finding\"", j == 0 ? " open=\"open\"" : "",
                      "><summary>", E(e.examples[j].message), "</summary>",
                      Evidence(e.examples[j]), "</details>");
    }
    absl::StrAppend(&out, "</div>");
  }
  for (const CheckResult& r : report.results) {
    if (r.violations <= static_cast<int64_t>(r.findings.size())) continue;
    absl::StrAppend(&out, "<p class=\"muted\">", E(r.invariant), ": ", r.violations,
                    " violations counted; the first ", r.findings.size(),
                    " are kept in report.json and grouped into the episodes above.</p>");
  }
  absl::StrAppend(&out, "</section>");
  return out;
}

std::vector<ChartBand> FaultBands(const Report& report) {
  std::vector<ChartBand> bands;
  for (const ReportFault& f : report.faults) {
    std::string label = absl::StrCat("phase ", f.interval.phase, ": ", f.interval.adversary);
    if (!f.interval.nodes.empty()) absl::StrAppend(&label, " on ", List(f.interval.nodes));
    for (const auto& [name, value] : f.params) {
      absl::StrAppend(&label, ", ", name, " ", FormatParamValue(value));
    }
    absl::StrAppend(&label, ", ", Secs(f.interval.start), " to ", Secs(f.interval.end),
                    f.interval.ended ? "" : " (never ended)");
    if (f.planned_start.has_value()) {
      absl::StrAppend(&label, ", planned ", Secs(*f.planned_start), " to ", Secs(*f.planned_end));
    }
    // A phase with steps is one band per step, on the replicas it made
    // faulty, so a random schedule's rounds read off the timeline.
    for (const FaultInterval::Stretch& s : f.interval.Stretches()) {
      bands.push_back(ChartBand{
          absl::ToDoubleSeconds(s.start), absl::ToDoubleSeconds(s.end),
          s.what.empty()
              ? label
              : absl::StrCat(label, "; ", s.what, " (", Secs(s.start), " to ", Secs(s.end), ")"),
          s.nodes});
    }
  }
  return bands;
}

// Each phase's planned and actual start and end, so a late phase is seen.
std::string PhaseTable(const Report& report) {
  if (report.faults.empty()) return "";
  std::string out =
      "<section id=\"fault-phases\"><h2>Fault phases</h2><p class=\"muted\">Fault phases, times from the run's start: planned is the cluster's "
      "ready time plus the phase's <code>at</code> (and <code>for</code>).</p>"
      "<table id=\"phases\"><tr><th>phase</th><th>adversary</th><th>nodes</th>"
      "<th>planned</th><th>actual</th><th>start delay</th></tr>";
  for (const ReportFault& f : report.faults) {
    const std::string planned =
        f.planned_start.has_value()
            ? absl::StrCat(Secs(*f.planned_start), " to ", Secs(*f.planned_end))
            : std::string("unknown (no cluster_ready in the history)");
    const std::string late =
        f.planned_start.has_value() ? Secs(f.interval.start - *f.planned_start) : "";
    absl::StrAppend(&out, "<tr><td class=\"num\">", f.interval.phase, "</td><td>",
                    E(f.interval.adversary), "</td><td>", List(f.interval.nodes), "</td><td>",
                    planned, "</td><td>", Secs(f.interval.start), " to ", Secs(f.interval.end),
                    f.interval.ended ? "" : " (never ended)", "</td><td class=\"num\">", late,
                    "</td></tr>");
  }
  absl::StrAppend(&out, "</table></section>");
  return out;
}

std::string Timeline(const Report& report) {
  const double bucket = absl::ToDoubleSeconds(report.series.bucket);
  std::vector<TimelineRow> rows;
  for (int r = 0; r < report.plan.n; ++r) {
    TimelineRow row;
    row.highlighted = report.plan.IsByzantine(r);
    row.label = absl::StrCat("replica ", r, row.highlighted ? " (byz)" : "");
    for (double rate : report.series.commit_rate[r]) row.counts.push_back(rate * bucket);
    rows.push_back(std::move(row));
  }
  std::vector<ChartMark> marks;
  for (const ProcessExit& e : report.exits) {
    if (e.replica < 0 || e.replica >= report.plan.n) continue;
    marks.push_back(
        ChartMark{absl::ToDoubleSeconds(e.t), e.replica, !e.requested,
                  absl::StrCat("replica ", e.replica, " exited at ", Secs(e.t),
                               e.requested ? " (stopped by the harness)" : " on its own")});
  }
  // The examples' evidence only: hundreds of findings would be a smear.
  for (size_t i = 0; i < report.episodes.size(); ++i) {
    for (const Finding& finding : report.episodes[i].examples) {
      for (const Observation& o : finding.evidence) {
        if (o.replica < 0 || o.replica >= report.plan.n) continue;
        marks.push_back(ChartMark{absl::ToDoubleSeconds(o.t), o.replica, true,
                                  absl::StrCat("episode ", i + 1, ": ", o.note)});
      }
    }
  }
  return absl::StrCat(
      "<section id=\"timeline\"><h2>Timeline</h2><p class=\"muted\">Shaded cells: commits per ",
      E(absl::FormatDuration(report.series.bucket)),
      " at each replica (darker is more). Orange: fault phases on the replicas they affect "
      "(full height: the whole cluster). Red dots: evidence of the episodes' examples and exits "
      "the harness did not ask for. Hover for details; the fault phases' planned and actual "
      "times are <a href=\"#phases\">below</a>.</p>",
      TimelineSvg(rows, bucket, absl::ToDoubleSeconds(report.length), FaultBands(report), marks),
      "</section>");
}

std::string Plots(const Report& report) {
  const double bucket = absl::ToDoubleSeconds(report.series.bucket);
  const double length = absl::ToDoubleSeconds(report.length);
  const std::vector<ChartBand> bands = FaultBands(report);
  std::vector<ChartLine> rates;
  for (int r = 0; r < report.plan.n; ++r) {
    ChartLine line{absl::StrCat("replica ", r), {}};
    for (double v : report.series.commit_rate[r]) line.values.push_back(v);
    rates.push_back(std::move(line));
  }
  const auto millis = [](const std::vector<std::optional<absl::Duration>>& v) {
    std::vector<std::optional<double>> out;
    for (const std::optional<absl::Duration>& d : v) {
      out.push_back(d.has_value() ? std::optional<double>(absl::ToDoubleMilliseconds(*d))
                                  : std::nullopt);
    }
    return out;
  };
  const std::vector<ChartLine> latency = {{"p50", millis(report.series.latency_p50)},
                                          {"p99", millis(report.series.latency_p99)}};
  return absl::StrCat(
      "<section id=\"commit-rate\"><h2>Commit rate</h2>",
      LineChartSvg("commits per second at each replica", "commits/s", rates, bucket, length, bands),
      "</section><section id=\"latency\"><h2>Latency</h2><p class=\"muted\">From a value's "
      "first submission to its first commit at an honest replica, by submission time.</p>",
      LineChartSvg("commit latency", "ms", latency, bucket, length, bands), "</section>");
}

std::string StatisticsSection(const Report& report) {
  const Statistics& s = report.statistics;
  std::string out = absl::StrCat(
      "<section id=\"statistics\"><h2>Statistics</h2><table>",
      "<tr><th>submissions</th><td class=\"num\">", s.submissions, "</td></tr>",
      "<tr><th>distinct values</th><td class=\"num\">", s.values, "</td></tr>",
      "<tr><th>accepted / rejected</th><td class=\"num\">", s.accepted, " / ", s.rejected,
      "</td></tr><tr><th>values committed</th><td class=\"num\">", s.committed_values,
      "</td></tr><tr><th>latency p50 / p90 / p99 / max</th><td class=\"num\">",
      absl::StrFormat("%.1f / %.1f / %.1f / %.1f ms", absl::ToDoubleMilliseconds(s.latency.p50),
                      absl::ToDoubleMilliseconds(s.latency.p90),
                      absl::ToDoubleMilliseconds(s.latency.p99),
                      absl::ToDoubleMilliseconds(s.latency.max)),
      "</td></tr></table><table><tr><th>replica</th><th>role</th><th>commits</th>"
      "<th>highest seq</th><th>exits on its own</th></tr>");
  for (const ReplicaStats& r : s.replicas) {
    absl::StrAppend(&out, "<tr><td class=\"num\">", r.replica, "</td><td>",
                    r.byzantine ? "Byzantine" : "honest", "</td><td class=\"num\">", r.commits,
                    "</td><td class=\"num\">", r.max_seq, "</td><td class=\"num\">",
                    r.unrequested_exits, "</td></tr>");
  }
  absl::StrAppend(&out, "</table>");
  if (!s.link_counters.empty()) {
    absl::StrAppend(&out, "<table><tr><th>messages, all links</th><th>count</th></tr>");
    for (const auto& [name, count] : s.link_counters) {
      absl::StrAppend(&out, "<tr><td>", E(name), "</td><td class=\"num\">", count, "</td></tr>");
    }
    absl::StrAppend(&out, "</table>");
  }
  absl::StrAppend(&out, "</section>");
  return out;
}

// Senders are replicas, or a twin by its FaultControl id n + r.
std::string Sender(int from, int n) {
  return from >= n ? absl::StrCat("twin of ", from - n) : absl::StrCat(from);
}

// Traced messages as a table of directed links by action; shown only when
// the run had a trace.
std::string Messages(const Report& report) {
  const TraceCounts& trace = report.trace;
  if (trace.sample_every == 0) return "";
  const std::string sampled =
      trace.sample_every == 1
          ? std::string("Every proxied message was traced")
          : absl::StrCat("One proxied message in ", trace.sample_every,
                         " was traced at each agent; multiply by ", trace.sample_every,
                         " to estimate all");
  std::string out = absl::StrCat(
      "<section id=\"messages\"><h2>Messages</h2><p class=\"muted\">", sampled, ": ",
      trace.messages,
      " traced, by directed link and what the link's fault rules did with them "
      "(history.jsonl lists each one).</p>");
  if (trace.links.empty()) return out + "</section>";
  absl::StrAppend(&out, "<table><tr><th>link</th>");
  for (const auto& [action, total] : trace.actions) {
    absl::StrAppend(&out, "<th>", E(action), "</th>");
  }
  absl::StrAppend(&out, "<th>all</th></tr>");
  for (const auto& [link, actions] : trace.links) {
    absl::StrAppend(&out, "<tr><td>", Sender(link.first, report.plan.n), " &#8594; ", link.second,
                    "</td>");
    int64_t all = 0;
    for (const auto& [action, total] : trace.actions) {
      auto it = actions.find(action);
      const int64_t count = it == actions.end() ? 0 : it->second;
      all += count;
      absl::StrAppend(&out, "<td class=\"num\">", count, "</td>");
    }
    absl::StrAppend(&out, "<td class=\"num\">", all, "</td></tr>");
  }
  absl::StrAppend(&out, "<tr><th>all links</th>");
  for (const auto& [action, total] : trace.actions) {
    absl::StrAppend(&out, "<td class=\"num\">", total, "</td>");
  }
  absl::StrAppend(&out, "<td class=\"num\">", trace.messages, "</td></tr></table></section>");
  return out;
}

// Whether a TCP proxy counted anything on the link (a gRPC link is in the
// traffic counts only for what its proxy rejected).
bool CarriedTcp(const LinkTraffic& link) {
  return !link.kinds.empty() || link.unparsed_bytes != 0 || link.connections != 0 ||
         link.refused != 0;
}

// What a TCP target's links carried, as a table of directed links by kind
// of frame; shown only when agents reported any.
std::string Traffic(const Report& report) {
  const TrafficCounts& traffic = report.traffic;
  if (std::none_of(traffic.links.begin(), traffic.links.end(),
                   [](const auto& entry) { return CarriedTcp(entry.second); })) {
    return "";
  }
  std::string out =
      "<section id=\"traffic\"><h2>Traffic</h2><p class=\"muted\">Frames (and bytes) each "
      "directed TCP link carried, by the kind its framing names, as the sending replica's "
      "agent saw them before its fault rules; raw bytes passed after a stream stopped parsing, "
      "connections, and connections that could not reach their destination.</p>"
      "<table><tr><th>link</th>";
  for (const auto& [kind, total] : traffic.kinds) absl::StrAppend(&out, "<th>", E(kind), "</th>");
  absl::StrAppend(&out, "<th>unparsed bytes</th><th>connections</th><th>refused</th></tr>");
  const auto cell = [](const LinkTraffic::Count& c) {
    return absl::StrCat("<td class=\"num\">", c.frames, " <span class=\"muted\">(", c.bytes,
                        " B)</span></td>");
  };
  for (const auto& [key, link] : traffic.links) {
    if (!CarriedTcp(link)) continue;
    absl::StrAppend(&out, "<tr><td>", Sender(link.from, report.plan.n), " &#8594; ", link.to,
                    "</td>");
    for (const auto& [kind, total] : traffic.kinds) {
      auto it = link.kinds.find(kind);
      absl::StrAppend(&out, cell(it == link.kinds.end() ? LinkTraffic::Count{} : it->second));
    }
    absl::StrAppend(&out, "<td class=\"num\">", link.unparsed_bytes, "</td><td class=\"num\">",
                    link.connections, "</td><td class=\"num\">", link.refused, "</td></tr>");
  }
  absl::StrAppend(&out, "<tr><th>all links</th>");
  for (const auto& [kind, total] : traffic.kinds) absl::StrAppend(&out, cell(total));
  absl::StrAppend(&out, "<td></td><td></td><td></td></tr></table></section>");
  return out;
}

// The links whose gRPC proxy ended a connection for broken HTTP/2 or a call
// for a message over its limit; shown only when one did.
std::string Rejected(const Report& report) {
  std::string rows;
  for (const auto& [key, link] : report.traffic.links) {
    if (link.malformed_connections == 0 && link.oversized_messages == 0) continue;
    absl::StrAppend(&rows, "<tr><td>", Sender(link.from, report.plan.n), " &#8594; ", link.to,
                    "</td><td class=\"num\">", link.malformed_connections,
                    "</td><td class=\"num\">", link.oversized_messages, "</td></tr>");
  }
  if (rows.empty()) return "";
  return absl::StrCat(
      "<section id=\"rejected\"><h2>Rejected by the link proxies</h2><p class=\"muted\">"
      "Connections each directed gRPC link's proxy ended because a peer (its source or its "
      "destination) broke HTTP/2, and calls it ended because a message exceeded its size "
      "limit.</p><table><tr><th>link</th><th>malformed connections</th>"
      "<th>oversized messages</th></tr>",
      rows, "</table></section>");
}

std::string AsRun(const Report& report) {
  std::string out = "<section id=\"run\"><h2>As run</h2>";
  if (!report.versions.empty()) {
    absl::StrAppend(&out, "<table><tr><th>component</th><th>version</th></tr>");
    for (const auto& [name, version] : report.versions) {
      absl::StrAppend(&out, "<tr><td>", E(name), "</td><td><code>", E(version),
                      "</code></td></tr>");
    }
    absl::StrAppend(&out, "</table>");
  }
  absl::StrAppend(&out, "<h3>Plan <code>", E(report.plan.path), "</code></h3><pre>",
                  E(report.plan.source_text), "</pre><h3>Target <code>", E(report.target_path),
                  "</code></h3><pre>", E(report.target_text), "</pre></section>");
  return out;
}

}  // namespace

std::string RenderHtmlReport(const Report& report) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>turncoat ",
      E(report.plan.name), ": ", VerdictName(report.verdict()), "</title><style>", kStyle,
      "</style></head><body>", Header(report), Replay(report), Timeline(report),
      Episodes(report), Warnings(report), Invariants(report), PhaseTable(report), Plots(report),
      StatisticsSection(report), Messages(report), Traffic(report), Rejected(report),
      AsRun(report), "</body></html>\n");
}

}  // namespace turncoat
