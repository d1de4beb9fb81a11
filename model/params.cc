#include "model/params.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "model/overloaded.h"

namespace turncoat {

absl::string_view ParamKindName(ParamKind kind) {
  switch (kind) {
    case ParamKind::kProbability:
      return "a probability from 0 to 1";
    case ParamKind::kCount:
      return "a whole number from 1 to 100";
    case ParamKind::kWhole:
      return "a whole number from 0 to 1000";
    case ParamKind::kString:
      return "a string";
    case ParamKind::kStringList:
      return "a list of strings";
    case ParamKind::kDuration:
      return "a duration such as 200ms";
    case ParamKind::kNodes:
      return "a list of replica ids such as [1, 2]";
    case ParamKind::kNodeGroups:
      return "a list of disjoint replica lists such as [[0, 1], [2, 3]]";
    case ParamKind::kByteRate:
      return "bytes per second such as 16KiB or 2048";
  }
  return "a value";
}

std::string FormatParamValue(const ParamValue& value) {
  return std::visit(
      Overloaded{
          [](double v) { return absl::StrCat(v); },
          [](const std::string& v) { return v; },
          [](const std::vector<std::string>& v) {
            return absl::StrCat("[", absl::StrJoin(v, ", "), "]");
          },
          [](absl::Duration v) { return absl::FormatDuration(v); },
          [](const std::vector<int>& v) { return absl::StrCat("[", absl::StrJoin(v, ", "), "]"); },
          [](const std::vector<std::vector<int>>& v) {
            std::vector<std::string> groups;
            for (const std::vector<int>& g : v)
              groups.push_back(absl::StrCat("[", absl::StrJoin(g, ", "), "]"));
            return absl::StrCat("[", absl::StrJoin(groups, ", "), "]");
          },
      },
      value);
}

}  // namespace turncoat
