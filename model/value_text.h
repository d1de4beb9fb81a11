// Values are opaque bytes: what a client submits and a replica commits. JSON
// and HTML need text, so values cross into text in exactly one way, here:
// valid UTF-8 stays as it is, anything else becomes lower-case hex. The
// history file records which form it used, so the bytes round-trip exactly.
#ifndef TURNCOAT_MODEL_VALUE_TEXT_H_
#define TURNCOAT_MODEL_VALUE_TEXT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace turncoat {

bool IsValidUtf8(absl::string_view bytes);

std::string HexEncode(absl::string_view bytes);
// nullopt unless `hex` is an even number of hex digits.
std::optional<std::string> HexDecode(absl::string_view hex);

// For people: the value itself if it is printable UTF-8, else "0x" + hex.
std::string DisplayValue(absl::string_view value);

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_VALUE_TEXT_H_
