#include "agents/message_view.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "agents/message_codec.h"
#include "agents/payload_codec.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

absl::StatusOr<std::string> FromText(const std::string& text, SignatureText encoding) {
  switch (encoding) {
    case SignatureText::kRaw:
      return text;
    case SignatureText::kHex: {
      const absl::string_view digits = absl::StripAsciiWhitespace(text);
      if (digits.size() % 2 != 0) {
        return absl::InvalidArgumentError("the signature is not hex: odd number of digits");
      }
      for (char c : digits) {
        if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
          return absl::InvalidArgumentError("the signature is not hex");
        }
      }
      return absl::HexStringToBytes(digits);
    }
    case SignatureText::kBase64: {
      std::string bytes;
      if (!absl::Base64Unescape(absl::StripAsciiWhitespace(text), &bytes)) {
        return absl::InvalidArgumentError("the signature is not base64");
      }
      return bytes;
    }
  }
  return text;
}

std::string ToText(absl::string_view bytes, SignatureText encoding) {
  switch (encoding) {
    case SignatureText::kRaw:
      return std::string(bytes);
    case SignatureText::kHex:
      return absl::BytesToHexString(bytes);
    case SignatureText::kBase64:
      return absl::Base64Escape(bytes);
  }
  return std::string(bytes);
}

std::optional<std::string> FirstText(const MessageView& view, const ModelPath& path) {
  std::optional<std::string> text;
  view.AnyValue(path, [&text](const FieldValue& v) {
    text = v.text;
    return true;
  });
  return text;
}

// The first number `path` reaches in `view`.
std::optional<double> FirstNumber(const MessageView& view, const ModelPath& path) {
  std::optional<double> number;
  view.AnyValue(path, [&number](const FieldValue& v) {
    if (v.numeric) number = v.number;
    return v.numeric;
  });
  return number;
}

}  // namespace

MessageView::MessageView(const MessageModel& model, const MessageModel::Kind& kind)
    : model_(model), kind_(kind) {}

MessageView::~MessageView() = default;

absl::StatusOr<std::unique_ptr<MessageView>> MessageView::Open(const MessageModel& model,
                                                               const MessageModel::Kind& kind,
                                                               absl::string_view bytes) {
  auto root = model.schema().Decode(kind.request_type, bytes);
  if (!root.ok()) return root.status();
  std::unique_ptr<MessageView> view(new MessageView(model, kind));
  view->original_ = std::string(bytes);
  view->root_ = std::make_unique<ProtoTree>(*std::move(root), &model.schema());
  if (!kind.payload_field.empty()) {
    if (kind.codec == nullptr) {
      view->content_status_ = absl::FailedPreconditionError(
          absl::StrCat("the payload of ", kind.request_type->full_name(), " is opaque"));
    } else {
      auto raw = view->root_->GetBytes(kind.payload_field);
      absl::StatusOr<std::unique_ptr<MessageTree>> payload =
          raw.ok() ? kind.codec->Decode(*raw) : raw.status();
      if (payload.ok()) {
        view->payload_ = *std::move(payload);
      } else {
        view->content_status_ = absl::Status(
            payload.status().code(), absl::StrCat("the payload of ", kind.request_type->full_name(),
                                                  " does not decode as ", kind.codec->Describe(),
                                                  ": ", payload.status().message()));
      }
    }
  }
  return view;
}

std::unique_ptr<MessageView> MessageView::Clone() const {
  std::unique_ptr<MessageView> copy(new MessageView(model_, kind_));
  copy->original_ = original_;
  copy->root_.reset(static_cast<ProtoTree*>(root_->Clone().release()));
  if (payload_ != nullptr) copy->payload_ = payload_->Clone();
  copy->content_status_ = content_status_;
  copy->changed_ = changed_;
  copy->content_changed_ = content_changed_;
  return copy;
}

const MessageTree* MessageView::content() const {
  if (kind_.payload_field.empty()) return root_.get();
  return payload_.get();
}

MessageTree* MessageView::mutable_content() { return mutable_tree(ModelPath::Base::kContent); }

MessageTree* MessageView::mutable_tree(ModelPath::Base base) {
  if (base == ModelPath::Base::kMessage || kind_.payload_field.empty()) {
    changed_ = true;
    return root_.get();
  }
  if (payload_ == nullptr) return nullptr;
  changed_ = true;
  content_changed_ = true;
  return payload_.get();
}

bool MessageView::AnyValue(const ModelPath& path,
                           const std::function<bool(const FieldValue&)>& fn) const {
  if (path.empty()) return false;
  const MessageTree* tree = path.base == ModelPath::Base::kMessage ? root_.get() : payload_.get();
  return tree != nullptr && tree->AnyValue(path.path, fn);
}

bool MessageView::Present(const ModelPath& path) const {
  if (path.empty()) return false;
  const MessageTree* tree = path.base == ModelPath::Base::kMessage ? root_.get() : payload_.get();
  return tree != nullptr && tree->Present(path.path);
}

std::string MessageView::kind() const {
  if (!kind_.spec.kind.empty()) return kind_.spec.kind;
  // (An empty content path is the JSON payload itself: its only key.)
  if (!kind_.spec.kind_oneof.empty()) {
    const MessageTree* tree =
        kind_.kind_oneof.base == ModelPath::Base::kMessage ? root_.get() : payload_.get();
    if (tree == nullptr) return "";
    return tree->SetMember(kind_.kind_oneof.path).value_or("");
  }
  return FirstText(*this, kind_.kind_field).value_or("");
}

std::optional<std::string> MessageView::sender_id() const {
  if (kind_.sender.empty()) return std::nullopt;
  return FirstText(*this, kind_.sender);
}

std::optional<int> MessageView::sender() const {
  std::optional<std::string> id = sender_id();
  if (!id.has_value()) return std::nullopt;
  return model_.ReplicaIndex(*id);
}

absl::StatusOr<std::string> MessageView::signature() const {
  if (kind_.signature.empty()) return std::string();
  auto text = root_->GetBytes(kind_.signature.path);
  if (absl::IsNotFound(text.status())) return std::string();
  if (!text.ok()) return text.status();
  return FromText(*text, kind_.spec.signature_text);
}

const ModelPath* MessageView::RoundPath(size_t component) const {
  const std::vector<ModelPath>& alternatives = kind_.round[component];
  for (const ModelPath& path : alternatives) {
    if (Present(path) && FirstNumber(*this, path).has_value()) return &path;
  }
  // protobuf does not write a 0, but a view 0 in a message that is there is
  // the round all the same: reached through set messages, it counts.
  for (const ModelPath& path : alternatives) {
    if (FirstNumber(*this, path).has_value()) return &path;
  }
  return nullptr;
}

std::vector<double> MessageView::round() const {
  std::vector<double> round;
  for (size_t i = 0; i < kind_.round.size(); ++i) {
    if (const ModelPath* path = RoundPath(i)) round.push_back(*FirstNumber(*this, *path));
  }
  return round;
}

std::optional<int64_t> MessageView::major_round() const {
  const ModelPath* path = kind_.round.empty() ? nullptr : RoundPath(0);
  if (path == nullptr) return std::nullopt;
  return static_cast<int64_t>(*FirstNumber(*this, *path));
}

bool MessageView::proposal() const {
  const ModelPath& values = kind_.values;
  if (values.empty()) return false;
  if (values.path.size() == 1) return true;
  return Present(ModelPath{values.base, TreePath(values.path.begin(), values.path.end() - 1)});
}

absl::Status MessageView::SetRound(size_t component, int64_t value) {
  const ModelPath* path = component < kind_.round.size() ? RoundPath(component) : nullptr;
  if (path == nullptr) {
    return absl::NotFoundError(absl::StrCat("this message has no round component ", component));
  }
  return Set(*path, absl::StrCat(value), /*create=*/false);
}

absl::Status MessageView::Set(const ModelPath& path, absl::string_view text, bool create) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  MessageTree* tree = mutable_tree(path.base);
  if (tree == nullptr) return content_status_;
  return tree->Set(path.path, text, create);
}

absl::Status MessageView::SetSender(int index) {
  if (kind_.sender.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        kind_.request_type->full_name(),
        " has no sender field (the target says its sender is known from the link)"));
  }
  const std::string* id = model_.ReplicaId(index);
  if (id == nullptr) return absl::InvalidArgumentError(absl::StrCat("no replica ", index));
  if (absl::Status s = Set(kind_.sender, *id, /*create=*/true); !s.ok()) return s;
  for (const ModelPath& also : kind_.sender_also) {
    // Only where the message has it: a kind may lack the copy.
    absl::Status s = Set(also, *id, /*create=*/false);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
  }
  return absl::OkStatus();
}

absl::Status MessageView::SyncContent() {
  if (!content_changed_) return absl::OkStatus();
  auto bytes = kind_.codec->Encode(*payload_);
  if (!bytes.ok()) return bytes.status();
  if (absl::Status s = root_->SetBytes(kind_.payload_field, *bytes); !s.ok()) return s;
  content_changed_ = false;
  return absl::OkStatus();
}

absl::StatusOr<std::string> MessageView::Covered() {
  if (absl::Status s = SyncContent(); !s.ok()) return s;
  const ModelPath& covers = kind_.signature_covers;
  if (covers.empty()) {
    std::unique_ptr<MessageTree> copy = root_->Clone();
    if (!kind_.signature.empty()) copy->Clear(kind_.signature.path);
    return MessageCodec::Encode(*copy->proto());
  }
  if (covers.base == ModelPath::Base::kMessage) return root_->SerializeAt(covers.path);
  const auto* payload = dynamic_cast<const ProtoTree*>(payload_.get());
  if (payload == nullptr) return content_status_.ok() ? absl::InternalError("no protobuf payload") : content_status_;
  return payload->SerializeAt(covers.path);
}

absl::Status MessageView::WriteSignature(absl::string_view signature) {
  if (kind_.signature.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(kind_.request_type->full_name(), " is unsigned"));
  }
  changed_ = true;
  return root_->SetBytes(kind_.signature.path, ToText(signature, kind_.spec.signature_text));
}

absl::StatusOr<std::string> MessageView::Encode() {
  if (!changed_) return original_;
  if (absl::Status s = SyncContent(); !s.ok()) return s;
  return MessageCodec::Encode(root_->message());
}

absl::StatusOr<std::string> MessageView::EncodeSigned(const PrivateKey& key) {
  auto covered = Covered();
  if (!covered.ok()) return covered.status();
  auto signature = key.Sign(*covered, model_.spec().signature_encoding);
  if (!signature.ok()) return signature.status();
  return EncodeWithSignature(*signature);
}

absl::StatusOr<std::string> MessageView::EncodeWithSignature(absl::string_view signature) {
  if (absl::Status s = SyncContent(); !s.ok()) return s;
  if (absl::Status s = WriteSignature(signature); !s.ok()) return s;
  return MessageCodec::Encode(root_->message());
}

}  // namespace agent
}  // namespace turncoat
