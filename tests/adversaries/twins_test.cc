// twins: the dormant rules the controller installs at setup, exactly which
// links a phase's Start and Stop change, the layout TwinsOf reads from a
// plan, and the errors for invalid twins phases.
#include "adversaries/twins.h"

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/adversaries/adversary_test_util.h"

namespace turncoat {
namespace {

using Links = std::set<std::pair<int, int>>;
using Groups = std::vector<std::vector<int>>;

class TwinsTest : public AdversaryTest {
 protected:
  // The controller's setup for twins of `replicas`: every twin dormant.
  void SetUpTwins(const std::vector<int>& replicas) {
    std::map<int, TwinLayout> twins;
    for (int r : replicas) twins[r] = TwinLayout{};
    ASSERT_TRUE(InstallDormantTwinRules(control_, target_, n_, twins).ok());
  }

  std::string ErrorOf(std::vector<int> nodes, Groups split) {
    auto made = TryMake("twins", std::move(nodes), {{"split", std::move(split)}});
    EXPECT_FALSE(made.ok());
    return made.ok() ? "" : std::string(made.status().message());
  }

  static Phase TwinsPhase(absl::Duration at, absl::Duration length, std::vector<int> nodes,
                          Groups split) {
    Phase phase;
    phase.at = at;
    phase.length = length;
    phase.adversary = "twins";
    phase.nodes = std::move(nodes);
    phase.params["split"] = std::move(split);
    return phase;
  }

  static Plan FourReplicas() {
    Plan plan;
    plan.n = 4;
    plan.f = 1;
    plan.byzantine = {2};
    plan.duration = absl::Seconds(40);
    return plan;
  }
};

TEST_F(TwinsTest, TwinIdIsNPlusReplica) {
  EXPECT_EQ(TwinId(4, 2), 6);
  EXPECT_EQ(TwinId(7, 0), 7);
}

TEST_F(TwinsTest, SetupMakesTheTwinDropEverythingItSends) {
  target_.protocol.messages[0].methods = {"/refbft.Peer/Send", "/refbft.Peer/Sync"};
  SetUpTwins({2});
  // Only the twin's links (id 6), towards every other replica; none of the
  // original's.
  EXPECT_EQ(control_.Links(), (Links{{6, 0}, {6, 1}, {6, 3}}));
  ASSERT_EQ(control_.rules.size(), 6u);  // 3 links x 2 peer methods
  std::set<std::string> methods;
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::DROP);
    EXPECT_EQ(rule.direction(), agent::v1::REQUEST);
    EXPECT_FALSE(rule.has_probability());  // certain
    EXPECT_EQ(rule.fields_size(), 0);      // every message
    EXPECT_EQ(rule.id().rfind("twin-dormant-", 0), 0u) << rule.id();
    methods.insert(rule.method());
  }
  EXPECT_EQ(methods, (std::set<std::string>{"/refbft.Peer/Send", "/refbft.Peer/Sync"}));
  // DormantTwinRules names the same rules, so a phase can find them.
  for (const PlacedRule& r : DormantTwinRules(target_, 4, 2, 1)) {
    EXPECT_EQ(r.from, 6);
    EXPECT_EQ(r.to, 1);
    EXPECT_EQ(control_.rules.count({6, 1, r.rule.id()}), 1u) << r.rule.id();
  }
}

TEST_F(TwinsTest, StartSwapsWhoSpeaksToGroupOneAndStopRestoresTheDormantTwin) {
  byzantine_ = {2};
  SetUpTwins({2});
  const auto dormant = control_.rules;
  auto twins = Make("twins", {2}, {{"split", Groups{{0}, {1, 3}}}});
  ASSERT_NE(twins, nullptr);

  const int changes = control_.changes;
  ASSERT_TRUE(twins->Start(control_).ok());
  // Two changes, each on every link at once: silence the original, then
  // wake the twin.
  EXPECT_EQ(control_.changes, changes + 2);
  // The original is silent towards group 1 ({1, 3}) and still speaks to
  // group 0; the twin passes to group 1, ahead of its dormant drops, which
  // still hold towards group 0.
  EXPECT_EQ(control_.Links(agent::v1::Action::DROP), (Links{{6, 0}, {6, 1}, {6, 3}, {2, 1}, {2, 3}}));
  EXPECT_EQ(control_.Links(agent::v1::Action::PASS), (Links{{6, 1}, {6, 3}}));
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.method(), "/refbft.Peer/Send");
    EXPECT_EQ(rule.direction(), agent::v1::REQUEST);
    EXPECT_FALSE(rule.has_probability());
    EXPECT_FALSE(rule.has_rounds());  // timed: every message of the phase
    if (rule.action().kind() == agent::v1::Action::PASS) {
      EXPECT_EQ(rule.before(), "twin-dormant-m0") << std::get<2>(key);
    }
  }

  ASSERT_TRUE(twins->Stop(control_).ok());
  ASSERT_EQ(control_.rules.size(), dormant.size());
  for (const auto& [key, rule] : dormant) {
    auto it = control_.rules.find(key);
    ASSERT_NE(it, control_.rules.end()) << std::get<2>(key);
    EXPECT_EQ(it->second.SerializeAsString(), rule.SerializeAsString());
  }

  // A second phase with the same split does the same again.
  ASSERT_TRUE(twins->Start(control_).ok());
  EXPECT_EQ(control_.Links(agent::v1::Action::PASS), (Links{{6, 1}, {6, 3}}));
  ASSERT_TRUE(twins->Stop(control_).ok());
  EXPECT_EQ(control_.Links(), (Links{{6, 0}, {6, 1}, {6, 3}}));
  EXPECT_TRUE(control_.Links(agent::v1::Action::PASS).empty());
}

TEST_F(TwinsTest, TheTwinNeverSpeaksToOtherByzantineOrUngroupedReplicas) {
  n_ = 7;
  byzantine_ = {2, 5};
  SetUpTwins({2, 5});
  auto twins = Make("twins", {2}, {{"split", Groups{{0, 1}, {3, 4}}}});
  ASSERT_NE(twins, nullptr);
  ASSERT_TRUE(twins->Start(control_).ok());
  // Twin of 2 (id 9): passes only towards group 1 ({3, 4}); towards 0, 1
  // (group 0), 5 (Byzantine) and 6 (in no group) its dormant drops decide.
  // The twin of 5 (id 12) is in no phase: no pass anywhere.
  EXPECT_EQ(control_.Links(agent::v1::Action::PASS), (Links{{9, 3}, {9, 4}}));
  // The original 2 is silent towards group 1 only.
  Links drops;
  for (int j : {0, 1, 3, 4, 5, 6}) drops.emplace(9, j);
  for (int j : {0, 1, 2, 3, 4, 6}) drops.emplace(12, j);
  drops.emplace(2, 3);
  drops.emplace(2, 4);
  EXPECT_EQ(control_.Links(agent::v1::Action::DROP), drops);
  ASSERT_TRUE(twins->Stop(control_).ok());
  EXPECT_EQ(control_.rules.count({9, 3, "twin-dormant-m0"}), 1u);
  EXPECT_EQ(control_.rules.count({2, 3, "p3-twins-m0"}), 0u);
  EXPECT_TRUE(control_.Links(agent::v1::Action::PASS).empty());
}

TEST_F(TwinsTest, TwinToWakesTheTwinTowardsPartOfGroupOneOnly) {
  n_ = 7;
  byzantine_ = {2};
  SetUpTwins({2});
  auto twins = Make("twins", {2}, {{"split", Groups{{0, 1}, {3, 4, 6}}}, {"twin_to", std::vector<int>{4}}});
  ASSERT_NE(twins, nullptr);
  ASSERT_TRUE(twins->Start(control_).ok());
  // The twin speaks to 4 only; the original is silent towards all of group
  // 1, so 3 and 6 hear neither process of replica 2.
  EXPECT_EQ(control_.Links(agent::v1::Action::PASS), (Links{{9, 4}}));
  EXPECT_EQ(control_.rules.count({2, 3, "p3-twins-m0"}), 1u);
  EXPECT_EQ(control_.rules.count({2, 6, "p3-twins-m0"}), 1u);
  EXPECT_EQ(control_.rules.count({2, 4, "p3-twins-m0"}), 1u);
  ASSERT_TRUE(twins->Stop(control_).ok());
  EXPECT_TRUE(control_.Links(agent::v1::Action::PASS).empty());
}

TEST_F(TwinsTest, KeyedToRoundsTheSwapMatchesOnlyThoseRoundsAndTheTwinStaysDormantElsewhere) {
  target_.protocol.messages[0].round = {{"payload.proposal.height"}, {"payload.proposal.view"}};
  byzantine_ = {2};
  round_base_ = 1000;
  SetUpTwins({2});
  phase_.rounds = RoundSpan{3, 4};
  auto twins = Make("twins", {2}, {{"split", Groups{{0}, {1, 3}}}});
  ASSERT_NE(twins, nullptr);
  ASSERT_TRUE(twins->Start(control_).ok());
  int passes = 0;
  for (const auto& [key, rule] : control_.rules) {
    const std::string& id = std::get<2>(key);
    if (id.rfind("twin-dormant-", 0) == 0) {
      // The dormant drops hold for every other round.
      EXPECT_FALSE(rule.has_rounds()) << id;
      continue;
    }
    ASSERT_TRUE(rule.has_rounds()) << id;
    EXPECT_EQ(rule.rounds().first(), 1003) << id;
    EXPECT_EQ(rule.rounds().last(), 1004) << id;
    if (rule.action().kind() == agent::v1::Action::PASS) ++passes;
  }
  EXPECT_EQ(passes, 2);
  ASSERT_TRUE(twins->Stop(control_).ok());
  // Healed: only the unkeyed dormant drops are left.
  EXPECT_EQ(control_.Links(), (Links{{6, 0}, {6, 1}, {6, 3}}));
  for (const auto& [key, rule] : control_.rules) EXPECT_FALSE(rule.has_rounds());
}

TEST_F(TwinsTest, AStartThatFailsHalfWayHealsWhatItDid) {
  byzantine_ = {2};
  // No setup: the dormant rules Start places the twin's passes ahead of
  // are not there.
  auto twins = Make("twins", {2}, {{"split", Groups{{0}, {1, 3}}}});
  ASSERT_NE(twins, nullptr);
  const absl::Status started = twins->Start(control_);
  EXPECT_EQ(started.code(), absl::StatusCode::kNotFound) << started;
  // The original's drops towards group 1 went in before the failure...
  EXPECT_EQ(control_.Links(), (Links{{2, 1}, {2, 3}}));
  // ...and Stop takes back exactly those.
  EXPECT_TRUE(twins->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(TwinsTest, TwinsOfReadsTheLayoutFromThePlan) {
  Plan plan = FourReplicas();
  EXPECT_TRUE(TwinsOf(plan)->empty());

  Phase omission;
  omission.at = absl::Seconds(1);
  omission.length = absl::Seconds(2);
  omission.adversary = "omission";
  omission.nodes = {2};
  plan.timeline.push_back(omission);
  EXPECT_TRUE(TwinsOf(plan)->empty());  // only twins phases make twins

  plan.timeline.push_back(TwinsPhase(absl::Seconds(5), absl::Seconds(5), {2}, {{0}, {3, 1}}));
  // Back to back with the first: ends go first, so they do not overlap.
  plan.timeline.push_back(TwinsPhase(absl::Seconds(10), absl::Seconds(5), {2}, {{0}, {1, 3}}));
  auto twins = TwinsOf(plan);
  ASSERT_TRUE(twins.ok()) << twins.status();
  ASSERT_EQ(twins->size(), 1u);
  const TwinLayout& layout = twins->at(2);
  EXPECT_EQ(layout.original_group, std::vector<int>{0});
  EXPECT_EQ(layout.twin_group, (std::vector<int>{1, 3}));
  EXPECT_EQ(layout.phases, (std::vector<int>{1, 2}));
}

TEST_F(TwinsTest, TwinsOfTwinsEveryNodeOfAPhase) {
  Plan plan;
  plan.n = 7;
  plan.f = 2;
  plan.byzantine = {2, 5};
  plan.duration = absl::Seconds(20);
  plan.timeline.push_back(TwinsPhase(absl::Seconds(1), absl::Seconds(5), {5, 2}, {{0, 1}, {3, 4, 6}}));
  auto twins = TwinsOf(plan);
  ASSERT_TRUE(twins.ok()) << twins.status();
  ASSERT_EQ(twins->size(), 2u);
  EXPECT_EQ(twins->at(2).twin_group, (std::vector<int>{3, 4, 6}));
  EXPECT_EQ(twins->at(5).original_group, (std::vector<int>{0, 1}));
}

TEST_F(TwinsTest, TwinsOfRejectsDifferentSplitsForOneReplicaNamingBothPhases) {
  Plan plan = FourReplicas();
  plan.timeline.push_back(TwinsPhase(absl::Seconds(1), absl::Seconds(5), {2}, {{0}, {1, 3}}));
  plan.timeline.push_back(TwinsPhase(absl::Seconds(10), absl::Seconds(5), {2}, {{1}, {0, 3}}));
  auto twins = TwinsOf(plan);
  ASSERT_FALSE(twins.ok());
  const std::string message(twins.status().message());
  EXPECT_NE(message.find("timeline[0] and timeline[1]"), std::string::npos) << message;
  EXPECT_NE(message.find("different splits"), std::string::npos) << message;
  EXPECT_NE(message.find("[[0], [1, 3]]"), std::string::npos) << message;
  EXPECT_NE(message.find("[[1], [0, 3]]"), std::string::npos) << message;
}

TEST_F(TwinsTest, TwinsOfRejectsOverlappingPhasesOfOneReplica) {
  Plan plan = FourReplicas();
  plan.timeline.push_back(TwinsPhase(absl::Seconds(1), absl::Seconds(5), {2}, {{0}, {1, 3}}));
  plan.timeline.push_back(TwinsPhase(absl::Seconds(5), absl::Seconds(5), {2}, {{0}, {1, 3}}));
  auto twins = TwinsOf(plan);
  ASSERT_FALSE(twins.ok());
  EXPECT_NE(twins.status().message().find("timeline[0] and timeline[1]"), std::string::npos)
      << twins.status();
  EXPECT_NE(twins.status().message().find("overlapping"), std::string::npos) << twins.status();
}

TEST_F(TwinsTest, TwinsOfAcceptsOverlappingPhasesKeyedToDisjointRounds) {
  Plan plan = FourReplicas();
  Phase first = TwinsPhase(absl::ZeroDuration(), absl::Seconds(8), {2}, {{0}, {1, 3}});
  first.rounds = RoundSpan{1, 1};
  Phase second = first;
  second.rounds = RoundSpan{2, 3};
  plan.timeline = {first, second};
  auto twins = TwinsOf(plan);
  ASSERT_TRUE(twins.ok()) << twins.status();
  EXPECT_EQ(twins->at(2).phases, (std::vector<int>{0, 1}));

  // Rounds that meet are two states for one message: refused.
  plan.timeline[1].rounds = RoundSpan{1, 2};
  twins = TwinsOf(plan);
  ASSERT_FALSE(twins.ok());
  EXPECT_NE(twins.status().message().find("overlapping"), std::string::npos) << twins.status();
  // So is a timed phase beside a keyed one.
  plan.timeline[1].rounds.reset();
  EXPECT_FALSE(TwinsOf(plan).ok());
}

TEST_F(TwinsTest, TwinsOfNamesTheInvalidPhase) {
  Plan plan = FourReplicas();
  plan.timeline.push_back(TwinsPhase(absl::Seconds(1), absl::Seconds(5), {2}, {{0}, {1, 3}}));
  plan.timeline.push_back(TwinsPhase(absl::Seconds(8), absl::Seconds(5), {2}, {{0}, {1}, {3}}));
  auto twins = TwinsOf(plan);
  ASSERT_FALSE(twins.ok());
  EXPECT_EQ(twins.status().message().rfind("timeline[1].params.split: expected exactly two groups", 0),
            0u)
      << twins.status();
}

TEST_F(TwinsTest, InvalidPhasesAreClearErrorsNamingThePhase) {
  byzantine_ = {2};
  // The fixture's phase is timeline[3].
  EXPECT_NE(ErrorOf({1}, {{0}, {2, 3}}).find("timeline[3].nodes: replica 1 is not Byzantine"),
            std::string::npos);
  EXPECT_NE(ErrorOf({2}, {{0}, {1}, {3}}).find("timeline[3].params.split: expected exactly two groups"),
            std::string::npos);
  EXPECT_NE(ErrorOf({2}, {{0, 1, 3}}).find("expected exactly two groups"), std::string::npos);
  EXPECT_NE(ErrorOf({2}, {{0, 1}, {1, 3}}).find("replica 1 is in both groups"), std::string::npos);
  EXPECT_NE(ErrorOf({2}, {{0, 1, 3}, {}}).find("group 1 is empty"), std::string::npos);
  EXPECT_NE(ErrorOf({2}, {{0, 2}, {1, 3}}).find("replica 2 is a node of the phase"),
            std::string::npos);
  EXPECT_NE(ErrorOf({2}, {{0}, {1, 9}}).find("replica 9 does not exist"), std::string::npos);
  auto outside = TryMake("twins", {2}, {{"split", Groups{{0}, {1, 3}}}, {"twin_to", std::vector<int>{0}}});
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find(
                "timeline[3].params.twin_to: replica 0 is not in group 1 of the split ([1, 3])"),
            std::string::npos)
      << outside.status();
  auto missing = TryMake("twins", {2}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("timeline[3].params.split: missing"), std::string::npos);

  n_ = 7;
  byzantine_ = {2, 5};
  EXPECT_NE(ErrorOf({2}, {{0}, {1, 5}}).find("replica 5 is Byzantine"), std::string::npos);
}

}  // namespace
}  // namespace turncoat
