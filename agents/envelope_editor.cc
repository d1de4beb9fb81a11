#include "agents/envelope_editor.h"

#include "absl/strings/str_cat.h"
#include "agents/field_setter.h"
#include "agents/message_codec.h"
#include "agents/rewriter_params.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

constexpr char kSignatureParam[] = "signature_field";

enum class Kind { kInteger, kBytes };

// NotFound when `type` has no such singular field of that kind: at run time
// that means the frame is no envelope, before the run a wrong param.
absl::StatusOr<const pb::FieldDescriptor*> FindField(const pb::Descriptor* type,
                                                     const std::string& name,
                                                     Kind kind,
                                                     absl::string_view param) {
  const pb::FieldDescriptor* f = type->FindFieldByName(name);
  if (f == nullptr) {
    std::string names;
    for (int i = 0; i < type->field_count(); ++i) {
      absl::StrAppend(&names, i == 0 ? "" : ", ", type->field(i)->name());
    }
    return absl::NotFoundError(absl::StrCat("param '", param, "': ", type->full_name(),
                                            " has no field '", name,
                                            "' (fields: ", names, ")"));
  }
  const bool fits = !f->is_repeated() &&
                    (kind == Kind::kInteger
                         ? IsIntegerField(f)
                         : f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING);
  if (!fits) {
    return absl::NotFoundError(absl::StrCat(
        "param '", param, "': ", f->full_name(), " must be a singular ",
        kind == Kind::kInteger ? "integer" : "bytes", " field"));
  }
  return f;
}

struct Fields {
  const pb::FieldDescriptor* sender;
  const pb::FieldDescriptor* payload;
  const pb::FieldDescriptor* signature;
  const pb::Descriptor* payload_type;
};

absl::StatusOr<Fields> Resolve(const pb::Descriptor* type, const MessageCodec& codec,
                               const EnvelopeLayout& layout,
                               absl::string_view signature_param) {
  auto sender = FindField(type, layout.sender, Kind::kInteger, "sender");
  if (!sender.ok()) return sender.status();
  auto payload = FindField(type, layout.payload, Kind::kBytes, "payload");
  if (!payload.ok()) return payload.status();
  auto signature = FindField(type, layout.signature, Kind::kBytes, signature_param);
  if (!signature.ok()) return signature.status();
  const pb::Descriptor* payload_type = codec.EmbeddedType(*payload);
  if (payload_type == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "param 'payload': ", (*payload)->full_name(),
        " is not declared to embed a message (the target's embedded mapping "
        "must name the payload's type)"));
  }
  return Fields{*sender, *payload, *signature, payload_type};
}

}  // namespace

absl::StatusOr<EnvelopeLayout> EnvelopeLayout::FromParams(const RewriterContext& c) {
  EnvelopeLayout layout;
  auto sender = RequiredParam(*c.params, "sender",
                              "the envelope's integer field naming the sender");
  if (!sender.ok()) return sender.status();
  auto payload = RequiredParam(*c.params, "payload",
                               "the envelope's bytes field holding the payload");
  if (!payload.ok()) return payload.status();
  auto signature = RequiredParam(*c.params, kSignatureParam,
                                 "the envelope's bytes field holding the signature");
  if (!signature.ok()) return signature.status();
  layout.sender = *std::move(sender);
  layout.payload = *std::move(payload);
  layout.signature = *std::move(signature);
  if (c.codec == nullptr) {
    return absl::FailedPreconditionError("needs the target's .proto files");
  }
  if (c.root != nullptr) {
    auto fields = Resolve(c.root, *c.codec, layout, kSignatureParam);
    if (!fields.ok()) return absl::InvalidArgumentError(fields.status().message());
    layout.payload_type = fields->payload_type;
  }
  return layout;
}

absl::StatusOr<Ed25519PrivateKey> SigningKeyParam(const RewriterParams& params) {
  auto path = RequiredParam(params, "key",
                            "the path of the Byzantine replica's Ed25519 private key "
                            "(PEM) to sign with");
  if (!path.ok()) return path.status();
  auto key = Ed25519PrivateKey::LoadPemFile(*path);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("param 'key': ", key.status().message()));
  }
  return key;
}

absl::StatusOr<std::optional<EnvelopeEditor>> EnvelopeEditor::Open(
    const Frame& frame, const EnvelopeLayout& layout) {
  const pb::Message* envelope = frame.message();
  if (envelope == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot decode ", frame.method(), " ", DirectionName(frame.direction())));
  }
  auto fields = Resolve(envelope->GetDescriptor(), *frame.codec(), layout, kSignatureParam);
  if (absl::IsNotFound(fields.status())) return std::nullopt;
  if (!fields.ok()) return fields.status();
  const pb::Message* payload = frame.Embedded(*envelope, fields->payload);
  if (payload == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(fields->payload->full_name(), " does not parse as ",
                     fields->payload_type->full_name()));
  }
  EnvelopeEditor editor;
  editor.envelope_ = envelope;
  editor.sender_field_ = fields->sender;
  editor.payload_field_ = fields->payload;
  editor.signature_field_ = fields->signature;
  const pb::Reflection* r = envelope->GetReflection();
  editor.payload_bytes_ = r->GetString(*envelope, fields->payload);
  editor.signature_ = r->GetString(*envelope, fields->signature);
  editor.payload_.reset(payload->New());
  editor.payload_->CopyFrom(*payload);
  return editor;
}

EnvelopeEditor::EnvelopeEditor(EnvelopeEditor&&) noexcept = default;
EnvelopeEditor& EnvelopeEditor::operator=(EnvelopeEditor&&) noexcept = default;
EnvelopeEditor::~EnvelopeEditor() = default;

std::string EnvelopeEditor::EncodePayload() const {
  return MessageCodec::Encode(*payload_);
}

std::string EnvelopeEditor::Seal(absl::string_view payload, absl::string_view signature,
                                 std::optional<int64_t> sender) const {
  std::unique_ptr<pb::Message> out(envelope_->New());
  out->CopyFrom(*envelope_);
  const pb::Reflection* r = out->GetReflection();
  r->SetString(out.get(), payload_field_, std::string(payload));
  r->SetString(out.get(), signature_field_, std::string(signature));
  if (sender.has_value()) {
    switch (sender_field_->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(out.get(), sender_field_, static_cast<int32_t>(*sender));
        break;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(out.get(), sender_field_, *sender);
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        r->SetUInt32(out.get(), sender_field_, static_cast<uint32_t>(*sender));
        break;
      default:  // Resolve admits integer senders only
        r->SetUInt64(out.get(), sender_field_, static_cast<uint64_t>(*sender));
        break;
    }
  }
  return MessageCodec::Encode(*out);
}

std::string EnvelopeEditor::Resign(const Ed25519PrivateKey& key) const {
  const std::string payload = EncodePayload();
  return Seal(payload, key.Sign(payload));
}

}  // namespace agent
}  // namespace turncoat
