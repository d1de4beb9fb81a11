// JsonTree: a MessageTree over a JSON value (nlohmann's ordered_json, so a
// re-encoded document keeps its keys in the order the system wrote them).
//
// Payloads that are JSON, and payloads an external codec turns into JSON,
// are edited through it. Without a schema, types come from the data: a
// number stays a number, a string a string; a value created where nothing
// was is a number if the text is one, true/false if a boolean, else a
// string. Arrays are transparent to paths, as repeated fields are.
//
// Not thread-safe (see message_tree.h).
#ifndef TURNCOAT_AGENTS_JSON_TREE_H_
#define TURNCOAT_AGENTS_JSON_TREE_H_

#include <memory>
#include <string>

#include "agents/message_tree.h"
#include "nlohmann/json.hpp"

namespace turncoat {
namespace agent {

class JsonTree : public MessageTree {
 public:
  explicit JsonTree(nlohmann::ordered_json value);
  ~JsonTree() override;

  const nlohmann::ordered_json& value() const { return value_; }

  std::unique_ptr<MessageTree> Clone() const override;
  const nlohmann::ordered_json* json() const override { return &value_; }
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

 private:
  nlohmann::ordered_json value_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_JSON_TREE_H_
