// pairs: every lie the Byzantine adversaries can tell about one kind of
// message, against every network fault on one kind the honest replicas
// send, walked seed by seed (docs/generators.md, "pairs").
//
// `mixed` with `pair` samples such pairs, with every parameter drawn; the
// bugs that need one exact lie to meet one exact fault (a forged vote of
// the last phase while decisions are held back) then come up about once in
// fifteen thousand scenarios. Here the space is enumerated instead, with
// strong parameters (every message, every honest replica, a delay beyond
// the timeouts), so a campaign over seeds 1..size() tries each pair once.
#ifndef TURNCOAT_GENERATORS_PAIRS_H_
#define TURNCOAT_GENERATORS_PAIRS_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "model/plan.h"
#include "model/target_spec.h"

namespace turncoat {

// One side of a pair: an adversary and the parameters that make it this
// variant (its kind of message, its change of content); the rest of its
// parameters are filled in per scenario.
struct PairVariant {
  std::string adversary;
  Params params;
  // Lies only: how early it comes in the walk (pairs.cc), 0 first, and the
  // segments of the field it changes (0: none), shallower first.
  int promise = 0;
  int depth = 0;
};

struct PairSpace {
  std::vector<PairVariant> lies;
  std::vector<PairVariant> faults;
  int64_t size() const { return static_cast<int64_t>(lies.size() * faults.size()); }
  // Scenario `index` (0 <= index < size()): the lie and the fault it pairs.
  // Each lie meets every fault in turn; lies come in order of promise
  // (pairs.cc: a claim of an enum's last value first) and, within one,
  // each adversary's next variant in turn.
  std::pair<const PairVariant*, const PairVariant*> At(int64_t index) const;
};

// The pairs for `plan` on `target` with the generator's `params`
// (`adversaries`, `faults`). `runs` says whether a phase builds against the
// target on its own; variants that do not are left out of the space.
absl::StatusOr<PairSpace> BuildPairSpace(const Plan& plan, const TargetSpec& target,
                                         const Params& params,
                                         const std::function<bool(const Phase&)>& runs);

// `variant` as a phase acting as `nodes` in a cluster of `n`: the required
// parameters it leaves open filled in strongly — every message
// (probabilities 1), every replica it does not act as, `by` for durations —
// and choices and groups drawn from `rng`. Timing is the caller's.
Phase CompletePair(const PairVariant& variant, const std::vector<int>& nodes, int n,
                   absl::Duration by, std::mt19937_64& rng);

}  // namespace turncoat

#endif  // TURNCOAT_GENERATORS_PAIRS_H_
