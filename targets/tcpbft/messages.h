// The messages tcpbft replicas and clients exchange, and their encodings.
//
// A frame's payload is body ‖ signature: the body starts with the frame type
// (one byte, repeated from the header so the signature covers it) followed
// by each message's fields in the order listed (codec.h: u64 big-endian,
// strings and lists length-prefixed), and the last 64 bytes are the sender's
// Ed25519 signature over the body. Messages that embed other signed messages
// (certificates) hold those messages' whole payloads. Decode returns nullopt
// for a body that is malformed, of another type, or has bytes left over.
//
// Plain values; thread-compatible.
#ifndef TURNCOAT_TARGETS_TCPBFT_MESSAGES_H_
#define TURNCOAT_TARGETS_TCPBFT_MESSAGES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "targets/tcpbft/codec.h"
#include "targets/tcpbft/crypto.h"
#include "targets/tcpbft/frame.h"

namespace tcpbft {

// HELLO and HELLO_ACK: who the sender is and the address it claims.
struct Hello {
  std::string id;
  std::string address;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.id), v(m.address); }
};

// REQUEST, signed by the client. (client, rid) names a request; clients pick
// rids that never repeat.
struct Request {
  std::string client;
  uint64_t rid = 0;
  std::string value;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.client), v(m.rid), v(m.value); }
};

// PRE_PREPARE: the leader of `view` puts a request's payload (empty: a null
// request that executes nothing) at `seq`.
struct PrePrepare {
  std::string sender;
  uint64_t view = 0;
  uint64_t seq = 0;
  std::string request;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.sender), v(m.view), v(m.seq), v(m.request); }
};

// PREPARE and COMMIT: a vote for the request whose payload hashes to `digest`.
struct Vote {
  std::string sender;
  uint64_t view = 0;
  uint64_t seq = 0;
  std::string digest;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.sender), v(m.view), v(m.seq), v(m.digest); }
};

// CHECKPOINT: the sender executed every slot up to `seq`, reaching `state`.
struct Checkpoint {
  std::string sender;
  uint64_t seq = 0;
  std::string state;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.sender), v(m.seq), v(m.state); }
};

// A PRE_PREPARE and quorum-1 matching PREPAREs from other replicas; encoded
// as the PRE_PREPARE's payload, then the list of PREPARE payloads.
struct PreparedCert {
  std::string pre_prepare;
  std::vector<std::string> prepares;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.pre_prepare), v(m.prepares); }
};

// VIEW_CHANGE to `new_view`: the sender's stable checkpoint with its proof
// (quorum CHECKPOINTs; none for seq 0) and its prepared certificates above
// it (a u32 count, then each certificate).
struct ViewChange {
  std::string sender;
  uint64_t new_view = 0;
  uint64_t checkpoint_seq = 0;
  std::vector<std::string> checkpoint_proof;
  std::vector<PreparedCert> prepared;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) {
    v(m.sender), v(m.new_view), v(m.checkpoint_seq), v(m.checkpoint_proof), v(m.prepared);
  }
};

// NEW_VIEW: quorum VIEW_CHANGEs for `view` and the PRE_PREPAREs of `view`
// they imply (replica.h).
struct NewView {
  std::string sender;
  uint64_t view = 0;
  std::vector<std::string> view_changes;
  std::vector<std::string> pre_prepares;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.sender), v(m.view), v(m.view_changes), v(m.pre_prepares); }
};

// REPLY to a client: request `rid` executed with `value`.
struct Reply {
  std::string sender;
  std::string client;
  uint64_t rid = 0;
  std::string value;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.sender), v(m.client), v(m.rid), v(m.value); }
};

// FETCH: asks for the commit certificates of slots from `seq` on.
struct Fetch {
  std::string sender;
  uint64_t seq = 0;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.sender), v(m.seq); }
};

// COMMITTED: slot `seq` holds `request` (a payload, empty for null), proven
// by quorum matching COMMITs.
struct Committed {
  std::string sender;
  uint64_t seq = 0;
  std::string request;
  std::vector<std::string> commits;
  template <typename Self, typename V>
  static void Fields(Self& m, V& v) { v(m.sender), v(m.seq), v(m.request), v(m.commits); }
};

// Field visitors over a Writer and a Reader.
struct FieldWriter {
  Writer* w;
  void operator()(uint64_t v) { w->U64(v); }
  void operator()(const std::string& v) { w->Bytes(v); }
  void operator()(const std::vector<std::string>& v) { w->List(v); }
  template <typename T>
  void operator()(const std::vector<T>& items) {
    w->U32(static_cast<uint32_t>(items.size()));
    for (const T& item : items) T::Fields(item, *this);
  }
};

struct FieldReader {
  Reader* r;
  void operator()(uint64_t& v) { v = r->U64(); }
  void operator()(std::string& v) { v = r->Bytes(); }
  void operator()(std::vector<std::string>& v) { v = r->List(); }
  template <typename T>
  void operator()(std::vector<T>& items) {
    const uint32_t count = r->U32();
    for (uint32_t i = 0; i < count && r->ok(false); ++i) T::Fields(items.emplace_back(), *this);
  }
};

// The body of `m` sent as a frame of `type`.
template <typename T>
std::string Encode(FrameType type, const T& m) {
  Writer w;
  w.U8(static_cast<uint8_t>(type));
  FieldWriter visitor{&w};
  T::Fields(m, visitor);
  return w.data();
}

template <typename T>
std::optional<T> Decode(absl::string_view body, FrameType type) {
  Reader r(body);
  if (r.U8() != static_cast<uint8_t>(type)) return std::nullopt;
  T m;
  FieldReader visitor{&r};
  T::Fields(m, visitor);
  if (!r.ok()) return std::nullopt;
  return m;
}

// body ‖ signature.
std::string Seal(const SignKey& key, const std::string& body);
// Splits a payload into body and signature; false if it is too short or the
// body does not start with `type`.
bool Unseal(absl::string_view payload, FrameType type, absl::string_view* body,
            absl::string_view* signature);

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_MESSAGES_H_
