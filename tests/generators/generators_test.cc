#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adversaries/phase_check.h"
#include "generators/generate.h"
#include "gtest/gtest.h"
#include "loaders/plan_loader.h"
#include "loaders/target_loader.h"
#include "model/adversary_registry.h"
#include "model/generator_registry.h"
#include "tests/generators/generator_test_util.h"

namespace turncoat {
namespace {

const std::string kSource = TURNCOAT_SOURCE_DIR;

// A generated plan on refbft, as plans/generated/ write them.
std::string PlanText(const std::string& generate, const std::string& byzantine = "") {
  return absl::StrCat("name: gen\ntarget: ", kSource, "/targets/refbft.yaml\nreplicas: 4\n",
                      byzantine, "seed: 1\nduration: 16s\n",
                      "workload: { rate: 40/s, clients: 4 }\n", "generate:\n  ", generate, "\n",
                      "expect:\n  safety: [agreement]\n  liveness: { commit_within: 8s }\n");
}

class GeneratorsTest : public GeneratorTest {
 protected:
  static std::string Describe(const Plan& plan) {
    std::string out = absl::StrCat("byz", plan.byzantine.size() ? plan.byzantine[0] : -1);
    for (const Phase& p : plan.timeline) {
      absl::StrAppend(&out, " ", p.adversary, "@", absl::FormatDuration(p.at), "+",
                      absl::FormatDuration(p.length));
      if (p.rounds) absl::StrAppend(&out, " r", p.rounds->first, "..", p.rounds->last);
      for (int n : p.nodes) absl::StrAppend(&out, " n", n);
      for (const auto& [k, v] : p.params) absl::StrAppend(&out, " ", k, "=", FormatParamValue(v));
    }
    return out;
  }
};

TEST_F(GeneratorsTest, TheSameSeedDrawsTheSameScenarioAndOtherSeedsOthers) {
  for (const char* generate : {"byzzfuzz: { c: 2, d: 2, r: 10 }", "mixed: { phases: 4 }"}) {
    std::set<std::string> scenarios;
    for (uint64_t seed = 1; seed <= 10; ++seed) {
      absl::StatusOr<Plan> a = Expand(PlanText(generate), seed);
      absl::StatusOr<Plan> b = Expand(PlanText(generate), seed);
      ASSERT_TRUE(a.ok()) << a.status();
      ASSERT_TRUE(b.ok()) << b.status();
      EXPECT_EQ(Describe(*a), Describe(*b)) << generate << " seed " << seed;
      EXPECT_EQ(a->generated_by, b->generated_by);
      EXPECT_TRUE(a->generate.empty());
      scenarios.insert(Describe(*a));
    }
    EXPECT_GE(scenarios.size(), 9u) << generate;
  }
}

TEST_F(GeneratorsTest, ByzzFuzzDrawsDistinctRoundsFullPartitionsAndByzantineMutations) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    absl::StatusOr<Plan> plan = Expand(PlanText("byzzfuzz: { c: 2, d: 3, r: 6 }"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->byzantine.size(), 1u);  // drawn: 1 to f = 1
    std::set<int64_t> partition_rounds, mutation_rounds;
    for (const Phase& p : plan->timeline) {
      EXPECT_TRUE(p.generated);
      EXPECT_EQ(p.line, 8);
      ASSERT_TRUE(p.rounds.has_value());
      EXPECT_EQ(p.rounds->first, p.rounds->last);
      EXPECT_GE(p.rounds->first, 1);
      EXPECT_LE(p.rounds->first, 6);
      // Faults end with the window: 16 s less the 8 s bound and 2 s.
      EXPECT_EQ(p.end(), absl::Seconds(6));
      if (p.adversary == "partition") {
        partition_rounds.insert(p.rounds->first);
        const auto& groups = std::get<std::vector<std::vector<int>>>(p.params.at("groups"));
        EXPECT_GE(groups.size(), 2u);
        std::vector<int> all;
        for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
        std::sort(all.begin(), all.end());
        EXPECT_EQ(all, (std::vector<int>{0, 1, 2, 3}));
      } else {
        ASSERT_EQ(p.adversary, "mutate");
        mutation_rounds.insert(p.rounds->first);
        EXPECT_EQ(p.nodes, plan->byzantine);
        const auto& to = std::get<std::vector<int>>(p.params.at("to"));
        EXPECT_FALSE(to.empty());
        EXPECT_EQ(std::count(to.begin(), to.end(), p.nodes[0]), 0);
      }
    }
    EXPECT_EQ(partition_rounds.size(), 3u);
    EXPECT_EQ(mutation_rounds.size(), 2u);
  }
}

TEST_F(GeneratorsTest, ByzzFuzzRefusesMoreFaultsThanRounds) {
  absl::StatusOr<Plan> plan = Expand(PlanText("byzzfuzz: { c: 3, r: 2 }"), 1);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("plans/gen.yaml:8: generator 'byzzfuzz': c = 3"),
            std::string::npos)
      << plan.status();
}

TEST_F(GeneratorsTest, ADeclaredByzantineSetIsKeptAndADrawnOneStaysWithinF) {
  absl::StatusOr<Plan> kept = Expand(PlanText("byzzfuzz: {}", "byzantine: [1]\n"), 3);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->byzantine, std::vector<int>{1});
  EXPECT_EQ(kept->generated_by, "byzzfuzz {} with seed 3");
  std::set<int> drawn;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    absl::StatusOr<Plan> plan = Expand(PlanText("byzzfuzz: {}"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->byzantine.size(), 1u);
    drawn.insert(plan->byzantine[0]);
    EXPECT_NE(plan->generated_by.find("drawn"), std::string::npos);
  }
  EXPECT_EQ(drawn.size(), 4u);
}

// Over many seeds, mixed reaches every adversary that can run on refbft
// and every declared choice of their parameters.
TEST_F(GeneratorsTest, MixedCoversEveryAdversaryAndEveryDeclaredChoice) {
  std::map<std::string, int> adversaries;
  std::map<std::string, std::set<std::string>> choices;
  bool keyed = false, timed = false;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    absl::StatusOr<Plan> plan = Expand(PlanText("mixed: { phases: 4 }"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(plan->timeline.size(), 4u);
    for (const Phase& p : plan->timeline) {
      ++adversaries[p.adversary];
      EXPECT_LE(p.end(), absl::Seconds(6)) << Describe(*plan);
      (p.rounds.has_value() ? keyed : timed) = true;
      for (const auto& [name, value] : p.params) {
        if (const auto* s = std::get_if<std::string>(&value)) choices[p.adversary + "." + name].insert(*s);
        if (const auto* l = std::get_if<std::vector<std::string>>(&value)) {
          choices[p.adversary + "." + name].insert(l->begin(), l->end());
        }
      }
    }
  }
  EXPECT_TRUE(keyed);
  EXPECT_TRUE(timed);
  for (const std::string& name : AdversaryRegistry::Global().Names()) {
    // Faults on TCP connections are left out for this gRPC target.
    if (AdversaryRegistry::Global().Find(name)->tcp_only) {
      EXPECT_EQ(adversaries[name], 0) << "mixed drew " << name << " for a gRPC target";
      continue;
    }
    EXPECT_GT(adversaries[name], 0) << "mixed never drew " << name;
    for (const ParamSpec& spec : AdversaryRegistry::Global().Find(name)->params) {
      for (const std::string& choice : spec.choices) {
        EXPECT_EQ(choices[name + "." + spec.name].count(choice), 1u)
            << "mixed never drew " << name << " " << spec.name << " = " << choice;
      }
    }
  }
}

// Equivocation where some replicas hear every version (issue 17's Twins
// case) is drawn from `both`'s declaration alone: a subset of the replicas
// the phase does not act as, often overlapping the drawn split, which the
// adversary accepts.
TEST_F(GeneratorsTest, MixedDrawsEquivocationsThatSomeReplicasHearInFull) {
  int with_both = 0, overlapping = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    absl::StatusOr<Plan> plan =
        Expand(PlanText("mixed: { phases: 4, adversaries: [equivocation, collusion] }"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    for (const Phase& p : plan->timeline) {
      auto both = p.params.find("both");
      if (both == p.params.end()) continue;
      ++with_both;
      for (int r : std::get<std::vector<int>>(both->second)) {
        EXPECT_EQ(std::count(p.nodes.begin(), p.nodes.end(), r), 0) << Describe(*plan);
        auto split = p.params.find("split");
        if (split == p.params.end()) continue;
        for (const auto& group : std::get<std::vector<std::vector<int>>>(split->second)) {
          overlapping += std::count(group.begin(), group.end(), r);
        }
      }
    }
  }
  EXPECT_GT(with_both, 10);
  EXPECT_GT(overlapping, 0);
}

// A phase the target cannot run (the check refuses it: here every delay)
// is drawn again; excluded adversaries are never drawn.
TEST_F(GeneratorsTest, MixedRedrawsWhatTheCheckRefusesAndHonoursExclude) {
  int refused = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    absl::StatusOr<Plan> plan =
        ParsePlan(PlanText("mixed: { phases: 3, exclude: [twins, crash] }"), "plans/gen.yaml");
    ASSERT_TRUE(plan.ok()) << plan.status();
    absl::Status s = ExpandGenerators(&*plan, *refbft_, seed, [&](const Plan& p) {
      for (const Phase& phase : p.timeline) {
        if (phase.adversary == "delay") {
          ++refused;
          return absl::InvalidArgumentError("no delays here");
        }
      }
      return absl::OkStatus();
    });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(plan->timeline.size(), 3u);
    for (const Phase& p : plan->timeline) {
      EXPECT_NE(p.adversary, "delay");
      EXPECT_NE(p.adversary, "twins");
      EXPECT_NE(p.adversary, "crash");
    }
  }
  EXPECT_GT(refused, 0);
}

TEST_F(GeneratorsTest, TheLoaderNamesTheLineOfAnUnknownGeneratorOrParameter) {
  absl::StatusOr<Plan> unknown = ParsePlan(PlanText("byzfuzz: {}"), "plans/gen.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("plans/gen.yaml:8"), std::string::npos)
      << unknown.status();
  EXPECT_NE(unknown.status().message().find("byzzfuzz"), std::string::npos);
  absl::StatusOr<Plan> bad = ParsePlan(PlanText("byzzfuzz: { c: 1.5 }"), "plans/gen.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("whole number"), std::string::npos) << bad.status();
  absl::StatusOr<Plan> choice = ParsePlan(
      absl::StrCat("name: p\ntarget: ", kSource,
                   "/targets/refbft.yaml\nreplicas: 4\nbyzantine: [3]\nseed: 1\nduration: 10s\n"
                   "workload: { rate: 10/s }\ntimeline:\n"
                   "  - { at: 1s, for: 2s, adversary: forge-signature, nodes: [3], params: { as: "
                   "[0], signature: forged } }\nexpect: { safety: [agreement] }\n"),
      "plans/p.yaml");
  ASSERT_FALSE(choice.ok());
  EXPECT_NE(choice.status().message().find("plans/p.yaml:9:"), std::string::npos)
      << choice.status();
  EXPECT_NE(choice.status().message().find("'forged' is not a value of signature; expected one of "
                                           "random, empty"),
            std::string::npos)
      << choice.status();
}

}  // namespace
}  // namespace turncoat
