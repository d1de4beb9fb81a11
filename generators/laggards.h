// The `laggards` generator (generators/laggards.cc, docs/generators.md):
// do replicas left behind find the others again? More than f replicas fall
// behind in round 1 — honest ones cut off, and with them the originals of
// the Byzantine replicas, one of whose twins (generators/twins_space.h)
// helps the rest decide the round — and in round 2 one replica of the rest
// is cut off, so that nobody decides until the heal, while the rest's views
// fail and back off. At the heal the laggards catch up into a height whose view
// the others have long been timing out in, and a quorum needs both.
// This header exposes the scenario space for tests. Pure; thread-compatible.
#ifndef TURNCOAT_GENERATORS_LAGGARDS_H_
#define TURNCOAT_GENERATORS_LAGGARDS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "generators/twins_space.h"

namespace turncoat {

// Every laggards scenario of n replicas (f faulty, `byzantine` in any
// order) as a two-round TwinsScenario: the laggards L, the fewest honest
// replicas that with the Byzantine ones are more than f, fall behind in
// round 1 with the Byzantine replicas' originals, while the rest R decide
// with the twin of one Byzantine replica (split: L hear its original, R its
// twin; a quorum, since two twins never share a block). Round 1 puts every
// laggard and every original in a block of its own, the rest and the twin
// in one; round 2 cuts one replica of R off from everyone else. In order:
// L lexicographically, then the twinned replica, then the replica cut off. Fails, saying what to change, without
// Byzantine replicas or with fewer honest replicas than L and one of R need.
absl::StatusOr<std::vector<TwinsScenario>> LaggardScenarios(int n, int f,
                                                           std::vector<int> byzantine);

}  // namespace turncoat

#endif  // TURNCOAT_GENERATORS_LAGGARDS_H_
