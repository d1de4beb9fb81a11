#include "agents/rewriter_params.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace turncoat {
namespace agent {

absl::StatusOr<std::string> RequiredParam(const RewriterParams& params,
                                          absl::string_view name,
                                          absl::string_view expected) {
  auto it = params.find(std::string(name));
  if (it == params.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("param '", name, "' is required: ", expected));
  }
  return it->second;
}

std::string OptionalParam(const RewriterParams& params, absl::string_view name,
                          absl::string_view fallback) {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string(fallback) : it->second;
}

absl::StatusOr<int64_t> IntParam(const RewriterParams& params, absl::string_view name,
                                 std::optional<int64_t> fallback, int64_t min,
                                 int64_t max) {
  const std::string range =
      max == INT64_MAX ? absl::StrCat("an integer >= ", min)
                       : absl::StrCat("an integer in [", min, ", ", max, "]");
  auto it = params.find(std::string(name));
  if (it == params.end()) {
    if (fallback.has_value()) return *fallback;
    return absl::InvalidArgumentError(
        absl::StrCat("param '", name, "' is required: ", range));
  }
  int64_t x;
  if (!absl::SimpleAtoi(it->second, &x) || x < min || x > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "param '", name, "' must be ", range, ", not '", it->second, "'"));
  }
  return x;
}

absl::StatusOr<bool> BoolParam(const RewriterParams& params, absl::string_view name,
                               bool fallback) {
  auto it = params.find(std::string(name));
  if (it == params.end()) return fallback;
  bool x;
  if (!absl::SimpleAtob(it->second, &x)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "param '", name, "' must be true or false, not '", it->second, "'"));
  }
  return x;
}

std::vector<std::string> ListParam(const RewriterParams& params, absl::string_view name,
                                   char separator) {
  std::vector<std::string> items;
  auto it = params.find(std::string(name));
  if (it == params.end()) return items;
  for (absl::string_view item : absl::StrSplit(it->second, separator)) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

}  // namespace agent
}  // namespace turncoat
