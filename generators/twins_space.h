// TwinsSpace: the scenarios of the `twins` generator (generators/twins.cc)
// as data — which replicas are twinned, how each twin's honest peers are
// split, and per protocol round a partition of the processes — with the
// pruning and deduplication of Twins (Bano et al., OPODIS 2021) and a
// numbering of the canonical scenarios, so that a campaign's seeds can walk
// them without repeats.
//
// A process is a replica's id r (its original, for a twinned replica) or
// TwinId(n, r) = n + r for r's twin. A round's partition is valid when
//  * some block is a quorum: at least n - f distinct replicas, original and
//    twin counting as the one identity they share (pruning, as in Twins);
//  * it is consistent with the run's fixed routing (adversaries/twins.h):
//    a block holding r's twin but not r's original holds, besides the twin,
//    only replicas that hear the twin (split group 1); a block holding the
//    original but not the twin holds none of them. Otherwise some replica of
//    the block would hear no version of r, which no Twins partition means.
// Two kinds of scenario are the same:
//  * swapping original and twin, and with them the groups that hear each:
//    splits are oriented so that group 0 (hears the original) holds the
//    lowest-numbered honest replica;
//  * those that run alike. A twin whose block holds none of its group 1
//    hears and reaches no one, wherever it sits; a twin that never shares a
//    block with its group 1 never speaks, so there is no twin at all and its
//    split changes nothing; an original whose block holds only its twin and
//    replicas routed to the twin reaches no one there. Effective() drops
//    such twins from a scenario and sets such originals alone, and the
//    space lists one scenario per effective form.//
// Pure functions and immutable values; thread-compatible.
#ifndef TURNCOAT_GENERATORS_TWINS_SPACE_H_
#define TURNCOAT_GENERATORS_TWINS_SPACE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "absl/status/statusor.h"

namespace turncoat {

// Blocks of process ids, each sorted, blocks sorted.
using ProcessPartition = std::vector<std::vector<int>>;

// [hear the original, hear the twin]: disjoint, non-empty, all honest.
struct TwinSplit {
  std::vector<int> original;
  std::vector<int> twin;
  bool operator==(const TwinSplit& o) const { return original == o.original && twin == o.twin; }
  bool operator<(const TwinSplit& o) const {
    return original != o.original ? original < o.original : twin < o.twin;
  }
};

struct TwinsScenario {
  std::map<int, TwinSplit> splits;        // by twinned replica
  std::vector<ProcessPartition> rounds;   // rounds[k - 1]: round k's partition
  bool operator==(const TwinsScenario& o) const {
    return splits == o.splits && rounds == o.rounds;
  }
  bool operator<(const TwinsScenario& o) const {
    return splits != o.splits ? splits < o.splits : rounds < o.rounds;
  }
};

// At most this many processes (n plus the twins) are partitioned: the valid
// partitions of a round are listed, and their number grows as Bell(n + t).
inline constexpr int kMaxTwinsProcesses = 10;
// Spaces of at most this many scenarios, before deduplication, are listed.
inline constexpr uint64_t kMaxListed = 200000;

// Every set partition of `items`, each once (blocks in the order their
// first items appear, unsorted), passed to `visit`.
void EachPartition(const std::vector<int>& items,
                   const std::function<void(const ProcessPartition&)>& visit);
// Every way to split `honest` (sorted, at least two) into two non-empty
// groups, oriented with the lowest replica in `original`.
std::vector<TwinSplit> CanonicalSplits(const std::vector<int>& honest);
// Every subset of `from` with `size` members, in lexicographic order.
std::vector<std::vector<int>> Subsets(const std::vector<int>& from, int size);
// Every combination of one of `splits` per replica of `twinned`, passed to
// `visit` in order (the first replica's split varying fastest); one empty
// combination when `twinned` is empty.
void EachSplitLayout(const std::vector<int>& twinned, const std::vector<TwinSplit>& splits,
                     const std::function<void(const std::map<int, TwinSplit>&)>& visit);
// The replicas 0..n-1 not in `byzantine` (any order), ascending.
std::vector<int> HonestReplicas(int n, const std::vector<int>& byzantine);
// How many distinct replicas `block` holds, a replica's original and twin
// counting as one.
int DistinctReplicas(const std::vector<int>& block, int n);

// Whether `partition` holds a block of at least n - f distinct replicas.
bool HasQuorum(const ProcessPartition& partition, int n, int f);
// Whether `partition` agrees with the routing of `splits` (see above).
bool Consistent(const ProcessPartition& partition, const std::map<int, TwinSplit>& splits, int n);
// `scenario` (valid partitions, oriented splits) as it runs: each round
// without the twins that are idle in it and with its unheard originals
// alone, and without the splits and processes of twins that never speak.
TwinsScenario Effective(TwinsScenario scenario, int n);

class TwinsSpace {
 public:
  // The space for n replicas, f faulty, `byzantine` (sorted), `twins` of
  // them twinned and `rounds` rounds. Fails when twins is not in 1..f or
  // exceeds the Byzantine replicas, when every replica is Byzantine, or when
  // n + twins exceeds kMaxTwinsProcesses; the messages say which parameter
  // to change.
  // When the scenarios are few enough to list (kMaxListed before
  // deduplication), their effective forms are listed in order, once each.
  static absl::StatusOr<TwinsSpace> Make(int n, int f, std::vector<int> byzantine, int twins,
                                         int rounds);

  // Whether the scenarios are listed; then size() counts them.
  bool listed() const { return listed_; }
  uint64_t size() const { return scenarios_.size(); }
  // The index-th listed scenario, index < size(): layouts (twinned set,
  // splits) in order, then rounds counted like digits, round 1 first.
  const TwinsScenario& At(uint64_t index) const { return scenarios_[index]; }
  // The effective form of a scenario drawn uniformly from every oriented
  // one; a scenario with a twin that never speaks is as many times likelier
  // as its replica has splits (rare beyond a round or two).
  TwinsScenario Sample(std::mt19937_64& rng) const;
  // The valid partitions of one round under `splits`, sorted.
  static std::vector<ProcessPartition> RoundChoices(int n, int f,
                                                    const std::map<int, TwinSplit>& splits);

 private:
  struct Layout {
    std::map<int, TwinSplit> splits;
    std::vector<ProcessPartition> choices;
    uint64_t count = 0;  // choices^rounds, saturating
  };
  TwinsSpace() = default;

  int n_ = 0;
  int rounds_ = 0;
  std::vector<Layout> layouts_;
  bool listed_ = false;
  std::vector<TwinsScenario> scenarios_;  // the canonical ones, when listed
};

}  // namespace turncoat

#endif  // TURNCOAT_GENERATORS_TWINS_SPACE_H_
