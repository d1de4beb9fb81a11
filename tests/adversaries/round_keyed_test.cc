// Phases keyed to protocol rounds: every rule the phase's adversary
// installs carries the absolute round range (the run's base plus the plan's
// rounds), whatever the adversary; and the mutate adversary that ByzzFuzz's
// mutation rounds are made of.
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"

#include "tests/adversaries/adversary_test_util.h"
#include "gmock/gmock.h"

namespace turncoat {
namespace {

using ::testing::HasSubstr;

class RoundKeyedTest : public AdversaryTest {
 protected:
  RoundKeyedTest() {
    MessageSpec message = RefbftMessage();
    message.round = {{"payload.proposal.height", "payload.vote.height"},
                     {"payload.proposal.view", "payload.vote.view"}};
    target_.protocol.messages = {message};
  }
};

TEST_F(RoundKeyedTest, EveryRuleCarriesTheAbsoluteRounds) {
  phase_.rounds = RoundSpan{3, 4};
  round_base_ = 1000;
  auto partition = Make("partition", {}, {{"groups", std::vector<std::vector<int>>{{0, 1, 2}, {3}}}});
  ASSERT_NE(partition, nullptr);
  ASSERT_TRUE(partition->Start(control_).ok());
  ASSERT_EQ(control_.rules.size(), 6u);  // 3 <-> 3, both ways
  for (const auto& [key, rule] : control_.rules) {
    ASSERT_TRUE(rule.has_rounds()) << rule.id();
    EXPECT_EQ(rule.rounds().first(), 1003);
    EXPECT_EQ(rule.rounds().last(), 1004);
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::DROP);
  }
  const std::optional<AdversaryStep> step = partition->CurrentStep();
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->what, "rounds 3..4 (major rounds 1003..1004): groups [0, 1, 2] | [3]");
  EXPECT_EQ(step->faulty, std::vector<int>{3});  // still cut off from every quorum
  ASSERT_TRUE(partition->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(RoundKeyedTest, EveryRuleCarriesTheLeaderCondition) {
  phase_.rounds = RoundSpan{2, 2};
  for (const auto& [choice, want, note] :
       {std::tuple{LeaderChoice::kSelf, agent::v1::Rule::SELF, "when the sender leads"},
        std::tuple{LeaderChoice::kOther, agent::v1::Rule::NOT_SELF,
                   "when the sender does not lead"}}) {
    phase_.leader = choice;
    auto omission = Make("omission", {1}, {{"drop", 1.0}});
    ASSERT_NE(omission, nullptr);
    ASSERT_TRUE(omission->Start(control_).ok());
    ASSERT_FALSE(control_.rules.empty());
    for (const auto& [key, rule] : control_.rules) {
      EXPECT_EQ(rule.leader(), want) << rule.id();
      EXPECT_TRUE(rule.has_rounds()) << rule.id();
    }
    EXPECT_EQ(omission->CurrentStep()->what,
              absl::StrCat("rounds 2..2 (major rounds 2..2), ", note));
    ASSERT_TRUE(omission->Stop(control_).ok());
  }
  phase_.leader.reset();
  auto any = Make("omission", {1}, {{"drop", 1.0}});
  ASSERT_TRUE(any->Start(control_).ok());
  for (const auto& [key, rule] : control_.rules) EXPECT_EQ(rule.leader(), agent::v1::Rule::ANY);
}

TEST_F(RoundKeyedTest, ALeaderNeedsATargetWithProposals) {
  target_.protocol.messages[0].values.clear();
  phase_.rounds = RoundSpan{3, 3};
  EXPECT_TRUE(TryMake("omission", {1}, {{"drop", 1.0}}).ok());  // no leader: no proposals needed
  phase_.leader = LeaderChoice::kSelf;
  auto refused = TryMake("omission", {1}, {{"drop", 1.0}});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("`leader` needs to see who proposes in a round, but no kind of peer "
                        "message of target refbft declares both `values` and `round`"));
}

TEST_F(RoundKeyedTest, PhasesWithoutRoundsAreLeftAlone) {
  auto omission = Make("omission", {1}, {{"drop", 1.0}});
  ASSERT_NE(omission, nullptr);
  ASSERT_TRUE(omission->Start(control_).ok());
  ASSERT_FALSE(control_.rules.empty());
  for (const auto& [key, rule] : control_.rules) EXPECT_FALSE(rule.has_rounds());
  EXPECT_FALSE(omission->CurrentStep().has_value());
}

TEST_F(RoundKeyedTest, AStepSaysTheRoundsAndKeepsThePhasesNodes) {
  phase_.rounds = RoundSpan{2, 2};
  auto omission = Make("omission", {1}, {{"drop", 1.0}});
  ASSERT_NE(omission, nullptr);
  const std::optional<AdversaryStep> step = omission->CurrentStep();
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->what, "rounds 2..2 (major rounds 2..2)");
  EXPECT_EQ(step->faulty, std::vector<int>{1});
}

TEST_F(RoundKeyedTest, ProcessFaultsCannotBeKeyedToRounds) {
  phase_.rounds = RoundSpan{1, 2};
  auto crash = Make("crash", {2}, {});
  ASSERT_NE(crash, nullptr);
  absl::Status refused = crash->Start(control_);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused)) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("messages only"));
  EXPECT_TRUE(control_.actions.empty());
}

TEST_F(RoundKeyedTest, ATargetWithoutRoundsIsRefusedWithTheFix) {
  target_.protocol.messages = {RefbftMessage()};
  phase_.rounds = RoundSpan{3, 4};
  auto refused = TryMake("omission", {1}, {{"drop", 1.0}});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("target refbft declares no `round` in protocol.messages; add one"));
}

TEST_F(RoundKeyedTest, MutateRewritesWhatTheByzantineNodesSendWithTheirKey) {
  byzantine_ = {1};
  auto mutate = Make("mutate", {1}, {{"probability", 0.5}, {"to", std::vector<int>{0, 2}}});
  ASSERT_NE(mutate, nullptr);
  ASSERT_TRUE(mutate->Start(control_).ok());
  EXPECT_EQ(control_.Links(), (std::set<std::pair<int, int>>{{1, 0}, {1, 2}}));
  std::set<std::string> seeds;
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::REWRITE);
    EXPECT_EQ(rule.action().rewriter(), "mutate");
    EXPECT_DOUBLE_EQ(rule.probability(), 0.5);
    EXPECT_EQ(rule.action().params().at("key"), "keys/1.key");
    seeds.insert(rule.action().params().at("seed"));
  }
  EXPECT_EQ(seeds.size(), 2u) << "each link mutates along its own draw";
}

TEST_F(RoundKeyedTest, MutateNeedsADecodablePayload) {
  byzantine_ = {1};
  target_.protocol.messages[0].payload.codec = PayloadSpec::Codec::kOpaque;
  auto refused = TryMake("mutate", {1}, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("nothing can be mutated"));
}

}  // namespace
}  // namespace turncoat
