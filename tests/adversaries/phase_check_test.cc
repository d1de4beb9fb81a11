#include "adversaries/phase_check.h"

#include "gtest/gtest.h"
#include "tests/adversaries/adversary_test_util.h"

namespace turncoat {
namespace {

class PhaseCheckTest : public AdversaryTest {
 protected:
  PhaseCheckTest() {
    plan_.path = "plans/p.yaml";
    plan_.n = 4;
    plan_.f = 1;
    plan_.byzantine = {3};
    plan_.seed = 5;
  }

  void AddPhase(const std::string& adversary, std::vector<int> nodes, Params params, int line) {
    Phase phase;
    phase.at = absl::Seconds(1);
    phase.length = absl::Seconds(2);
    phase.adversary = adversary;
    phase.nodes = std::move(nodes);
    phase.params = std::move(params);
    phase.line = line;
    plan_.timeline.push_back(std::move(phase));
  }

  Plan plan_;
};

TEST_F(PhaseCheckTest, ValidPhasesPass) {
  AddPhase("delay", {0}, {{"by", absl::Milliseconds(10)}}, 9);
  AddPhase("equivocation", {3}, {{"split", std::vector<std::vector<int>>{{0}, {1, 2}}}}, 10);
  EXPECT_TRUE(CheckPhases(plan_, target_, plan_.seed).ok());
}

TEST_F(PhaseCheckTest, NotesNamePhasesThatMakeTheirNodesNoFaultyReplicas) {
  AddPhase("delay", {0, 1}, {{"by", absl::Milliseconds(200)}}, 9);
  AddPhase("delay", {2}, {{"by", absl::Milliseconds(300)}}, 10);
  AddPhase("partition", {}, {{"groups", std::vector<std::vector<int>>{{0, 1, 2}, {3}}}}, 11);
  EXPECT_TRUE(PhaseNotes(plan_, target_, plan_.seed).empty()) << "no delta, no slow phases";
  plan_.delta = absl::Milliseconds(250);
  EXPECT_EQ(PhaseNotes(plan_, target_, plan_.seed),
            std::vector<std::string>{"plans/p.yaml:9: phase 0 (delay) makes no replica faulty: "
                                     "at most 200ms added latency, within delta 250ms: slow, "
                                     "not faulty"});
}

TEST_F(PhaseCheckTest, AnAdversarysOwnErrorNamesThePlanAndThePhasesLine) {
  AddPhase("delay", {0}, {{"by", absl::Milliseconds(10)}}, 9);
  AddPhase("random", {3}, {{"round", absl::Milliseconds(50)}}, 12);
  const absl::Status s = CheckPhases(plan_, target_, plan_.seed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "plans/p.yaml:12: phase 1 (random): round must be at least 200ms");
}

TEST_F(PhaseCheckTest, ANetworkPhaseThatActsOnNoLinkIsBadInput) {
  AddPhase("omission", {1}, {{"to", std::vector<int>{1}}}, 14);
  const absl::Status s = CheckPhases(plan_, target_, plan_.seed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("plans/p.yaml:14: phase 0 (omission) acts on no link"),
            absl::string_view::npos)
      << s.message();
  plan_.timeline[0].params["to"] = std::vector<int>{1, 2};
  EXPECT_TRUE(CheckPhases(plan_, target_, plan_.seed).ok()) << "1 -> 2 is a link";
}

TEST_F(PhaseCheckTest, APartitionWithEveryReplicaInOneGroupIsBadInput) {
  AddPhase("partition", {}, {{"groups", std::vector<std::vector<int>>{{0, 1, 2, 3}}}}, 11);
  const absl::Status s = CheckPhases(plan_, target_, plan_.seed);
  EXPECT_NE(s.message().find("phase 0 (partition) acts on no link"), absl::string_view::npos)
      << s.message();
}

TEST_F(PhaseCheckTest, AGeneratedPhaseOnNoLinkIsLeftToTheReport) {
  AddPhase("omission", {1}, {{"to", std::vector<int>{1}}}, 14);
  plan_.timeline[0].generated = true;
  EXPECT_TRUE(CheckPhases(plan_, target_, plan_.seed).ok());
}

TEST_F(PhaseCheckTest, BothNamingAnEquivocatorIsBadInputAtThePhasesLine) {
  AddPhase("equivocation", {3},
           {{"split", std::vector<std::vector<int>>{{0}, {1, 2}}}, {"both", std::vector<int>{2}}},
           10);
  EXPECT_TRUE(CheckPhases(plan_, target_, plan_.seed).ok()) << "2 may be in split and both";
  plan_.timeline[0].params["both"] = std::vector<int>{3};
  const absl::Status s = CheckPhases(plan_, target_, plan_.seed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("plans/p.yaml:10: phase 0 (equivocation): both: replica 3 is one "
                             "of the phase's nodes [3]"),
            absl::string_view::npos)
      << s.message();
}

TEST_F(PhaseCheckTest, ATargetWithoutValuesCannotRunEquivocation) {
  target_.protocol.messages[0].values.clear();
  AddPhase("equivocation", {3}, {{"split", std::vector<std::vector<int>>{{0}, {1, 2}}}}, 10);
  const absl::Status s = CheckPhases(plan_, target_, plan_.seed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("plans/p.yaml:10: targets/refbft.yaml: equivocation rewrites"),
            absl::string_view::npos)
      << s.message();
}

TEST_F(PhaseCheckTest, ATargetWithoutCertificatesCannotRunTheCertificateAdversary) {
  AddPhase("certificate", {3}, {}, 11);
  const absl::Status s = CheckPhases(plan_, target_, plan_.seed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "plans/p.yaml:11: phase 0 (certificate): no kind of peer message in "
            "targets/refbft.yaml names a certificate; describe where a message embeds other "
            "replicas' signed messages under certificates: in its protocol.messages entry "
            "(docs/target-format.md)");
}

TEST_F(PhaseCheckTest, TwinsPhasesAreCheckedTogether) {
  AddPhase("twins", {3}, {{"split", std::vector<std::vector<int>>{{0}, {1, 2}}}}, 9);
  AddPhase("twins", {3}, {{"split", std::vector<std::vector<int>>{{1}, {0, 2}}}}, 10);
  plan_.timeline[1].at = absl::Seconds(5);
  const absl::Status s = CheckPhases(plan_, target_, plan_.seed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().substr(0, 14), "plans/p.yaml: ") << s.message();
}

TEST_F(PhaseCheckTest, ContextCarriesTheRunsSeedAndOnlyByzantineKeys) {
  AddPhase("delay", {0}, {{"by", absl::Milliseconds(10)}}, 9);
  const AdversaryContext context = PhaseContext(plan_, target_, 0, 42, "/run/keys");
  EXPECT_EQ(context.seed, 42u * 7919);
  EXPECT_EQ(context.phase, &plan_.timeline[0]);
  EXPECT_EQ(context.byzantine_key_path(3), "/run/keys/3.key");
  EXPECT_EQ(context.byzantine_key_path(0), "");
}

}  // namespace
}  // namespace turncoat
