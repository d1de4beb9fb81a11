#include "agents/peer_rewrite.h"

#include "absl/strings/str_cat.h"
#include "agents/message_codec.h"
#include "agents/proto_tree.h"
#include "agents/rewriter_params.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

absl::Status CheckOne(const MessageCodec* codec, const MessageModel::Kind& kind,
                      absl::string_view text, PlanPathCheck check) {
  auto path = kind.ResolvePlanPath(text);
  if (!path.ok()) return path.status();
  const pb::Descriptor* type = nullptr;
  if (path->base == ModelPath::Base::kMessage) {
    type = kind.request_type;
  } else if (kind.spec.payload_codec == PayloadCodecKind::kProtobuf && codec != nullptr) {
    type = codec->FindMessage(kind.spec.payload_type);
  }
  if (type == nullptr) return absl::OkStatus();  // JSON: no schema to check against
  if (absl::Status s = ProtoTree::CheckPath(path->path, type, codec); !s.ok()) return s;
  if (check.through_list) {
    bool list = false;
    const pb::Descriptor* at = type;
    for (const std::string& segment : path->path) {
      const pb::FieldDescriptor* f = at == nullptr ? nullptr : at->FindFieldByName(segment);
      if (f == nullptr) break;
      list |= f->is_repeated();
      at = f->message_type();
    }
    if (!list) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "' goes through no repeated field: there is no list to trim"));
    }
  }
  if (check.value != nullptr) {
    // Setting it on an empty message checks the field and the value.
    ProtoTree scratch(codec->New(type), codec);
    if (absl::Status s = scratch.Set(path->path, *check.value, /*create=*/true); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RequireModel(const RewriterContext& c) {
  if (c.model == nullptr) {
    return absl::FailedPreconditionError(
        "needs the target's message model (protocol.messages), which is not loaded");
  }
  return absl::OkStatus();
}

absl::StatusOr<PrivateKey> SigningKeyParam(const RewriterContext& c) {
  if (absl::Status s = RequireModel(c); !s.ok()) return s;
  auto path = RequiredParam(*c.params, "key",
                            "the path of the Byzantine replica's private key file to sign with");
  if (!path.ok()) return path.status();
  auto key = PrivateKey::LoadFile(*path, c.model->spec().key_scheme, c.model->spec().private_encoding);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("param 'key': ", key.status().message()));
  }
  return key;
}

absl::StatusOr<std::optional<PrivateKey>> SigningKeyIfNeeded(const RewriterContext& c,
                                                             bool needed) {
  const bool unsigned_kind = c.kind != nullptr && c.kind->signature.empty();
  if (!needed || (unsigned_kind && c.params->count("key") == 0)) {
    return std::optional<PrivateKey>();
  }
  auto key = SigningKeyParam(c);
  if (!key.ok()) return key.status();
  return std::optional<PrivateKey>(*std::move(key));
}

absl::StatusOr<std::unique_ptr<MessageView>> EditablePeerMessage(const Frame& frame) {
  if (frame.kind_spec() == nullptr) return std::unique_ptr<MessageView>();
  const MessageView* view = frame.view();
  if (view == nullptr) return frame.view_status();
  return view->Clone();
}

absl::Status CheckPlanPath(const RewriterContext& c, absl::string_view param,
                           absl::string_view text, PlanPathCheck check) {
  if (c.model == nullptr) return absl::OkStatus();
  if (c.kind != nullptr) {
    if (absl::Status s = CheckOne(c.codec, *c.kind, text, check); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("param '", param, "': ", s.message()));
    }
    return absl::OkStatus();
  }
  // Without a pinned kind the path must fit at least one kind of message.
  absl::Status first;
  for (const auto& kind : c.model->kinds()) {
    absl::Status s = CheckOne(c.codec, *kind, text, check);
    if (s.ok()) return s;
    if (first.ok()) first = s;
  }
  if (first.ok()) return first;
  return absl::InvalidArgumentError(
      absl::StrCat("param '", param, "': '", text, "' fits no kind of peer message: ", first.message()));
}

absl::StatusOr<std::string> Seal(MessageView& view, const PrivateKey* key) {
  if (!view.signed_message()) return view.Encode();
  if (key == nullptr) {
    return absl::FailedPreconditionError(
        "the message is signed and this rewrite has no key to sign it with");
  }
  return view.EncodeSigned(*key);
}

}  // namespace agent
}  // namespace turncoat
