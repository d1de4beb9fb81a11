#include "targets/refbft/quorum.h"

#include <vector>

#include "gtest/gtest.h"

namespace refbft {
namespace {

class QuorumTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kN = 4;
  static constexpr uint32_t kF = 1;

  void SetUp() override {
    for (uint32_t i = 0; i < kN; ++i) {
      keys_.push_back(*turncoat::Ed25519PrivateKey::Generate());
      pubs_.push_back(keys_.back().PublicKey());
    }
  }

  QuorumRules Rules(const char* bugs = "") { return QuorumRules(kN, kF, *BugSet::Parse(bugs), pubs_); }

  Envelope SignedVote(uint32_t signer, uint32_t claimed_sender, uint64_t view = 3,
                      const std::string& hash = "h") {
    Message m;
    Vote* v = m.mutable_vote();
    v->set_phase(PREPARE);
    v->set_height(1);
    v->set_view(view);
    v->set_block_hash(hash);
    Envelope env;
    env.set_sender(claimed_sender);
    m.SerializeToString(env.mutable_payload());
    env.set_signature(keys_[signer].Sign(env.payload()));
    return env;
  }

  QuorumCert Cert(const std::vector<Envelope>& votes) {
    QuorumCert qc;
    qc.set_phase(PREPARE);
    qc.set_height(1);
    qc.set_view(3);
    qc.set_block_hash("h");
    for (const Envelope& e : votes) *qc.add_votes() = e;
    return qc;
  }

  std::vector<turncoat::Ed25519PrivateKey> keys_;
  std::vector<turncoat::Ed25519PublicKey> pubs_;
};

TEST_F(QuorumTest, BlockHashCoversHeightAndValuesOnly) {
  Block a;
  a.set_height(1);
  a.add_values("x");
  Block b = a;
  EXPECT_EQ(BlockHash(a), BlockHash(b));
  b.set_height(2);
  EXPECT_NE(BlockHash(a), BlockHash(b));
  Block c = a;
  c.add_values("y");
  EXPECT_NE(BlockHash(a), BlockHash(c));
  // Length prefixes keep ["ab"] and ["a", "b"] apart.
  Block d, e;
  d.add_values("ab");
  e.add_values("a");
  e.add_values("b");
  EXPECT_NE(BlockHash(d), BlockHash(e));
}

TEST_F(QuorumTest, OpenRejectsForgedSignaturesUnlessTheBugIsPlanted) {
  const Envelope forged = SignedVote(/*signer=*/0, /*claimed_sender=*/2);
  EXPECT_EQ(Rules().Open(forged).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Rules("skip-signature-check").Open(forged).ok());
  EXPECT_TRUE(Rules().Open(SignedVote(2, 2)).ok());
  EXPECT_FALSE(Rules().Open(SignedVote(0, 7)).ok());  // no such replica
}

// Open remembers envelopes that verified; what it remembers must never let
// a different envelope through: the same signature over other bytes, or
// claimed by another sender.
TEST_F(QuorumTest, ARememberedSignatureVouchesForExactlyItsEnvelope) {
  const QuorumRules rules = Rules();
  const Envelope vote = SignedVote(1, 1);
  ASSERT_TRUE(rules.Open(vote).ok());
  EXPECT_TRUE(rules.Open(vote).ok());
  Envelope other_bytes = SignedVote(1, 1, /*view=*/4);
  other_bytes.set_signature(vote.signature());
  EXPECT_EQ(rules.Open(other_bytes).status().code(), absl::StatusCode::kUnauthenticated);
  Envelope other_sender = vote;
  other_sender.set_sender(2);
  EXPECT_EQ(rules.Open(other_sender).status().code(), absl::StatusCode::kUnauthenticated);
  // A certificate made of votes already seen one by one still counts them.
  EXPECT_TRUE(rules.VerifyQc(Cert({SignedVote(0, 0), vote, SignedVote(2, 2)})).ok());
  EXPECT_TRUE(rules.VerifyQc(Cert({SignedVote(0, 0), vote, SignedVote(2, 2)})).ok());
  EXPECT_FALSE(rules.VerifyQc(Cert({SignedVote(0, 0), vote, other_sender})).ok());
}

TEST_F(QuorumTest, CertificateNeedsNMinusFDistinctValidVotes) {
  const QuorumRules rules = Rules();
  EXPECT_EQ(rules.quorum_size(), 3u);
  EXPECT_TRUE(rules.VerifyQc(Cert({SignedVote(0, 0), SignedVote(1, 1), SignedVote(2, 2)})).ok());
  EXPECT_FALSE(rules.VerifyQc(Cert({SignedVote(0, 0), SignedVote(1, 1)})).ok());
  // A vote for another view or block does not count toward this certificate.
  EXPECT_FALSE(rules.VerifyQc(Cert({SignedVote(0, 0), SignedVote(1, 1), SignedVote(2, 2, 4)})).ok());
  EXPECT_FALSE(
      rules.VerifyQc(Cert({SignedVote(0, 0), SignedVote(1, 1), SignedVote(2, 2, 3, "other")})).ok());
  // A forged vote in the certificate spoils it.
  EXPECT_FALSE(rules.VerifyQc(Cert({SignedVote(0, 0), SignedVote(1, 1), SignedVote(0, 3)})).ok());
}

TEST_F(QuorumTest, SmallQuorumBugAcceptsNMinusFMinusOneVotes) {
  const QuorumCert two = Cert({SignedVote(0, 0), SignedVote(1, 1)});
  EXPECT_FALSE(Rules().VerifyQc(two).ok());
  EXPECT_EQ(Rules("small-quorum").quorum_size(), 2u);
  EXPECT_TRUE(Rules("small-quorum").VerifyQc(two).ok());
}

TEST_F(QuorumTest, CountDuplicateVotesBugCountsOneReplicaTwice) {
  const QuorumCert dup = Cert({SignedVote(0, 0), SignedVote(0, 0), SignedVote(1, 1)});
  EXPECT_FALSE(Rules().VerifyQc(dup).ok());
  EXPECT_TRUE(Rules("count-duplicate-votes").VerifyQc(dup).ok());
}

TEST_F(QuorumTest, QcAnyRoundBugAcceptsVotesOfAnotherHeightOrViewForTheSameBlock) {
  // Votes of view 3 in a certificate that claims view 4, or another height.
  QuorumCert relabelled = Cert({SignedVote(0, 0), SignedVote(1, 1), SignedVote(2, 2)});
  relabelled.set_view(4);
  EXPECT_FALSE(Rules().VerifyQc(relabelled).ok());
  EXPECT_TRUE(Rules("qc-any-round").VerifyQc(relabelled).ok());
  relabelled.set_view(3);
  relabelled.set_height(relabelled.height() + 1);
  EXPECT_FALSE(Rules().VerifyQc(relabelled).ok());
  EXPECT_TRUE(Rules("qc-any-round").VerifyQc(relabelled).ok());
  // What the votes are for is still checked.
  relabelled.set_block_hash("other");
  EXPECT_FALSE(Rules("qc-any-round").VerifyQc(relabelled).ok());
}

TEST_F(QuorumTest, CollectorCertifiesOnceAtQuorumAndIgnoresRepeats) {
  const QuorumRules rules = Rules();
  VoteCollector votes(&rules, 1, 3);
  Message m;
  ASSERT_TRUE(m.ParseFromString(SignedVote(0, 0).payload()));
  EXPECT_FALSE(votes.Add(SignedVote(0, 0), m.vote()).has_value());
  EXPECT_FALSE(votes.Add(SignedVote(0, 0), m.vote()).has_value());  // repeat
  EXPECT_FALSE(votes.Add(SignedVote(1, 1), m.vote()).has_value());
  auto qc = votes.Add(SignedVote(2, 2), m.vote());
  ASSERT_TRUE(qc.has_value());
  EXPECT_EQ(qc->votes_size(), 3);
  EXPECT_TRUE(rules.VerifyQc(*qc).ok());
  EXPECT_FALSE(votes.Add(SignedVote(3, 3), m.vote()).has_value());  // already certified
}

TEST_F(QuorumTest, CollectorWithDuplicateBugCertifiesFromTwoReplicas) {
  const QuorumRules rules = Rules("count-duplicate-votes");
  VoteCollector votes(&rules, 1, 3);
  Message m;
  ASSERT_TRUE(m.ParseFromString(SignedVote(0, 0).payload()));
  votes.Add(SignedVote(0, 0), m.vote());
  votes.Add(SignedVote(0, 0), m.vote());
  EXPECT_TRUE(votes.Add(SignedVote(1, 1), m.vote()).has_value());
}

}  // namespace
}  // namespace refbft
