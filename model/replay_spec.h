// ReplaySpec: everything that decides what a run does, besides the plan's and
// the target's content — the command that runs it again — and RunFindings,
// what a run found, as far as telling whether a re-run found the same.
//
// Every report records the spec (report.json's `replay` object, schema in
// docs/report-format.md); `turncoat replay` (harness/replay.h) reads it
// back, runs it again and compares findings with CompareFindings. Only the
// parts here are pure: building the command line, the JSON form both ways,
// and the comparison, so they are tested without a run. Plain values.
#ifndef TURNCOAT_MODEL_REPLAY_SPEC_H_
#define TURNCOAT_MODEL_REPLAY_SPEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/target_spec.h"
#include "nlohmann/json.hpp"

namespace turncoat {

struct ReplaySpec {
  std::string turncoat;          // the binary that ran it, absolute
  std::string turncoat_version;  // harness/version.h
  std::string plan_path;         // absolute
  std::string plan_sha256;       // of the plan's text as run
  std::string target_path;       // absolute
  std::string target_sha256;     // of the target's text as run
  uint64_t seed = 0;             // the seed the run used (--seed or the plan's)
  std::vector<std::string> replica_args;
  std::optional<uint32_t> trace;  // --trace as given; unset: the plan's own
  bool direct_links = false;
  std::optional<LinkMode> links;  // --links as given; unset: the target's own
};

// `turncoat run PLAN --seed=N [--replica-arg=ARG]... [--trace=N]
// [--direct-links] [--links=MODE]`, starting with the binary. No --out: a new run
// directory each time.
std::vector<std::string> ReplayArgv(const ReplaySpec& spec);

// `argv` as one line a POSIX shell runs unchanged: words with characters a
// shell treats specially are single-quoted.
std::string ShellCommand(const std::vector<std::string>& argv);

// report.json's `replay` object: the spec's fields plus `argv` and
// `command` (ShellCommand of argv).
nlohmann::json ReplaySpecToJson(const ReplaySpec& spec);

// Reads a `replay` object back; `where` prefixes errors ("runs/x/report.json:
// 212"), which name the field and what it must be.
absl::StatusOr<ReplaySpec> ReplaySpecFromJson(const nlohmann::json& replay,
                                              const std::string& where);

// What a run found: its verdict as report.json names it ("pass", "fail",
// "error", "expected-violation", "inconclusive") and the invariants it
// found violated, in report order.
struct RunFindings {
  std::string verdict;
  std::vector<std::string> violated;
};

// From a whole report.json; `where` as for ReplaySpecFromJson.
absl::StatusOr<RunFindings> RunFindingsFromReportJson(const nlohmann::json& report,
                                                      const std::string& where);

// Whether a re-run found what the original run found. A run that broke
// invariants is reproduced when every one of them breaks again (`extra`
// lists any others that broke too; `missing` those that did not); any
// other run is reproduced when the re-run ends with the same verdict (a
// pass passes again, an inconclusive run is inconclusive again).
struct ReplayComparison {
  bool reproduced = false;
  std::vector<std::string> missing;
  std::vector<std::string> extra;
  // One line for people: "reproduced: agreement, prefix", "passed again",
  // "not reproduced: verdict pass, no invariant broke", "not reproduced:
  // agreement broke, prefix held".
  std::string summary;
};

// For people: "fail: agreement, prefix", or the verdict alone ("pass")
// when no invariant broke.
std::string DescribeFindings(const RunFindings& findings);

ReplayComparison CompareFindings(const RunFindings& original, const RunFindings& replayed);

// The total over attempts, for people: "reproduced 2 of 3: agreement" for
// a run that broke invariants, "passed again 3 of 3", or "inconclusive again
// 1 of 2".
std::string ReplayTotal(const RunFindings& original, int reproduced, int attempts);

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_REPLAY_SPEC_H_
