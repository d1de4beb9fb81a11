// For failing expectations on "file:line:column: ..." errors: the line of
// the source an error blames, with a caret under its column, so that a test
// failure shows what the message points at.
#ifndef TURNCOAT_TESTS_LOADERS_POINTED_AT_H_
#define TURNCOAT_TESTS_LOADERS_POINTED_AT_H_

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace turncoat {

// `message` starts at the line number: "12:7: key: what".
inline std::string PointedAt(const std::string& text, const std::string& message) {
  const std::vector<std::string> parts = absl::StrSplit(message, absl::MaxSplits(':', 2));
  int line = 0, column = 0;
  if (parts.size() < 3 || !absl::SimpleAtoi(parts[0], &line) ||
      !absl::SimpleAtoi(parts[1], &column)) {
    return "(no position)";
  }
  const std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (line < 1 || line > static_cast<int>(lines.size()) || column < 1) return "(out of range)";
  return lines[line - 1] + "\n" + std::string(column - 1, ' ') + "^";
}

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_LOADERS_POINTED_AT_H_
