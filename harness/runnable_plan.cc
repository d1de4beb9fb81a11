#include "harness/runnable_plan.h"

#include <utility>

#include "adversaries/phase_check.h"
#include "generators/generate.h"
#include "harness/rule_check.h"
#include "loaders/plan_loader.h"
#include "loaders/target_loader.h"

namespace turncoat {

absl::StatusOr<RunnablePlan> LoadRunnablePlan(const std::string& path,
                                              std::optional<uint64_t> seed) {
  absl::StatusOr<Plan> plan = LoadPlanFile(path);
  if (!plan.ok()) return plan.status();
  absl::StatusOr<TargetSpec> target = LoadTargetFile(plan->target);
  if (!target.ok()) return target.status();
  return CheckRunnablePlan(*std::move(plan), *std::move(target), seed);
}

absl::Status CheckPlanAgainstTarget(Plan* plan, const TargetSpec& target, uint64_t seed) {
  const auto check = [&](const Plan& p) {
    if (absl::Status s = CheckPhases(p, target, seed); !s.ok()) return s;
    return CheckPhaseRules(p, target, seed);
  };
  if (!plan->generate.empty()) return ExpandGenerators(plan, target, seed, check);
  return check(*plan);
}

absl::StatusOr<RunnablePlan> CheckRunnablePlan(Plan plan, TargetSpec target,
                                               std::optional<uint64_t> seed) {
  if (absl::Status s = CheckPlanAgainstTarget(&plan, target, seed.value_or(plan.seed)); !s.ok()) {
    return s;
  }
  return RunnablePlan{std::move(plan), std::move(target)};
}

}  // namespace turncoat
