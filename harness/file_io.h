// Whole-file reads with errors a user can act on ("cannot read X: No such
// file or directory"), shared by the loaders and the event log reader.
#ifndef TURNCOAT_HARNESS_FILE_IO_H_
#define TURNCOAT_HARNESS_FILE_IO_H_

#include <string>

#include "absl/status/statusor.h"

namespace turncoat {

absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_FILE_IO_H_
