// twins: equivocation by twins (Bano, Sonnino, Chursin, Perelman, Li,
// Ching, Malkhi: "Twins: BFT Systems Made Robust", OPODIS 2021).
//
// Two processes run one Byzantine identity with one key: the original
// replica r and its twin. The honest replicas are split in two groups;
// during a twins phase group 0 hears only the original and group 1 only the
// twin, so each group sees one consistent "replica r" while r as a whole
// says two different things. Nothing reads or rewrites a message, so it
// works on any target.
//
// Routing is decided when links open, before the run, so twins exist for
// the whole run:
//
//  * TwinsOf(plan) says which replicas get a twin and how the honest
//    replicas are split; the controller spawns one more agent and replica
//    per twin (same id, same key file, own listen port), and points the
//    links of group 1 towards r at the twin. Everyone else reaches the
//    original. The twin's own links go to every other replica's original.
//  * Outside a twins phase the twin is dormant: InstallDormantTwinRules
//    (called by the controller before the replicas start) drops everything
//    it sends. The twin still hears group 1, so it keeps up with the run.
//  * A phase's Start silences the original towards group 1 (drops
//    r -> group 1) and lets the twin speak to group 1, or to the part of it
//    in `twin_to` (passes placed ahead of the dormant drops); Stop reverses
//    both. Twin -> group 0, twin -> any other Byzantine replica and twin ->
//    honest replicas in neither group stay dropped always.
//  * A phase may be keyed to rounds (`rounds:`): then only the messages of
//    those rounds are swapped, and phases of one twin may overlap in time
//    as long as their rounds are disjoint.
//
// FaultControl addresses the twin of r as TwinId(n, r) = n + r.
#ifndef TURNCOAT_ADVERSARIES_TWINS_H_
#define TURNCOAT_ADVERSARIES_TWINS_H_

#include <map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adversaries/adversary.h"
#include "adversaries/link_rules.h"
#include "model/plan.h"
#include "model/target_spec.h"

namespace turncoat {

// The adversary's name in plans.
inline constexpr char kTwinsAdversary[] = "twins";

// How one twinned replica's peers are split, fixed for the whole run.
struct TwinLayout {
  std::vector<int> original_group;  // split[0]: these hear the original
  std::vector<int> twin_group;      // split[1]: these hear the twin
  std::vector<int> phases;          // timeline indices of its twins phases
};

// The twinned replicas of `plan`, by replica id; empty when the plan has no
// twins phase. Fails (naming the phase, as timeline[i]) when a twins phase
// is invalid — see CheckTwinsPhase — or when two twins phases of one
// replica use different splits or overlap in time (unless both are keyed to
// disjoint rounds): the routing is fixed at start-up and one twin has one
// dormant/active state per message.
absl::StatusOr<std::map<int, TwinLayout>> TwinsOf(const Plan& plan);

// Checks one twins phase on its own: every node is Byzantine, `split` is
// exactly two non-empty, disjoint groups of honest replicas in 0..n-1 that
// name no node of the phase, and `twin_to`, if given, lies within group 1.
// The error names the phase as timeline[phase_index].
absl::Status CheckTwinsPhase(const Phase& phase, int phase_index, int n,
                             const std::vector<int>& byzantine);

// The rules that keep the twin of `replica` from reaching `to`: drops of
// the target's peer requests on link TwinId(n, replica) -> to. Their ids
// are owned here, so setup, Start and Stop name the same rules.
std::vector<PlacedRule> DormantTwinRules(const TargetSpec& target, int n, int replica, int to);

// Setup: makes every twin in `twins` dormant, dropping all it sends to the
// n replicas. The controller calls it once links are open and before any
// replica starts.
absl::Status InstallDormantTwinRules(FaultControl& control, const TargetSpec& target, int n,
                                     const std::map<int, TwinLayout>& twins);

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_TWINS_H_
