// SHA-256 digests of byte strings, as lower-case hex: how a run directory
// records which plan and target file it ran, so a later replay can tell
// whether the files changed since. Stateless and thread-safe.
#ifndef TURNCOAT_COMMON_SHA256_H_
#define TURNCOAT_COMMON_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace turncoat {

// 64 lower-case hex digits.
std::string Sha256Hex(absl::string_view bytes);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_SHA256_H_
