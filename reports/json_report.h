// report.json: the machine-readable report (schema in
// docs/report-format.md, "report.json").
#ifndef TURNCOAT_REPORTS_JSON_REPORT_H_
#define TURNCOAT_REPORTS_JSON_REPORT_H_

#include <string>

#include "reports/report.h"

namespace turncoat {

// The schema's name and version, first key of every report.json.
inline constexpr char kReportFormat[] = "turncoat-report/1";

// Pretty-printed; bytes that are not UTF-8 in free text (replica output)
// become U+FFFD rather than an exception.
std::string RenderJsonReport(const Report& report);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_JSON_REPORT_H_
