// FieldPath: a dotted path of field names ("payload.proposal.block.height")
// into a frame's decoded message, for rule predicates and rewriters.
//
// Paths go through singular and repeated message fields (a repeated field
// fans out: a predicate holds if any reached value satisfies it) and through
// bytes fields the codec declares embedded (Envelope.payload holds a
// Message), which are decoded on the way. Immutable; thread-safe.
#ifndef TURNCOAT_AGENTS_FIELD_PATH_H_
#define TURNCOAT_AGENTS_FIELD_PATH_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/frame.h"

namespace turncoat {
namespace agent {

// One scalar a path reached. `text` is its canonical text (decimal numbers,
// "true"/"false", enum value names, raw string and bytes content); `numeric`
// says whether `number` holds its numeric value (enums: their number).
struct FieldValue {
  std::string text;
  bool numeric = false;
  double number = 0;
};

class FieldPath {
 public:
  // Splits `text` at dots. When `root` is known, checks every segment against
  // the schema now so that a typo in a plan fails before the run starts.
  static absl::StatusOr<FieldPath> Parse(absl::string_view text,
                                         const google::protobuf::Descriptor* root,
                                         const MessageCodec* codec);

  const std::string& text() const { return text_; }

  // Calls `fn` on each scalar value the path reaches in `frame` until it
  // returns true; returns whether it did. Unset singular scalars read as their
  // default value; unset message fields are not traversed.
  bool AnyValue(const Frame& frame,
                const std::function<bool(const FieldValue&)>& fn) const;

  // True if the path reaches at least one field that is set (a present
  // message or oneof member, a non-empty repeated field, a non-default
  // scalar).
  bool Present(const Frame& frame) const;

 private:
  FieldPath(std::string text, std::vector<std::string> segments)
      : text_(std::move(text)), segments_(std::move(segments)) {}

  std::string text_;
  std::vector<std::string> segments_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_FIELD_PATH_H_
