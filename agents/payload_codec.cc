#include "agents/payload_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "agents/external_codec.h"
#include "agents/json_tree.h"
#include "agents/message_codec.h"
#include "agents/proto_tree.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

class ProtobufPayloadCodec : public PayloadCodec {
 public:
  ProtobufPayloadCodec(const google::protobuf::Descriptor* type, const MessageCodec* schema)
      : type_(type), schema_(schema) {}

  absl::StatusOr<std::unique_ptr<MessageTree>> Decode(absl::string_view bytes) const override {
    auto message = schema_->Decode(type_, bytes);
    if (!message.ok()) return message.status();
    return std::unique_ptr<MessageTree>(new ProtoTree(*std::move(message), schema_));
  }

  absl::StatusOr<std::string> Encode(const MessageTree& tree) const override {
    const google::protobuf::Message* m = tree.proto();
    if (m == nullptr || m->GetDescriptor() != type_) {
      return absl::InternalError(absl::StrCat("not a ", type_->full_name(), " tree"));
    }
    return MessageCodec::Encode(*m);
  }

  std::string Describe() const override { return absl::StrCat("protobuf ", type_->full_name()); }

 private:
  const google::protobuf::Descriptor* const type_;
  const MessageCodec* const schema_;
};

class JsonPayloadCodec : public PayloadCodec {
 public:
  absl::StatusOr<std::unique_ptr<MessageTree>> Decode(absl::string_view bytes) const override {
    nlohmann::ordered_json value = nlohmann::ordered_json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      return absl::InvalidArgumentError(absl::StrCat("payload (", bytes.size(), " bytes) is not JSON"));
    }
    return std::unique_ptr<MessageTree>(new JsonTree(std::move(value)));
  }

  absl::StatusOr<std::string> Encode(const MessageTree& tree) const override {
    const nlohmann::ordered_json* value = tree.json();
    if (value == nullptr) return absl::InternalError("not a JSON tree");
    // Replace invalid UTF-8 rather than throw: a payload is bytes from a
    // replica that may be Byzantine.
    return value->dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  }

  std::string Describe() const override { return "json"; }
};

class ExternalPayloadCodec : public PayloadCodec {
 public:
  ExternalPayloadCodec(std::shared_ptr<ExternalCodec> codec, std::string type)
      : codec_(std::move(codec)), type_(std::move(type)) {}

  absl::StatusOr<std::unique_ptr<MessageTree>> Decode(absl::string_view bytes) const override {
    if (codec_ == nullptr) return NotStarted();
    auto tree = codec_->Decode(type_, bytes);
    if (!tree.ok()) return tree.status();
    return std::unique_ptr<MessageTree>(new JsonTree(*std::move(tree)));
  }

  absl::StatusOr<std::string> Encode(const MessageTree& tree) const override {
    const nlohmann::ordered_json* value = tree.json();
    if (value == nullptr) return absl::InternalError("not a JSON tree");
    if (codec_ == nullptr) return NotStarted();
    return codec_->Encode(type_, *value);
  }

  std::string Describe() const override { return absl::StrCat("external codec, type ", type_); }

 private:
  static absl::Status NotStarted() {
    return absl::FailedPreconditionError("the external codec is not started (checking a plan)");
  }

  const std::shared_ptr<ExternalCodec> codec_;
  const std::string type_;
};

}  // namespace

std::unique_ptr<PayloadCodec> MakeProtobufPayloadCodec(const google::protobuf::Descriptor* type,
                                                       const MessageCodec* schema) {
  return std::make_unique<ProtobufPayloadCodec>(type, schema);
}

std::unique_ptr<PayloadCodec> MakeJsonPayloadCodec() { return std::make_unique<JsonPayloadCodec>(); }

std::unique_ptr<PayloadCodec> MakeExternalPayloadCodec(std::shared_ptr<ExternalCodec> codec,
                                                       std::string type) {
  return std::make_unique<ExternalPayloadCodec>(std::move(codec), std::move(type));
}

}  // namespace agent
}  // namespace turncoat
