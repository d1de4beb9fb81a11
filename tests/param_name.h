// ParamName: a readable name for one case of a parameterised test, so that
// CTest and --gtest_list_tests print
// `All/PlanErrorTest.SaysWhereAndWhat/unknown_key_sede_0` rather than `/0`
// or `24-byte object <86-E4 ...>`, and a failing case says what it was about.
//
// Made from a phrase the case already has (its own name, a fixture's file
// name, the error it expects): a leading "line:column: " is dropped, the
// rest up to the first ';' kept but for paths (they differ between
// checkouts), every run of characters other than ASCII letters and digits
// becomes one '_' (GoogleTest allows nothing else), and the result is cut
// at a word boundary past 48 characters. With `index`, the case's position
// is appended, which keeps two cases that expect the same error distinct.
// MessageParamName names cases that hold the error they expect in
// `message`. Pure functions; thread-safe.
#ifndef TURNCOAT_TESTS_PARAM_NAME_H_
#define TURNCOAT_TESTS_PARAM_NAME_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace turncoat {

inline std::string ParamName(absl::string_view phrase,
                             std::optional<size_t> index = std::nullopt) {
  constexpr size_t kMaxLength = 48;
  // "12:5: " and "file.yaml:12:5: " locate the error; they name nothing.
  const size_t colon = phrase.find(": ");
  if (colon != absl::string_view::npos && colon > 0 &&
      absl::ascii_isdigit(static_cast<unsigned char>(phrase[colon - 1]))) {
    phrase.remove_prefix(colon + 2);
  }
  phrase = phrase.substr(0, phrase.find(';'));
  std::string name;
  for (absl::string_view word : absl::StrSplit(phrase, ' ', absl::SkipEmpty())) {
    // A path differs between checkouts, and a test's name must not.
    if (absl::StrContains(word, '/')) continue;
    if (name.size() >= kMaxLength) break;
    for (char c : word) {
      if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
        name += c;
      } else if (!name.empty() && name.back() != '_') {
        name += '_';
      }
    }
    if (!name.empty() && name.back() != '_') name += '_';
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  if (name.empty()) name = "case";
  if (index.has_value()) absl::StrAppend(&name, "_", *index);
  return name;
}

// INSTANTIATE_TEST_SUITE_P(..., MessageParamName()): each case named for
// the error it expects and its position (unknown_key_sede_0).
struct MessageParamName {
  template <typename Case>
  std::string operator()(const testing::TestParamInfo<Case>& info) const {
    return ParamName(info.param.message, info.index);
  }
};

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_PARAM_NAME_H_
