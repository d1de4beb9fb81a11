#include "reports/junit_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "model/value_text.h"
#include "reports/xml_text.h"

namespace turncoat {
namespace {

std::string Attr(absl::string_view name, absl::string_view value) {
  return absl::StrCat(" ", name, "=\"", XmlEscape(value), "\"");
}

// Findings listed in full per invariant; report.json keeps the rest.
constexpr size_t kListedFindings = 20;

// The failure body: the invariant's episodes (what went wrong, when, where,
// and why it is a violation), then its first findings and their evidence,
// one observation a line, readable in a CI log viewer.
std::string FailureText(const Report& report, const CheckResult& result) {
  std::string out;
  for (const Episode& e : report.episodes) {
    if (e.invariant != result.invariant) continue;
    absl::StrAppend(&out, "episode: ", e.summary, "\n  why: ", e.why, "\n");
  }
  const size_t listed = std::min(result.findings.size(), kListedFindings);
  for (size_t i = 0; i < listed; ++i) {
    const Finding& f = result.findings[i];
    absl::StrAppend(&out, "#", i + 1, ": ", f.message, "\n");
    for (const Observation& o : f.evidence) {
      absl::StrAppend(&out, "  ", absl::StrFormat("%.3fs", absl::ToDoubleSeconds(o.t)), " ",
                      o.event);
      if (o.replica >= 0) absl::StrAppend(&out, " replica=", o.replica);
      if (o.seq.has_value()) absl::StrAppend(&out, " seq=", *o.seq);
      if (o.value.has_value()) absl::StrAppend(&out, " value=", DisplayValue(*o.value));
      if (!o.note.empty()) absl::StrAppend(&out, ": ", o.note);
      absl::StrAppend(&out, "\n");
    }
  }
  if (result.violations > static_cast<int64_t>(listed)) {
    absl::StrAppend(&out, result.violations - static_cast<int64_t>(listed),
                    " more violations not listed here (report.json has the first ",
                    result.findings.size(), ")\n");
  }
  return out;
}

// The count and the first finding, for a one-line message.
std::string ViolationSummary(const CheckResult& result) {
  return absl::StrCat(result.violations,
                      result.violations == 1 ? " violation: " : " violations; first: ",
                      result.findings.empty() ? "" : result.findings[0].message);
}

}  // namespace

std::string RenderJunitReport(const Report& report) {
  const std::string suite = absl::StrCat("turncoat.", report.plan.name);
  const std::string time = absl::StrFormat("%.3f", absl::ToDoubleSeconds(report.length));
  // Beyond the fault bound a violation is what the plan sets out to show:
  // reported as skipped, so a CI job running such a plan stays green while
  // the finding stays visible.
  const bool expected = report.plan.beyond_fault_bound;
  int64_t violated = 0;
  for (const CheckResult& r : report.results) violated += r.holds() ? 0 : 1;
  // An inconclusive run is one more test case, failed rather than skipped:
  // it exits non-zero, and a failure is what every CI system lists first,
  // where a skipped case would read "all passed" beside a red job.
  const bool inconclusive = report.verdict() == Verdict::kInconclusive;
  const int64_t failures = (expected ? 0 : violated) + (inconclusive ? 1 : 0);
  const int64_t skipped = expected ? violated : 0;
  const int64_t errors = report.harness_error.empty() ? 0 : 1;
  const int64_t tests =
      static_cast<int64_t>(report.results.size()) + errors + (inconclusive ? 1 : 0);

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  absl::StrAppend(&out, "<testsuites", Attr("name", "turncoat"), Attr("tests", absl::StrCat(tests)),
                  Attr("failures", absl::StrCat(failures)), Attr("errors", absl::StrCat(errors)),
                  Attr("time", time), ">\n");
  absl::StrAppend(&out, "  <testsuite", Attr("name", suite), Attr("tests", absl::StrCat(tests)),
                  Attr("failures", absl::StrCat(failures)), Attr("errors", absl::StrCat(errors)),
                  Attr("skipped", absl::StrCat(skipped)), Attr("time", time));
  if (!report.started_at.empty()) absl::StrAppend(&out, Attr("timestamp", report.started_at));
  absl::StrAppend(&out, ">\n    <properties>\n");
  std::vector<std::pair<std::string, std::string>> properties = {
      {"plan", report.plan.path},
      {"target", report.target_name},
      {"seed", absl::StrCat(report.plan.seed)},
      {"replicas", absl::StrCat(report.plan.n)},
      {"verdict", std::string(VerdictName(report.verdict()))}};
  if (report.replay.has_value()) {
    properties.emplace_back("replay", ShellCommand(ReplayArgv(*report.replay)));
  }
  for (const auto& [name, value] : properties) {
    absl::StrAppend(&out, "      <property", Attr("name", name), Attr("value", value), "/>\n");
  }
  absl::StrAppend(&out, "    </properties>\n");

  for (const CheckResult& r : report.results) {
    absl::StrAppend(&out, "    <testcase", Attr("classname", suite), Attr("name", r.invariant),
                    Attr("time", "0"), ">\n");
    if (r.holds()) {
      absl::StrAppend(&out, "      <system-out>", XmlEscape(absl::StrCat("examined ", r.checked)),
                      "</system-out>\n");
    } else if (expected) {
      const std::string message =
          absl::StrCat("expected beyond the fault bound (", FaultBoundBreach(report.plan),
                       "): ", ViolationSummary(r));
      absl::StrAppend(&out, "      <skipped", Attr("message", message), ">",
                      XmlEscape(FailureText(report, r)), "</skipped>\n");
    } else {
      absl::StrAppend(&out, "      <failure", Attr("type", "violation"),
                      Attr("message", ViolationSummary(r)), ">", XmlEscape(FailureText(report, r)),
                      "</failure>\n");
    }
    absl::StrAppend(&out, "    </testcase>\n");
  }
  if (inconclusive) {
    const std::vector<std::string>& reasons = report.inconclusive_reasons;
    std::string message = absl::StrCat("inconclusive: ", reasons.front());
    if (reasons.size() > 1) absl::StrAppend(&message, " (and ", reasons.size() - 1, " more)");
    std::string body;
    for (const std::string& reason : reasons) absl::StrAppend(&body, "- ", reason, "\n");
    absl::StrAppend(&out, "    <testcase", Attr("classname", suite), Attr("name", "conclusive"),
                    Attr("time", "0"), ">\n      <failure", Attr("type", "inconclusive"),
                    Attr("message", message), ">", XmlEscape(body),
                    "</failure>\n    </testcase>\n");
  }
  if (errors != 0) {
    absl::StrAppend(&out, "    <testcase", Attr("classname", suite), Attr("name", "harness"),
                    Attr("time", "0"), ">\n      <error", Attr("type", "harness"),
                    Attr("message", report.harness_error), ">", XmlEscape(report.harness_error),
                    "</error>\n    </testcase>\n");
  }
  absl::StrAppend(&out, "  </testsuite>\n</testsuites>\n");
  return out;
}

}  // namespace turncoat
