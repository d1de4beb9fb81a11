// FieldPath: a dotted path of field names ("payload.proposal.block.height")
// into a frame's message, for rule predicates.
//
// Paths are relative to the gRPC message. They go through singular and
// repeated message fields (a repeated field fans out: a predicate holds if
// any reached value satisfies it), through bytes fields the codec declares
// embedded, and — for peer messages of the target's message model — through
// the payload field into its decoded content, whatever its codec (JSON
// included). Immutable; thread-safe.
#ifndef TURNCOAT_AGENTS_FIELD_PATH_H_
#define TURNCOAT_AGENTS_FIELD_PATH_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/frame.h"
#include "agents/message_tree.h"

namespace turncoat {
namespace agent {

class FieldPath {
 public:
  // Splits `text` at dots. When `root` is known, checks every segment
  // against the schema now so that a typo fails before the run starts; with
  // `kind`, a path into its payload is checked against the payload's type
  // when that is protobuf (JSON payloads have no schema to check against),
  // and refused when the payload is opaque.
  static absl::StatusOr<FieldPath> Parse(absl::string_view text,
                                         const google::protobuf::Descriptor* root,
                                         const MessageCodec* codec,
                                         const MessageModel::Kind* kind = nullptr);

  const std::string& text() const { return text_; }

  // Calls `fn` on each scalar value the path reaches in `frame` until it
  // returns true; returns whether it did. Unset singular scalars read as their
  // default value; unset message fields are not traversed.
  bool AnyValue(const Frame& frame, const std::function<bool(const FieldValue&)>& fn) const;

  // True if the path reaches at least one field that is set (a present
  // message or oneof member, a non-empty repeated field, a non-default
  // scalar).
  bool Present(const Frame& frame) const;

 private:
  FieldPath(std::string text, TreePath path) : text_(std::move(text)), path_(std::move(path)) {}

  std::string text_;
  TreePath path_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_FIELD_PATH_H_
