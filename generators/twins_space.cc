#include "generators/twins_space.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {
namespace {

bool Holds(const std::vector<int>& set, int x) {
  return std::find(set.begin(), set.end(), x) != set.end();
}

uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) {
    return std::numeric_limits<uint64_t>::max();
  }
  return a * b;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return b > std::numeric_limits<uint64_t>::max() - a ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

ProcessPartition Sorted(ProcessPartition partition) {
  for (std::vector<int>& block : partition) std::sort(block.begin(), block.end());
  std::sort(partition.begin(), partition.end());
  return partition;
}

}  // namespace

// Every set partition of `items`, by restricted growth strings: item i
// joins one of the blocks opened so far or opens the next.
void EachPartition(const std::vector<int>& items,
                   const std::function<void(const ProcessPartition&)>& visit) {
  std::vector<int> block_of(items.size(), 0);
  std::function<void(size_t, int)> grow = [&](size_t i, int blocks) {
    if (i == items.size()) {
      ProcessPartition partition(blocks);
      for (size_t k = 0; k < items.size(); ++k) partition[block_of[k]].push_back(items[k]);
      visit(partition);
      return;
    }
    for (int b = 0; b <= blocks; ++b) {
      block_of[i] = b;
      grow(i + 1, std::max(blocks, b + 1));
    }
  };
  grow(0, 0);
}

// Every way to split `honest` (sorted) into two non-empty groups with the
// lowest in group 0: the canonical orientations.
std::vector<TwinSplit> CanonicalSplits(const std::vector<int>& honest) {
  std::vector<TwinSplit> splits;
  const size_t rest = honest.size() - 1;
  for (uint64_t mask = 1; mask < (uint64_t{1} << rest); ++mask) {
    TwinSplit split;
    split.original.push_back(honest[0]);
    for (size_t i = 0; i < rest; ++i) {
      (mask >> i & 1 ? split.twin : split.original).push_back(honest[i + 1]);
    }
    splits.push_back(std::move(split));
  }
  return splits;
}

// Every subset of `from` with `size` members, in lexicographic order.
std::vector<std::vector<int>> Subsets(const std::vector<int>& from, int size) {
  std::vector<std::vector<int>> subsets;
  std::vector<int> chosen;
  std::function<void(size_t)> pick = [&](size_t i) {
    if (static_cast<int>(chosen.size()) == size) {
      subsets.push_back(chosen);
      return;
    }
    for (size_t k = i; k < from.size(); ++k) {
      chosen.push_back(from[k]);
      pick(k + 1);
      chosen.pop_back();
    }
  };
  pick(0);
  return subsets;
}

void EachSplitLayout(const std::vector<int>& twinned, const std::vector<TwinSplit>& splits,
                     const std::function<void(const std::map<int, TwinSplit>&)>& visit) {
  // Like digits, one per twinned replica.
  std::vector<size_t> digit(twinned.size(), 0);
  while (true) {
    std::map<int, TwinSplit> layout;
    for (size_t i = 0; i < twinned.size(); ++i) layout[twinned[i]] = splits[digit[i]];
    visit(layout);
    size_t i = 0;
    while (i < digit.size() && ++digit[i] == splits.size()) digit[i++] = 0;
    if (i == digit.size()) return;
  }
}

std::vector<int> HonestReplicas(int n, const std::vector<int>& byzantine) {
  std::vector<int> honest;
  for (int r = 0; r < n; ++r) {
    if (!Holds(byzantine, r)) honest.push_back(r);
  }
  return honest;
}

int DistinctReplicas(const std::vector<int>& block, int n) {
  std::set<int> identities;
  for (int p : block) identities.insert(p >= n ? p - n : p);
  return static_cast<int>(identities.size());
}

bool HasQuorum(const ProcessPartition& partition, int n, int f) {
  for (const std::vector<int>& block : partition) {
    if (DistinctReplicas(block, n) >= n - f) return true;
  }
  return false;
}

bool Consistent(const ProcessPartition& partition, const std::map<int, TwinSplit>& splits, int n) {
  for (const std::vector<int>& block : partition) {
    for (const auto& [r, split] : splits) {
      const bool original = Holds(block, r);
      const bool twin = Holds(block, n + r);
      if (twin && !original) {
        for (int p : block) {
          if (p != n + r && !Holds(split.twin, p)) return false;
        }
      }
      if (original && !twin) {
        for (int p : block) {
          if (Holds(split.twin, p)) return false;
        }
      }
    }
  }
  return true;
}

TwinsScenario Effective(TwinsScenario scenario, int n) {
  std::set<int> speaking;
  for (ProcessPartition& partition : scenario.rounds) {
    for (const auto& [r, split] : scenario.splits) {
      for (std::vector<int>& block : partition) {
        if (!Holds(block, n + r)) continue;
        const bool heard = std::any_of(block.begin(), block.end(),
                                       [&twin = split.twin](int p) { return Holds(twin, p); });
        if (heard) {
          speaking.insert(r);
        } else {
          block.erase(std::find(block.begin(), block.end(), n + r));
        }
      }
    }
    // An original whose block holds only its twin and replicas routed to the
    // twin reaches no one there either: it sits alone.
    for (const auto& [r, split] : scenario.splits) {
      for (std::vector<int>& block : partition) {
        if (!Holds(block, r) || !Holds(block, n + r) || block.size() == 2) continue;
        // Init-captures: C++17 lambdas cannot capture structured bindings (clang
        // rejects it; GCC accepts it as an extension).
        const bool alone = std::all_of(block.begin(), block.end(),
                                       [r = r, n, &twin = split.twin](int p) {
                                         return p == r || p == n + r || Holds(twin, p);
                                       });
        if (!alone) continue;
        block.erase(std::find(block.begin(), block.end(), r));
        partition.push_back({r});
        break;
      }
    }
    partition.erase(std::remove_if(partition.begin(), partition.end(),
                                   [](const std::vector<int>& block) { return block.empty(); }),
                    partition.end());
    partition = Sorted(std::move(partition));
  }
  for (auto it = scenario.splits.begin(); it != scenario.splits.end();) {
    it = speaking.count(it->first) ? std::next(it) : scenario.splits.erase(it);
  }
  return scenario;
}

namespace {

// The partitions of the n replicas and the twins of `twinned` with a quorum.
std::vector<ProcessPartition> Quorate(int n, int f, const std::vector<int>& twinned) {
  std::vector<int> processes;
  for (int r = 0; r < n; ++r) processes.push_back(r);
  for (int r : twinned) processes.push_back(n + r);
  std::vector<ProcessPartition> quorate;
  EachPartition(processes, [&](const ProcessPartition& partition) {
    if (HasQuorum(partition, n, f)) quorate.push_back(Sorted(partition));
  });
  std::sort(quorate.begin(), quorate.end());
  return quorate;
}

std::vector<ProcessPartition> ConsistentOnes(const std::vector<ProcessPartition>& quorate,
                                             const std::map<int, TwinSplit>& splits, int n) {
  std::vector<ProcessPartition> choices;
  for (const ProcessPartition& partition : quorate) {
    if (Consistent(partition, splits, n)) choices.push_back(partition);
  }
  return choices;
}

}  // namespace

std::vector<ProcessPartition> TwinsSpace::RoundChoices(int n, int f,
                                                       const std::map<int, TwinSplit>& splits) {
  std::vector<int> twinned;
  for (const auto& [r, split] : splits) twinned.push_back(r);
  return ConsistentOnes(Quorate(n, f, twinned), splits, n);
}

absl::StatusOr<TwinsSpace> TwinsSpace::Make(int n, int f, std::vector<int> byzantine, int twins,
                                            int rounds) {
  if (byzantine.empty()) {
    return absl::InvalidArgumentError(
        "twins runs a second copy of a Byzantine replica, but the plan has none; list one in "
        "`byzantine` or leave `byzantine` out to have them drawn");
  }
  if (twins < 1 || twins > f) {
    return absl::InvalidArgumentError(absl::StrCat(
        "twins: ", twins, " replicas twinned; expected 1 to f = ", f,
        " (a twin is a Byzantine replica's second process, and at most f may be Byzantine)"));
  }
  if (twins > static_cast<int>(byzantine.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "twins: ", twins, " replicas twinned, but only ", byzantine.size(),
        " are Byzantine ([", absl::StrJoin(byzantine, ", "), "]); lower twins or list more"));
  }
  if (n + twins > kMaxTwinsProcesses) {
    return absl::InvalidArgumentError(absl::StrCat(
        n, " replicas and ", twins, " twins are ", n + twins, " processes to partition; the "
        "twins generator lists every partition and handles at most ", kMaxTwinsProcesses,
        ": lower replicas or twins"));
  }
  if (rounds < 1) return absl::InvalidArgumentError("r must be at least 1 (rounds 1..r)");
  std::sort(byzantine.begin(), byzantine.end());
  const std::vector<int> honest = HonestReplicas(n, byzantine);
  if (honest.size() < 2) {
    return absl::InvalidArgumentError(
        "a twin's split needs two groups of honest replicas, and the plan has fewer than two");
  }
  const std::vector<TwinSplit> splits = CanonicalSplits(honest);
  TwinsSpace space;
  space.n_ = n;
  space.rounds_ = rounds;
  uint64_t total = 0;
  for (const std::vector<int>& twinned : Subsets(byzantine, twins)) {
    const std::vector<ProcessPartition> quorate = Quorate(n, f, twinned);
    EachSplitLayout(twinned, splits, [&](const std::map<int, TwinSplit>& splits_of) {
      Layout layout;
      layout.splits = splits_of;
      layout.choices = ConsistentOnes(quorate, layout.splits, n);
      layout.count = 1;
      for (int k = 0; k < rounds; ++k) layout.count = SaturatingMul(layout.count, layout.choices.size());
      total = SaturatingAdd(total, layout.count);
      space.layouts_.push_back(std::move(layout));
    });
  }
  if (total > kMaxListed) return space;
  space.listed_ = true;
  std::set<TwinsScenario> seen;
  for (const Layout& layout : space.layouts_) {
    for (uint64_t index = 0; index < layout.count; ++index) {
      TwinsScenario scenario;
      scenario.splits = layout.splits;
      scenario.rounds.resize(rounds);
      uint64_t digits = index;
      for (int k = rounds - 1; k >= 0; --k) {
        scenario.rounds[k] = layout.choices[digits % layout.choices.size()];
        digits /= layout.choices.size();
      }
      scenario = Effective(std::move(scenario), n);
      if (seen.insert(scenario).second) space.scenarios_.push_back(std::move(scenario));
    }
  }
  return space;
}

TwinsScenario TwinsSpace::Sample(std::mt19937_64& rng) const {
  // Each layout weighs as many scenarios as it holds, in floating point
  // since the counts may saturate.
  std::vector<double> weights;
  for (const Layout& layout : layouts_) {
    weights.push_back(std::pow(static_cast<double>(layout.choices.size()), rounds_));
  }
  std::discrete_distribution<size_t> pick_layout(weights.begin(), weights.end());
  const Layout& layout = layouts_[pick_layout(rng)];
  TwinsScenario scenario;
  scenario.splits = layout.splits;
  for (int k = 0; k < rounds_; ++k) {
    scenario.rounds.push_back(layout.choices[rng() % layout.choices.size()]);
  }
  return Effective(std::move(scenario), n_);
}

}  // namespace turncoat
