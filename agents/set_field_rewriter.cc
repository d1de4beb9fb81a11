// The "set_field" rewriter: sets one singular scalar field, reached by a field
// path (through embedded payloads too), to a fixed value and re-encodes.
//
// Params: path (e.g. "payload.proposal.block.height"), value (text form:
// decimal, true/false, enum name or number, raw string/bytes). It does not
// re-sign: a target that signs payloads will reject the result, which is
// exactly the forged-message fault; forge, which can re-sign, sets fields the
// same way (agents/field_setter.h).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agents/field_path.h"
#include "agents/field_setter.h"
#include "agents/message_codec.h"
#include "agents/message_rewriter.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

class SetFieldRewriter : public MessageRewriter {
 public:
  SetFieldRewriter(std::vector<std::string> segments, std::string value)
      : segments_(std::move(segments)), value_(std::move(value)) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    const pb::Message* root = frame.message();
    if (root == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot decode ", frame.method(), " ",
                       DirectionName(frame.direction())));
    }
    std::unique_ptr<pb::Message> copy(root->New());
    copy->CopyFrom(*root);
    if (absl::Status s = SetPath(*frame.codec(), copy.get(), segments_, value_,
                                 MissingParent::kCreate);
        !s.ok()) {
      return s;
    }
    return std::vector<std::string>{MessageCodec::Encode(*copy)};
  }

 private:
  const std::vector<std::string> segments_;
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
  auto parsed = FieldPath::Parse(path->second, c.root, c.codec);
  if (!parsed.ok()) return parsed.status();
  return std::make_unique<SetFieldRewriter>(absl::StrSplit(path->second, '.'),
                                            value->second);
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("set_field", Create);

}  // namespace agent
}  // namespace turncoat
