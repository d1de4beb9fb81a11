// MessageTree: a decoded message body — a protobuf message or a JSON value —
// read and edited through field paths.
//
// turncoat's field-aware adversaries (equivocation, forged fields,
// small-scope mutation) must work on any payload turncoat can decode, not
// only on protobuf: systems put JSON in bytes fields, or their own
// serialization that an external codec turns into JSON. A MessageTree is
// what they all become, so each fault is written once. Paths are field
// names joined by dots; lists (repeated fields, JSON arrays) are
// transparent and fan out, and a `*` segment stands for every field of a
// message or object. Paths never index into lists.
//
// Not thread-safe: a tree belongs to one frame (or one rewrite) at a time.
#ifndef TURNCOAT_AGENTS_MESSAGE_TREE_H_
#define TURNCOAT_AGENTS_MESSAGE_TREE_H_

#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json_fwd.hpp"

namespace google {
namespace protobuf {
class Message;
}  // namespace protobuf
}  // namespace google

namespace turncoat {
namespace agent {

using TreePath = std::vector<std::string>;

// Splits `text` at dots; fails on an empty path or segment.
absl::StatusOr<TreePath> ParseTreePath(absl::string_view text);

// One scalar a path reached. `text` is its canonical text (decimal numbers,
// "true"/"false", enum value names, raw string and bytes content); `numeric`
// says whether `number` holds its numeric value (enums: their number).
struct FieldValue {
  std::string text;
  bool numeric = false;
  double number = 0;
};

// An integer leaf of a tree that a small-scope mutation may move: `bump`
// moves it one step up or down (turned around at the type's limits, so the
// value always changes; protobuf enums go to the next declared value).
struct IntegerLeaf {
  std::string path;
  std::function<void(bool up)> bump;
};

// `x` moved one step up or down, turned around at T's limits so that the
// result always differs from `x`; what every IntegerLeaf::bump does.
template <typename T>
T StepInteger(T x, bool up) {
  if (x == std::numeric_limits<T>::max()) up = false;
  if (x == std::numeric_limits<T>::min()) up = true;
  return up ? x + 1 : x - 1;
}

class MessageTree {
 public:
  virtual ~MessageTree() = default;

  virtual std::unique_ptr<MessageTree> Clone() const = 0;
  // Exactly one of these is non-null: what codecs encode.
  virtual const google::protobuf::Message* proto() const { return nullptr; }
  virtual const nlohmann::ordered_json* json() const { return nullptr; }

  // Calls `fn` on each scalar `path` reaches until it returns true; returns
  // whether it did. Unset protobuf scalars read as their default value.
  virtual bool AnyValue(const TreePath& path,
                        const std::function<bool(const FieldValue&)>& fn) const = 0;
  // True if the path reaches something set: a present message or oneof
  // member, a non-empty list, a non-default scalar, a non-null JSON value.
  virtual bool Present(const TreePath& path) const = 0;
  // The name of the member set in the oneof `path` ends with (protobuf), or
  // of the only key of the object `path` reaches (JSON, as serde's tagged
  // enums are written); nullopt when none or several are set.
  virtual std::optional<std::string> SetMember(const TreePath& path) const = 0;

  // Sets every scalar `path` reaches to `text`, read as that field's type
  // (decimal, true/false, enum name or number, raw string). With `create`,
  // missing singular parents are created on the way. NotFound when the
  // path reaches nothing (this message is not the kind the path is for);
  // InvalidArgument when the text does not fit the field.
  virtual absl::Status Set(const TreePath& path, absl::string_view text, bool create) = 0;
  // Clears whatever `path` reaches; true if anything was there.
  virtual bool Clear(const TreePath& path) = 0;
  // Removes the first `k` elements of the list `path` leads through (the
  // last list on it) wherever a list like it appears in the tree, so one
  // story is told throughout a message (a block's values in a proposal and
  // again in a decision): protobuf, every repeated field of that name in a
  // message of the type holding it; JSON, every array under that key.
  // Returns how many lists changed.
  virtual int TrimLists(const TreePath& path, int k) = 0;
  // Every integer leaf (and protobuf enum), depth first in field order, so
  // a seed always picks the same one.
  virtual std::vector<IntegerLeaf> IntegerLeaves() = 0;

  // The lists `path` ends in — a repeated message field, or a JSON array
  // (lists on the way fan out) — each as copies of its elements, in the
  // order paths visit them. This is how a certificate's embedded messages
  // are read and moved whole, their signed bytes untouched.
  virtual std::vector<std::vector<std::unique_ptr<MessageTree>>> Lists(
      const TreePath& path) const = 0;
  // Replaces the elements of list `index` (as Lists numbers them) by copies
  // of `elements`, trees of this tree's kind (protobuf: the field's type).
  // NotFound when there is no such list.
  virtual absl::Status SetList(const TreePath& path, size_t index,
                               const std::vector<const MessageTree*>& elements) = 0;

  virtual std::string DebugString() const = 0;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_MESSAGE_TREE_H_
