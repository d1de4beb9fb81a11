#include "reports/report_files.h"

#include "absl/strings/str_cat.h"
#include "common/file_io.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"

namespace turncoat {

absl::Status WriteReportFiles(const Report& report, const std::string& dir) {
  for (const auto& [name, content] :
       {std::pair<const char*, std::string>{"report.json", RenderJsonReport(report)},
        {"report.html", RenderHtmlReport(report)},
        {"junit.xml", RenderJunitReport(report)}}) {
    const absl::Status s = WriteFileAtomically(absl::StrCat(dir, "/", name), content);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace turncoat
