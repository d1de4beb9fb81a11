// The detection matrix: variants of a target (refbft with each planted bug,
// and without) against a suite of plans, and what each run found.
//
// A variant is a set of extra replica arguments; the variant with none is
// the correct system. The matrix is the measure of turncoat itself: every
// planted bug must be found by some plan, with the invariant it breaks, and
// the correct system must pass every plan within the fault bound. This file
// is the pure part — cells, detection times, verdict, JSON and Markdown —
// so it is tested without running anything; matrix_command.h runs it.
#ifndef TURNCOAT_HARNESS_MATRIX_H_
#define TURNCOAT_HARNESS_MATRIX_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "checkers/checker.h"

namespace turncoat {

struct MatrixVariant {
  std::string name;
  std::vector<std::string> replica_args;  // none: the correct system
  bool correct() const { return replica_args.empty(); }
};

struct MatrixCell {
  std::string variant;
  std::string plan;
  // "pass", "violation", "bad-input", "harness-error", or "skipped" (not
  // run because an earlier plan already found the variant's bug).
  std::string outcome = "skipped";
  std::vector<std::string> violated;  // invariant names
  // When the first violation became observable: the latest evidence of the
  // earliest finding, from the run's start.
  std::optional<absl::Duration> detected_at;
  std::string run_dir;
};

// When the earliest finding among `results`' violations became observable.
std::optional<absl::Duration> DetectionTime(const std::vector<CheckResult>& results);

// Whether the matrix shows what it must: each incorrect variant found by at
// least one plan, the correct one passing every plan. Failures are listed,
// one line each, in `problems`.
bool MatrixHolds(const std::vector<MatrixVariant>& variants, const std::vector<std::string>& plans,
                 const std::vector<MatrixCell>& cells, std::vector<std::string>* problems);

std::string MatrixJson(const std::vector<std::string>& plans, const std::vector<MatrixCell>& cells);
// A Markdown table, variants by plans: "agreement (6.2 s)", "pass", "–".
std::string MatrixMarkdown(const std::vector<MatrixVariant>& variants,
                           const std::vector<std::string>& plans,
                           const std::vector<MatrixCell>& cells);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_MATRIX_H_
