// Quorum rules of refbft: envelope and certificate verification, block
// hashing, and the leader's vote collection. Three planted bugs live here
// because they are bugs in exactly these rules: skip-signature-check,
// small-quorum, count-duplicate-votes and qc-any-round.
//
// QuorumRules' rules are fixed at construction; it remembers the envelopes
// whose signatures it has verified (see Open), so even its const methods
// must not run concurrently. A Replica's single thread owns it.
#ifndef TURNCOAT_TARGETS_REFBFT_QUORUM_H_
#define TURNCOAT_TARGETS_REFBFT_QUORUM_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/ed25519.h"
#include "targets/refbft/bugs.h"
#include "targets/refbft/refbft.pb.h"

namespace refbft {

// SHA-256 over the height and the length-prefixed values: the identity of a
// block, independent of the view or leader that proposed it.
std::string BlockHash(const Block& block);

class QuorumRules {
 public:
  QuorumRules(uint32_t n, uint32_t f, BugSet bugs, std::vector<turncoat::Ed25519PublicKey> keys);

  uint32_t n() const { return n_; }
  uint32_t f() const { return f_; }
  // n - f votes; n - f - 1 with the small-quorum bug.
  size_t quorum_size() const;
  const BugSet& bugs() const { return bugs_; }

  // Checks the sender id and signature and parses the payload. A signature
  // over the same bytes by the same sender is verified once: a vote comes
  // back inside every certificate that counts it (a commit certificate
  // twice: in its phase certificate and in the decision), and at n = 31
  // verifying every vote of every certificate again was most of a
  // replica's CPU. Verification is a function of those bytes, so
  // remembering a success answers exactly as verifying again would.
  absl::StatusOr<Message> Open(const Envelope& envelope) const;
  // Checks that `qc` holds a quorum of valid votes from distinct replicas
  // (counting duplicates with the count-duplicate-votes bug), each a vote of
  // the certificate's phase, height, view and block hash (with the
  // qc-any-round bug, of any height and view).
  absl::Status VerifyQc(const QuorumCert& qc) const;

 private:
  uint32_t n_;
  uint32_t f_;
  BugSet bugs_;
  std::vector<turncoat::Ed25519PublicKey> keys_;
  // Envelopes (sender, signature, payload) that verified, oldest first;
  // bounded, since a vote is checked again only within a few heights.
  mutable absl::flat_hash_set<std::string> verified_;
  mutable std::deque<std::string> verified_order_;
};

// Accumulates votes of one view at the leader and hands out a certificate the
// first time a (phase, block) reaches a quorum.
class VoteCollector {
 public:
  VoteCollector(const QuorumRules* rules, uint64_t height, uint64_t view)
      : rules_(rules), height_(height), view_(view) {}

  // `vote` must be the verified payload of `envelope`. Returns the
  // certificate when this vote completes a quorum, once per (phase, block).
  std::optional<QuorumCert> Add(const Envelope& envelope, const Vote& vote);

 private:
  const QuorumRules* rules_;
  uint64_t height_;
  uint64_t view_;
  // (phase, block hash) -> votes so far; sender-unique unless the
  // count-duplicate-votes bug is planted.
  std::map<std::pair<int, std::string>, std::vector<Envelope>> votes_;
  std::map<std::pair<int, std::string>, bool> certified_;
};

}  // namespace refbft

#endif  // TURNCOAT_TARGETS_REFBFT_QUORUM_H_
