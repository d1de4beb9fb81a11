// Adversaries on TCP targets: what byte-level faults become on framed and
// unframed streams, and what is refused where it cannot work.
#include <set>
#include <string>
#include <vector>

#include "adversaries/adversary.h"
#include "gtest/gtest.h"
#include "tests/adversaries/adversary_test_util.h"

namespace turncoat {
namespace {

class TcpAdversaryTest : public AdversaryTest {
 protected:
  TcpAdversaryTest() {
    target_.name = "tcpbft";
    target_.transport = Transport::kTcp;
    target_.protocol.messages.clear();
  }
  void Frame() {
    FramingDecl framing;
    framing.header_bytes = 16;
    framing.type = {4, 1};
    framing.length = {8, 4};
    framing.checksum = {12, 4};
    framing.types = {{5, "PREPARE"}, {6, "COMMIT"}};
    target_.protocol.framing = framing;
  }
};

TEST_F(TcpAdversaryTest, CorruptRewritesEveryOutgoingLinkWithItsOwnSeed) {
  Frame();
  auto corrupt = Make("corrupt", {0}, {{"bytes", 3.0}, {"reseal", std::string("false")},
                                       {"messages", std::vector<std::string>{"PREPARE"}}});
  ASSERT_NE(corrupt, nullptr);
  ASSERT_TRUE(corrupt->Start(control_).ok());
  EXPECT_EQ(control_.Links(), (std::set<std::pair<int, int>>{{0, 1}, {0, 2}, {0, 3}}));
  std::set<std::string> seeds;
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::REWRITE);
    EXPECT_EQ(rule.action().rewriter(), "corrupt");
    EXPECT_EQ(rule.method(), "");  // a TCP link has no methods
    EXPECT_EQ(std::vector<std::string>(rule.kinds().begin(), rule.kinds().end()),
              std::vector<std::string>{"PREPARE"});
    EXPECT_EQ(rule.action().params().at("bytes"), "3");
    EXPECT_EQ(rule.action().params().at("reseal"), "false");
    EXPECT_EQ(rule.action().params().count("header"), 0u);
    seeds.insert(rule.action().params().at("seed"));
  }
  EXPECT_EQ(seeds.size(), 3u) << "each link corrupts differently";
  ASSERT_TRUE(corrupt->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(TcpAdversaryTest, CorruptLeavesResealToTheAgentUnlessAsked) {
  Frame();
  auto corrupt = Make("corrupt", {1}, {});
  ASSERT_NE(corrupt, nullptr);
  ASSERT_TRUE(corrupt->Start(control_).ok());
  ASSERT_FALSE(control_.rules.empty());
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().params().count("reseal"), 0u);  // the rewriter's default: true
    EXPECT_EQ(rule.action().params().at("bytes"), "1");
  }
}

TEST_F(TcpAdversaryTest, ResealWithoutFramingIsRefused) {
  auto corrupt = TryMake("corrupt", {0}, {{"reseal", std::string("true")}});
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.status().message().find("protocol.framing"), std::string::npos)
      << corrupt.status();
  // Without reseal, raw reads are corrupted as they are.
  EXPECT_TRUE(TryMake("corrupt", {0}, {}).ok());
}

TEST_F(TcpAdversaryTest, ReplayWorksOnFramedStreamsOnly) {
  auto unframed = TryMake("replay", {0}, {{"after", absl::Seconds(1)}});
  ASSERT_FALSE(unframed.ok());
  EXPECT_NE(unframed.status().message().find("without protocol.framing"), std::string::npos)
      << unframed.status();

  Frame();
  auto replay = Make("replay", {0}, {{"after", absl::Seconds(1)}});
  ASSERT_NE(replay, nullptr);
  ASSERT_TRUE(replay->Start(control_).ok());
  EXPECT_EQ(control_.rules.size(), 3u);
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().rewriter(), "replay");
    EXPECT_EQ(rule.action().params().at("after"), "1s");
  }
}

TEST_F(TcpAdversaryTest, ReplayFromTheArchiveIsRefusedOnTcp) {
  Frame();
  auto replay = TryMake("replay", {0}, {{"older_than", absl::Seconds(20)}});
  ASSERT_FALSE(replay.ok());
  EXPECT_NE(replay.status().message().find("give `after`"), std::string::npos) << replay.status();
}

TEST_F(TcpAdversaryTest, ContentRewritingAdversariesStillRefuseTcp) {
  Frame();
  byzantine_ = {0};
  auto mutate = TryMake("mutate", {0}, {});
  EXPECT_FALSE(mutate.ok());
}

}  // namespace
}  // namespace turncoat
