// What generators draw from the target rather than from an adversary's
// declaration: its kinds of peer message, the fields of their content (read
// from the target's schema), and a slow-within-Δ network when the plan
// declares Δ.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adversaries/phase_check.h"
#include "generators/content_fields.h"
#include "generators/generate.h"
#include "gtest/gtest.h"
#include "loaders/plan_loader.h"
#include "loaders/target_loader.h"

namespace turncoat {
namespace {

const std::string kSource = TURNCOAT_SOURCE_DIR;

std::string PlanText(const std::string& generate, const std::string& extra = "") {
  return absl::StrCat("name: gen\ntarget: ", kSource, "/targets/refbft.yaml\nreplicas: 4\n",
                      "byzantine: [2]\nseed: 1\nduration: 16s\n", extra,
                      "workload: { rate: 40/s, clients: 4 }\n", "generate:\n  ", generate, "\n",
                      "expect:\n  safety: [agreement]\n  liveness: { commit_within: 8s }\n");
}

class TargetDrawsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TargetSpec> target = LoadTargetFile(kSource + "/targets/refbft.yaml");
    ASSERT_TRUE(target.ok()) << target.status();
    refbft_ = new TargetSpec(*std::move(target));
    absl::StatusOr<std::vector<ContentField>> fields = ContentFieldsOf(*refbft_);
    ASSERT_TRUE(fields.ok()) << fields.status();
    for (const ContentField& field : *fields) fields_[field.path] = field;
  }

  static absl::StatusOr<Plan> Expand(const std::string& text, uint64_t seed) {
    absl::StatusOr<Plan> plan = ParsePlan(text, "plans/gen.yaml");
    if (!plan.ok()) return plan.status();
    absl::Status s = ExpandGenerators(&*plan, *refbft_, seed, [seed](const Plan& p) {
      return CheckPhases(p, *refbft_, seed);
    });
    if (!s.ok()) return s;
    return plan;
  }

  static TargetSpec* refbft_;
  static std::map<std::string, ContentField> fields_;
};

TargetSpec* TargetDrawsTest::refbft_ = nullptr;
std::map<std::string, ContentField> TargetDrawsTest::fields_;

TEST_F(TargetDrawsTest, ContentFieldsComeFromTheSchemaWithTheirKinds) {
  ASSERT_EQ(fields_.count("proposal.justify"), 1u);
  EXPECT_EQ(fields_["proposal.justify"].type, ContentField::Type::kMessage);
  EXPECT_EQ(fields_["proposal.justify"].kind, "proposal");
  EXPECT_TRUE(fields_["proposal.justify"].proposal);
  ASSERT_EQ(fields_.count("vote.phase"), 1u);
  EXPECT_EQ(fields_["vote.phase"].type, ContentField::Type::kEnum);
  EXPECT_EQ(fields_["vote.phase"].kind, "vote");
  EXPECT_FALSE(fields_["vote.phase"].proposal);
  const std::vector<std::string>& phases = fields_["vote.phase"].enum_values;
  EXPECT_NE(std::find(phases.begin(), phases.end(), "COMMIT"), phases.end());
  EXPECT_EQ(fields_["vote.height"].type, ContentField::Type::kInteger);
  // A kind's own member is never a field (clearing it changes the kind);
  // bytes (hashes, signatures, values) are never assigned.
  EXPECT_EQ(fields_.count("proposal"), 0u);
  EXPECT_EQ(fields_.count("vote"), 0u);
  EXPECT_EQ(fields_.count("vote.block_hash"), 0u);
  // Three segments below the kind at most.
  for (const auto& [path, field] : fields_) {
    EXPECT_LE(std::count(path.begin(), path.end(), '.'), 3) << path;
  }
}

TEST_F(TargetDrawsTest, ATargetWithoutASchemaHasNoContentFields) {
  absl::StatusOr<TargetSpec> pbft = LoadTargetFile(kSource + "/targets/pbft.yaml");
  ASSERT_TRUE(pbft.ok()) << pbft.status();
  absl::StatusOr<std::vector<ContentField>> fields = ContentFieldsOf(*pbft);
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_TRUE(fields->empty());
}

// Kinds are the target's; clear and set paths are fields of the content
// of the kinds the phase acts on; equivocation clears only fields of the
// kinds that carry values; over enough seeds the draws reach the fields
// the hand-written plans name.
TEST_F(TargetDrawsTest, MixedDrawsKindsAndFieldsFromTheTarget) {
  const std::vector<std::string> kinds = refbft_->protocol.KindNames();
  std::set<std::string> drawn_kinds, assignments, cleared;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    absl::StatusOr<Plan> plan = Expand(
        PlanText("mixed: { phases: 4, adversaries: [forge-signature, equivocation, omission] }"),
        seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    for (const Phase& p : plan->timeline) {
      std::vector<std::string> phase_kinds;
      if (auto it = p.params.find("messages"); it != p.params.end()) {
        phase_kinds = std::get<std::vector<std::string>>(it->second);
        EXPECT_GE(phase_kinds.size(), 1u);
        EXPECT_LE(phase_kinds.size(), 3u);
        for (const std::string& kind : phase_kinds) {
          EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
          drawn_kinds.insert(kind);
        }
      }
      if (auto it = p.params.find("set"); it != p.params.end()) {
        for (const std::string& assignment : std::get<std::vector<std::string>>(it->second)) {
          std::vector<std::string> parts = absl::StrSplit(assignment, '=');
          ASSERT_EQ(parts.size(), 2u) << assignment;
          ASSERT_EQ(fields_.count(parts[0]), 1u) << assignment;
          const ContentField& field = fields_[parts[0]];
          EXPECT_NE(field.type, ContentField::Type::kMessage) << assignment;
          EXPECT_NE(field.type, ContentField::Type::kList) << assignment;
          // A set field of one kind makes the phase act on that kind.
          EXPECT_NE(std::find(phase_kinds.begin(), phase_kinds.end(), field.kind),
                    phase_kinds.end())
              << assignment;
          assignments.insert(assignment);
        }
      }
      if (auto it = p.params.find("clear"); it != p.params.end()) {
        ASSERT_EQ(p.adversary, "equivocation");
        for (const std::string& path : std::get<std::vector<std::string>>(it->second)) {
          ASSERT_EQ(fields_.count(path), 1u) << path;
          EXPECT_TRUE(fields_[path].proposal) << path;
          cleared.insert(path);
        }
      }
    }
  }
  EXPECT_EQ(drawn_kinds.size(), kinds.size());
  EXPECT_EQ(assignments.count("vote.phase=COMMIT"), 1u);
  EXPECT_EQ(cleared.count("proposal.justify"), 1u);
}

TEST_F(TargetDrawsTest, ADeclaredDeltaSlowsEveryLinkWithinItForMostOfTheRun) {
  int slowed = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    absl::StatusOr<Plan> plan =
        Expand(PlanText("mixed: { phases: 2, slow: 1 }", "network: { delta: 250ms }\n"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->timeline.size(), 3u);
    const Phase& slow = plan->timeline.back();
    ASSERT_EQ(slow.adversary, "delay");
    EXPECT_EQ(slow.nodes, AllReplicas(4));
    const absl::Duration by = std::get<absl::Duration>(slow.params.at("by"));
    absl::Duration jitter;
    if (auto it = slow.params.find("jitter"); it != slow.params.end()) {
      jitter = std::get<absl::Duration>(it->second);
    }
    EXPECT_GE(by, absl::Milliseconds(125));
    EXPECT_LE(by + jitter, absl::Milliseconds(250));
    EXPECT_LE(slow.end(), absl::Seconds(15));
    EXPECT_GE(slow.length, absl::Seconds(12));
    ++slowed;
  }
  EXPECT_EQ(slowed, 40);
  // Without Δ, or with slow: 0, the network is never slowed for the run.
  for (const auto& [generate, extra] :
       std::vector<std::pair<std::string, std::string>>{
           {"mixed: { phases: 2, slow: 1 }", ""},
           {"mixed: { phases: 2, slow: 0 }", "network: { delta: 250ms }\n"}}) {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      absl::StatusOr<Plan> plan = Expand(PlanText(generate, extra), seed);
      ASSERT_TRUE(plan.ok()) << plan.status();
      EXPECT_EQ(plan->timeline.size(), 2u) << generate << extra;
    }
  }
}

TEST_F(TargetDrawsTest, APairedLieGetsANetworkFaultOnOneKindFromTheHonestOverItsWindow) {
  const std::vector<std::string> kinds = refbft_->protocol.KindNames();
  std::set<std::string> companions, companion_kinds;
  int towards_byzantine = 0, every_honest = 0, forged = 0, forged_with_set = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    absl::StatusOr<Plan> plan = Expand(
        PlanText("mixed: { phases: 1, pair: 1, adversaries: [forge-signature, equivocation, "
                 "collusion, mutate] }"),
        seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->timeline.size(), 2u) << seed;
    const Phase& lie = plan->timeline[0];
    const Phase& net = plan->timeline[1];
    EXPECT_EQ(lie.nodes, std::vector<int>{2});
    // The lie is drawn sharp: one kind of message, and its change of
    // content always drawn where the adversary can make one.
    if (auto it = lie.params.find("messages"); it != lie.params.end()) {
      EXPECT_EQ(std::get<std::vector<std::string>>(it->second).size(), 1u) << seed;
    } else {
      EXPECT_EQ(lie.adversary, "equivocation") << seed;
    }
    if (lie.adversary == "forge-signature") {
      ++forged;
      // Unless the kind drawn has no field to set.
      if (lie.params.count("set") == 1) ++forged_with_set;
    }
    // From the first quarter of the fault window (16 s less the 8 s bound
    // and the heal) to its end, by the clock.
    EXPECT_FALSE(lie.rounds.has_value()) << seed;
    EXPECT_LT(lie.at, absl::Milliseconds(1500)) << seed;
    EXPECT_EQ(lie.at + lie.length, absl::Seconds(6)) << seed;
    EXPECT_EQ(net.at, lie.at);
    EXPECT_EQ(net.length, lie.length);
    EXPECT_FALSE(net.rounds.has_value());
    for (int node : net.nodes) EXPECT_NE(node, 2) << seed;
    if (net.nodes == std::vector<int>({0, 1, 3})) ++every_honest;
    const auto& messages = std::get<std::vector<std::string>>(net.params.at("messages"));
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), messages[0]), kinds.end());
    if (auto it = net.params.find("to"); it != net.params.end()) {
      EXPECT_EQ(std::get<std::vector<int>>(it->second), std::vector<int>{2});
      ++towards_byzantine;
    }
    companions.insert(net.adversary);
    companion_kinds.insert(messages[0]);
  }
  // Every link adversary that can single out a kind, every kind, both
  // directions, both node choices.
  EXPECT_EQ(companions,
            (std::set<std::string>{"corrupt", "delay", "duplicate", "omission", "reorder",
                                   "replay"}));
  EXPECT_EQ(companion_kinds.size(), kinds.size());
  EXPECT_GT(towards_byzantine, 40);
  EXPECT_LT(towards_byzantine, 160);
  EXPECT_GT(every_honest, 60);
  EXPECT_GT(forged, 20);
  EXPECT_GT(forged_with_set, forged * 3 / 4);

  // pair: 0 never adds one; a network fault drawn as the phase itself gets
  // none either.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    absl::StatusOr<Plan> plan = Expand(PlanText("mixed: { phases: 2, pair: 0 }"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(plan->timeline.size(), 2u);
    plan = Expand(PlanText("mixed: { phases: 1, pair: 1, adversaries: [omission] }"), seed);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(plan->timeline.size(), 1u);
  }
}

TEST_F(TargetDrawsTest, AnUnknownAdversaryNameIsBadInputWithItsLine) {
  for (const char* param : {"adversaries: [delay, forge-signatures]", "exclude: [dealy]"}) {
    absl::StatusOr<Plan> plan = Expand(PlanText(absl::StrCat("mixed: { ", param, " }")), 1);
    ASSERT_FALSE(plan.ok()) << param;
    EXPECT_NE(plan.status().message().find("plans/gen.yaml:"), std::string::npos)
        << plan.status();
    EXPECT_NE(plan.status().message().find("no adversary is called"), std::string::npos)
        << plan.status();
  }
}

}  // namespace
}  // namespace turncoat
