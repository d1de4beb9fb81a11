// refbft's peer messages as targets/refbft.yaml describes them, for code
// that reads real refbft envelopes outside a GoogleTest fixture too (the
// rewriter fuzzer, tests/fuzz/): the one method, the replica ids "0".."3"
// and the message model with or without its certificates. Pure data.
#ifndef TURNCOAT_TESTS_AGENTS_REFBFT_MODEL_SPEC_H_
#define TURNCOAT_TESTS_AGENTS_REFBFT_MODEL_SPEC_H_

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "agents/message_model.h"

namespace turncoat {
namespace agent {
namespace refbft_test {

inline constexpr char kSend[] = "/refbft.Peer/Send";
inline constexpr uint32_t kByzantine = 1;  // the replica whose key adversaries hold
inline constexpr uint32_t kHonest = 0;
inline constexpr uint32_t kReplicas = 4;

// refbft's one kind of peer message as targets/refbft.yaml describes it:
// values, rounds and, with `certificates`, the quorum certificates that
// embed other replicas' signed votes.
inline MessageModelSpec RefbftModelSpec(bool certificates) {
  MessageKindSpec kind;
  kind.methods = {kSend};
  kind.kind_oneof = "payload.kind";
  kind.sender = "sender";
  kind.signature = "signature";
  kind.signature_covers = "payload";
  kind.payload = "payload";
  kind.payload_codec = PayloadCodecKind::kProtobuf;
  kind.payload_type = "refbft.Message";
  kind.values = "payload.proposal.block.values";
  kind.round = {{"payload.proposal.height", "payload.vote.height"},
                {"payload.proposal.view", "payload.vote.view"}};
  if (certificates) {
    CertificateSpec c;
    c.at = {"payload.proposal.justify", "payload.phase_cert.qc", "payload.new_view.prepare_qc",
            "payload.decide.commit_qc"};
    c.votes = "votes";
    c.round = {{"height"}, {"view"}};
    c.block = "block_hash";
    c.vote.sender = "sender";
    c.vote.signature = "signature";
    c.vote.signature_covers = "payload";
    c.vote.payload = "payload";
    c.vote.payload_codec = PayloadCodecKind::kProtobuf;
    c.vote.payload_type = "refbft.Message";
    c.vote.round = {{"payload.vote.height"}, {"payload.vote.view"}};
    c.vote_block = "payload.vote.block_hash";
    kind.certificates = {c};
  }
  MessageModelSpec spec;
  for (uint32_t id = 0; id < kReplicas; ++id) spec.replica_ids.push_back(absl::StrCat(id));
  spec.messages = {kind};
  return spec;
}

}  // namespace refbft_test
}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_TESTS_AGENTS_REFBFT_MODEL_SPEC_H_
