#include "targets/refbft/quorum.h"

#include <openssl/sha.h>

#include <set>

#include "absl/strings/str_cat.h"

namespace refbft {
namespace {

// Verified envelopes remembered: a few heights' certificates at n = 31
// (four certificates of 21 votes each per height, 100 heights).
constexpr size_t kVerifiedCapacity = 8192;

void AppendU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string BlockHash(const Block& block) {
  std::string buf = "refbft-block";
  AppendU64(&buf, block.height());
  AppendU64(&buf, static_cast<uint64_t>(block.values_size()));
  for (const std::string& v : block.values()) {
    AppendU64(&buf, v.size());
    buf += v;
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(buf.data()), buf.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

QuorumRules::QuorumRules(uint32_t n, uint32_t f, BugSet bugs,
                         std::vector<turncoat::Ed25519PublicKey> keys)
    : n_(n), f_(f), bugs_(std::move(bugs)), keys_(std::move(keys)) {}

size_t QuorumRules::quorum_size() const {
  return bugs_.Has(Bug::kSmallQuorum) ? n_ - f_ - 1 : n_ - f_;
}

absl::StatusOr<Message> QuorumRules::Open(const Envelope& envelope) const {
  if (envelope.sender() >= n_) {
    return absl::InvalidArgumentError(absl::StrCat("unknown sender ", envelope.sender()));
  }
  if (!bugs_.Has(Bug::kSkipSignatureCheck)) {
    std::string seen;
    AppendU64(&seen, envelope.sender());
    AppendU64(&seen, envelope.signature().size());
    absl::StrAppend(&seen, envelope.signature(), envelope.payload());
    if (!verified_.contains(seen)) {
      if (!keys_[envelope.sender()].Verify(envelope.payload(), envelope.signature())) {
        return absl::UnauthenticatedError(
            absl::StrCat("bad signature claiming sender ", envelope.sender()));
      }
      if (verified_order_.size() >= kVerifiedCapacity) {
        verified_.erase(verified_order_.front());
        verified_order_.pop_front();
      }
      verified_.insert(seen);
      verified_order_.push_back(std::move(seen));
    }
  }
  Message message;
  if (!message.ParseFromString(envelope.payload())) {
    return absl::InvalidArgumentError("payload is not a refbft.Message");
  }
  return message;
}

absl::Status QuorumRules::VerifyQc(const QuorumCert& qc) const {
  std::set<uint32_t> senders;
  size_t counted = 0;
  for (const Envelope& env : qc.votes()) {
    auto message = Open(env);
    if (!message.ok()) return message.status();
    if (!message->has_vote()) return absl::InvalidArgumentError("certificate entry is not a vote");
    const Vote& v = message->vote();
    // With qc-any-round only what the vote is for is compared: the
    // certificate's own height and view are taken on trust.
    const bool same_round = bugs_.Has(Bug::kQcAnyRound) ||
                            (v.height() == qc.height() && v.view() == qc.view());
    if (v.phase() != qc.phase() || !same_round || v.block_hash() != qc.block_hash()) {
      return absl::InvalidArgumentError("certificate entry votes for something else");
    }
    if (senders.insert(env.sender()).second || bugs_.Has(Bug::kCountDuplicateVotes)) ++counted;
  }
  if (counted < quorum_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate has ", counted, " votes, quorum is ", quorum_size()));
  }
  return absl::OkStatus();
}

std::optional<QuorumCert> VoteCollector::Add(const Envelope& envelope, const Vote& vote) {
  if (vote.height() != height_ || vote.view() != view_) return std::nullopt;
  const auto key = std::make_pair(static_cast<int>(vote.phase()), vote.block_hash());
  if (certified_[key]) return std::nullopt;
  std::vector<Envelope>& got = votes_[key];
  if (!rules_->bugs().Has(Bug::kCountDuplicateVotes)) {
    for (const Envelope& e : got) {
      if (e.sender() == envelope.sender()) return std::nullopt;
    }
  }
  got.push_back(envelope);
  if (got.size() < rules_->quorum_size()) return std::nullopt;
  certified_[key] = true;
  QuorumCert qc;
  qc.set_phase(vote.phase());
  qc.set_height(height_);
  qc.set_view(view_);
  qc.set_block_hash(vote.block_hash());
  for (const Envelope& e : got) *qc.add_votes() = e;
  return qc;
}

}  // namespace refbft
