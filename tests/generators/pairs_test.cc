// The pairs generator: its space holds every lie variant against every
// network fault on one kind, seeds 1..size walk it once, each scenario is a
// strong lie of the Byzantine replicas and a fault of every honest one over
// one window, and what it is asked for is checked.
#include "generators/pairs.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adversaries/phase_check.h"
#include "tests/generators/generator_test_util.h"

namespace turncoat {
namespace {

std::string PairsPlan(const std::string& params, const std::string& byzantine = "[2]") {
  return absl::StrCat("name: gen\ntarget: ", TURNCOAT_SOURCE_DIR, "/targets/refbft.yaml\n",
                      "replicas: 4\nbyzantine: ", byzantine, "\nseed: 1\nduration: 16s\n",
                      "workload: { rate: 40/s, clients: 4 }\n", "generate:\n  pairs: ", params,
                      "\nexpect:\n  safety: [agreement]\n  liveness: { commit_within: 8s }\n");
}

std::string Describe(const Params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    absl::StrAppend(&out, name, "=");
    if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
      for (const std::string& s : *list) absl::StrAppend(&out, s, ";");
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      absl::StrAppend(&out, *text);
    }
    absl::StrAppend(&out, " ");
  }
  return out;
}

class PairsTest : public GeneratorTest {
 protected:
  static absl::StatusOr<PairSpace> Space(const std::string& params) {
    absl::StatusOr<Plan> plan = ParsePlan(PairsPlan(params), "plans/gen.yaml");
    if (!plan.ok()) return plan.status();
    return BuildPairSpace(*plan, *refbft_, plan->generate[0].params, [&](const Phase& phase) {
      Plan probe = *plan;
      probe.generate.clear();
      probe.timeline = {phase};
      return CheckPhases(probe, *refbft_, 1).ok();
    });
  }
};

TEST_F(PairsTest, TheSpaceHoldsEveryKindOfEveryLieWithEachChangeAgainstEveryFaultOnEachKind) {
  absl::StatusOr<PairSpace> space = Space("{ adversaries: [forge-signature, equivocation] }");
  ASSERT_TRUE(space.ok()) << space.status();
  const std::vector<std::string> kinds = refbft_->protocol.KindNames();
  // Faults: delay and omission, one per kind.
  EXPECT_EQ(space->faults.size(), 2 * kinds.size());
  std::set<std::string> lies;
  for (const PairVariant& lie : space->lies) {
    EXPECT_TRUE(lies.insert(lie.adversary + " " + Describe(lie.params)).second)
        << "twice: " << lie.adversary << " " << Describe(lie.params);
  }
  EXPECT_EQ(lies.count("forge-signature messages=vote; set=vote.phase=COMMIT; "), 1u);
  EXPECT_EQ(lies.count("forge-signature messages=vote; "), 1u);
  EXPECT_EQ(lies.count("equivocation clear=proposal.justify; "), 1u);
  EXPECT_EQ(lies.count("equivocation "), 1u);
  for (const std::string& kind : kinds) {
    EXPECT_EQ(lies.count(absl::StrCat("forge-signature messages=", kind, "; ")), 1u) << kind;
  }
}

TEST_F(PairsTest, SeedsOneToSizeWalkEveryPairOnceWithStrongParametersOverOneWindow) {
  absl::StatusOr<PairSpace> space = Space("{ adversaries: [forge-signature, equivocation] }");
  ASSERT_TRUE(space.ok()) << space.status();
  const int64_t size = space->size();
  ASSERT_GT(size, 100);
  std::set<std::string> seen;
  std::set<std::string> first_lies;
  for (int64_t seed = 1; seed <= size; ++seed) {
    absl::StatusOr<Plan> plan =
        Expand(PairsPlan("{ adversaries: [forge-signature, equivocation], by: 2s }"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->timeline.size(), 2u);
    const Phase& lie = plan->timeline[0];
    const Phase& fault = plan->timeline[1];
    EXPECT_EQ(lie.nodes, std::vector<int>{2});
    EXPECT_EQ(fault.nodes, (std::vector<int>{0, 1, 3}));
    EXPECT_EQ(lie.at, absl::Milliseconds(600));
    EXPECT_EQ(lie.end(), absl::Seconds(6));
    EXPECT_EQ(fault.at, lie.at);
    EXPECT_EQ(fault.length, lie.length);
    if (lie.adversary == "forge-signature") {
      EXPECT_EQ(std::get<std::vector<int>>(lie.params.at("as")), (std::vector<int>{0, 1, 3}));
    }
    if (fault.adversary == "delay") {
      EXPECT_EQ(std::get<absl::Duration>(fault.params.at("by")), absl::Seconds(2));
    } else {
      EXPECT_EQ(std::get<double>(fault.params.at("drop")), 1.0);
    }
    Params lie_variant = lie.params;
    lie_variant.erase("as");
    lie_variant.erase("split");
    const std::string key = absl::StrCat(lie.adversary, " ", Describe(lie_variant), "| ",
                                         fault.adversary, " ", Describe(fault.params));
    EXPECT_TRUE(seen.insert(key).second) << "seed " << seed << " repeats " << key;
    if (seed <= 20 * static_cast<int64_t>(space->faults.size())) first_lies.insert(lie.adversary);
  }
  EXPECT_EQ(static_cast<int64_t>(seen.size()), size);
  // The pair that finds refbft's skip-signature-check (bench/README.md).
  EXPECT_EQ(seen.count("forge-signature messages=vote; set=vote.phase=COMMIT; | delay by= "
                       "messages=decide; "),
            1u);
  // Early seeds already reach both lies, not one adversary's variants first.
  EXPECT_EQ(first_lies.size(), 2u);
  // Claims of an enum's last value come first, a message's own before those
  // of what it embeds: the pair above within the first lie's faults, not at
  // its place in the schema.
  bool early = false;
  for (int64_t index = 0; index < static_cast<int64_t>(space->faults.size()); ++index) {
    const auto [lie, fault] = space->At(index);
    early |= Describe(lie->params) == "messages=vote; set=vote.phase=COMMIT; " &&
             fault->adversary == "delay" && Describe(fault->params) == "messages=decide; ";
  }
  EXPECT_TRUE(early);
  // Beyond the space, seeds wrap around.
  absl::StatusOr<Plan> again =
      Expand(PairsPlan("{ adversaries: [forge-signature, equivocation], by: 2s }"), size + 1);
  absl::StatusOr<Plan> first =
      Expand(PairsPlan("{ adversaries: [forge-signature, equivocation], by: 2s }"), 1);
  ASSERT_TRUE(again.ok() && first.ok());
  EXPECT_EQ(again->timeline[0].adversary, first->timeline[0].adversary);
  EXPECT_EQ(Describe(again->timeline[1].params), Describe(first->timeline[1].params));
}

TEST_F(PairsTest, WhatItIsAskedForIsChecked) {
  for (const auto& [params, byzantine, expected] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"{ adversaries: [forge-signatures] }", "[2]", "no adversary is called"},
           {"{ adversaries: [delay] }", "[2]", "cannot be a lie"},
           {"{ faults: [crash] }", "[2]", "cannot be a network fault"},
           {"{ }", "[]", "set `byzantine`"}}) {
    absl::StatusOr<Plan> plan = Expand(PairsPlan(params, byzantine), 1);
    ASSERT_FALSE(plan.ok()) << params;
    EXPECT_NE(plan.status().message().find(expected), std::string::npos) << plan.status();
    EXPECT_NE(plan.status().message().find("plans/gen.yaml:"), std::string::npos)
        << plan.status();
  }
}

}  // namespace
}  // namespace turncoat
