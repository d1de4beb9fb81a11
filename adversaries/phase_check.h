// Phase checks: every phase of a plan is built against its target before
// anything runs, so that a parameter an adversary rejects (a misspelt
// strategy, a target without the field a rewriter needs, twins phases that
// disagree) is bad input for `turncoat validate` and stops `turncoat run`
// before it starts a process — not an error when the phase begins, seconds
// into a run.
#ifndef TURNCOAT_ADVERSARIES_PHASE_CHECK_H_
#define TURNCOAT_ADVERSARIES_PHASE_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "adversaries/adversary.h"
#include "model/plan.h"
#include "model/target_spec.h"

namespace turncoat {

// What phase `index` of `plan` runs with: its seed derived from the run's
// seed and the phase, the Byzantine replicas' keys in `keys_dir`. `plan`
// must outlive the context.
AdversaryContext PhaseContext(const Plan& plan, const TargetSpec& target, size_t index,
                              uint64_t run_seed, const std::string& keys_dir);

// Builds every phase's adversary as a run with `run_seed` would, starting
// none, and checks the twins phases together (TwinsOf). The first error is
// returned as bad input naming the plan file and the phase's line:
// "plan.yaml:12: phase 1 (collusion): strategy ...".
absl::Status CheckPhases(const Plan& plan, const TargetSpec& target, uint64_t run_seed);

// What a reader of the plan may not expect, one line per phase that acts on
// `nodes` yet makes none of them faulty (a delay within the plan's Δ):
// "plan.yaml:12: phase 1 (delay) makes no replica faulty: at most ...".
// Phases that fail to build are left to CheckPhases.
std::vector<std::string> PhaseNotes(const Plan& plan, const TargetSpec& target, uint64_t run_seed);

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_PHASE_CHECK_H_
