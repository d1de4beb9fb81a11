#include "model/replay_spec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {
namespace {

using nlohmann::json;

constexpr const char* kVerdicts[] = {"pass", "fail", "error", "expected-violation",
                                     "inconclusive"};

absl::Status FieldError(const std::string& where, const std::string& field,
                        const std::string& expected, const json& got) {
  return absl::InvalidArgumentError(absl::StrCat(
      where, ": ", field, ": expected ", expected, ", got ", got.dump(), "; the report is damaged: "
      "run the plan again with `turncoat run` to get a report that replays"));
}

absl::StatusOr<std::string> StringField(const json& object, const std::string& prefix,
                                        const std::string& name, const std::string& where) {
  const json& value = object.contains(name) ? object.at(name) : json();
  if (!value.is_string()) return FieldError(where, prefix + name, "a string", value);
  return value.get<std::string>();
}

// Words a shell passes through unchanged when unquoted.
bool ShellSafe(const std::string& word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_-./=:,+@%").find(c) != std::string_view::npos;
  });
}

std::string Invariants(const std::vector<std::string>& names) {
  return names.empty() ? "no invariant" : absl::StrJoin(names, ", ");
}

// The names in `a` that are not in `b`, in `a`'s order.
std::vector<std::string> Without(const std::vector<std::string>& a,
                                 const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const std::string& name : a) {
    if (std::find(b.begin(), b.end(), name) == b.end()) out.push_back(name);
  }
  return out;
}

}  // namespace

std::vector<std::string> ReplayArgv(const ReplaySpec& spec) {
  std::vector<std::string> argv = {spec.turncoat, "run", spec.plan_path,
                                   absl::StrCat("--seed=", spec.seed)};
  for (const std::string& arg : spec.replica_args) argv.push_back("--replica-arg=" + arg);
  if (spec.trace.has_value()) argv.push_back(absl::StrCat("--trace=", *spec.trace));
  if (spec.direct_links) argv.push_back("--direct-links");
  if (spec.links.has_value()) argv.push_back(absl::StrCat("--links=", LinkModeName(*spec.links)));
  return argv;
}

std::string ShellCommand(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const std::string& arg : argv) {
    if (ShellSafe(arg)) {
      words.push_back(arg);
      continue;
    }
    std::string quoted = "'";
    for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    words.push_back(quoted + "'");
  }
  return absl::StrJoin(words, " ");
}

json ReplaySpecToJson(const ReplaySpec& spec) {
  const std::vector<std::string> argv = ReplayArgv(spec);
  return {{"argv", argv},
          {"command", ShellCommand(argv)},
          {"turncoat", spec.turncoat},
          {"turncoat_version", spec.turncoat_version},
          {"plan", spec.plan_path},
          {"plan_sha256", spec.plan_sha256},
          {"target", spec.target_path},
          {"target_sha256", spec.target_sha256},
          {"seed", spec.seed},
          {"replica_args", spec.replica_args},
          {"trace", spec.trace.has_value() ? json(*spec.trace) : json(nullptr)},
          {"direct_links", spec.direct_links},
          {"links", spec.links.has_value() ? json(LinkModeName(*spec.links)) : json(nullptr)}};
}

absl::StatusOr<ReplaySpec> ReplaySpecFromJson(const json& replay, const std::string& where) {
  if (!replay.is_object()) return FieldError(where, "replay", "an object", replay);
  ReplaySpec spec;
  for (auto [name, field] : {std::pair<const char*, std::string*>{"turncoat", &spec.turncoat},
                             {"turncoat_version", &spec.turncoat_version},
                             {"plan", &spec.plan_path},
                             {"plan_sha256", &spec.plan_sha256},
                             {"target", &spec.target_path},
                             {"target_sha256", &spec.target_sha256}}) {
    absl::StatusOr<std::string> value = StringField(replay, "replay.", name, where);
    if (!value.ok()) return value.status();
    *field = *std::move(value);
  }
  const json seed = replay.value("seed", json());
  if (!seed.is_number_unsigned()) {
    return FieldError(where, "replay.seed", "a non-negative integer", seed);
  }
  spec.seed = seed.get<uint64_t>();
  const json args = replay.value("replica_args", json());
  if (!args.is_array() ||
      !std::all_of(args.begin(), args.end(), [](const json& a) { return a.is_string(); })) {
    return FieldError(where, "replay.replica_args", "a list of strings", args);
  }
  spec.replica_args = args.get<std::vector<std::string>>();
  const json trace = replay.value("trace", json());
  if (!trace.is_null()) {
    if (!trace.is_number_unsigned() || trace.get<uint64_t>() > UINT32_MAX) {
      return FieldError(where, "replay.trace", "null or a non-negative integer", trace);
    }
    spec.trace = trace.get<uint32_t>();
  }
  const json direct = replay.value("direct_links", json());
  if (!direct.is_boolean()) return FieldError(where, "replay.direct_links", "true or false", direct);
  spec.direct_links = direct.get<bool>();
  // Absent from reports written before --links existed: the target's own.
  const json links = replay.value("links", json());
  if (!links.is_null()) {
    std::optional<LinkMode> mode =
        links.is_string() ? ParseLinkMode(links.get<std::string>()) : std::nullopt;
    if (!mode.has_value()) {
      return FieldError(where, "replay.links", "null, \"ports\" or \"netns\"", links);
    }
    spec.links = mode;
  }
  return spec;
}

absl::StatusOr<RunFindings> RunFindingsFromReportJson(const json& report,
                                                      const std::string& where) {
  RunFindings findings;
  absl::StatusOr<std::string> verdict = StringField(report, "", "verdict", where);
  if (!verdict.ok()) return verdict.status();
  if (std::find(std::begin(kVerdicts), std::end(kVerdicts), *verdict) == std::end(kVerdicts)) {
    return FieldError(where, "verdict", absl::StrCat("one of ", absl::StrJoin(kVerdicts, ", ")),
                      *verdict);
  }
  findings.verdict = *verdict;
  const json invariants = report.value("invariants", json());
  if (!invariants.is_array()) return FieldError(where, "invariants", "a list", invariants);
  for (const json& invariant : invariants) {
    const json name = invariant.value("name", json());
    const json holds = invariant.value("holds", json());
    if (!name.is_string() || !holds.is_boolean()) {
      return FieldError(where, "invariants[]", "objects with a string `name` and a bool `holds`",
                        invariant);
    }
    if (!holds.get<bool>()) findings.violated.push_back(name.get<std::string>());
  }
  return findings;
}

ReplayComparison CompareFindings(const RunFindings& original, const RunFindings& replayed) {
  ReplayComparison c;
  c.missing = Without(original.violated, replayed.violated);
  c.extra = Without(replayed.violated, original.violated);
  const std::string also =
      c.extra.empty() ? "" : absl::StrCat(" (and ", Invariants(c.extra), ")");
  if (!original.violated.empty()) {
    c.reproduced = c.missing.empty();
    if (c.reproduced) {
      c.summary = absl::StrCat("reproduced: ", Invariants(original.violated), also);
    } else if (replayed.violated.empty()) {
      c.summary = absl::StrCat("not reproduced: verdict ", replayed.verdict, ", no invariant broke");
    } else {
      c.summary = absl::StrCat("not reproduced: ", Invariants(replayed.violated), " broke, ",
                               Invariants(c.missing), " held");
    }
    return c;
  }
  c.reproduced = replayed.verdict == original.verdict;
  if (c.reproduced) {
    c.summary = original.verdict == "pass" ? "passed again" : absl::StrCat(original.verdict, " again");
  } else if (!replayed.violated.empty()) {
    c.summary = absl::StrCat("not reproduced: ", Invariants(replayed.violated), " broke");
  } else {
    c.summary = absl::StrCat("not reproduced: verdict ", replayed.verdict);
  }
  return c;
}

std::string DescribeFindings(const RunFindings& findings) {
  return findings.violated.empty()
             ? findings.verdict
             : absl::StrCat(findings.verdict, ": ", absl::StrJoin(findings.violated, ", "));
}

std::string ReplayTotal(const RunFindings& original, int reproduced, int attempts) {
  const std::string count = absl::StrCat(reproduced, " of ", attempts);
  if (!original.violated.empty()) {
    return absl::StrCat("reproduced ", count, ": ", Invariants(original.violated));
  }
  if (original.verdict == "pass") return absl::StrCat("passed again ", count);
  return absl::StrCat(original.verdict, " again ", count);
}

}  // namespace turncoat
