#include "agents/frame.h"

#include "absl/strings/str_cat.h"
#include "agents/message_codec.h"
#include "agents/message_view.h"
#include "agents/proto_tree.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {

absl::string_view DirectionName(Direction direction) {
  return direction == Direction::kRequest ? "request" : "response";
}

Frame::Frame(uint64_t id, LinkId link, absl::string_view method, Direction direction,
             std::string bytes, const MessageCodec* codec, std::shared_ptr<FrameSink> sink,
             const MessageModel* model)
    : id_(id),
      link_(link),
      method_(method),
      direction_(direction),
      bytes_(std::move(bytes)),
      codec_(codec),
      sink_(std::move(sink)),
      model_(model) {}

Frame::~Frame() = default;
Frame::Frame(Frame&&) noexcept = default;
Frame& Frame::operator=(Frame&&) noexcept = default;

const google::protobuf::Descriptor* Frame::type() const {
  return codec_ == nullptr ? nullptr : codec_->TypeOf(method_, direction_);
}

const ProtoTree* Frame::tree() const {
  if (!decoded_) {
    decoded_ = true;
    const google::protobuf::Descriptor* t = type();
    if (t != nullptr) {
      auto decoded = codec_->Decode(t, bytes_);
      if (decoded.ok()) tree_ = std::make_unique<ProtoTree>(*std::move(decoded), codec_);
    }
  }
  return tree_.get();
}

const google::protobuf::Message* Frame::message() const {
  const ProtoTree* t = tree();
  return t == nullptr ? nullptr : &t->message();
}

const MessageModel::Kind* Frame::kind_spec() const {
  if (model_ == nullptr || direction_ != Direction::kRequest) return nullptr;
  return model_->ForMethod(method_);
}

const MessageView* Frame::view() const {
  if (!opened_) {
    opened_ = true;
    const MessageModel::Kind* kind = kind_spec();
    if (kind == nullptr) {
      view_status_ = absl::NotFoundError(
          absl::StrCat(method_, " ", DirectionName(direction_), " is no peer message of the target"));
    } else {
      auto view = MessageView::Open(*model_, *kind, bytes_);
      if (view.ok()) {
        view_ = *std::move(view);
      } else {
        view_status_ = view.status();
      }
    }
  }
  return view_.get();
}

const absl::Status& Frame::view_status() const {
  view();
  return view_status_;
}

std::string Frame::kind() const {
  if (named_kind_.has_value()) return *named_kind_;
  const MessageModel::Kind* kind = kind_spec();
  if (kind == nullptr) return "";
  if (!kind->spec.kind.empty()) return kind->spec.kind;
  const MessageView* v = view();
  return v == nullptr ? "" : v->kind();
}

std::optional<int64_t> Frame::major_round() const {
  const MessageModel::Kind* kind = kind_spec();
  if (kind == nullptr || kind->round.empty()) return std::nullopt;
  const MessageView* v = view();
  return v == nullptr ? std::nullopt : v->major_round();
}

}  // namespace agent
}  // namespace turncoat
