// The minority generator: its space holds every side of one honest and one
// Byzantine replica, every (honest replica, kind, cleared certificate) step
// and every (honest replica, certificate-carrying kind, mutation) told
// alone, in the order it promises; seeds take the shapes in turn and walk
// each; each scenario is the phases its shape says, over one window.
#include "generators/minority.h"

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/generators/generator_test_util.h"

namespace turncoat {
namespace {

std::string MinorityPlan(int n, const std::string& byzantine, const std::string& params = "{}") {
  return absl::StrCat("name: gen\ntarget: ", TURNCOAT_SOURCE_DIR, "/targets/refbft.yaml\n",
                      "replicas: ", n, "\nbyzantine: ", byzantine,
                      "\nseed: 1\nduration: 24s\n", "workload: { rate: 40/s, clients: 4 }\n",
                      "generate:\n  minority: ", params,
                      "\nexpect:\n  safety: [agreement]\n  liveness: { commit_within: 8s }\n");
}

class MinorityTest : public GeneratorTest {
 protected:
  static absl::StatusOr<MinoritySpace> Space(int n, const std::string& byzantine) {
    absl::StatusOr<Plan> plan = ParsePlan(MinorityPlan(n, byzantine), "plans/gen.yaml");
    if (!plan.ok()) return plan.status();
    return BuildMinoritySpace(*plan, *refbft_);
  }
};

TEST_F(MinorityTest, SidesPairEveryHonestWithEveryByzantineReplicaNearestTurnFirst) {
  absl::StatusOr<MinoritySpace> space = Space(7, "[5, 6]");
  ASSERT_TRUE(space.ok()) << space.status();
  ASSERT_EQ(space->sides.size(), 10u);
  std::set<std::pair<int, int>> pairs;
  for (const MinorityScenario& s : space->sides) {
    EXPECT_EQ(s.shape, MinorityScenario::Shape::kUnheardSide);
    pairs.insert({s.honest, s.byzantine});
  }
  EXPECT_EQ(pairs.size(), 10u);
  // 4 hands its turn to 5 directly; 0 is five turns from 5.
  EXPECT_EQ(std::make_pair(space->sides[0].honest, space->sides[0].byzantine),
            std::make_pair(4, 5));
  EXPECT_EQ(space->sides.back().honest, 0);
}

TEST_F(MinorityTest, StepsWalkEveryHonestReplicaKindAndClearDiagonally) {
  absl::StatusOr<MinoritySpace> space = Space(7, "[5, 6]");
  ASSERT_TRUE(space.ok()) << space.status();
  const std::vector<std::string> kinds = refbft_->protocol.KindNames();
  // refbft names one certificate in its proposals (the justification):
  // each step is tried with it cleared and with the proposal as it is.
  ASSERT_EQ(space->steps.size(), 5 * kinds.size() * 2);
  std::set<std::tuple<int, std::string, std::string>> seen;
  for (const MinorityScenario& s : space->steps) {
    EXPECT_EQ(s.shape, MinorityScenario::Shape::kUnseenStep);
    EXPECT_LT(s.honest, 5);
    seen.insert({s.honest, s.kind, s.clear.empty() ? "" : s.clear[0]});
  }
  EXPECT_EQ(seen.size(), space->steps.size());
  const MinorityScenario& first = space->steps[0];
  EXPECT_EQ(first.honest, 4);
  EXPECT_EQ(first.clear, std::vector<std::string>{"proposal.justify"});
  // Kinds that carry a certificate come first; a vote carries none.
  EXPECT_NE(first.kind, "vote");
  EXPECT_EQ(seen.count({4, first.kind, ""}), 1u);
  // Diagonally: the next honest replica, kind and clear each appear within
  // the first four steps, not after every kind of the first replica.
  std::set<int> early_honest;
  std::set<std::string> early_kinds;
  std::set<bool> early_clear;
  for (size_t i = 0; i < 4; ++i) {
    early_honest.insert(space->steps[i].honest);
    early_kinds.insert(space->steps[i].kind);
    early_clear.insert(space->steps[i].clear.empty());
  }
  EXPECT_EQ(early_honest.size(), 2u);
  EXPECT_EQ(early_kinds.size(), 2u);
  EXPECT_EQ(early_clear.size(), 2u);
}

TEST_F(MinorityTest, ToldAloneWalksEveryReplicaCarrierAndMutationRelabelFirst) {
  absl::StatusOr<MinoritySpace> space = Space(7, "[5, 6]");
  ASSERT_TRUE(space.ok()) << space.status();
  // refbft's proposals, phase certificates, NEW-VIEWs and decisions carry
  // certificates; votes, forwards and sync requests do not.
  const std::set<std::string> carriers = {"decide", "new_view", "phase_cert", "proposal"};
  ASSERT_EQ(space->alone.size(), 5 * carriers.size() * 4);
  std::set<std::tuple<int, std::string, std::string>> seen;
  for (const MinorityScenario& s : space->alone) {
    EXPECT_EQ(s.shape, MinorityScenario::Shape::kToldAlone);
    EXPECT_EQ(carriers.count(s.kind), 1u) << s.kind;
    seen.insert({s.honest, s.kind, s.mutation});
  }
  EXPECT_EQ(seen.size(), space->alone.size());
  EXPECT_EQ(space->alone[0].honest, 4);
  EXPECT_EQ(space->alone[0].mutation, "relabel");
  EXPECT_EQ(space->alone[0].kind, "decide");
}

TEST_F(MinorityTest, SeedsTakeTheShapesInTurnAndDrawTheirPhasesOverOneWindow) {
  absl::StatusOr<MinoritySpace> space = Space(7, "[5, 6]");
  ASSERT_TRUE(space.ok()) << space.status();
  for (uint64_t seed = 1; seed <= 9; ++seed) {
    absl::StatusOr<Plan> plan = Expand(MinorityPlan(7, "[5, 6]", "{ copies: 2 }"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    const MinorityScenario& s = space->At(seed);
    const size_t turn = (seed - 1) / 3;
    for (const Phase& phase : plan->timeline) {
      EXPECT_EQ(phase.at, absl::Milliseconds(1400));
      EXPECT_EQ(phase.end(), absl::Seconds(14));
    }
    if (seed % 3 == 1) {
      ASSERT_EQ(s.shape, MinorityScenario::Shape::kUnheardSide);
      EXPECT_EQ(s.honest, space->sides[turn].honest);
      ASSERT_EQ(plan->timeline.size(), 2u);
      const Phase& cut = plan->timeline[0];
      const Phase& echo = plan->timeline[1];
      // The side's messages reach none of the other five; the rest is a quorum.
      EXPECT_EQ(cut.adversary, "omission");
      EXPECT_EQ(std::get<double>(cut.params.at("drop")), 1.0);
      EXPECT_EQ(cut.nodes.size(), 2u);
      EXPECT_EQ(std::get<std::vector<int>>(cut.params.at("to")).size(), 5u);
      EXPECT_EQ(echo.adversary, "duplicate");
      EXPECT_EQ(echo.nodes, std::vector<int>{s.honest});
      EXPECT_EQ(std::get<std::vector<int>>(echo.params.at("to")), std::vector<int>{s.byzantine});
      EXPECT_EQ(std::get<double>(echo.params.at("copies")), 2.0);
    } else if (seed % 3 == 2) {
      ASSERT_EQ(s.shape, MinorityScenario::Shape::kUnseenStep);
      EXPECT_EQ(s.kind, space->steps[turn].kind);
      ASSERT_EQ(plan->timeline.size(), 2u);
      const Phase& lost = plan->timeline[0];
      const Phase& lie = plan->timeline[1];
      EXPECT_EQ(lost.adversary, "omission");
      EXPECT_EQ(lost.nodes, std::vector<int>{s.honest});
      EXPECT_EQ(std::get<std::vector<std::string>>(lost.params.at("messages")),
                std::vector<std::string>{s.kind});
      EXPECT_EQ(lie.adversary, "collusion");
      EXPECT_EQ(lie.nodes, (std::vector<int>{5, 6}));
      EXPECT_EQ(std::get<std::string>(lie.params.at("strategy")), "conflicting-proposal");
    } else {
      ASSERT_EQ(s.shape, MinorityScenario::Shape::kToldAlone);
      EXPECT_EQ(s.mutation, space->alone[turn].mutation);
      ASSERT_EQ(plan->timeline.size(), 1u);
      const Phase& changed = plan->timeline[0];
      EXPECT_EQ(changed.adversary, "certificate");
      EXPECT_EQ(changed.nodes, (std::vector<int>{5, 6}));
      EXPECT_EQ(std::get<std::vector<int>>(changed.params.at("to")), std::vector<int>{s.honest});
      EXPECT_EQ(std::get<std::vector<std::string>>(changed.params.at("mutations")),
                std::vector<std::string>{s.mutation});
    }
  }
  // The same seed draws the same scenario; past the space, seeds wrap.
  const uint64_t wrap = 3 * space->sides.size() + 1;
  EXPECT_EQ(space->At(wrap).honest, space->At(1).honest);
  EXPECT_EQ(space->At(wrap).byzantine, space->At(1).byzantine);
}

TEST_F(MinorityTest, WithOneFaultyReplicaThereIsNoSide) {
  absl::StatusOr<MinoritySpace> space = Space(4, "[3]");
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_TRUE(space->sides.empty());
  EXPECT_EQ(space->At(1).shape, MinorityScenario::Shape::kUnseenStep);
  EXPECT_EQ(space->At(2).shape, MinorityScenario::Shape::kToldAlone);
  EXPECT_EQ(space->At(3).shape, MinorityScenario::Shape::kUnseenStep);
  EXPECT_EQ(space->At(1).honest, 2);  // 3 leads after 2
  for (uint64_t seed : {1, 2}) {
    absl::StatusOr<Plan> plan = Expand(MinorityPlan(4, "[3]"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
  }
}

TEST_F(MinorityTest, WhatItIsAskedForIsChecked) {
  for (const auto& [byzantine, params, expected] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"[]", "{}", "set `byzantine`"},
           {"[5, 6]", "{ copies: 0 }", "copies must be at least 1"},
           {"[5, 6]", "{ copy: 2 }", "copy"}}) {
    absl::StatusOr<Plan> plan = Expand(MinorityPlan(7, byzantine, params), 1);
    ASSERT_FALSE(plan.ok()) << params;
    EXPECT_NE(plan.status().message().find(expected), std::string::npos) << plan.status();
    EXPECT_NE(plan.status().message().find("plans/gen.yaml:"), std::string::npos)
        << plan.status();
  }
}

}  // namespace
}  // namespace turncoat
