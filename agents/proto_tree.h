// ProtoTree: a MessageTree over a protobuf message, by reflection.
//
// Paths go through singular and repeated message fields and, with a
// MessageCodec, through bytes fields the codec declares embedded (decoded
// on the way; an edit inside one re-encodes it in place), so a predicate
// can read a vote inside a certificate inside a payload. Besides the tree
// operations, it gives the exact-bytes access a message root needs for its
// sender, signature and payload fields.
//
// Not thread-safe (see message_tree.h).
#ifndef TURNCOAT_AGENTS_PROTO_TREE_H_
#define TURNCOAT_AGENTS_PROTO_TREE_H_

#include <memory>
#include <string>

#include "agents/message_tree.h"

namespace google {
namespace protobuf {
class Descriptor;
class FieldDescriptor;
}  // namespace protobuf
}  // namespace google

namespace turncoat {
namespace agent {

class MessageCodec;

class ProtoTree : public MessageTree {
 public:
  // `codec` (may be null) names embedded payloads; it must outlive the tree.
  ProtoTree(std::unique_ptr<google::protobuf::Message> message, const MessageCodec* codec);
  ~ProtoTree() override;

  const google::protobuf::Message& message() const { return *message_; }
  google::protobuf::Message* mutable_message() { return message_.get(); }

  std::unique_ptr<MessageTree> Clone() const override;
  const google::protobuf::Message* proto() const override { return message_.get(); }
  bool AnyValue(const TreePath& path,
                const std::function<bool(const FieldValue&)>& fn) const override;
  bool Present(const TreePath& path) const override;
  std::optional<std::string> SetMember(const TreePath& path) const override;
  absl::Status Set(const TreePath& path, absl::string_view text, bool create) override;
  bool Clear(const TreePath& path) override;
  int TrimLists(const TreePath& path, int k) override;
  std::vector<IntegerLeaf> IntegerLeaves() override;
  std::vector<std::vector<std::unique_ptr<MessageTree>>> Lists(const TreePath& path) const override;
  absl::Status SetList(const TreePath& path, size_t index,
                       const std::vector<const MessageTree*>& elements) override;
  std::string DebugString() const override;

  // The bytes of the singular bytes or string field `path` names through
  // singular messages; NotFound when a message on the way is unset.
  absl::StatusOr<std::string> GetBytes(const TreePath& path) const;
  // Sets that field to exactly `bytes`, creating parents.
  absl::Status SetBytes(const TreePath& path, absl::string_view bytes);
  // The deterministic serialization of the singular message field `path`
  // names (of the whole message when `path` is empty).
  absl::StatusOr<std::string> SerializeAt(const TreePath& path) const;

  // Checks `path` against `type` (and the codec's embedded payloads):
  // every segment names a field, and every segment but the last goes
  // through a message or embedded payload. `*` matches any field. The
  // error names the type and lists its fields.
  static absl::Status CheckPath(const TreePath& path, const google::protobuf::Descriptor* type,
                                const MessageCodec* codec);

 private:
  std::unique_ptr<google::protobuf::Message> message_;
  const MessageCodec* codec_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_PROTO_TREE_H_
