// Text that came from the system under test — a replica's stderr, a line it
// printed — on its way to a person's terminal, an error message or a
// report. Such bytes may be anything: megabyte lines, invalid UTF-8,
// terminal escape sequences. What leaves here is bounded in size and
// printable: it cannot move the cursor, recolour or retitle a terminal, or
// break a JSON encoder.
//
// Stateless functions; thread-safe.
#ifndef TURNCOAT_COMMON_UNTRUSTED_TEXT_H_
#define TURNCOAT_COMMON_UNTRUSTED_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace turncoat {

// The length of the UTF-8 character `bytes` starts with (1 to 4), or 0 when
// it does not start with one: a stray continuation byte, a truncated
// sequence, an overlong form, a UTF-16 surrogate or a code point past
// U+10FFFF. 0 for empty input.
size_t Utf8CharLength(absl::string_view bytes);

// `bytes` with every byte that is not part of a valid UTF-8 character, and
// every control character but newline and tab (ESC, CR, BEL, DEL, C1
// controls among them), written as \xNN; backslashes become \\ so that
// escapes cannot be forged.
std::string PrintableText(absl::string_view bytes);

// The last `lines` lines of the file at `path` (fewer when it has fewer),
// read from at most its last `max_bytes` bytes — however long the file or
// its lines — each line cut to `max_line` bytes with "..." (and a line
// whose start lies before those bytes starting with "..."), then made
// printable. "" when the file cannot be read.
std::string UntrustedFileTail(const std::string& path, int lines, size_t max_bytes = 16384,
                              size_t max_line = 400);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_UNTRUSTED_TEXT_H_
