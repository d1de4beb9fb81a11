// The messages tcpbft replicas and clients exchange, and their encodings.
//
// A frame's payload is body ‖ signature: the body starts with the frame type
// (one byte, repeated from the header so the signature covers it) followed
// by the fields below in order (codec.h: u64 big-endian, strings and lists
// length-prefixed), and the last 64 bytes are the sender's Ed25519 signature
// over the body. Messages that embed other signed messages (certificates)
// hold those messages' whole payloads. Decode returns nullopt for a body that
// is malformed, of another type, or has bytes left over.
//
// Plain values; thread-compatible.
#ifndef TURNCOAT_TARGETS_TCPBFT_MESSAGES_H_
#define TURNCOAT_TARGETS_TCPBFT_MESSAGES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "targets/tcpbft/crypto.h"
#include "targets/tcpbft/frame.h"

namespace tcpbft {

// HELLO and HELLO_ACK: who the sender is and the address it claims.
struct Hello {
  FrameType type = FrameType::kHello;
  std::string id;
  std::string address;
  std::string Encode() const;
  static std::optional<Hello> Decode(absl::string_view body);
};

// REQUEST, signed by the client. (client, rid) names a request; clients pick
// rids that never repeat.
struct Request {
  std::string client;
  uint64_t rid = 0;
  std::string value;
  std::string Encode() const;
  static std::optional<Request> Decode(absl::string_view body);
};

// PRE_PREPARE: the leader of `view` puts a request's payload (empty: a null
// request that executes nothing) at `seq`.
struct PrePrepare {
  std::string sender;
  uint64_t view = 0;
  uint64_t seq = 0;
  std::string request;
  std::string Encode() const;
  static std::optional<PrePrepare> Decode(absl::string_view body);
};

// PREPARE and COMMIT: a vote for the request whose payload hashes to `digest`.
struct Vote {
  FrameType type = FrameType::kPrepare;
  std::string sender;
  uint64_t view = 0;
  uint64_t seq = 0;
  std::string digest;
  std::string Encode() const;
  static std::optional<Vote> Decode(absl::string_view body);
};

// CHECKPOINT: the sender executed every slot up to `seq`, reaching `state`.
struct Checkpoint {
  std::string sender;
  uint64_t seq = 0;
  std::string state;
  std::string Encode() const;
  static std::optional<Checkpoint> Decode(absl::string_view body);
};

// A PRE_PREPARE and quorum-1 matching PREPAREs from other replicas.
struct PreparedCert {
  std::string pre_prepare;
  std::vector<std::string> prepares;
};

// VIEW_CHANGE to `new_view`: the sender's stable checkpoint with its proof
// (quorum CHECKPOINTs; none for seq 0) and its prepared certificates above it.
struct ViewChange {
  std::string sender;
  uint64_t new_view = 0;
  uint64_t checkpoint_seq = 0;
  std::vector<std::string> checkpoint_proof;
  std::vector<PreparedCert> prepared;
  std::string Encode() const;
  static std::optional<ViewChange> Decode(absl::string_view body);
};

// NEW_VIEW: quorum VIEW_CHANGEs for `view` and the PRE_PREPAREs of `view`
// they imply (replica.h).
struct NewView {
  std::string sender;
  uint64_t view = 0;
  std::vector<std::string> view_changes;
  std::vector<std::string> pre_prepares;
  std::string Encode() const;
  static std::optional<NewView> Decode(absl::string_view body);
};

// REPLY to a client: request `rid` executed with `value`.
struct Reply {
  std::string sender;
  std::string client;
  uint64_t rid = 0;
  std::string value;
  std::string Encode() const;
  static std::optional<Reply> Decode(absl::string_view body);
};

// FETCH: asks for the commit certificates of slots from `seq` on.
struct Fetch {
  std::string sender;
  uint64_t seq = 0;
  std::string Encode() const;
  static std::optional<Fetch> Decode(absl::string_view body);
};

// COMMITTED: slot `seq` holds `request` (a payload, empty for null), proven
// by quorum matching COMMITs.
struct Committed {
  std::string sender;
  uint64_t seq = 0;
  std::string request;
  std::vector<std::string> commits;
  std::string Encode() const;
  static std::optional<Committed> Decode(absl::string_view body);
};

// body ‖ signature.
std::string Seal(const SignKey& key, const std::string& body);
// Splits a payload into body and signature; false if it is too short or the
// body does not start with `type`.
bool Unseal(absl::string_view payload, FrameType type, absl::string_view* body,
            absl::string_view* signature);

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_MESSAGES_H_
