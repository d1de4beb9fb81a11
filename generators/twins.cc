// twins: Twins' scenarios (Bano, Sonnino, Chursin, Perelman, Li, Ching,
// Malkhi: "Twins: BFT Systems Made Robust", OPODIS 2021), keyed to the
// protocol rounds the target's messages carry.
//
// A scenario (generators/twins_space.h) twins `twins` Byzantine replicas,
// splits each one's honest peers into those that hear the original and
// those that hear the twin — once per run, because the routing of a twin is
// fixed when links open — and gives each of rounds 1..r a partition of the
// processes, twins included, in which some block is a quorum and which
// agrees with the split. Small spaces are walked by seed (seed s is
// scenario s - 1, modulo their number), larger ones sampled uniformly.
//
// Twins also enumerates each round's leader; a black box cannot force one,
// so each round draws instead whether its twin speaks when the twinned
// replica leads the round or when another does (`leader: self | other` on
// its twins phases, judged by the agents from the proposals they see).
//
// Each round k becomes phases keyed to `rounds: k`, so messages of round k
// flow only within blocks whenever they are sent:
//  * per twinned replica whose twin shares a block with some of its group 1,
//    a `twins` phase waking the twin towards exactly those (`twin_to`) and
//    silencing the original towards all of group 1;
//  * a `partition` into the blocks, a twinned replica's two processes
//    joining the blocks of both (so its links to either side stay open);
//  * `omission` for what that merge leaves open between the two sides: a
//    replica's messages to those of the other blocks merged with its own,
//    and the links of a twinned replica whose process in that block is the
//    one its peer is not routed to.
#include "generators/twins.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "generators/generate.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

bool Holds(const std::vector<int>& set, int x) {
  return std::find(set.begin(), set.end(), x) != set.end();
}

Phase KeyedPhase(const std::string& adversary, int64_t round, absl::Duration window) {
  Phase phase;
  phase.adversary = adversary;
  phase.rounds = RoundSpan{round, round};
  phase.length = window;
  return phase;
}

}  // namespace

std::vector<Phase> TwinsRoundPhases(const ProcessPartition& partition,
                                    const std::map<int, TwinSplit>& splits, int n, int64_t round,
                                    absl::Duration window, std::optional<LeaderChoice> leader) {
  // By process; -1 for a twin the round leaves out (idle: it shares no
  // block with its group 1), which no message reaches.
  std::vector<int> block_of(2 * n, -1);
  for (size_t b = 0; b < partition.size(); ++b) {
    for (int p : partition[b]) block_of[p] = static_cast<int>(b);
  }
  const auto together = [&](int p, int q) { return block_of[p] >= 0 && block_of[p] == block_of[q]; };
  std::vector<Phase> phases;
  std::set<int> speaking;  // twinned replicas whose twin speaks this round
  for (const auto& [r, split] : splits) {
    std::vector<int> twin_to;
    for (int j : split.twin) {
      if (together(j, n + r)) twin_to.push_back(j);
    }
    if (twin_to.empty()) continue;
    speaking.insert(r);
    Phase phase = KeyedPhase("twins", round, window);
    phase.leader = leader;
    phase.nodes = {r};
    phase.params["split"] = std::vector<std::vector<int>>{split.original, split.twin};
    if (twin_to != split.twin) phase.params["twin_to"] = twin_to;
    phases.push_back(std::move(phase));
  }
  // Replica groups: each block's replicas, a twinned replica joining (and
  // so merging) the blocks of both its processes.
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  std::function<int(int)> root = [&](int x) { return parent[x] == x ? x : parent[x] = root(parent[x]); };
  for (const std::vector<int>& block : partition) {
    for (int p : block) parent[root(p >= n ? p - n : p)] = root(block[0] >= n ? block[0] - n : block[0]);
  }
  std::map<int, std::vector<int>> by_root;
  for (int r = 0; r < n; ++r) by_root[root(r)].push_back(r);
  if (by_root.size() > 1) {
    std::vector<std::vector<int>> groups;
    for (auto& [top, group] : by_root) groups.push_back(group);
    Phase phase = KeyedPhase("partition", round, window);
    phase.params["groups"] = groups;
    phases.push_back(std::move(phase));
  }
  // Within a group, the links whose two ends are in different blocks. The
  // link a -> b carries a's original and reaches b's twin when b routes a
  // to it; a speaking twin's original is silent towards its group 1 already.
  for (int a = 0; a < n; ++a) {
    std::vector<int> to;
    for (int b = 0; b < n; ++b) {
      if (a == b || root(a) != root(b)) continue;
      auto split = splits.find(a);
      if (split != splits.end() && speaking.count(a) && Holds(split->second.twin, b)) continue;
      auto routed = splits.find(b);
      const int receiver = routed != splits.end() && Holds(routed->second.twin, a) ? n + b : b;
      if (!together(a, receiver)) to.push_back(b);
    }
    if (to.empty()) continue;
    Phase phase = KeyedPhase("omission", round, window);
    phase.nodes = {a};
    phase.params["drop"] = 1.0;
    phase.params["to"] = to;
    phases.push_back(std::move(phase));
  }
  return phases;
}

std::vector<Phase> TwinsScenarioPhases(const TwinsScenario& scenario, int n, int64_t first_round,
                                       absl::Duration window,
                                       const std::vector<std::optional<LeaderChoice>>& leaders) {
  std::vector<Phase> phases;
  for (size_t k = 0; k < scenario.rounds.size(); ++k) {
    for (Phase& phase :
         TwinsRoundPhases(scenario.rounds[k], scenario.splits, n,
                          first_round + static_cast<int64_t>(k), window,
                          k < leaders.size() ? leaders[k] : std::nullopt)) {
      phases.push_back(std::move(phase));
    }
  }
  return phases;
}

namespace {

constexpr char kLeaderParam[] = "leader";

// Each round's leader condition. Drawn after the scenario, from the same
// generator, so a seed gives the scenario it gave before leaders were
// drawn. A target without proposals cannot tell who leads: drawn is then
// any, while an explicit self or other fails when the phases are checked.
absl::StatusOr<std::vector<std::optional<LeaderChoice>>> Leaders(const Params& params,
                                                                 const TargetSpec& target,
                                                                 size_t rounds,
                                                                 std::mt19937_64& rng) {
  const std::string* set = FindParam<std::string>(params, kLeaderParam);
  const std::string mode = set == nullptr ? "drawn" : *set;
  std::vector<std::optional<LeaderChoice>> leaders(rounds);
  if (mode == "any" || (mode == "drawn" && !HasProposals(target))) return leaders;
  if (mode == "self" || mode == "other") {
    std::fill(leaders.begin(), leaders.end(),
              mode == "self" ? LeaderChoice::kSelf : LeaderChoice::kOther);
    return leaders;
  }
  if (mode != "drawn") {
    return absl::InvalidArgumentError(absl::StrCat(
        kLeaderParam, ": expected drawn, self, other or any; got '", mode, "'"));
  }
  for (auto& leader : leaders) {
    leader = std::bernoulli_distribution(0.5)(rng) ? LeaderChoice::kSelf : LeaderChoice::kOther;
  }
  return leaders;
}

absl::StatusOr<std::vector<Phase>> GenerateTwins(const GeneratorInput& in) {
  const Plan& plan = *in.plan;
  const int64_t r = WholeOr(*in.params, "r", 3);
  const int64_t twins = WholeOr(*in.params, "twins", 1);
  const int64_t bound = WholeOr(*in.params, "enumerate", 2000);
  if (absl::Status s = RequireRoundedPartitions(*in.target); !s.ok()) return s;
  absl::StatusOr<TwinsSpace> space = TwinsSpace::Make(plan.n, plan.f, plan.byzantine,
                                                      static_cast<int>(twins), static_cast<int>(r));
  if (!space.ok()) return space.status();
  const TwinsScenario scenario =
      space->listed() && space->size() <= static_cast<uint64_t>(std::max<int64_t>(bound, 0))
          ? space->At((in.seed + space->size() - 1) % space->size())
          : space->Sample(*in.rng);
  absl::StatusOr<std::vector<std::optional<LeaderChoice>>> leaders =
      Leaders(*in.params, *in.target, scenario.rounds.size(), *in.rng);
  if (!leaders.ok()) return leaders.status();
  const std::vector<Phase> phases =
      TwinsScenarioPhases(scenario, plan.n, 1, FaultWindow(plan), *leaders);
  if (absl::Status s = CheckRoundKeyedPhases(in.check, phases); !s.ok()) return s;
  return phases;
}

const GeneratorRegistration kTwins({
    "twins",
    "Twins: per round a partition of the processes, twins included, with a quorum; "
    "enumerated by seed when small, sampled beyond",
    {{"r", ParamKind::kWhole, false, "rounds 1..r each get a partition (default 3)"},
     {"twins", ParamKind::kWhole, false,
      "how many Byzantine replicas run a twin, 1 to f (default 1)"},
     {"enumerate", ParamKind::kWhole, false,
      "walk the scenarios by seed when there are at most this many, else sample "
      "(default 2000)"},
     {kLeaderParam, ParamKind::kString, false,
      "when a round's twin speaks: drawn (default: per round, self or other), self (when its "
      "replica leads the round), other (when another replica does) or any (whoever leads)"}},
    GenerateTwins,
});

}  // namespace
}  // namespace turncoat
