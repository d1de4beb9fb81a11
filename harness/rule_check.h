// Rule check: every rule a plan's phases would install, compiled as the
// agents will compile it, before anything runs.
//
// Adversaries turn phases into rules; the agents compile the rules against
// the target's message model and refuse what does not fit (a `set` path the
// payload's schema does not have, a value its field cannot take, a key the
// scheme cannot read). Found only when a phase begins, that would stop a
// run mid-way (exit 3). So `turncoat validate`, `run` and `matrix` play
// every phase against a recording FaultControl — start, every tick of its
// length, stop — and compile each rule it installs with the agents' own
// code, against the target's schema and model (external codecs not
// started), with throwaway keys of the target's scheme for the Byzantine
// replicas. An error names the plan file, the phase's line and the rule.
#ifndef TURNCOAT_HARNESS_RULE_CHECK_H_
#define TURNCOAT_HARNESS_RULE_CHECK_H_

#include <cstdint>

#include "absl/status/status.h"
#include "model/plan.h"
#include "model/target_spec.h"

namespace turncoat {

// InvalidArgument, naming the phase and rule, if an agent would refuse a
// rule of `plan`'s phases run with `run_seed`.
absl::Status CheckPhaseRules(const Plan& plan, const TargetSpec& target, uint64_t run_seed);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_RULE_CHECK_H_
