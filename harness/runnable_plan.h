// RunnablePlan: a plan and the target it names, both loaded and checked
// against each other as a run with a given seed will build them — the
// generators' phases drawn, every phase's adversary constructed and its
// rules compiled — so that bad input is found before any process starts.
//
// `turncoat run`, `replay`, `shrink`, `matrix` and `campaign` all start
// from one; the controller's replay reads one back from a run directory.
// Pure functions of their arguments and the files they read; thread-safe.
#ifndef TURNCOAT_HARNESS_RUNNABLE_PLAN_H_
#define TURNCOAT_HARNESS_RUNNABLE_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/plan.h"
#include "model/target_spec.h"

namespace turncoat {

// A plan and the target it names, both loaded and checked.
struct RunnablePlan {
  Plan plan;
  TargetSpec target;
};

// Loads the plan at `path` and its target and checks every phase against
// it (CheckPhases) as a run with `seed` (the plan's when unset) will make
// them; the error names the file, line and fix.
absl::StatusOr<RunnablePlan> LoadRunnablePlan(const std::string& path,
                                              std::optional<uint64_t> seed);

// Draws the phases of the plan's generators (generators/generate.h) with
// `seed`, then builds every phase against `target` as a run with that seed
// will (CheckPhases, CheckPhaseRules).
absl::Status CheckPlanAgainstTarget(Plan* plan, const TargetSpec& target, uint64_t seed);

// The checks of LoadRunnablePlan, for a plan and target loaded otherwise.
absl::StatusOr<RunnablePlan> CheckRunnablePlan(Plan plan, TargetSpec target,
                                               std::optional<uint64_t> seed);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_RUNNABLE_PLAN_H_
