// EnvelopeEditor: opens a frame's signed envelope, lets a rewriter change the
// payload inside it, and seals the result with the sender and signature the
// fault calls for.
//
// BFT targets wrap every peer message in an envelope {sender, payload,
// signature over exactly the payload bytes}; refbft's is refbft.Envelope. The
// Byzantine rewriters (equivocate, forge, mutate) differ only in how they
// change the payload and who appears to sign it, so decoding, re-encoding and
// signing live here once. Which fields play which role is given by the rule's
// params, and the payload's type by the codec's embedded mapping, so no
// target's schema is compiled in.
#ifndef TURNCOAT_AGENTS_ENVELOPE_EDITOR_H_
#define TURNCOAT_AGENTS_ENVELOPE_EDITOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/frame.h"
#include "agents/message_rewriter.h"
#include "common/ed25519.h"

namespace turncoat {
namespace agent {

// The names of an envelope's fields, from a rule's params.
struct EnvelopeLayout {
  std::string sender;     // integer field: the replica that claims to send
  std::string payload;    // bytes field the codec declares embedded
  std::string signature;  // bytes field: the signature over `payload`
  // The payload's type when the rule pins the envelope's type, so that
  // payload-relative params can be checked before the run; else nullptr.
  const google::protobuf::Descriptor* payload_type = nullptr;

  // Reads the field names from params `sender`, `payload` and
  // `signature_field` and, when `c.root` is known, checks them against it.
  // Needs the codec: without the target's schema nothing can be decoded.
  // (`signature_field`, not `signature`: a rewriter's own `signature`
  // param, if any, is free to mean something else, as forge's kind does.)
  static absl::StatusOr<EnvelopeLayout> FromParams(const RewriterContext& c);
};

// The private key named by param `key` (a PEM file).
absl::StatusOr<Ed25519PrivateKey> SigningKeyParam(const RewriterParams& params);

// One frame's envelope with an editable copy of its payload. Borrows the
// frame's decoded message: the frame must outlive the editor.
class EnvelopeEditor {
 public:
  // Decodes `frame`'s envelope and payload. Returns nullopt when the frame's
  // message lacks the layout's fields (it is no envelope: pass it on) and an
  // error when the frame or its payload does not decode.
  static absl::StatusOr<std::optional<EnvelopeEditor>> Open(
      const Frame& frame, const EnvelopeLayout& layout);

  EnvelopeEditor(EnvelopeEditor&&) noexcept;
  EnvelopeEditor& operator=(EnvelopeEditor&&) noexcept;
  ~EnvelopeEditor();

  // As received.
  const std::string& payload_bytes() const { return payload_bytes_; }
  const std::string& signature() const { return signature_; }

  const google::protobuf::Message& payload() const { return *payload_; }
  google::protobuf::Message* mutable_payload() { return payload_.get(); }
  // The (possibly edited) payload, deterministically encoded.
  std::string EncodePayload() const;

  // The envelope as received but carrying `payload` and `signature`, and
  // claiming `sender` when given.
  std::string Seal(absl::string_view payload, absl::string_view signature,
                   std::optional<int64_t> sender = std::nullopt) const;
  // The edited payload signed with `key`, from the same sender.
  std::string Resign(const Ed25519PrivateKey& key) const;

 private:
  EnvelopeEditor() = default;

  const google::protobuf::Message* envelope_ = nullptr;
  const google::protobuf::FieldDescriptor* sender_field_ = nullptr;
  const google::protobuf::FieldDescriptor* payload_field_ = nullptr;
  const google::protobuf::FieldDescriptor* signature_field_ = nullptr;
  std::string payload_bytes_;
  std::string signature_;
  std::unique_ptr<google::protobuf::Message> payload_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_ENVELOPE_EDITOR_H_
