// The certificate adversary: where it places its rules (the Byzantine
// nodes' outgoing links, only messages whose kind names a certificate),
// what it tells the agent's `certificate` rewriter (the run's n and f, the
// mutations, a pool per node, its seed and the node's own key), and what it
// refuses. What the rewriter then does to messages is tested in
// tests/agents/certificate_rewriter_test.cc.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "tests/adversaries/adversary_test_util.h"

namespace turncoat {
namespace {

class CertificateAdversaryTest : public AdversaryTest {
 protected:
  CertificateAdversaryTest() {
    n_ = 7;
    byzantine_ = {5, 6};
    CertificateSpec qc;
    qc.at = {"payload.phase_cert.qc", "payload.decide.commit_qc"};
    qc.votes = "votes";
    qc.round = {{"height"}, {"view"}};
    qc.vote.sender = "sender";
    qc.vote.signature.field = "signature";
    target_.protocol.messages[0].certificates = {qc};
  }
};

TEST_F(CertificateAdversaryTest, RewritesWhatEachByzantineNodeSendsWithItsOwnKey) {
  auto adversary = Make("certificate", {5, 6},
                        {{"mutations", std::vector<std::string>{"swap", "relabel"}},
                         {"messages", std::vector<std::string>{"decide"}},
                         {"to", std::vector<int>{0, 1}}});
  ASSERT_NE(adversary, nullptr);
  ASSERT_TRUE(adversary->Start(control_).ok());
  EXPECT_EQ(control_.changes, 1) << "one change on every link at once";
  EXPECT_EQ(control_.Links(), (std::set<std::pair<int, int>>{{5, 0}, {5, 1}, {6, 0}, {6, 1}}));
  std::set<std::string> seeds;
  for (const auto& [key, rule] : control_.rules) {
    const int from = std::get<0>(key);
    EXPECT_EQ(rule.method(), "/refbft.Peer/Send");
    ASSERT_EQ(rule.kinds_size(), 1);
    EXPECT_EQ(rule.kinds(0), "decide");
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::REWRITE);
    EXPECT_EQ(rule.action().rewriter(), "certificate");
    const auto& params = rule.action().params();
    EXPECT_EQ(params.at("n"), "7");
    EXPECT_EQ(params.at("f"), "2");
    EXPECT_EQ(params.at("mutations"), "swap,relabel");
    EXPECT_EQ(params.at("key"), absl::StrCat("keys/", from, ".key"));
    EXPECT_EQ(params.at("pool"), absl::StrCat("certificate-3-", from))
        << "one pool per node and phase: a node swaps in votes seen on any of its links";
    seeds.insert(params.at("seed"));
  }
  EXPECT_EQ(seeds.size(), 4u) << "each link draws its own mutations";
  ASSERT_TRUE(adversary->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(CertificateAdversaryTest, DrawsFromEveryMutationByDefault) {
  auto adversary = Make("certificate", {5}, {});
  ASSERT_NE(adversary, nullptr);
  ASSERT_TRUE(adversary->Start(control_).ok());
  ASSERT_EQ(control_.rules.size(), 6u);
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().params().at("mutations"), "swap,drop,repeat,relabel");
    EXPECT_EQ(rule.kinds_size(), 0) << "every kind of the message that names a certificate";
  }
}

TEST_F(CertificateAdversaryTest, RefusesUnknownMutations) {
  auto bad = TryMake("certificate", {5}, {{"mutations", std::vector<std::string>{"swap", "forge"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "phase 3 (certificate): mutation 'forge' is not one of swap, drop, repeat, relabel");
  auto none = TryMake("certificate", {5}, {{"mutations", std::vector<std::string>{}}});
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(absl::StrContains(none.status().message(), "mutations is empty"));
}

TEST_F(CertificateAdversaryTest, RefusesATargetWhoseMessagesNameNoCertificate) {
  target_.protocol.messages[0].certificates.clear();
  auto refused = TryMake("certificate", {5}, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "phase 3 (certificate): no kind of peer message in targets/refbft.yaml names a "
            "certificate; describe where a message embeds other replicas' signed messages under "
            "certificates: in its protocol.messages entry (docs/target-format.md)");
}

TEST_F(CertificateAdversaryTest, IsDeclaredForByzantineNodesWithTypedParams) {
  const AdversaryInfo* info = AdversaryRegistry::Global().Find("certificate");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->nodes, NodeRule::kByzantine);
  ASSERT_NE(info->FindParam("mutations"), nullptr);
  EXPECT_EQ(info->FindParam("mutations")->kind, ParamKind::kStringList);
  ASSERT_NE(info->FindParam("probability"), nullptr);
  EXPECT_EQ(info->FindParam("probability")->kind, ParamKind::kProbability);
}

}  // namespace
}  // namespace turncoat
