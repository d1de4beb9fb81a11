// CheckPhaseRules (harness/rule_check.h): every rule a plan's phases would
// install is compiled as the agents compile it, before anything runs, so a
// rule an agent would refuse is bad input for validate rather than a
// failure mid-run — and every shipped plan passes the check.
#include "harness/rule_check.h"

#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adversaries/phase_check.h"
#include "gtest/gtest.h"
#include "loaders/plan_loader.h"
#include "loaders/target_loader.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

const std::string kSource = TURNCOAT_SOURCE_DIR;

// A refbft plan whose one phase is `phase`, virtually in plans/.
absl::StatusOr<Plan> RefbftPlan(const std::string& phase) {
  return ParsePlan(absl::StrCat("name: p\ntarget: ../targets/refbft.yaml\nreplicas: 4\n"
                                "byzantine: [2]\nseed: 3\nduration: 20s\n"
                                "workload: { rate: 20/s }\ntimeline:\n  - ",
                                phase, "\nexpect:\n  safety: [agreement]\n"),
                   kSource + "/plans/p.yaml");
}

absl::Status Check(const std::string& phase) {
  auto plan = RefbftPlan(phase);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return plan.status();
  auto target = LoadTargetFile(plan->target);
  EXPECT_TRUE(target.ok()) << target.status();
  if (!target.ok()) return target.status();
  // What the adversary itself checks comes first, as in validate.
  if (absl::Status s = CheckPhases(*plan, *target, plan->seed); !s.ok()) return s;
  return CheckPhaseRules(*plan, *target, plan->seed);
}

TEST(RuleCheckTest, AValueTheFieldCannotTakeIsRefusedNamingPhaseAndRule) {
  const absl::Status s =
      Check("{ at: 1s, for: 4s, adversary: forge-signature, nodes: [2], params: { as: [0], "
            "signature: byzantine, set: [vote.phase=DECIDED], messages: [vote] } }");
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(s.message(),
            kSource + "/plans/p.yaml:9: phase 0 (forge-signature): the agents would refuse its "
                      "rule on link 2 -> 0: rule 'p0-forge-m0-vote': rewriter 'forge': param "
                      "'set': 'DECIDED' is not a valid enum for refbft.Vote.phase");
}

TEST(RuleCheckTest, APathThePayloadDoesNotHaveIsRefused) {
  const absl::Status s =
      Check("{ at: 1s, for: 4s, adversary: equivocation, nodes: [2], params: { split: [[0], "
            "[1, 3]], clear: [proposal.justification] } }");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "refbft.Proposal has no field 'justification'")) << s;
}

TEST(RuleCheckTest, RulesOfEveryRoundOfARandomPhaseAreChecked) {
  EXPECT_TRUE(Check("{ at: 1s, for: 10s, adversary: random, nodes: [2], params: { round: 500ms } }")
                  .ok());
}

TEST(RuleCheckTest, EveryShippedPlanPasses) {
  int checked = 0;
  for (const char* dir : {"/plans", "/plans/nightly", "/plans/pbft", "/plans/pbft/nightly"}) {
    for (const auto& entry : fs::directory_iterator(kSource + dir)) {
      if (entry.path().extension() != ".yaml") continue;
      auto plan = LoadPlanFile(entry.path().string());
      ASSERT_TRUE(plan.ok()) << plan.status();
      auto target = LoadTargetFile(plan->target);
      ASSERT_TRUE(target.ok()) << target.status();
      EXPECT_TRUE(CheckPhaseRules(*plan, *target, plan->seed).ok()) << entry.path();
      ++checked;
    }
  }
  EXPECT_GE(checked, 25);
}

}  // namespace
}  // namespace turncoat
