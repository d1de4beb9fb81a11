// Loading and checking target files (docs/target-format.md).
//
// The loader rejects anything it cannot vouch for before a run starts:
// unknown or missing keys, template names that do not exist, .proto files
// that do not parse, message roles that name missing fields or fields of the
// wrong kind, and commit regular expressions that do not compile. Every error
// reads "file:line:column: key.path: what is wrong; what is expected".
#ifndef TURNCOAT_LOADERS_TARGET_LOADER_H_
#define TURNCOAT_LOADERS_TARGET_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/target_spec.h"

namespace turncoat {

// Reads and checks the target file at `path`. Relative paths inside it
// (protos, import_paths) are relative to the file's directory.
absl::StatusOr<TargetSpec> LoadTargetFile(const std::string& path);

// The same for a file's content already in memory; `path` names it in
// messages and anchors its relative paths.
absl::StatusOr<TargetSpec> ParseTarget(absl::string_view text, const std::string& path);

}  // namespace turncoat

#endif  // TURNCOAT_LOADERS_TARGET_LOADER_H_
