// Loading and checking plan files (docs/plan-format.md).
//
// Beyond the shape of the file, the loader checks what would otherwise fail
// half-way through a run: phases that end after the run does, replica ids
// outside 0..n-1, adversaries and parameters the AdversaryRegistry does not
// know, Byzantine adversaries aimed at honest replicas, invariants no checker
// implements, and a Byzantine set larger than f that the plan does not
// declare deliberate. Every error reads "file:line:column: key.path: what is
// wrong; what is expected".
#ifndef TURNCOAT_LOADERS_PLAN_LOADER_H_
#define TURNCOAT_LOADERS_PLAN_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/plan.h"

namespace turncoat {

// Reads and checks the plan file at `path`. The target file it names must
// exist; loading the target is the caller's next step.
absl::StatusOr<Plan> LoadPlanFile(const std::string& path);

// The same for content already in memory; `path` names it in messages and
// anchors the relative target path.
absl::StatusOr<Plan> ParsePlan(absl::string_view text, const std::string& path);

}  // namespace turncoat

#endif  // TURNCOAT_LOADERS_PLAN_LOADER_H_
