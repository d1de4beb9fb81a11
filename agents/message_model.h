// MessageModel: how to read a target's peer messages, whatever their layout.
//
// Every Byzantine adversary works from one description of the messages, never
// from one system's field names (docs/target-format.md, `protocol.messages`):
// for each peer method, the kind of message it carries, which field claims
// the sender (an id the system formats its own way, or nothing: known from
// the link), where the signature is and what it covers, the payload field
// and its codec (protobuf, JSON, opaque, external), where client values and
// the protocol round are. The controller sends the description to each
// agent; the agent compiles it once against the target's .proto files into
// this immutable object, which frames consult (agents/message_view.h).
//
// Paths in a MessageKindSpec are relative to the gRPC request; a path that
// goes through the payload field continues inside the decoded payload.
//
// Immutable after Build; thread-safe.
#ifndef TURNCOAT_AGENTS_MESSAGE_MODEL_H_
#define TURNCOAT_AGENTS_MESSAGE_MODEL_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/message_tree.h"
#include "common/signing_key.h"

namespace google {
namespace protobuf {
class Descriptor;
}  // namespace protobuf
}  // namespace google

namespace turncoat {
namespace agent {

class ExternalCodec;
class MessageCodec;
class PayloadCodec;

enum class PayloadCodecKind { kNone, kProtobuf, kJson, kOpaque, kExternal };
// How a string field holds signature bytes.
enum class SignatureText { kRaw, kHex, kBase64 };

struct CertificateSpec;

// One kind of peer message, as the target describes it.
struct MessageKindSpec {
  std::vector<std::string> methods;  // "/pkg.Service/Method", one request type
  std::string kind;                  // a fixed kind name, or
  std::string kind_oneof;            // the set member of this oneof, or
  std::string kind_field;            // the value of this scalar
  std::string sender;                // empty: known only from the link
  std::vector<std::string> sender_also;  // repeat the sender; written with it
  std::string signature;             // empty: unsigned
  std::string signature_covers;      // empty: the message, signature cleared
  SignatureText signature_text = SignatureText::kRaw;
  std::string payload;  // empty: the message itself is the content
  PayloadCodecKind payload_codec = PayloadCodecKind::kNone;
  std::string payload_type;      // kProtobuf: message type; kExternal: the codec's type name
  std::string payload_external;  // kExternal: the codec's name
  std::string values;
  std::vector<std::vector<std::string>> round;  // components of alternatives
  std::vector<CertificateSpec> certificates;
};

// Other replicas' signed messages that a message embeds: a quorum
// certificate's votes. Its own fields (round, block) are relative to the
// certificate; each embedded message is laid out as `vote` says, with paths
// relative to it (its methods and kind are unused).
struct CertificateSpec {
  std::vector<std::string> at;  // alternatives: where the certificate is
  std::string votes;            // the list of embedded messages in it
  std::vector<std::vector<std::string>> round;
  std::string block;  // what it certifies
  MessageKindSpec vote;
  std::string vote_block;  // what a vote is for
};

struct MessageModelSpec {
  // replica_ids[i] is the system's name for replica i; sender fields are
  // read back through it.
  std::vector<std::string> replica_ids;
  KeyScheme key_scheme = KeyScheme::kEd25519;
  KeyEncoding private_encoding = KeyEncoding::kPem;  // of the key files rules name
  SignatureEncoding signature_encoding = SignatureEncoding::kRaw;
  std::vector<MessageKindSpec> messages;
};

// A path of a message spec, resolved to where it starts.
struct ModelPath {
  enum class Base { kMessage, kContent };
  Base base = Base::kMessage;
  TreePath path;  // empty: unset

  bool empty() const { return path.empty(); }
};

class MessageModel {
 public:
  // One kind of message, compiled.
  struct Kind {
    MessageKindSpec spec;
    const google::protobuf::Descriptor* request_type = nullptr;
    TreePath payload_field;  // empty: no payload field
    // Null when the content cannot be decoded (opaque payload).
    std::unique_ptr<PayloadCodec> codec;
    // kind_oneof is the content's root (an empty path) when the spec names
    // a JSON payload itself; spec.kind_oneof says whether there is one.
    ModelPath kind_oneof, kind_field, sender, signature, signature_covers, values;
    std::vector<ModelPath> sender_also;
    std::vector<std::vector<ModelPath>> round;

    // A certificate of this kind, compiled.
    struct Certificate {
      CertificateSpec spec;
      // Where the certificate may be, and its list of votes there (the
      // same alternatives, each extended by `votes`).
      std::vector<ModelPath> at, lists;
      std::vector<std::vector<TreePath>> round;  // relative to the certificate
      TreePath block;
      // Each vote, relative to it; a path through its payload field
      // continues in the payload decoded by `vote_codec`.
      TreePath vote_sender, vote_signature, vote_payload, vote_block;
      std::vector<std::vector<TreePath>> vote_round;
      std::unique_ptr<PayloadCodec> vote_codec;  // null: no payload, or opaque
      // The protobuf type of a vote when the schema knows it.
      const google::protobuf::Descriptor* vote_type = nullptr;

      // What one vote says about itself: its sender, round components
      // (absent ones skipped) and block, as text; empty when unreadable.
      struct Label {
        std::string sender;
        std::vector<double> round;
        std::string block;
        bool operator==(const Label& o) const {
          return sender == o.sender && round == o.round && block == o.block;
        }
      };
      Label Read(const MessageTree& vote) const;
    };
    std::vector<Certificate> certificates;

    // Whether field-aware faults can read and edit this kind's content.
    bool decodable() const { return payload_field.empty() || codec != nullptr; }
    // `message_path` (message-relative) resolved: through the payload field
    // it continues in the content.
    ModelPath Resolve(const TreePath& message_path) const;
    // A path as plans write it: relative to the content (the payload, or the
    // message when there is none); a leading '/' makes it message-relative.
    absl::StatusOr<ModelPath> ResolvePlanPath(absl::string_view text) const;
  };

  // Compiles `spec` against `schema` (the target's .proto files, with every
  // protobuf payload declared embedded by the caller) and the external
  // codecs by name, which the caller has started. Checks every method,
  // field path and codec; errors name the message by its methods.
  static absl::StatusOr<std::unique_ptr<MessageModel>> Build(
      MessageModelSpec spec, std::shared_ptr<const MessageCodec> schema,
      std::map<std::string, std::shared_ptr<ExternalCodec>> codecs = {});
  ~MessageModel();

  const MessageModelSpec& spec() const { return spec_; }
  const MessageCodec& schema() const { return *schema_; }
  const std::vector<std::unique_ptr<Kind>>& kinds() const { return kinds_; }
  // Whether some kind says where its round is.
  bool has_rounds() const;
  // Whether some kind carries client values and says where its round is:
  // what a proposal of a round needs (MessageView::proposal).
  bool has_proposals() const;

  // The kind of message gRPC method `method` carries; nullptr when it is no
  // peer message.
  const Kind* ForMethod(absl::string_view method) const;
  // The index of the replica the system names `id`; nullopt if none.
  std::optional<int> ReplicaIndex(absl::string_view id) const;
  // The system's name of replica `index`; nullptr when out of range.
  const std::string* ReplicaId(int index) const;

 private:
  MessageModel() = default;

  MessageModelSpec spec_;
  std::shared_ptr<const MessageCodec> schema_;
  std::map<std::string, std::shared_ptr<ExternalCodec>> codecs_;
  std::vector<std::unique_ptr<Kind>> kinds_;
  std::map<std::string, const Kind*, std::less<>> by_method_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_MESSAGE_MODEL_H_
