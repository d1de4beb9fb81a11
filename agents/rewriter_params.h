// Typed reading of a rewrite rule's string params.
//
// Rewriter params come from plans and adversaries as strings; a wrong one must
// fail when the rule is installed, with a message that names the param and
// says what it expects, because that message is what the user sees.
#ifndef TURNCOAT_AGENTS_REWRITER_PARAMS_H_
#define TURNCOAT_AGENTS_REWRITER_PARAMS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/message_rewriter.h"

namespace turncoat {
namespace agent {

// The param's value; `expected` describes it in the error when it is missing.
absl::StatusOr<std::string> RequiredParam(const RewriterParams& params,
                                          absl::string_view name,
                                          absl::string_view expected);

// The param's value, or `fallback` when it is not given.
std::string OptionalParam(const RewriterParams& params, absl::string_view name,
                          absl::string_view fallback);

// An integer in [min, max]; `fallback` when not given (required if none).
absl::StatusOr<int64_t> IntParam(const RewriterParams& params, absl::string_view name,
                                 std::optional<int64_t> fallback, int64_t min,
                                 int64_t max);

// true/false (also 1/0, yes/no); `fallback` when not given.
absl::StatusOr<bool> BoolParam(const RewriterParams& params, absl::string_view name,
                               bool fallback);

// The non-empty items of a `separator`-separated list, whitespace trimmed.
std::vector<std::string> ListParam(const RewriterParams& params, absl::string_view name,
                                   char separator);

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_REWRITER_PARAMS_H_
