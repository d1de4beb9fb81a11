// report.html: the report for people, one self-contained page.
//
// Verdict first, then every invariant and every finding with its evidence,
// then the timeline of faults and per-replica commits and the commit-rate
// and latency plots (inline SVG), then statistics and the plan and target
// as run. The page loads nothing: no scripts, fonts, images or stylesheets
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
