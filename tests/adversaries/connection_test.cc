// The connection and bandwidth adversaries: the rules they build for a
// target on TCP, their repetition and healing, and their refusal on gRPC.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "adversaries/adversary.h"
#include "gtest/gtest.h"
#include "tests/adversaries/adversary_test_util.h"

namespace turncoat {
namespace {

class ConnectionAdversaryTest : public AdversaryTest {
 protected:
  ConnectionAdversaryTest() {
    target_.transport = Transport::kTcp;
    target_.name = "tcpish";
    target_.protocol.messages.clear();
  }

  std::set<std::string> Ids() const {
    std::set<std::string> ids;
    for (const auto& [key, rule] : control_.rules) ids.insert(rule.id());
    return ids;
  }
};

using Links = std::set<std::pair<int, int>>;

TEST_F(ConnectionAdversaryTest, CutPlusRefuseCutsAndRefusesOnEveryOutgoingLinkAndHeals) {
  auto fault = Make("connection", {1}, {{"fault", std::string("cut+refuse")}});
  ASSERT_NE(fault, nullptr);
  ASSERT_TRUE(fault->Start(control_).ok());
  EXPECT_EQ(control_.Links(agent::v1::Action::CUT), (Links{{1, 0}, {1, 2}, {1, 3}}));
  EXPECT_EQ(control_.Links(agent::v1::Action::REFUSE), (Links{{1, 0}, {1, 2}, {1, 3}}));
  for (const auto& [key, rule] : control_.rules) {
    // A connection carries no one message: no method, no kinds.
    EXPECT_EQ(rule.method(), "");
    EXPECT_EQ(rule.kinds_size(), 0);
  }
  EXPECT_EQ(Ids(), (std::set<std::string>{"p3-connection-cut", "p3-connection-refuse"}));
  EXPECT_EQ(control_.changes, 1) << "cut and refusal start together";
  ASSERT_TRUE(fault->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(ConnectionAdversaryTest, ResetAloneLeavesNewConnectionsAndRefuseAloneLiveOnes) {
  auto reset = Make("connection", {2}, {{"fault", std::string("reset")}, {"to", std::vector<int>{0}}});
  ASSERT_NE(reset, nullptr);
  ASSERT_TRUE(reset->Start(control_).ok());
  EXPECT_EQ(control_.Links(agent::v1::Action::RESET), (Links{{2, 0}}));
  EXPECT_EQ(control_.rules.size(), 1u);
  ASSERT_TRUE(reset->Stop(control_).ok());

  auto refuse = Make("connection", {2}, {{"fault", std::string("refuse")}});
  ASSERT_NE(refuse, nullptr);
  ASSERT_TRUE(refuse->Start(control_).ok());
  EXPECT_EQ(control_.Links(agent::v1::Action::REFUSE), (Links{{2, 0}, {2, 1}, {2, 3}}));
  EXPECT_TRUE(control_.Links(agent::v1::Action::CUT).empty());
  ASSERT_TRUE(refuse->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(ConnectionAdversaryTest, EveryCutsAgainWithANewRuleEachTime) {
  auto fault = Make("connection", {0},
                    {{"fault", std::string("cut+refuse")}, {"every", absl::Seconds(2)},
                     {"to", std::vector<int>{1}}});
  ASSERT_NE(fault, nullptr);
  ASSERT_TRUE(fault->Start(control_).ok());
  ASSERT_TRUE(fault->Tick(control_, absl::Milliseconds(1500)).ok());
  EXPECT_EQ(Ids(), (std::set<std::string>{"p3-connection-cut", "p3-connection-refuse"}));
  ASSERT_TRUE(fault->Tick(control_, absl::Milliseconds(2100)).ok());
  EXPECT_EQ(Ids(), (std::set<std::string>{"p3-connection-cut-2", "p3-connection-refuse"}));
  ASSERT_TRUE(fault->Tick(control_, absl::Milliseconds(2500)).ok());
  EXPECT_EQ(control_.changes, 2) << "one cut per period";
  ASSERT_TRUE(fault->Tick(control_, absl::Milliseconds(6300)).ok());
  EXPECT_EQ(Ids(), (std::set<std::string>{"p3-connection-cut-4", "p3-connection-refuse"}));
  ASSERT_TRUE(fault->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(ConnectionAdversaryTest, EveryWithoutACutIsRefused) {
  auto fault = TryMake("connection", {0},
                       {{"fault", std::string("refuse")}, {"every", absl::Seconds(2)}});
  ASSERT_FALSE(fault.ok());
  EXPECT_TRUE(absl::StrContains(fault.status().message(), "`every` repeats a cut or reset"))
      << fault.status();
}

TEST_F(ConnectionAdversaryTest, BandwidthPacesEveryOutgoingLinkAtItsRate) {
  auto limit = Make("bandwidth", {3}, {{"rate", 16.0 * 1024}, {"to", std::vector<int>{0, 1}}});
  ASSERT_NE(limit, nullptr);
  ASSERT_TRUE(limit->Start(control_).ok());
  EXPECT_EQ(control_.Links(agent::v1::Action::PACE), (Links{{3, 0}, {3, 1}}));
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_DOUBLE_EQ(rule.action().bytes_per_second(), 16384);
    EXPECT_EQ(rule.id(), "p3-bandwidth");
  }
  ASSERT_TRUE(limit->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(AdversaryTest, ConnectionFaultsAreRefusedOnGrpcTargets) {
  for (const auto& [name, params] :
       std::vector<std::pair<std::string, Params>>{{"connection", {{"fault", std::string("cut")}}},
                                                   {"bandwidth", {{"rate", 2048.0}}}}) {
    auto fault = TryMake(name, {1}, params);
    ASSERT_FALSE(fault.ok()) << name;
    EXPECT_EQ(fault.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(absl::StrContains(fault.status().message(), "is on gRPC")) << fault.status();
    EXPECT_TRUE(absl::StrContains(fault.status().message(), "transport: tcp")) << fault.status();
  }
}

}  // namespace
}  // namespace turncoat
