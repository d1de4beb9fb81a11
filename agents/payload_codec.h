// PayloadCodec: turns the bytes of a message's payload field into a
// MessageTree and back.
//
// A target names, per kind of peer message, how its payload is encoded:
// protobuf (a message type from its .proto files), JSON (UTF-8 text in a
// bytes or string field), or its own serialization through an external
// codec command (agents/external_codec.h). An opaque payload has no codec:
// adversaries that need no decoding still work on it. Decode() of bytes
// that do not parse is an error, which a rewriter counts rather than guess.
//
// Implementations are immutable after construction and thread-safe.
#ifndef TURNCOAT_AGENTS_PAYLOAD_CODEC_H_
#define TURNCOAT_AGENTS_PAYLOAD_CODEC_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/message_tree.h"

namespace google {
namespace protobuf {
class Descriptor;
}  // namespace protobuf
}  // namespace google

namespace turncoat {
namespace agent {

class ExternalCodec;
class MessageCodec;

class PayloadCodec {
 public:
  virtual ~PayloadCodec() = default;
  virtual absl::StatusOr<std::unique_ptr<MessageTree>> Decode(absl::string_view bytes) const = 0;
  // Encodes a tree this codec decoded (or a clone of one, edited).
  virtual absl::StatusOr<std::string> Encode(const MessageTree& tree) const = 0;
  // "protobuf refbft.Message", "json", "external hotstuff-vote": for errors.
  virtual std::string Describe() const = 0;
};

// `type` from `schema`, which must outlive the codec.
std::unique_ptr<PayloadCodec> MakeProtobufPayloadCodec(const google::protobuf::Descriptor* type,
                                                       const MessageCodec* schema);
// Compact UTF-8 JSON, keys in their original order.
std::unique_ptr<PayloadCodec> MakeJsonPayloadCodec();
// Asks `codec` (shared by every kind it serves) for `type`; a null codec
// (not started: a plan being checked) fails every call.
std::unique_ptr<PayloadCodec> MakeExternalPayloadCodec(std::shared_ptr<ExternalCodec> codec,
                                                       std::string type);

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_PAYLOAD_CODEC_H_
