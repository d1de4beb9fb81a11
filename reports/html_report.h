// report.html: the report for people, one self-contained page.
//
// The first screen tells the story: the verdict with one line per episode
// (reports/episodes.h) and why it is a violation, the command that runs it
// again, and the timeline of faults and per-replica commits. Then each
// episode with a few examples and, for safety, the logs side by side; then
// the invariants, fault phases, commit-rate and latency plots (inline SVG),
// statistics and the plan and target as run. report.json, not the page,
// lists every finding. The page loads nothing: no scripts, fonts, images or stylesheets
// from anywhere, so it opens offline and from a CI artifact store. It is
// also well-formed XML (polyglot markup), which is how its tests read it.
#ifndef TURNCOAT_REPORTS_HTML_REPORT_H_
#define TURNCOAT_REPORTS_HTML_REPORT_H_

#include <string>

#include "reports/report.h"

namespace turncoat {

std::string RenderHtmlReport(const Report& report);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_HTML_REPORT_H_
