#include "agents/message_codec.h"

#include "absl/strings/str_cat.h"
#include "common/proto_importer.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {

namespace pb = google::protobuf;

MessageCodec::MessageCodec() = default;
MessageCodec::~MessageCodec() = default;

absl::StatusOr<std::unique_ptr<MessageCodec>> MessageCodec::Load(
    const std::vector<std::string>& import_paths,
    const std::vector<std::string>& files) {
  auto importer = ProtoImporter::Import(import_paths, files);
  if (!importer.ok()) return importer.status();
  std::unique_ptr<MessageCodec> codec = FromPool((*importer)->pool());
  codec->importer_ = *std::move(importer);
  return codec;
}

std::unique_ptr<MessageCodec> MessageCodec::FromPool(
    const pb::DescriptorPool* pool) {
  std::unique_ptr<MessageCodec> codec(new MessageCodec());
  codec->pool_ = pool;
  codec->factory_ = std::make_unique<pb::DynamicMessageFactory>(pool);
  return codec;
}

absl::Status MessageCodec::SetEmbedded(absl::string_view outer_type,
                                       absl::string_view field,
                                       absl::string_view inner_type) {
  const pb::Descriptor* outer = FindMessage(outer_type);
  if (outer == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("embedded: no message type '", outer_type, "'"));
  }
  const pb::FieldDescriptor* f = outer->FindFieldByName(std::string(field));
  if (f == nullptr || f->type() != pb::FieldDescriptor::TYPE_BYTES ||
      f->is_repeated()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "embedded: ", outer_type, " has no singular bytes field '", field, "'"));
  }
  const pb::Descriptor* inner = FindMessage(inner_type);
  if (inner == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("embedded: no message type '", inner_type, "'"));
  }
  embedded_[f] = inner;
  return absl::OkStatus();
}

const pb::Descriptor* MessageCodec::FindMessage(absl::string_view full_name) const {
  return pool_->FindMessageTypeByName(std::string(full_name));
}

const pb::MethodDescriptor* MessageCodec::FindMethod(absl::string_view method_path) const {
  auto method = FindGrpcMethod(*pool_, method_path);
  return method.ok() ? *method : nullptr;
}

const pb::Descriptor* MessageCodec::TypeOf(absl::string_view method_path,
                                           Direction direction) const {
  const pb::MethodDescriptor* method = FindMethod(method_path);
  if (method == nullptr) return nullptr;
  return direction == Direction::kRequest ? method->input_type()
                                          : method->output_type();
}

bool MessageCodec::IsUnary(absl::string_view method_path) const {
  const pb::MethodDescriptor* method = FindMethod(method_path);
  return method != nullptr && !method->client_streaming() && !method->server_streaming();
}

const pb::Descriptor* MessageCodec::EmbeddedType(
    const pb::FieldDescriptor* field) const {
  auto it = embedded_.find(field);
  return it == embedded_.end() ? nullptr : it->second;
}

std::unique_ptr<pb::Message> MessageCodec::New(const pb::Descriptor* type) const {
  return std::unique_ptr<pb::Message>(factory_->GetPrototype(type)->New());
}

absl::StatusOr<std::unique_ptr<pb::Message>> MessageCodec::Decode(
    const pb::Descriptor* type, absl::string_view bytes) const {
  std::unique_ptr<pb::Message> message = New(type);
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bytes (", bytes.size(), ") do not parse as ", type->full_name()));
  }
  return message;
}

std::string MessageCodec::Encode(const pb::Message& message) {
  std::string out;
  {
    // The streams trim `out` to size when they go out of scope.
    pb::io::StringOutputStream stream(&out);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace agent
}  // namespace turncoat
