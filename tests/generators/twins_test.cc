// The twins generator: its scenario space (pruned of quorum-less and
// inconsistent partitions, free of symmetric duplicates, complete), the
// walk of seeds through it and sampling beyond, what the phases of a round
// let through, and errors for bad parameters.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "generators/twins.h"
#include "generators/twins_space.h"
#include "gtest/gtest.h"
#include "tests/generators/generator_test_util.h"

namespace turncoat {
namespace {

const std::string kSource = TURNCOAT_SOURCE_DIR;
using Splits = std::map<int, TwinSplit>;

// Every set partition of `items`, written independently of the generator's.
std::vector<ProcessPartition> AllPartitions(const std::vector<int>& items) {
  if (items.empty()) return {{}};
  std::vector<ProcessPartition> out;
  const int first = items[0];
  for (ProcessPartition p : AllPartitions({items.begin() + 1, items.end()})) {
    for (size_t b = 0; b < p.size(); ++b) {
      ProcessPartition q = p;
      q[b].push_back(first);
      out.push_back(q);
    }
    p.push_back({first});
    out.push_back(p);
  }
  for (ProcessPartition& p : out) {
    for (auto& block : p) std::sort(block.begin(), block.end());
    std::sort(p.begin(), p.end());
  }
  return out;
}

int Identity(int p, int n) { return p >= n ? p - n : p; }

// Some block holds n - f distinct replicas.
bool Quorate(const ProcessPartition& p, int n, int f) {
  for (const auto& block : p) {
    std::set<int> ids;
    for (int x : block) ids.insert(Identity(x, n));
    if (static_cast<int>(ids.size()) >= n - f) return true;
  }
  return false;
}

// Every honest replica sharing a block with a process of twinned r is
// routed to one there.
bool Routable(const ProcessPartition& p, const Splits& splits, int n) {
  for (const auto& block : p) {
    for (int x : block) {
      if (x >= n) continue;
      for (const auto& [r, split] : splits) {
        const bool hears_twin =
            std::find(split.twin.begin(), split.twin.end(), x) != split.twin.end();
        const bool with_original = std::find(block.begin(), block.end(), r) != block.end();
        const bool with_twin = std::find(block.begin(), block.end(), n + r) != block.end();
        if (hears_twin && with_original && !with_twin) return false;
        if (!hears_twin && x != r && with_twin && !with_original) return false;
      }
    }
  }
  return true;
}

// The scenario with original and twin of r swapped, and the groups that
// hear them: the same scenario, written the other way.
TwinsScenario Mirrored(TwinsScenario s, int r, int n) {
  std::swap(s.splits[r].original, s.splits[r].twin);
  for (ProcessPartition& p : s.rounds) {
    for (auto& block : p) {
      for (int& x : block) x = x == r ? n + r : x == n + r ? r : x;
      std::sort(block.begin(), block.end());
    }
    std::sort(p.begin(), p.end());
  }
  return s;
}

// What the phases of one round let through: per directed pair of processes
// that the run's routing connects, whether a message of that round passes.
std::map<std::pair<int, int>, bool> Realised(const std::vector<Phase>& phases,
                                             const Splits& splits, int n) {
  auto in = [](const std::vector<int>& v, int x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  std::map<std::pair<int, int>, bool> flows;
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (a == b) continue;
      auto routed = splits.find(b);
      const int receiver = routed != splits.end() && in(routed->second.twin, a) ? n + b : b;
      bool open = true;
      for (const Phase& phase : phases) {
        if (phase.adversary == "partition") {
          for (const auto& group : std::get<std::vector<std::vector<int>>>(phase.params.at("groups"))) {
            if (in(group, a) != in(group, b)) open = false;
          }
        } else if (phase.adversary == "omission") {
          if (phase.nodes[0] == a && in(std::get<std::vector<int>>(phase.params.at("to")), b)) {
            open = false;
          }
        } else if (phase.adversary == "twins" && phase.nodes[0] == a) {
          if (in(splits.at(a).twin, b)) open = false;  // the original falls silent
        }
      }
      flows[{a, receiver}] = open;
    }
  }
  // The twin of r speaks only to its group 1, and only when a phase wakes it.
  for (const auto& [r, split] : splits) {
    for (int j : split.twin) {
      bool open = false;
      for (const Phase& phase : phases) {
        if (phase.adversary != "twins" || phase.nodes[0] != r) continue;
        auto to = phase.params.find("twin_to");
        open = to == phase.params.end() || in(std::get<std::vector<int>>(to->second), j);
      }
      flows[{n + r, j}] = open;
    }
  }
  return flows;
}

// The generated plan on refbft with `generate`, replicas and byzantine set.
std::string PlanText(const std::string& generate, int replicas, const std::string& byzantine) {
  return absl::StrCat("name: gen-twins\ntarget: ", kSource, "/targets/refbft.yaml\nreplicas: ",
                      replicas, "\n", byzantine, "seed: 1\nduration: 16s\n",
                      "workload: { rate: 40/s, clients: 4 }\ngenerate:\n  ", generate, "\n",
                      "expect:\n  safety: [agreement]\n  liveness: { commit_within: 8s }\n");
}

// Without `leader:` lines, what the generator drew besides who leads.
std::string WithoutLeaders(std::string description) {
  for (const char* note : {" leader=self", " leader=other"}) {
    description = absl::StrReplaceAll(description, {{note, ""}});
  }
  return description;
}

class TwinsGeneratorTest : public GeneratorTest {
 protected:
  static absl::StatusOr<Plan> Expand(const std::string& text, uint64_t seed) {
    return GeneratorTest::Expand(text, seed, "plans/gen-twins.yaml");
  }

  static std::string Describe(const Plan& plan) {
    std::string out;
    for (const Phase& p : plan.timeline) {
      absl::StrAppend(&out, p.adversary, " r", p.rounds->first, "..", p.rounds->last);
      if (p.leader.has_value()) {
        absl::StrAppend(&out, p.leader == LeaderChoice::kSelf ? " leader=self" : " leader=other");
      }
      for (int n : p.nodes) absl::StrAppend(&out, " n", n);
      for (const auto& [k, v] : p.params) absl::StrAppend(&out, " ", k, "=", FormatParamValue(v));
      absl::StrAppend(&out, "; ");
    }
    return out;
  }
};

TEST(TwinsSpaceTest, TheClassicTwinsPartitionIsValidAndItsMisroutedMirrorIsNot) {
  // Replica 3 twinned (twin process 7); 0 hears the original, 1 and 2 the twin.
  const Splits splits{{3, TwinSplit{{0}, {1, 2}}}};
  const std::vector<ProcessPartition> choices = TwinsSpace::RoundChoices(4, 1, splits);
  auto has = [&](const ProcessPartition& p) {
    return std::find(choices.begin(), choices.end(), p) != choices.end();
  };
  EXPECT_TRUE(has({{0, 3}, {1, 2, 7}}));           // each side its own version of 3
  EXPECT_TRUE(has({{0, 1, 2, 3, 7}}));             // everyone connected
  EXPECT_FALSE(has({{0, 7}, {1, 2, 3}}));          // 1 and 2 are routed to the twin
  EXPECT_FALSE(has({{0, 3}, {1, 7}, {2}}));        // no block of 3 replicas
  EXPECT_FALSE(has({{0, 1, 2, 3}, {7}}));          // 1 and 2 would hear no 3 at all
  EXPECT_EQ(choices.size(), 8u);
}

TEST(TwinsSpaceTest, NoScenarioHoldsAQuorumlessOrMisroutedPartition) {
  for (auto [n, f, byzantine, twins] : std::vector<std::tuple<int, int, std::vector<int>, int>>{
           {4, 1, {3}, 1}, {4, 1, {0}, 1}, {7, 2, {2, 5}, 1}, {7, 2, {1, 6}, 2}}) {
    absl::StatusOr<TwinsSpace> space = TwinsSpace::Make(n, f, byzantine, twins, 2);
    ASSERT_TRUE(space.ok()) << space.status();
    std::mt19937_64 rng(3);
    for (int i = 0; i < 300; ++i) {
      const TwinsScenario s =
          i % 2 || !space->listed() ? space->Sample(rng) : space->At(rng() % space->size());
      ASSERT_LE(s.splits.size(), static_cast<size_t>(twins));
      for (const ProcessPartition& p : s.rounds) {
        EXPECT_TRUE(Quorate(p, n, f)) << "n " << n;
        EXPECT_TRUE(Routable(p, s.splits, n)) << "n " << n;
      }
    }
  }
}

TEST(TwinsSpaceTest, TheEnumerationIsEveryDistinctScenarioOnceWithoutMirrors) {
  const int n = 4, f = 1, rounds = 2;
  absl::StatusOr<TwinsSpace> space = TwinsSpace::Make(n, f, {1}, 1, rounds);
  ASSERT_TRUE(space.ok()) << space.status();
  ASSERT_TRUE(space->listed());
  // Brute force over both orientations of every split: each scenario
  // oriented (0, the lowest honest replica, hears the original) and in the
  // form it runs.
  std::set<TwinsScenario> expected;
  const std::vector<int> honest = {0, 2, 3};
  for (int mask = 1; mask < 7; ++mask) {
    TwinSplit split;
    for (int i = 0; i < 3; ++i) (mask >> i & 1 ? split.twin : split.original).push_back(honest[i]);
    const Splits splits{{1, split}};
    std::vector<ProcessPartition> valid;
    for (const ProcessPartition& p : AllPartitions({0, 1, 2, 3, 5})) {
      if (Quorate(p, n, f) && Routable(p, splits, n)) valid.push_back(p);
    }
    for (const auto& a : valid) {
      for (const auto& b : valid) {
        TwinsScenario s{splits, {a, b}};
        if (split.original[0] != 0) s = Mirrored(s, 1, n);
        expected.insert(Effective(s, n));
      }
    }
  }
  std::set<TwinsScenario> walked;
  for (uint64_t i = 0; i < space->size(); ++i) {
    const TwinsScenario& s = space->At(i);
    EXPECT_TRUE(walked.insert(s).second) << "index " << i << " repeats a scenario";
    if (!s.splits.empty()) {
      EXPECT_EQ(s.splits.at(1).original[0], 0) << "index " << i << " is a mirror";
    }
  }
  EXPECT_EQ(walked, expected);
  // Of 3 splits x 8 x 8 oriented scenarios, those whose twin never speaks
  // run alike whatever the split, and an idle twin anywhere in a round alike.
  EXPECT_LT(space->size(), 3u * 8 * 8);
  EXPECT_GT(space->size(), 100u);
}

TEST(TwinsSpaceTest, SamplingReachesEveryLayoutAndManyScenarios) {
  absl::StatusOr<TwinsSpace> space = TwinsSpace::Make(7, 2, {2, 5}, 1, 4);
  ASSERT_TRUE(space.ok()) << space.status();
  std::mt19937_64 rng(11);
  EXPECT_FALSE(space->listed());  // 2 x 15 layouts x 80^4 partitions
  std::set<std::pair<int, TwinSplit>> layouts;
  std::set<TwinsScenario> scenarios;
  for (int i = 0; i < 3000; ++i) {
    const TwinsScenario s = space->Sample(rng);
    if (!s.splits.empty()) layouts.emplace(s.splits.begin()->first, s.splits.begin()->second);
    scenarios.insert(s);
  }
  EXPECT_EQ(layouts.size(), 2u * 15);  // which replica is twinned x every split of 5 honest
  EXPECT_GE(scenarios.size(), 2990u);  // of more than 10^8: repeats would mean a bias
}

TEST(TwinsSpaceTest, BadParametersSayWhatToChange) {
  auto error = [](int n, int f, std::vector<int> byzantine, int twins) {
    absl::StatusOr<TwinsSpace> space = TwinsSpace::Make(n, f, byzantine, twins, 2);
    EXPECT_FALSE(space.ok());
    return std::string(space.status().message());
  };
  EXPECT_NE(error(4, 1, {}, 1).find("the plan has none"), std::string::npos);
  EXPECT_NE(error(4, 1, {3}, 2).find("expected 1 to f = 1"), std::string::npos);
  EXPECT_NE(error(7, 2, {3}, 2).find("only 1 are Byzantine ([3])"), std::string::npos);
  EXPECT_NE(error(10, 3, {3}, 1).find("at most 10"), std::string::npos);
}

TEST(TwinsSpaceTest, EachRoundsPhasesLetThroughExactlyWhatItsPartitionConnects) {
  for (auto [n, f, byzantine, twins] : std::vector<std::tuple<int, int, std::vector<int>, int>>{
           {4, 1, {2}, 1}, {7, 2, {0, 4}, 2}, {7, 2, {3, 6}, 1}}) {
    absl::StatusOr<TwinsSpace> space = TwinsSpace::Make(n, f, byzantine, twins, 1);
    ASSERT_TRUE(space.ok()) << space.status();
    std::mt19937_64 rng(5);
    for (int i = 0; i < 200; ++i) {
      const TwinsScenario s = space->Sample(rng);
      const ProcessPartition& p = s.rounds[0];
      std::map<int, int> block_of;
      for (size_t b = 0; b < p.size(); ++b) {
        for (int x : p[b]) block_of[x] = static_cast<int>(b);
      }
      const auto together = [&](int x, int y) {
        return block_of.count(x) && block_of.count(y) && block_of[x] == block_of[y];
      };
      const std::vector<Phase> phases = TwinsRoundPhases(p, s.splits, n, 1, absl::Seconds(6));
      for (const Phase& phase : phases) {
        EXPECT_EQ(phase.rounds->first, 1);
        EXPECT_EQ(phase.rounds->last, 1);
      }
      for (const auto& [link, open] : Realised(phases, s.splits, n)) {
        // Where both of r's processes share a block with one of its group 1,
        // that replica hears the twin only (the routing gives it one).
        auto split = s.splits.find(link.first);
        const bool hears_twin_instead =
            split != s.splits.end() &&
            std::find(split->second.twin.begin(), split->second.twin.end(), link.second) !=
                split->second.twin.end() &&
            together(n + link.first, link.second);
        EXPECT_EQ(open, together(link.first, link.second) && !hears_twin_instead)
            << "n " << n << " link " << link.first << " -> " << link.second << " scenario "
            << FormatParamValue(p);
      }
    }
  }
}

TEST_F(TwinsGeneratorTest, SeedsWalkTheEnumerationWithoutRepeatsAndRepeatThemselves) {
  const std::string text = PlanText("twins: { r: 1 }", 4, "byzantine: [3]\n");
  std::set<std::string> scenarios;
  absl::StatusOr<TwinsSpace> space = TwinsSpace::Make(4, 1, {3}, 1, 1);
  ASSERT_TRUE(space.ok());
  ASSERT_TRUE(space->listed());
  const uint64_t size = space->size();
  for (uint64_t seed = 1; seed <= size; ++seed) {
    absl::StatusOr<Plan> a = Expand(text, seed);
    absl::StatusOr<Plan> b = Expand(text, seed);
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(Describe(*a), Describe(*b));
    EXPECT_TRUE(scenarios.insert(Describe(*a)).second) << "seed " << seed << ": " << Describe(*a);
    for (const Phase& phase : a->timeline) EXPECT_TRUE(phase.generated);
  }
  // Seed size + 1 starts the walk again (its leaders drawn anew).
  EXPECT_EQ(WithoutLeaders(Describe(*Expand(text, size + 1))),
            WithoutLeaders(Describe(*Expand(text, 1))));
}

TEST_F(TwinsGeneratorTest, BeyondTheBoundScenariosAreSampledFromTheSeed) {
  const std::string text = PlanText("twins: { r: 3, enumerate: 10 }", 4, "byzantine: [3]\n");
  std::set<std::string> scenarios;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    absl::StatusOr<Plan> a = Expand(text, seed);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(Describe(*a), Describe(*Expand(text, seed)));
    scenarios.insert(Describe(*a));
  }
  EXPECT_GE(scenarios.size(), 27u);  // of about 1000
  // Every round has a twins phase or a cut; the twin is the same throughout.
  absl::StatusOr<Plan> one = Expand(text, 7);
  ASSERT_TRUE(one.ok());
  std::set<int64_t> rounds;
  for (const Phase& phase : one->timeline) rounds.insert(phase.rounds->first);
  EXPECT_EQ(rounds, (std::set<int64_t>{1, 2, 3}));
}

TEST_F(TwinsGeneratorTest, EachRoundDrawsWhetherTheTwinSpeaksWhenItsReplicaLeadsOrNot) {
  const std::string text = PlanText("twins: { r: 3 }", 4, "byzantine: [3]\n");
  const std::string any = PlanText("twins: { r: 3, leader: any }", 4, "byzantine: [3]\n");
  std::set<LeaderChoice> seen;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    absl::StatusOr<Plan> plan = Expand(text, seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(Describe(*plan), Describe(*Expand(text, seed)));
    // Only the twin's phases are conditioned: the partition holds whoever leads.
    std::map<int64_t, LeaderChoice> by_round;
    for (const Phase& phase : plan->timeline) {
      if (phase.adversary != "twins") {
        EXPECT_FALSE(phase.leader.has_value()) << Describe(*plan);
        continue;
      }
      ASSERT_TRUE(phase.leader.has_value()) << Describe(*plan);
      seen.insert(*phase.leader);
      by_round.emplace(phase.rounds->first, *phase.leader);
      EXPECT_EQ(by_round.at(phase.rounds->first), *phase.leader) << "one choice per round";
    }
    // Leaders are drawn after the scenario: the seed's scenario is the one
    // it was without them.
    absl::StatusOr<Plan> unconditioned = Expand(any, seed);
    ASSERT_TRUE(unconditioned.ok()) << unconditioned.status();
    EXPECT_EQ(WithoutLeaders(Describe(*plan)), Describe(*unconditioned));
  }
  EXPECT_EQ(seen, (std::set<LeaderChoice>{LeaderChoice::kSelf, LeaderChoice::kOther}));
}

TEST_F(TwinsGeneratorTest, ALeaderCanBeFixedForEveryRound) {
  for (const auto& [text, want] : {std::pair{"self", LeaderChoice::kSelf},
                                   std::pair{"other", LeaderChoice::kOther}}) {
    absl::StatusOr<Plan> plan = Expand(
        PlanText(absl::StrCat("twins: { r: 2, leader: ", text, " }"), 4, "byzantine: [3]\n"), 5);
    ASSERT_TRUE(plan.ok()) << plan.status();
    for (const Phase& phase : plan->timeline) {
      if (phase.adversary == "twins") {
        EXPECT_EQ(phase.leader, want);
      }
    }
  }
  absl::StatusOr<Plan> bad =
      Expand(PlanText("twins: { leader: first }", 4, "byzantine: [3]\n"), 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("plans/gen-twins.yaml:9: generator 'twins': leader: "
                                        "expected drawn, self, other or any; got 'first'"),
            std::string::npos)
      << bad.status();
}

TEST_F(TwinsGeneratorTest, BadParametersNameTheGeneratorsLine) {
  absl::StatusOr<Plan> too_many = Expand(PlanText("twins: { twins: 2 }", 4, "byzantine: [3]\n"), 1);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find(
                "plans/gen-twins.yaml:9: generator 'twins': twins: 2 replicas twinned; expected "
                "1 to f = 1"),
            std::string::npos)
      << too_many.status();
  absl::StatusOr<Plan> none = Expand(PlanText("twins: {}", 4, "byzantine: []\n"), 1);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("generator 'twins': twins runs a second copy"),
            std::string::npos)
      << none.status();
}

}  // namespace
}  // namespace turncoat
