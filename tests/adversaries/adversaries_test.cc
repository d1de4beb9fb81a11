// Each adversary, made by name as the controller makes it, against a fake
// FaultControl that records what it is asked to do.
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adversaries/adversary.h"
#include "tests/adversaries/adversary_test_util.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

TEST_F(AdversaryTest, OmissionDropsChosenKindsOnChosenLinksAndHeals) {
  auto omission = Make("omission", {1}, {{"drop", 0.25}, {"to", std::vector<int>{2, 3}},
                                        {"messages", std::vector<std::string>{"vote", "proposal"}}});
  ASSERT_NE(omission, nullptr);
  ASSERT_TRUE(omission->Start(control_).ok());
  EXPECT_EQ(control_.Links(), (std::set<std::pair<int, int>>{{1, 2}, {1, 3}}));
  ASSERT_EQ(control_.rules.size(), 2u);  // 2 links x the one peer method
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::DROP);
    EXPECT_DOUBLE_EQ(rule.probability(), 0.25);
    EXPECT_EQ(rule.method(), "/refbft.Peer/Send");
    EXPECT_EQ(rule.direction(), agent::v1::REQUEST);
    EXPECT_EQ(rule.fields_size(), 0);
    // The kinds in the target's order: the oneof's members.
    EXPECT_EQ(std::vector<std::string>(rule.kinds().begin(), rule.kinds().end()),
              (std::vector<std::string>{"proposal", "vote"}));
  }
  EXPECT_EQ(control_.changes, 1) << "all links start together";
  ASSERT_TRUE(omission->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
  EXPECT_EQ(control_.changes, 2) << "and heal together";
}

TEST_F(AdversaryTest, KindsFixedPerMethodSelectMethodsWithoutDecoding) {
  // A target with a method per kind, as pbft has: a kind filter picks the
  // methods, and the rules need no kind predicate (nothing is decoded).
  MessageSpec prepare;
  prepare.methods = {"/pbft.Replica/Prepare"};
  prepare.kind = "prepare";
  prepare.sender = "sender";
  MessageSpec commit = prepare;
  commit.methods = {"/pbft.Replica/Commit"};
  commit.kind = "commit";
  target_.protocol.messages = {prepare, commit};
  auto omission = Make("omission", {1}, {{"drop", 1.0},
                                        {"messages", std::vector<std::string>{"commit"}}});
  ASSERT_NE(omission, nullptr);
  ASSERT_TRUE(omission->Start(control_).ok());
  ASSERT_EQ(control_.rules.size(), 3u);  // 3 links x the commit method
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.method(), "/pbft.Replica/Commit");
    EXPECT_EQ(rule.kinds_size(), 0);
  }
}

TEST_F(AdversaryTest, AKindTheTargetDoesNotHaveIsRefusedWithTheKnownOnes) {
  auto omission = TryMake("omission", {1}, {{"drop", 1.0},
                                           {"messages", std::vector<std::string>{"prepare"}}});
  ASSERT_FALSE(omission.ok());
  EXPECT_EQ(omission.status().message(),
            "phase 3 (omission): messages: 'prepare' is no kind of peer message of target refbft; "
            "its kinds are: decide, forward, new_view, phase_cert, proposal, sync_request, vote");
}

TEST_F(AdversaryTest, OmissionWithoutFiltersSilencesEveryOutgoingLink) {
  auto omission = Make("omission", {0, 2}, {{"drop", 1.0}});
  ASSERT_TRUE(omission->Start(control_).ok());
  EXPECT_EQ(control_.Links(),
            (std::set<std::pair<int, int>>{{0, 1}, {0, 2}, {0, 3}, {2, 0}, {2, 1}, {2, 3}}));
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.fields_size(), 0);
    EXPECT_FALSE(rule.has_probability());  // certain: no coin
  }
}

TEST_F(AdversaryTest, DelayCarriesLatencyAndJitter) {
  auto delay = Make("delay", {3}, {{"by", absl::Milliseconds(150)}, {"jitter", absl::Milliseconds(20)}});
  ASSERT_TRUE(delay->Start(control_).ok());
  ASSERT_EQ(control_.rules.size(), 3u);
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::DELAY);
    EXPECT_EQ(rule.action().delay_ms(), 150u);
    EXPECT_EQ(rule.action().jitter_ms(), 20u);
  }
}

TEST_F(AdversaryTest, DuplicateAndReorderUseTheirActions) {
  auto dup = Make("duplicate", {1}, {{"probability", 0.5}});
  ASSERT_TRUE(dup->Start(control_).ok());
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::DUPLICATE);
    EXPECT_DOUBLE_EQ(rule.probability(), 0.5);
  }
  ASSERT_TRUE(dup->Stop(control_).ok());
  auto reorder = Make("reorder", {1}, {{"window", absl::Milliseconds(80)}});
  ASSERT_TRUE(reorder->Start(control_).ok());
  ASSERT_EQ(control_.rules.size(), 3u);
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::HOLD);
    EXPECT_EQ(rule.action().hold_ms(), 80u);
    EXPECT_TRUE(rule.action().shuffle());
  }
}

TEST_F(AdversaryTest, PartitionCutsExactlyTheLinksBetweenGroupsBothWays) {
  auto partition =
      Make("partition", {}, {{"groups", std::vector<std::vector<int>>{{0, 1}, {2, 3}}}});
  ASSERT_TRUE(partition->Start(control_).ok());
  std::set<std::pair<int, int>> expected;
  for (int a : {0, 1}) {
    for (int b : {2, 3}) {
      expected.emplace(a, b);
      expected.emplace(b, a);
    }
  }
  EXPECT_EQ(control_.Links(), expected);
  ASSERT_TRUE(partition->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(AdversaryTest, PartitionIsolatesAReplicaInNoGroup) {
  auto partition = Make("partition", {}, {{"groups", std::vector<std::vector<int>>{{0, 1, 2}}}});
  ASSERT_TRUE(partition->Start(control_).ok());
  EXPECT_EQ(control_.Links(),
            (std::set<std::pair<int, int>>{{3, 0}, {3, 1}, {3, 2}, {0, 3}, {1, 3}, {2, 3}}));
}

TEST_F(AdversaryTest, PartitionMakesReplicasCutOffFromEveryQuorumFaulty) {
  auto minority =
      Make("partition", {}, {{"groups", std::vector<std::vector<int>>{{0, 1, 3}, {2}}}});
  ASSERT_TRUE(minority->Start(control_).ok());
  std::optional<AdversaryStep> step = minority->CurrentStep();
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->what, "groups [0, 1, 3] | [2]");
  EXPECT_EQ(step->faulty, std::vector<int>{2});
  ASSERT_TRUE(minority->Stop(control_).ok());
  // Two against two: neither side has a quorum of n - f = 3.
  auto even = Make("partition", {}, {{"groups", std::vector<std::vector<int>>{{0, 1}, {2, 3}}}});
  ASSERT_TRUE(even->Start(control_).ok());
  EXPECT_EQ(even->CurrentStep()->faulty, (std::vector<int>{0, 1, 2, 3}));
  ASSERT_TRUE(even->Stop(control_).ok());
  // A replica in no group is cut off too.
  auto isolate = Make("partition", {}, {{"groups", std::vector<std::vector<int>>{{0, 1, 2}}}});
  ASSERT_TRUE(isolate->Start(control_).ok());
  EXPECT_EQ(isolate->CurrentStep()->faulty, std::vector<int>{3});
}

TEST_F(AdversaryTest, NetworkFaultsOnNamedNodesHaveNoSteps) {
  auto delay = Make("delay", {1}, {{"delay", absl::Milliseconds(10)}});
  ASSERT_TRUE(delay->Start(control_).ok());
  EXPECT_FALSE(delay->CurrentStep().has_value());
}

TEST_F(AdversaryTest, DelayWithinDeltaMakesNobodyFaultyFromTheStart) {
  delta_ = absl::Milliseconds(250);
  phase_.nodes = {0, 1, 2, 3};
  const Params within = {{"by", absl::Milliseconds(220)}, {"jitter", absl::Milliseconds(30)}};
  auto delay = Make("delay", {0, 1, 2, 3}, within);
  // Known before Start, so the phase's FaultStart already names nobody.
  EXPECT_EQ(FaultyAtStart(*delay, phase_), std::vector<int>{});
  ASSERT_TRUE(delay->Start(control_).ok());
  std::optional<AdversaryStep> step = delay->CurrentStep();
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->what, "at most 250ms added latency, within delta 250ms: slow, not faulty");
  EXPECT_TRUE(step->faulty.empty());
  EXPECT_EQ(control_.rules.size(), 12u) << "slow, but still delayed on every link";
}

TEST_F(AdversaryTest, DelayBeyondDeltaOrWithoutOneMakesItsNodesFaulty) {
  const Params params = {{"by", absl::Milliseconds(220)}, {"jitter", absl::Milliseconds(31)}};
  delta_ = absl::Milliseconds(250);
  auto beyond = Make("delay", {1, 2}, params);
  EXPECT_FALSE(beyond->CurrentStep().has_value());
  EXPECT_EQ(FaultyAtStart(*beyond, phase_), (std::vector<int>{1, 2}));
  delta_.reset();
  auto undeclared = Make("delay", {1, 2}, {{"by", absl::Milliseconds(1)}});
  EXPECT_EQ(FaultyAtStart(*undeclared, phase_), (std::vector<int>{1, 2}));
}

TEST_F(AdversaryTest, ReorderIsSlownessWhenItsWindowIsWithinDelta) {
  delta_ = absl::Milliseconds(100);
  auto within = Make("reorder", {3}, {{"window", absl::Milliseconds(100)}});
  ASSERT_TRUE(within->CurrentStep().has_value());
  EXPECT_TRUE(within->CurrentStep()->faulty.empty());
  auto beyond = Make("reorder", {3}, {{"window", absl::Milliseconds(101)}});
  EXPECT_EQ(FaultyAtStart(*beyond, phase_), std::vector<int>{3});
}

TEST_F(AdversaryTest, OnlyLatencyIsExcusedByDelta) {
  delta_ = absl::Seconds(10);
  auto dup = Make("duplicate", {1}, {{"probability", 1.0}});
  EXPECT_EQ(FaultyAtStart(*dup, phase_), std::vector<int>{1});
  auto omission = Make("omission", {1}, {{"drop", 0.1}});
  EXPECT_EQ(FaultyAtStart(*omission, phase_), std::vector<int>{1});
}

TEST_F(AdversaryTest, PartitionIsFaultyOnItsCutOffReplicasFromTheStart) {
  auto minority =
      Make("partition", {}, {{"groups", std::vector<std::vector<int>>{{0, 1, 3}, {2}}}});
  EXPECT_EQ(FaultyAtStart(*minority, phase_), std::vector<int>{2});
}

TEST_F(AdversaryTest, ProcessFaultsActOnStartAndHealOnStop) {
  auto crash = Make("crash", {1, 2}, {});
  ASSERT_TRUE(crash->Start(control_).ok());
  ASSERT_TRUE(crash->Stop(control_).ok());
  auto pause = Make("pause", {0}, {});
  ASSERT_TRUE(pause->Start(control_).ok());
  ASSERT_TRUE(pause->Stop(control_).ok());
  EXPECT_EQ(control_.actions, (std::vector<std::string>{"kill 1", "kill 2", "restart 1",
                                                        "restart 2", "pause 0", "resume 0"}));
}

// A pause overlapping a crash of the same replica (a generated plan draws
// such overlaps): a replica that is not running has nothing to stop or
// resume, which is no harness failure; a replica that runs is still
// paused and resumed.
TEST_F(AdversaryTest, PauseOfAReplicaAnotherPhaseCrashedIsNoFailure) {
  auto pause = Make("pause", {0, 1}, {});
  control_.not_running = {1};
  ASSERT_TRUE(pause->Start(control_).ok());
  control_.not_running = {0, 1};
  EXPECT_TRUE(pause->Stop(control_).ok());
  EXPECT_EQ(control_.actions, (std::vector<std::string>{"pause 0"}));
  control_.not_running.clear();
  auto again = Make("pause", {0}, {});
  ASSERT_TRUE(again->Start(control_).ok());
  ASSERT_TRUE(again->Stop(control_).ok());
  EXPECT_EQ(control_.actions, (std::vector<std::string>{"pause 0", "pause 0", "resume 0"}));
}

TEST_F(AdversaryTest, RestartRepeatsAtItsInterval) {
  auto restart = Make("restart", {2}, {{"every", absl::Seconds(1)}});
  ASSERT_TRUE(restart->Start(control_).ok());
  ASSERT_TRUE(restart->Tick(control_, absl::Milliseconds(500)).ok());
  EXPECT_EQ(control_.actions.size(), 1u);
  ASSERT_TRUE(restart->Tick(control_, absl::Milliseconds(1100)).ok());
  ASSERT_TRUE(restart->Tick(control_, absl::Milliseconds(1300)).ok());
  EXPECT_EQ(control_.actions.size(), 2u);
  ASSERT_TRUE(restart->Tick(control_, absl::Milliseconds(2050)).ok());
  EXPECT_EQ(control_.actions, (std::vector<std::string>{"restart 2", "restart 2", "restart 2"}));
  auto once = Make("restart", {1}, {});
  ASSERT_TRUE(once->Start(control_).ok());
  ASSERT_TRUE(once->Tick(control_, absl::Seconds(30)).ok());
  EXPECT_EQ(control_.actions.size(), 4u);
}

TEST_F(AdversaryTest, DeclaredButUnimplementedAdversaryIsAClearError) {
  Phase phase;
  phase.adversary = "no-such-adversary";
  AdversaryContext context;
  context.phase = &phase;
  auto made = MakeAdversary(context);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.status().message().find("'no-such-adversary' is declared but not implemented"),
            std::string::npos);
}

}  // namespace
}  // namespace turncoat
