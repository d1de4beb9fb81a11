// Shrinking: from a failing plan, the plans one step smaller, in the order
// worth trying — the pure half of `turncoat shrink` (shrink_command.h runs
// them; docs/shrink.md).
//
// "Smaller" is a size measure, PlanSize: seven counts, each a whole number
// (phases; milliseconds of phase time; protocol rounds spanned; replicas and
// list entries the phases name; milliseconds of run; clients; thousandths
// of a submission per second). A candidate is smaller than its plan when no
// count grew and at least one fell (IsSmaller). That order has no infinite
// descending chain, so a search that only ever moves to a smaller plan
// ends, whatever it accepts.
//
// Candidates, in order: drop phases (ddmin-style: halves, then quarters, ...,
// then one at a time), narrow a phase's `rounds`, shorten a phase's `for`,
// drop one replica from a phase's `nodes`, drop one entry of a list
// parameter (replicas or strings; partition groups are left alone, since a
// replica left out of every group is cut off from all, which is more fault,
// not less), shorten the run (never below the last phase's end plus the
// liveness bound plus kRecoveryMargin), fewer clients, a lower rate. Each is
// written with WritePlan and read back with ParsePlan, so it is an ordinary
// plan whose `source_text` is its own file; one the loader rejects is left
// out. Whether the adversaries accept it against the target is the
// caller's check (CheckRunnablePlan), made before running it.
//
// Pure functions; thread-safe.
#ifndef TURNCOAT_HARNESS_SHRINK_H_
#define TURNCOAT_HARNESS_SHRINK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "model/plan.h"

namespace turncoat {

// Left between the last phase's end plus the liveness bound and the run's
// end, so the recovery rule still judges the cluster after the faults.
inline constexpr absl::Duration kRecoveryMargin = absl::Seconds(2);
// No phase is shortened below this: a shorter fault hardly acts.
inline constexpr absl::Duration kMinPhaseLength = absl::Milliseconds(500);

struct PlanSize {
  int64_t phases = 0;
  int64_t phase_ms = 0;
  int64_t rounds = 0;
  int64_t members = 0;  // nodes of every phase plus entries of list params
  int64_t duration_ms = 0;
  int64_t clients = 0;
  int64_t rate_milli = 0;  // 0 for rate: auto
};

PlanSize SizeOf(const Plan& plan);

// No count of `a` above `b`'s, and at least one below.
bool IsSmaller(const PlanSize& a, const PlanSize& b);

// "2 phases, 14s of faults, 18s run, 4 clients at 40/s", for people.
std::string DescribeSize(const PlanSize& size);

struct ShrinkCandidate {
  Plan plan;         // loaded back from its own text (plan.source_text)
  std::string step;  // what changed: "drop phase 2 of 3 (delay)"
};

// The plans one step smaller than `plan`, best first, each distinct.
std::vector<ShrinkCandidate> ShrinkCandidates(const Plan& plan);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_SHRINK_H_
