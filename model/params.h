// Typed parameters of a plan phase ("params: { by: 200ms, to: [2, 3] }").
//
// The plan loader checks each parameter against the kind its adversary
// declared (adversary_registry.h) and stores it already converted, so an
// adversary reads a Duration or a node list and never parses YAML. Params
// are immutable values once loaded.
#ifndef TURNCOAT_MODEL_PARAMS_H_
#define TURNCOAT_MODEL_PARAMS_H_

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace turncoat {

enum class ParamKind {
  kProbability,  // double in [0, 1]
  kCount,        // double holding a whole number from 1 to 100
  kWhole,        // double holding a whole number from 0 to 1000
  kString,
  kStringList,  // std::vector<std::string>
  kDuration,    // absl::Duration
  kNodes,       // std::vector<int>: distinct replica ids
  kNodeGroups,  // std::vector<std::vector<int>>: disjoint lists of replica ids
  kByteRate,    // double: bytes per second, written "16KiB" or "2048" (quantities.h)
};

// How the kind is written in messages and docs: "a duration such as 200ms".
absl::string_view ParamKindName(ParamKind kind);

using ParamValue = std::variant<double, std::string, std::vector<std::string>, absl::Duration,
                                std::vector<int>, std::vector<std::vector<int>>>;

using Params = std::map<std::string, ParamValue>;

// The value of `name` when `params` holds one of type T; nullptr otherwise
// (absent, or of another type).
template <typename T>
const T* FindParam(const Params& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? nullptr : std::get_if<T>(&it->second);
}

// Where a generator draws a string parameter's values from when the values
// depend on the target rather than on the adversary.
enum class ParamSource {
  kDeclared,          // ParamSpec::choices (nothing when there are none)
  kMessageKinds,      // the target's kinds of peer message, as plans filter on them
  kContentFields,     // plan paths of fields of the messages' content, to clear
  kProposalFields,    // the same, of the kinds that carry client values (proposals)
  kFieldAssignments,  // path=value over the content's enum, bool and integer fields
};

// A parameter an adversary or a scenario generator declares: the loader
// checks a plan's value against it, and the `mixed` generator draws values
// from it.
struct ParamSpec {
  std::string name;
  ParamKind kind;
  bool required = false;
  std::string help;  // one line, for docs and `--help`
  // For kString and kStringList: the only values allowed (empty: any). The
  // loader rejects others where the plan names them, and generators draw
  // from them.
  std::vector<std::string> choices = {};
  ParamSource source = ParamSource::kDeclared;
};

// The value as a plan would write it: "200ms", "0.3", "[1, 2]", "[[0], [1, 2]]".
std::string FormatParamValue(const ParamValue& value);

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_PARAMS_H_
