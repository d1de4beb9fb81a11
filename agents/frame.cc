#include "agents/frame.h"

#include "agents/message_codec.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {

absl::string_view DirectionName(Direction direction) {
  return direction == Direction::kRequest ? "request" : "response";
}

Frame::Frame(uint64_t id, LinkId link, absl::string_view method,
             Direction direction, std::string bytes, const MessageCodec* codec,
             std::shared_ptr<FrameSink> sink)
    : id_(id),
      link_(link),
      method_(method),
      direction_(direction),
      bytes_(std::move(bytes)),
      codec_(codec),
      sink_(std::move(sink)) {}

Frame::~Frame() = default;
Frame::Frame(Frame&&) noexcept = default;
Frame& Frame::operator=(Frame&&) noexcept = default;

const google::protobuf::Descriptor* Frame::type() const {
  return codec_ == nullptr ? nullptr : codec_->TypeOf(method_, direction_);
}

const google::protobuf::Message* Frame::message() const {
  if (!decoded_) {
    decoded_ = true;
    const google::protobuf::Descriptor* t = type();
    if (t != nullptr) {
      auto decoded = codec_->Decode(t, bytes_);
      if (decoded.ok()) message_ = std::move(*decoded);
    }
  }
  return message_.get();
}

const google::protobuf::Message* Frame::Embedded(
    const google::protobuf::Message& parent,
    const google::protobuf::FieldDescriptor* field) const {
  for (const EmbeddedEntry& e : embedded_) {
    if (e.parent == &parent && e.field == field) return e.message.get();
  }
  const google::protobuf::Descriptor* inner =
      codec_ == nullptr ? nullptr : codec_->EmbeddedType(field);
  if (inner == nullptr) return nullptr;
  std::string scratch;
  const std::string& raw =
      parent.GetReflection()->GetStringReference(parent, field, &scratch);
  auto decoded = codec_->Decode(inner, raw);
  // Remember failures too, so a malformed payload is parsed once per frame.
  embedded_.push_back(
      {&parent, field, decoded.ok() ? std::move(*decoded) : nullptr});
  return embedded_.back().message.get();
}

}  // namespace agent
}  // namespace turncoat
