// Writes a run's three report files into its directory: report.json,
// report.html and junit.xml.
//
// Each file is written under a temporary name and renamed into place, so a
// reader (a CI step, a person refreshing a browser) sees either the old
// file or the complete new one, never half of one.
#ifndef TURNCOAT_REPORTS_REPORT_FILES_H_
#define TURNCOAT_REPORTS_REPORT_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "reports/report.h"

namespace turncoat {

absl::Status WriteReportFiles(const Report& report, const std::string& dir);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_REPORT_FILES_H_
