// Whole-file reads, shared by the harness (plans, targets, histories), its
// tests and the benchmarks: they live here, beside the other helpers every
// binary links, so that a test or a benchmark that links nothing of the
// harness reads files with the same code.
//
// Stateless functions; thread-safe.
#ifndef TURNCOAT_COMMON_READ_FILE_H_
#define TURNCOAT_COMMON_READ_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace turncoat {

// The file's bytes; an error a user can act on ("cannot read X: No such file
// or directory", "cannot read X: it is a directory") otherwise.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// The file's bytes, or "" when it cannot be read: for tests and benchmarks
// that read what a run left behind, where a missing file shows as the
// content they expected being absent.
std::string Slurp(const std::string& path);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_READ_FILE_H_
