// The `quorum-split` generator (generators/quorum_split.cc,
// docs/generators.md): the partitions Twins prunes. Every side is short of
// a quorum and at least two sides are exactly one replica short, so that a
// correct protocol decides nothing until the heal, while one that counts a
// quorum one too low decides on two sides at once. Byzantine replicas may
// sit on two sides as twins (generators/twins_space.h), which is how sides
// one short can cover a cluster too small for two disjoint ones (n = 7).
// This header exposes the scenario space for tests. Pure; thread-compatible.
#ifndef TURNCOAT_GENERATORS_QUORUM_SPLIT_H_
#define TURNCOAT_GENERATORS_QUORUM_SPLIT_H_

#include <vector>

#include "absl/status/statusor.h"
#include "generators/twins_space.h"

namespace turncoat {

// Every split of n replicas (f faulty; `byzantine` in any order) with at most
// `max_twins` Byzantine replicas twinned, as one-round TwinsScenarios in
// their effective form (Effective), each once: consistent with the twins'
// routing, no block holding n - f distinct replicas, at least two holding
// n - f - 1. In order of promise: fewer twins first (a split needing no
// twin is the simplest to run and to read), then fewer blocks, then the
// scenarios' own order. Fails, saying which parameter to change, when
// max_twins is outside 0..f or above the Byzantine replicas, when n plus
// the twins exceeds kMaxTwinsProcesses, or when no such split exists.
absl::StatusOr<std::vector<TwinsScenario>> QuorumSplits(int n, int f, std::vector<int> byzantine,
                                                        int max_twins);

}  // namespace turncoat

#endif  // TURNCOAT_GENERATORS_QUORUM_SPLIT_H_
