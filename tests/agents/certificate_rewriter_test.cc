// The "certificate" rewriter on real refbft messages whose certificates hold
// votes genuinely signed by four replicas: each mutation changes the
// certificate as it claims, the result decodes, the outer envelope is
// re-signed by the Byzantine replica, and every embedded vote is one of the
// votes it saw, byte for byte, its signature still valid.
#include <algorithm>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agents/frame.h"
#include "agents/message_codec.h"
#include "agents/message_model.h"
#include "agents/message_rewriter.h"
#include "common/ed25519.h"
#include "gtest/gtest.h"
#include "targets/refbft/refbft.pb.h"
#include "tests/agents/refbft_fixture.h"

namespace turncoat {
namespace agent {
namespace refbft_test {
namespace {

class CertificateRewriterTest : public RefbftTest {
 protected:
  void SetUp() override { model_ = BuildModel(/*certificates=*/true); }

  static refbft::Envelope Vote(uint32_t sender, refbft::Phase phase, uint64_t height, uint64_t view,
                               const std::string& block) {
    refbft::Message m;
    refbft::Vote* v = m.mutable_vote();
    v->set_phase(phase);
    v->set_height(height);
    v->set_view(view);
    v->set_block_hash(block);
    return Sealed(m, sender);
  }

  static refbft::QuorumCert Qc(refbft::Phase phase, uint64_t height, uint64_t view,
                               const std::string& block, std::vector<uint32_t> voters) {
    refbft::QuorumCert qc;
    qc.set_phase(phase);
    qc.set_height(height);
    qc.set_view(view);
    qc.set_block_hash(block);
    for (uint32_t voter : voters) *qc.add_votes() = Vote(voter, phase, height, view, block);
    return qc;
  }

  // A phase certificate the Byzantine replica 1 broadcasts, as bytes.
  static std::string PhaseCert(const refbft::QuorumCert& qc) {
    refbft::Message m;
    *m.mutable_phase_cert()->mutable_qc() = qc;
    return Sealed(m, kByzantine).SerializeAsString();
  }

  std::unique_ptr<MessageRewriter> Make(const std::string& mutations, const std::string& pool = "",
                                        uint64_t seed = 1) {
    RewriterParams params = {{"key", KeyPath(kByzantine)},
                             {"n", "4"},
                             {"f", "1"},
                             {"mutations", mutations},
                             {"seed", absl::StrCat(seed)}};
    if (!pool.empty()) params["pool"] = pool;
    RewriterContext context{&params, codec(), codec()->FindMessage("refbft.Envelope"),
                            model_.get(), model_->ForMethod(kSend)};
    auto rewriter = RewriterRegistry::Create("certificate", context);
    EXPECT_TRUE(rewriter.ok()) << rewriter.status();
    return rewriter.ok() ? *std::move(rewriter) : nullptr;
  }

  std::string Run(MessageRewriter& rewriter, const std::string& bytes) {
    Frame frame(1, {kByzantine, 0}, kSend, Direction::kRequest, bytes, codec(), nullptr,
                model_.get());
    auto out = rewriter.Rewrite(frame);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok() || out->size() != 1) {
      ADD_FAILURE() << "expected one message out";
      return "";
    }
    return (*out)[0];
  }

  // The rewritten bytes as a phase certificate; checks that the envelope
  // is the Byzantine replica's, validly signed, and every vote in it is
  // validly signed by its sender.
  static refbft::QuorumCert Opened(const std::string& bytes) {
    refbft::Envelope env;
    EXPECT_TRUE(env.ParseFromString(bytes));
    EXPECT_EQ(env.sender(), kByzantine);
    EXPECT_TRUE(Public(kByzantine).Verify(env.payload(), env.signature()));
    refbft::Message m;
    EXPECT_TRUE(m.ParseFromString(env.payload()));
    EXPECT_TRUE(m.has_phase_cert());
    for (const refbft::Envelope& vote : m.phase_cert().qc().votes()) {
      if (vote.sender() >= 4) {
        ADD_FAILURE() << "vote of unknown sender " << vote.sender();
        continue;
      }
      EXPECT_TRUE(Public(vote.sender()).Verify(vote.payload(), vote.signature()))
          << "vote of " << vote.sender() << " no longer verifies";
    }
    return m.phase_cert().qc();
  }

  static std::vector<std::string> VoteBytes(const refbft::QuorumCert& qc) {
    std::vector<std::string> out;
    for (const refbft::Envelope& v : qc.votes()) out.push_back(v.SerializeAsString());
    return out;
  }

  std::shared_ptr<const MessageModel> model_;
};

TEST_F(CertificateRewriterTest, SwapPutsInAVoteOfAnotherRoundFromTheSameSender) {
  auto rewriter = Make("swap");
  const refbft::QuorumCert earlier = Qc(refbft::PREPARE, 3, 0, "block-a", {0, 2, 3});
  const refbft::QuorumCert now = Qc(refbft::PREPARE, 3, 1, "block-b", {0, 2, 3});
  // Nothing of another round has been seen yet: nothing to swap in.
  const std::string first = PhaseCert(earlier);
  EXPECT_EQ(Run(*rewriter, first), first);

  const refbft::QuorumCert out = Opened(Run(*rewriter, PhaseCert(now)));
  EXPECT_EQ(out.view(), 1u);
  EXPECT_EQ(out.block_hash(), "block-b");
  ASSERT_EQ(out.votes_size(), 3);
  const std::vector<std::string> before = VoteBytes(now), from_earlier = VoteBytes(earlier);
  int swapped = 0;
  for (int i = 0; i < out.votes_size(); ++i) {
    const std::string bytes = out.votes(i).SerializeAsString();
    if (bytes == before[i]) continue;
    ++swapped;
    EXPECT_EQ(bytes, from_earlier[i]) << "the swapped-in vote is the same sender's earlier one";
  }
  EXPECT_EQ(swapped, 1);
}

TEST_F(CertificateRewriterTest, SwapTakesTheReplicasOwnVotesIntoThePool) {
  auto rewriter = Make("swap");
  refbft::Message vote;
  vote.mutable_vote()->set_phase(refbft::PREPARE);
  vote.mutable_vote()->set_height(2);
  vote.mutable_vote()->set_view(0);
  vote.mutable_vote()->set_block_hash("old");
  const std::string own = Sealed(vote, kByzantine).SerializeAsString();
  EXPECT_EQ(Run(*rewriter, own), own);  // a vote carries no certificate
  const refbft::QuorumCert out =
      Opened(Run(*rewriter, PhaseCert(Qc(refbft::PREPARE, 3, 0, "new", {0, 1, 2}))));
  bool found = false;
  for (const refbft::Envelope& v : out.votes()) found |= v.SerializeAsString() == own;
  EXPECT_TRUE(found) << "replica 1's own earlier vote replaces its vote in the certificate";
}

TEST_F(CertificateRewriterTest, DropLeavesOneVoteLessThanAQuorum) {
  auto rewriter = Make("drop");
  const refbft::QuorumCert qc = Qc(refbft::COMMIT, 5, 2, "block", {0, 1, 2, 3});
  const refbft::QuorumCert out = Opened(Run(*rewriter, PhaseCert(qc)));
  ASSERT_EQ(out.votes_size(), 2);  // quorum of n = 4, f = 1 is 3
  const std::vector<std::string> before = VoteBytes(qc);
  const std::vector<std::string> after = VoteBytes(out);
  EXPECT_NE(after[0], after[1]);
  for (const std::string& v : after) {
    EXPECT_NE(std::find(before.begin(), before.end(), v), before.end());
  }
  EXPECT_EQ(out.height(), 5u);
  EXPECT_EQ(out.view(), 2u);
  // A certificate already below the quorum is left alone.
  const std::string small = PhaseCert(Qc(refbft::COMMIT, 5, 2, "block", {0, 2}));
  EXPECT_EQ(Run(*rewriter, small), small);
}

TEST_F(CertificateRewriterTest, RepeatCopiesOneVoteOverAnother) {
  auto rewriter = Make("repeat");
  const refbft::QuorumCert qc = Qc(refbft::PRE_COMMIT, 4, 0, "block", {0, 2, 3});
  const refbft::QuorumCert out = Opened(Run(*rewriter, PhaseCert(qc)));
  ASSERT_EQ(out.votes_size(), 3);
  const std::vector<std::string> before = VoteBytes(qc), after = VoteBytes(out);
  int kept = 0;
  for (size_t i = 0; i < after.size(); ++i) kept += after[i] == before[i];
  EXPECT_EQ(kept, 2);
  std::set<std::string> distinct(after.begin(), after.end());
  EXPECT_EQ(distinct.size(), 2u) << "one vote now appears twice";
}

TEST_F(CertificateRewriterTest, RelabelMovesTheCertificatesHeightOrViewAndKeepsItsVotes) {
  int height_moves = 0, view_moves = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    auto rewriter = Make("relabel", "", seed);
    const refbft::QuorumCert qc = Qc(refbft::PREPARE, 7, 3, "block", {0, 2, 3});
    const refbft::QuorumCert out = Opened(Run(*rewriter, PhaseCert(qc)));
    EXPECT_EQ(VoteBytes(out), VoteBytes(qc));
    EXPECT_EQ(out.block_hash(), "block");
    const int dh = static_cast<int>(out.height()) - 7, dv = static_cast<int>(out.view()) - 3;
    EXPECT_EQ(std::abs(dh) + std::abs(dv), 1) << "exactly one field moved by one";
    height_moves += dh != 0;
    view_moves += dv != 0;
  }
  EXPECT_GT(height_moves, 0);
  EXPECT_GT(view_moves, 0);
}

TEST_F(CertificateRewriterTest, RelabelReachesEveryPlaceACertificateMayBe) {
  auto rewriter = Make("relabel");
  refbft::Message m;
  *m.mutable_decide()->mutable_commit_qc() = Qc(refbft::COMMIT, 2, 0, "b", {0, 2, 3});
  m.mutable_decide()->mutable_block()->set_height(2);
  const std::string out = Run(*rewriter, Sealed(m, kByzantine).SerializeAsString());
  refbft::Envelope env;
  ASSERT_TRUE(env.ParseFromString(out));
  refbft::Message decoded;
  ASSERT_TRUE(decoded.ParseFromString(env.payload()));
  const refbft::QuorumCert& qc = decoded.decide().commit_qc();
  // A view of 0 can only move up; the height moves either way.
  EXPECT_EQ((qc.height() != 2) + (qc.view() != 0), 1);
  EXPECT_EQ(decoded.decide().block().height(), 2u);
}

TEST_F(CertificateRewriterTest, MessagesWithoutACertificatePassUnchanged) {
  auto rewriter = Make("swap,drop,repeat,relabel");
  refbft::Message forward;
  forward.mutable_forward()->add_values("v");
  const std::string bytes = Sealed(forward, kByzantine).SerializeAsString();
  EXPECT_EQ(Run(*rewriter, bytes), bytes);
}

TEST_F(CertificateRewriterTest, TheSeedChoosesTheMutation) {
  const std::string bytes = PhaseCert(Qc(refbft::PREPARE, 3, 1, "b", {0, 2, 3}));
  auto a = Make("drop,repeat,relabel", "", 7);
  auto b = Make("drop,repeat,relabel", "", 7);
  std::set<std::string> outcomes;
  for (int i = 0; i < 6; ++i) {
    const refbft::QuorumCert x = Opened(Run(*a, bytes)), y = Opened(Run(*b, bytes));
    EXPECT_EQ(VoteBytes(x), VoteBytes(y));
    EXPECT_EQ(x.height(), y.height());
    EXPECT_EQ(x.view(), y.view());
    outcomes.insert(absl::StrCat(x.votes_size(), "/", x.height(), "/", x.view()));
  }
  EXPECT_GT(outcomes.size(), 1u) << "several mutations drawn over six messages";
}

TEST_F(CertificateRewriterTest, ChecksItsParamsAndTheTarget) {
  RewriterParams params = {{"n", "4"}, {"f", "1"}, {"mutations", "swap,shuffle"},
                           {"key", KeyPath(1)}};
  RewriterContext context{&params, codec(), nullptr, model_.get(), nullptr};
  auto bad = RewriterRegistry::Create("certificate", context);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'shuffle' is not one of swap, drop, repeat, relabel"),
            std::string::npos)
      << bad.status();
  params = {{"f", "1"}, {"key", KeyPath(1)}};
  EXPECT_FALSE(RewriterRegistry::Create("certificate", context).ok()) << "n is required";

  auto plain = MessageModel::Build(RefbftModelSpec(/*certificates=*/false), schema());
  ASSERT_TRUE(plain.ok());
  params = {{"n", "4"}, {"f", "1"}, {"key", KeyPath(1)}};
  RewriterContext without{&params, codec(), nullptr, plain->get(), nullptr};
  auto refused = RewriterRegistry::Create("certificate", without);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("names a certificate"), std::string::npos);
}

}  // namespace
}  // namespace refbft_test
}  // namespace agent
}  // namespace turncoat
