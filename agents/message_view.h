// MessageView: one peer message read through the target's message model —
// its kind, claimed sender, signature, round and content — and rewritten:
// content edited, sender changed, then sealed again with the signature a
// fault calls for (kept, replaced, or made with a Byzantine replica's key
// over exactly what the target says the signature covers).
//
// Opening decodes the gRPC request; the payload is decoded by the kind's
// codec when it has one. A payload that does not decode leaves the view
// usable for what needs no content (sender, signature, kind by method), and
// content_status() says why. Encoding a view that was not changed gives the
// original bytes back, so a fault that only changes the sender never
// re-encodes a payload it does not understand.
//
// Not thread-safe: a view belongs to one frame or one rewrite.
#ifndef TURNCOAT_AGENTS_MESSAGE_VIEW_H_
#define TURNCOAT_AGENTS_MESSAGE_VIEW_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/message_model.h"
#include "agents/proto_tree.h"
#include "common/signing_key.h"

namespace turncoat {
namespace agent {

class MessageView {
 public:
  // Fails when `bytes` do not parse as the kind's request type.
  static absl::StatusOr<std::unique_ptr<MessageView>> Open(const MessageModel& model,
                                                           const MessageModel::Kind& kind,
                                                           absl::string_view bytes);
  ~MessageView();

  std::unique_ptr<MessageView> Clone() const;

  const MessageModel& model() const { return model_; }
  const MessageModel::Kind& kind_spec() const { return kind_; }
  const std::string& original_bytes() const { return original_; }

  // The kind's name ("" when a oneof or field that names it is unset).
  std::string kind() const;
  // The sender the message claims, as the system writes it; nullopt when the
  // target says the sender is known only from the link, or it is unset.
  std::optional<std::string> sender_id() const;
  // The same as a replica index; nullopt also when the id is no replica's.
  std::optional<int> sender() const;
  // The signature's bytes (decoded from hex or base64 text); empty when the
  // message is unsigned.
  absl::StatusOr<std::string> signature() const;
  bool signed_message() const { return !kind_.signature.empty(); }
  // The round components that are present, in order; empty when none is.
  // Of a component's alternatives the first present one counts, else the
  // first that reaches a number through set messages (a protobuf 0).
  std::vector<double> round() const;
  // The major round: the kind's first round component, as an integer —
  // what round-keyed rules compare (the target lists first the component
  // that advances in normal operation). nullopt when the message lacks it.
  std::optional<int64_t> major_round() const;
  // Whether the message is a proposal: its kind carries client values and
  // the message holding them is present (a refbft vote, of the kind whose
  // proposals carry values, is none). Values at a kind's top level make
  // every message of the kind one.
  bool proposal() const;

  const ProtoTree& root() const { return *root_; }
  // The decoded content (the payload, or the root when there is no payload
  // field); nullptr when it does not decode (content_status says why).
  const MessageTree* content() const;
  const absl::Status& content_status() const { return content_status_; }

  bool AnyValue(const ModelPath& path, const std::function<bool(const FieldValue&)>& fn) const;
  bool Present(const ModelPath& path) const;

  // Editing. The content is edited in place through mutable_content(),
  // which marks it changed (nullptr when it does not decode).
  MessageTree* mutable_content();
  // The tree paths of `base` edit: the root, or the content (marks the view
  // changed; nullptr when the content does not decode).
  MessageTree* mutable_tree(ModelPath::Base base);
  absl::Status Set(const ModelPath& path, absl::string_view text, bool create);
  // Claims replica `index` as the sender, in the sender field and every
  // field that repeats it. FailedPrecondition when the message has no
  // sender field.
  absl::Status SetSender(int index);
  bool changed() const { return changed_; }
  // Sets component `component` of the kind's round (an index into the
  // kind's round fields, not into round()) to `value`, in the alternative
  // round() reads it from. NotFound when the message has none of them.
  absl::Status SetRound(size_t component, int64_t value);

  // The bytes the signature covers, with the edits so far.
  absl::StatusOr<std::string> Covered();
  // The message as it stands, its signature field as it is.
  absl::StatusOr<std::string> Encode();
  // The message as it stands, signed by `key` over Covered().
  absl::StatusOr<std::string> EncodeSigned(const PrivateKey& key);
  // The message as it stands, carrying `signature` (raw bytes; written as
  // the field's text encoding wants).
  absl::StatusOr<std::string> EncodeWithSignature(absl::string_view signature);

 private:
  MessageView(const MessageModel& model, const MessageModel::Kind& kind);
  // Writes the edited content into the payload field.
  absl::Status SyncContent();
  absl::Status WriteSignature(absl::string_view signature);
  // The alternative that holds round component `component`, or nullptr.
  const ModelPath* RoundPath(size_t component) const;

  const MessageModel& model_;
  const MessageModel::Kind& kind_;
  std::string original_;
  std::unique_ptr<ProtoTree> root_;
  // The decoded payload; null without a payload field (the root is the
  // content) or when it does not decode.
  std::unique_ptr<MessageTree> payload_;
  absl::Status content_status_;
  bool changed_ = false;
  bool content_changed_ = false;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_MESSAGE_VIEW_H_
