#include "reports/report_files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"

namespace turncoat {
namespace {

absl::Status WriteAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      return absl::InternalError(absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", tmp, " to ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteReportFiles(const Report& report, const std::string& dir) {
  for (const auto& [name, content] :
       {std::pair<const char*, std::string>{"report.json", RenderJsonReport(report)},
        {"report.html", RenderHtmlReport(report)},
        {"junit.xml", RenderJunitReport(report)}}) {
    const absl::Status s = WriteAtomically(absl::StrCat(dir, "/", name), content);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace turncoat
