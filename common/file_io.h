// Whole-file reads and writes with errors a user can act on ("cannot read X:
// No such file or directory"), shared by the loaders, the event log reader
// and whatever renders files for the system under test. Reading is
// common/read_file.h's, which tests and benchmarks share too.
#ifndef TURNCOAT_COMMON_FILE_IO_H_
#define TURNCOAT_COMMON_FILE_IO_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/read_file.h"

namespace turncoat {

// Writes each (path, content), creating parent directories and replacing
// what was there.
absl::Status WriteFiles(const std::vector<std::pair<std::string, std::string>>& files);

// Writes `content` under a temporary name beside `path` and renames it into
// place, so a reader (a CI step, a person refreshing a browser) sees either
// the old file or the complete new one, never half of one.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_FILE_IO_H_
