// The "set_field" rewriter: sets one singular scalar field, reached by a field
// path (through embedded payloads too), to a fixed value and re-encodes.
//
// Params: path (e.g. "payload.proposal.block.height"), value (text form:
// decimal, true/false, enum name or number, raw string/bytes). It does not
// re-sign: a target that signs payloads will reject the result, which is
// exactly the forged-message fault; re-signing rewriters build on this one.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agents/field_path.h"
#include "agents/message_codec.h"
#include "agents/message_rewriter.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

absl::Status SetScalar(pb::Message* m, const pb::FieldDescriptor* f,
                       const std::string& value) {
  const pb::Reflection* r = m->GetReflection();
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("'", value, "' is not a valid ", f->type_name(), " for ",
                     f->full_name()));
  };
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t x;
      if (!absl::SimpleAtoi(value, &x)) return bad();
      r->SetInt32(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t x;
      if (!absl::SimpleAtoi(value, &x)) return bad();
      r->SetInt64(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t x;
      if (!absl::SimpleAtoi(value, &x)) return bad();
      r->SetUInt32(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t x;
      if (!absl::SimpleAtoi(value, &x)) return bad();
      r->SetUInt64(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      double x;
      if (!absl::SimpleAtod(value, &x)) return bad();
      r->SetDouble(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      float x;
      if (!absl::SimpleAtof(value, &x)) return bad();
      r->SetFloat(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool x;
      if (!absl::SimpleAtob(value, &x)) return bad();
      r->SetBool(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* e = f->enum_type()->FindValueByName(value);
      int n;
      if (e == nullptr && absl::SimpleAtoi(value, &n)) {
        e = f->enum_type()->FindValueByNumber(n);
      }
      if (e == nullptr) return bad();
      r->SetEnum(m, f, e);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_STRING:
      r->SetString(m, f, value);
      break;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return absl::InvalidArgumentError(
          absl::StrCat(f->full_name(), " is a message, not a scalar"));
  }
  return absl::OkStatus();
}

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
    if (absl::Status s = Set(*frame.codec(), copy.get(), 0); !s.ok()) return s;
    return std::vector<std::string>{MessageCodec::Encode(*copy)};
  }

 private:
  // Sets the path from segment `i` on inside `m`.
  absl::Status Set(const MessageCodec& codec, pb::Message* m, size_t i) const {
    const pb::FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(segments_[i]);
    if (f == nullptr || f->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat(m->GetDescriptor()->full_name(), " has no singular field '",
                       segments_[i], "'"));
    }
    const pb::Reflection* r = m->GetReflection();
    if (i + 1 == segments_.size()) return SetScalar(m, f, value_);
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      return Set(codec, r->MutableMessage(m, f), i + 1);
    }
    const pb::Descriptor* inner_type = codec.EmbeddedType(f);
    if (inner_type == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(f->full_name(), " is not a message or embedded payload"));
    }
    auto inner = codec.Decode(inner_type, r->GetString(*m, f));
    if (!inner.ok()) return inner.status();
    if (absl::Status s = Set(codec, inner->get(), i + 1); !s.ok()) return s;
    r->SetString(m, f, MessageCodec::Encode(**inner));
    return absl::OkStatus();
  }

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
