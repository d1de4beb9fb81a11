#include "common/read_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace turncoat {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  // An ifstream opens a directory without complaint and reads nothing.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, ": it is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat("error reading ", path, ": ", std::strerror(errno)));
  }
  return content.str();
}

std::string Slurp(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  return content.ok() ? *std::move(content) : std::string();
}

}  // namespace turncoat
