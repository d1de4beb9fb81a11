#include "agents/message_tree.h"

#include "absl/strings/str_cat.h"

namespace turncoat {
namespace agent {

absl::StatusOr<TreePath> ParseTreePath(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("empty field path");
  TreePath path;
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    const absl::string_view segment =
        text.substr(start, dot == absl::string_view::npos ? absl::string_view::npos : dot - start);
    if (segment.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("field path '", text, "' has an empty segment"));
    }
    path.emplace_back(segment);
    if (dot == absl::string_view::npos) break;
    start = dot + 1;
  }
  return path;
}

}  // namespace agent
}  // namespace turncoat
