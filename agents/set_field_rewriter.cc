// The "set_field" rewriter: sets the scalars a field path reaches to a fixed
// value and re-encodes, without re-signing.
//
// Params: path (a field path from the message, through the payload into its
// content whatever its codec, e.g. "payload.proposal.block.height"), value
// (text form: decimal, true/false, enum name or number, raw string). A
// target that signs its messages will reject the result, which is exactly
// the forged-message fault; forge, which can re-sign, sets fields the same
// way.
#include "absl/strings/str_cat.h"
#include "agents/field_path.h"
#include "agents/message_codec.h"
#include "agents/peer_rewrite.h"
#include "agents/proto_tree.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

class SetFieldRewriter : public MessageRewriter {
 public:
  SetFieldRewriter(TreePath path, std::string value)
      : path_(std::move(path)), value_(std::move(value)) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    auto opened = EditablePeerMessage(frame);
    if (!opened.ok()) return opened.status();
    if (*opened != nullptr) {
      MessageView& view = **opened;
      if (absl::Status s = view.Set(view.kind_spec().Resolve(path_), value_, /*create=*/true);
          !s.ok()) {
        return s;
      }
      auto bytes = view.Encode();
      if (!bytes.ok()) return bytes.status();
      return std::vector<std::string>{*std::move(bytes)};
    }
    // Not a peer message of the model: edit the decoded gRPC message itself.
    const ProtoTree* root = frame.tree();
    if (root == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot decode ", frame.method(), " ", DirectionName(frame.direction())));
    }
    std::unique_ptr<MessageTree> copy = root->Clone();
    if (absl::Status s = copy->Set(path_, value_, /*create=*/true); !s.ok()) return s;
    return std::vector<std::string>{MessageCodec::Encode(*copy->proto())};
  }

 private:
  const TreePath path_;
  const std::string value_;
};

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  auto path = c.params->find("path");
  auto value = c.params->find("value");
  if (path == c.params->end() || value == c.params->end()) {
    return absl::InvalidArgumentError("needs params 'path' and 'value'");
  }
  if (c.codec == nullptr) {
    return absl::FailedPreconditionError("needs the target's .proto files");
  }
  // Validates the path against the schema when the rule pins a type.
  auto parsed = FieldPath::Parse(path->second, c.root, c.codec, c.kind);
  if (!parsed.ok()) return parsed.status();
  auto segments = ParseTreePath(path->second);
  if (!segments.ok()) return segments.status();
  return std::make_unique<SetFieldRewriter>(*std::move(segments), value->second);
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("set_field", Create);

}  // namespace agent
}  // namespace turncoat
