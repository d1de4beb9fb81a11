// The `twins` generator (generators/twins.cc, docs/generators.md): Twins'
// per-round partitions of the processes, twins included, drawn from the
// scenarios of generators/twins_space.h and expressed as phases keyed to
// protocol rounds. The generator registers itself; this header exposes how
// one round becomes phases, so that tests can check what the phases let
// through against the partition they stand for. Pure; thread-compatible.
#ifndef TURNCOAT_GENERATORS_TWINS_H_
#define TURNCOAT_GENERATORS_TWINS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "generators/twins_space.h"
#include "model/plan.h"

namespace turncoat {

// The phases, keyed to `round` and lasting `window`, that let a message of
// that round through exactly when its sender's and receiver's processes
// share a block of `partition`, given the run's routing `splits` (by
// twinned replica) among n replicas. `partition` must be consistent with
// `splits` (Consistent in twins_space.h). With `leader`, the twins phases
// (the twin speaking, the original silent towards those hearing the twin)
// act only when the twinned replica leads the round (kSelf) or only when it
// does not (kOther); the partition's own phases act either way, since only
// the twinned replica's agents see whether it leads.
std::vector<Phase> TwinsRoundPhases(const ProcessPartition& partition,
                                    const std::map<int, TwinSplit>& splits, int n, int64_t round,
                                    absl::Duration window,
                                    std::optional<LeaderChoice> leader = std::nullopt);

// The phases of every round of `scenario`, its round k (from 0) keyed to
// protocol round first_round + k, each as TwinsRoundPhases makes them,
// with leaders[k] when `leaders` is given (one per round).
std::vector<Phase> TwinsScenarioPhases(const TwinsScenario& scenario, int n, int64_t first_round,
                                       absl::Duration window,
                                       const std::vector<std::optional<LeaderChoice>>& leaders = {});

}  // namespace turncoat

#endif  // TURNCOAT_GENERATORS_TWINS_H_
