#include "agents/message_model.h"

#include <algorithm>
#include <functional>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agents/external_codec.h"
#include "agents/frame.h"
#include "agents/message_codec.h"
#include "agents/payload_codec.h"
#include "agents/proto_tree.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

bool StartsWith(const TreePath& path, const TreePath& prefix) {
  if (prefix.empty() || path.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (path[i] != prefix[i]) return false;
  }
  return true;
}

// The field a singular path names, or an error saying why it does not.
absl::StatusOr<const pb::FieldDescriptor*> SingularField(const pb::Descriptor* type,
                                                         const TreePath& path) {
  const pb::FieldDescriptor* f = nullptr;
  for (size_t i = 0; i < path.size(); ++i) {
    f = type == nullptr ? nullptr : type->FindFieldByName(path[i]);
    if (f == nullptr || f->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          type == nullptr ? "a scalar" : type->full_name(), " has no singular field '", path[i], "'"));
    }
    type = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE ? f->message_type() : nullptr;
  }
  return f;
}

class Compiler {
 public:
  Compiler(const MessageCodec& schema, MessageModel::Kind* kind)
      : schema_(schema), kind_(*kind) {}

  // `oneof_leaf`: the path ends with the name of a oneof, which the
  // schema check below takes for a field it does not find.
  absl::Status Path(absl::string_view role, const std::string& text, ModelPath* out,
                    bool oneof_leaf = false) {
    if (text.empty()) return absl::OkStatus();
    auto path = ParseTreePath(text);
    if (!path.ok()) return Error(role, path.status().message());
    *out = kind_.Resolve(*path);
    if (oneof_leaf) return OneofPath(role, text, *path, out);
    if (out->base == ModelPath::Base::kContent) {
      if (!kind_.decodable()) {
        return Error(role, absl::StrCat("'", text, "' is inside the payload, which is opaque"));
      }
      const pb::Descriptor* content_type = ContentType();
      if (content_type != nullptr) {
        if (absl::Status s = ProtoTree::CheckPath(out->path, content_type, &schema_); !s.ok()) {
          return Error(role, s.message());
        }
      }
      return absl::OkStatus();
    }
    if (absl::Status s = ProtoTree::CheckPath(out->path, kind_.request_type, &schema_); !s.ok()) {
      return Error(role, s.message());
    }
    return absl::OkStatus();
  }

  // Where the schema is known, a oneof or a singular message field (whose
  // only set field names the kind); in JSON any object, the payload itself
  // included (its only key, as serde writes tagged enums), which resolves
  // to the content's root.
  absl::Status OneofPath(absl::string_view role, const std::string& text, const TreePath& path,
                         ModelPath* out) {
    const bool content = out->base == ModelPath::Base::kContent;
    const bool whole_payload = !kind_.payload_field.empty() && path == kind_.payload_field;
    if ((content || whole_payload) && !kind_.decodable()) {
      return Error(role, absl::StrCat("'", text, "' is in the payload, which is opaque"));
    }
    if (whole_payload) {
      if (ContentType() != nullptr) {
        return Error(role, absl::StrCat("'", text, "' is a protobuf payload, not a oneof; name the "
                                        "oneof in it, e.g. '", text, ".<oneof>'"));
      }
      *out = {ModelPath::Base::kContent, {}};
      return absl::OkStatus();
    }
    const pb::Descriptor* type = content ? ContentType() : kind_.request_type;
    if (type == nullptr) return absl::OkStatus();  // JSON: no schema to check against
    const TreePath parent(out->path.begin(), out->path.end() - 1);
    if (!parent.empty()) {
      if (absl::Status s = ProtoTree::CheckPath(parent, type, &schema_); !s.ok()) {
        return Error(role, s.message());
      }
      for (const std::string& segment : parent) {
        const pb::FieldDescriptor* f = type->FindFieldByName(segment);
        if (f == nullptr) return absl::OkStatus();  // '*': any message
        type = f->message_type() != nullptr ? f->message_type() : schema_.EmbeddedType(f);
        if (type == nullptr) {
          return Error(role, absl::StrCat("'", absl::StrJoin(parent, "."), "' is no message"));
        }
      }
    }
    const std::string& name = out->path.back();
    if (type->FindOneofByName(name) != nullptr) return absl::OkStatus();
    const pb::FieldDescriptor* f = type->FindFieldByName(name);
    if (f != nullptr && !f->is_repeated() && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::OkStatus();
    }
    std::vector<std::string> oneofs;
    for (int i = 0; i < type->real_oneof_decl_count(); ++i) {
      oneofs.push_back(type->oneof_decl(i)->name());
    }
    return Error(role, absl::StrCat(type->full_name(), " has no oneof '", name, "' (oneofs: ",
                                    oneofs.empty() ? "none" : absl::StrJoin(oneofs, ", "),
                                    ") and no message field of that name"));
  }

  // The protobuf type of the content, when it is protobuf.
  const pb::Descriptor* ContentType() const {
    if (kind_.payload_field.empty()) return kind_.request_type;
    if (kind_.spec.payload_codec == PayloadCodecKind::kProtobuf) {
      return schema_.FindMessage(kind_.spec.payload_type);
    }
    return nullptr;
  }

  absl::Status Error(absl::string_view role, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("message ", absl::StrJoin(kind_.spec.methods, ", "),
                                                   ": ", role, ": ", what));
  }

 private:
  const MessageCodec& schema_;
  MessageModel::Kind& kind_;
};

// `text`, which must parse, joined to `base`.
absl::StatusOr<TreePath> Under(const TreePath& base, const std::string& text) {
  auto path = ParseTreePath(text);
  if (!path.ok()) return path.status();
  TreePath joined = base;
  joined.insert(joined.end(), path->begin(), path->end());
  return joined;
}

// The message type of the repeated field `path` ends in, from `type`;
// nullptr where the schema cannot tell (JSON, '*').
const pb::Descriptor* ListElementType(const pb::Descriptor* type, const TreePath& path,
                                      const MessageCodec& schema) {
  const pb::FieldDescriptor* f = nullptr;
  for (const std::string& segment : path) {
    f = type == nullptr ? nullptr : type->FindFieldByName(segment);
    if (f == nullptr) return nullptr;
    type = f->message_type() != nullptr ? f->message_type() : schema.EmbeddedType(f);
  }
  return f != nullptr && f->is_repeated() ? f->message_type() : nullptr;
}

absl::StatusOr<MessageModel::Kind::Certificate> CompileCertificate(
    const MessageModel& model, Compiler& c, const MessageModel::Kind& kind,
    const CertificateSpec& spec, size_t index) {
  using Certificate = MessageModel::Kind::Certificate;
  const std::string role = absl::StrCat("certificates[", index, "]");
  Certificate out;
  out.spec = spec;
  if (spec.at.empty() || spec.votes.empty()) {
    return c.Error(role, "expected at (where the certificate is) and votes (its list)");
  }
  for (const std::string& text : spec.at) {
    ModelPath at;
    if (absl::Status st = c.Path(absl::StrCat(role, ".at"), text, &at); !st.ok()) return st;
    auto list = Under(at.path, spec.votes);
    if (!list.ok()) return c.Error(absl::StrCat(role, ".votes"), list.status().message());
    const pb::Descriptor* content =
        at.base == ModelPath::Base::kContent ? c.ContentType() : kind.request_type;
    if (content != nullptr) {
      if (absl::Status st = ProtoTree::CheckPath(*list, content, &model.schema()); !st.ok()) {
        return c.Error(absl::StrCat(role, ".votes"), st.message());
      }
      const pb::Descriptor* type = ListElementType(content, *list, model.schema());
      if (type == nullptr) {
        return c.Error(absl::StrCat(role, ".votes"),
                       absl::StrCat("'", spec.votes, "' is not a repeated message field"));
      }
      if (out.vote_type != nullptr && out.vote_type != type) {
        return c.Error(absl::StrCat(role, ".votes"), "the alternatives of at hold different types");
      }
      out.vote_type = type;
    }
    out.at.push_back(at);
    out.lists.push_back({at.base, *std::move(list)});
  }
  auto paths = [&](const std::vector<std::vector<std::string>>& components,
                   std::vector<std::vector<TreePath>>* parsed) -> absl::Status {
    for (const std::vector<std::string>& alternatives : components) {
      std::vector<TreePath> part;
      for (const std::string& text : alternatives) {
        auto path = ParseTreePath(text);
        if (!path.ok()) return c.Error(absl::StrCat(role, ".round"), path.status().message());
        part.push_back(*std::move(path));
      }
      parsed->push_back(std::move(part));
    }
    return absl::OkStatus();
  };
  auto optional = [&](absl::string_view what, const std::string& text, TreePath* path) {
    if (text.empty()) return absl::OkStatus();
    auto parsed = ParseTreePath(text);
    if (!parsed.ok()) return c.Error(absl::StrCat(role, ".", what), parsed.status().message());
    *path = *std::move(parsed);
    return absl::OkStatus();
  };
  if (absl::Status st = paths(spec.round, &out.round); !st.ok()) return st;
  if (absl::Status st = paths(spec.vote.round, &out.vote_round); !st.ok()) return st;
  if (absl::Status st = optional("block", spec.block, &out.block); !st.ok()) return st;
  if (absl::Status st = optional("vote.block", spec.vote_block, &out.vote_block); !st.ok()) return st;
  if (absl::Status st = optional("vote.sender", spec.vote.sender, &out.vote_sender); !st.ok()) return st;
  if (absl::Status st = optional("vote.signature", spec.vote.signature, &out.vote_signature);
      !st.ok()) {
    return st;
  }
  if (absl::Status st = optional("vote.payload", spec.vote.payload, &out.vote_payload); !st.ok()) {
    return st;
  }
  switch (spec.vote.payload_codec) {
    case PayloadCodecKind::kProtobuf: {
      const pb::Descriptor* type = model.schema().FindMessage(spec.vote.payload_type);
      if (type == nullptr) {
        return c.Error(absl::StrCat(role, ".vote.payload"),
                       absl::StrCat("no message type '", spec.vote.payload_type, "'"));
      }
      out.vote_codec = MakeProtobufPayloadCodec(type, &model.schema());
      break;
    }
    case PayloadCodecKind::kJson:
      out.vote_codec = MakeJsonPayloadCodec();
      break;
    case PayloadCodecKind::kExternal:
      return c.Error(absl::StrCat(role, ".vote.payload"),
                     "embedded messages are read as protobuf or JSON, not through an external codec");
    case PayloadCodecKind::kOpaque:
    case PayloadCodecKind::kNone:
      break;
  }
  return out;
}

bool Prefixed(const TreePath& path, const TreePath& prefix) {
  return path.size() > prefix.size() && StartsWith(path, prefix);
}

}  // namespace

MessageModel::Kind::Certificate::Label MessageModel::Kind::Certificate::Read(
    const MessageTree& vote) const {
  std::unique_ptr<MessageTree> payload;
  bool decoded = false;
  // Calls `fn` on the scalars `path` reaches in the vote, through its payload.
  auto any = [&](const TreePath& path, const std::function<bool(const FieldValue&)>& fn) {
    if (path.empty()) return false;
    if (vote_payload.empty() || !Prefixed(path, vote_payload)) return vote.AnyValue(path, fn);
    if (!decoded) {
      decoded = true;
      std::optional<std::string> bytes;
      vote.AnyValue(vote_payload, [&bytes](const FieldValue& v) {
        bytes = v.text;
        return true;
      });
      if (bytes.has_value() && vote_codec != nullptr) {
        auto tree = vote_codec->Decode(*bytes);
        if (tree.ok()) payload = *std::move(tree);
      }
    }
    if (payload == nullptr) return false;
    return payload->AnyValue(TreePath(path.begin() + static_cast<std::ptrdiff_t>(vote_payload.size()),
                                      path.end()),
                             fn);
  };
  Label label;
  any(vote_sender, [&label](const FieldValue& v) {
    label.sender = v.text;
    return true;
  });
  any(vote_block, [&label](const FieldValue& v) {
    label.block = v.text;
    return true;
  });
  for (const std::vector<TreePath>& alternatives : vote_round) {
    for (const TreePath& path : alternatives) {
      if (any(path, [&label](const FieldValue& v) {
            if (v.numeric) label.round.push_back(v.number);
            return v.numeric;
          })) {
        break;
      }
    }
  }
  return label;
}

ModelPath MessageModel::Kind::Resolve(const TreePath& message_path) const {
  // The payload field itself is a bytes field of the message; only what lies
  // beyond it is content.
  if (message_path.size() > payload_field.size() && StartsWith(message_path, payload_field)) {
    return {ModelPath::Base::kContent,
            TreePath(message_path.begin() + static_cast<std::ptrdiff_t>(payload_field.size()),
                     message_path.end())};
  }
  return {ModelPath::Base::kMessage, message_path};
}

absl::StatusOr<ModelPath> MessageModel::Kind::ResolvePlanPath(absl::string_view text) const {
  if (!text.empty() && text.front() == '/') {
    auto path = ParseTreePath(text.substr(1));
    if (!path.ok()) return path.status();
    return Resolve(*path);
  }
  auto path = ParseTreePath(text);
  if (!path.ok()) return path.status();
  if (payload_field.empty()) return ModelPath{ModelPath::Base::kMessage, *std::move(path)};
  if (!decodable()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the payload of ", absl::StrJoin(spec.methods, ", "),
        " is opaque, so '", text, "' cannot be read in it; name a message field with a leading /"));
  }
  return ModelPath{ModelPath::Base::kContent, *std::move(path)};
}

MessageModel::~MessageModel() = default;

absl::StatusOr<std::unique_ptr<MessageModel>> MessageModel::Build(
    MessageModelSpec spec, std::shared_ptr<const MessageCodec> schema,
    std::map<std::string, std::shared_ptr<ExternalCodec>> codecs) {
  if (schema == nullptr) {
    return absl::FailedPreconditionError("the message model needs the target's .proto files");
  }
  std::unique_ptr<MessageModel> model(new MessageModel());
  model->schema_ = std::move(schema);
  model->codecs_ = std::move(codecs);
  if (absl::Status s = CheckSignatureEncoding(spec.key_scheme, spec.signature_encoding); !s.ok()) {
    return s;
  }
  for (const MessageKindSpec& s : spec.messages) {
    auto kind = std::make_unique<Kind>();
    kind->spec = s;
    Compiler c(*model->schema_, kind.get());
    if (s.methods.empty()) return c.Error("methods", "expected at least one gRPC method");
    for (const std::string& method : s.methods) {
      const pb::Descriptor* type = model->schema_->TypeOf(method, Direction::kRequest);
      if (type == nullptr) return c.Error("methods", absl::StrCat("no method ", method, " in the .proto files"));
      if (kind->request_type != nullptr && kind->request_type != type) {
        return c.Error("methods", absl::StrCat(method, " takes ", type->full_name(), ", not ",
                                               kind->request_type->full_name(),
                                               " as the other methods of this message do"));
      }
      kind->request_type = type;
      if (model->by_method_.count(method) > 0 ||
          std::count(s.methods.begin(), s.methods.end(), method) > 1) {
        return c.Error("methods", absl::StrCat(method, " is described twice"));
      }
    }
    if (s.payload_codec != PayloadCodecKind::kNone) {
      auto payload = ParseTreePath(s.payload);
      if (!payload.ok()) return c.Error("payload", payload.status().message());
      auto field = SingularField(kind->request_type, *payload);
      if (!field.ok()) return c.Error("payload", field.status().message());
      if ((*field)->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING) {
        return c.Error("payload", absl::StrCat((*field)->full_name(), " is not a bytes or string field"));
      }
      kind->payload_field = *std::move(payload);
      switch (s.payload_codec) {
        case PayloadCodecKind::kProtobuf: {
          const pb::Descriptor* type = model->schema_->FindMessage(s.payload_type);
          if (type == nullptr) {
            return c.Error("payload", absl::StrCat("no message type '", s.payload_type, "'"));
          }
          kind->codec = MakeProtobufPayloadCodec(type, model->schema_.get());
          break;
        }
        case PayloadCodecKind::kJson:
          kind->codec = MakeJsonPayloadCodec();
          break;
        case PayloadCodecKind::kExternal: {
          auto it = model->codecs_.find(s.payload_external);
          if (it == model->codecs_.end()) {
            return c.Error("payload", absl::StrCat("no external codec '", s.payload_external, "'"));
          }
          kind->codec = MakeExternalPayloadCodec(it->second, s.payload_type);
          break;
        }
        case PayloadCodecKind::kOpaque:
        case PayloadCodecKind::kNone:
          break;
      }
    }
    if (absl::Status st = c.Path("kind_oneof", s.kind_oneof, &kind->kind_oneof, /*oneof_leaf=*/true);
        !st.ok()) {
      return st;
    }
    if (absl::Status st = c.Path("kind_field", s.kind_field, &kind->kind_field); !st.ok()) return st;
    if (absl::Status st = c.Path("sender", s.sender, &kind->sender); !st.ok()) return st;
    for (const std::string& text : s.sender_also) {
      ModelPath p;
      if (absl::Status st = c.Path("sender", text, &p); !st.ok()) return st;
      kind->sender_also.push_back(std::move(p));
    }
    if (absl::Status st = c.Path("signature", s.signature, &kind->signature); !st.ok()) return st;
    if (absl::Status st = c.Path("signature_covers", s.signature_covers, &kind->signature_covers);
        !st.ok()) {
      return st;
    }
    if (absl::Status st = c.Path("values", s.values, &kind->values); !st.ok()) return st;
    if (!kind->signature.empty()) {
      if (kind->signature.base != ModelPath::Base::kMessage) {
        return c.Error("signature", "must be a field of the message, not of its payload");
      }
      auto field = SingularField(kind->request_type, kind->signature.path);
      if (!field.ok()) return c.Error("signature", field.status().message());
      if ((*field)->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING) {
        return c.Error("signature", absl::StrCat((*field)->full_name(), " is not a bytes or string field"));
      }
    }
    if (!kind->signature_covers.empty() && kind->signature_covers.base == ModelPath::Base::kContent &&
        c.ContentType() == nullptr) {
      return c.Error("signature_covers",
                     "a part of a payload that is not protobuf has no canonical bytes; cover the "
                     "payload field itself");
    }
    if (!kind->signature_covers.empty()) {
      const pb::Descriptor* type = kind->signature_covers.base == ModelPath::Base::kContent
                                       ? c.ContentType()
                                       : kind->request_type;
      auto field = SingularField(type, kind->signature_covers.path);
      if (!field.ok()) return c.Error("signature_covers", field.status().message());
      if ((*field)->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING &&
          (*field)->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        return c.Error("signature_covers",
                       absl::StrCat((*field)->full_name(),
                                    " has no bytes to sign: cover a bytes, string or message field"));
      }
    }
    for (const std::vector<std::string>& alternatives : s.round) {
      std::vector<ModelPath> part;
      for (const std::string& text : alternatives) {
        ModelPath p;
        if (absl::Status st = c.Path("round", text, &p); !st.ok()) return st;
        part.push_back(std::move(p));
      }
      kind->round.push_back(std::move(part));
    }
    for (size_t i = 0; i < s.certificates.size(); ++i) {
      auto certificate = CompileCertificate(*model, c, *kind, s.certificates[i], i);
      if (!certificate.ok()) return certificate.status();
      kind->certificates.push_back(*std::move(certificate));
    }
    for (const std::string& method : s.methods) model->by_method_[method] = kind.get();
    model->kinds_.push_back(std::move(kind));
  }
  model->spec_ = std::move(spec);
  return model;
}

const MessageModel::Kind* MessageModel::ForMethod(absl::string_view method) const {
  auto it = by_method_.find(method);
  return it == by_method_.end() ? nullptr : it->second;
}

std::optional<int> MessageModel::ReplicaIndex(absl::string_view id) const {
  for (size_t i = 0; i < spec_.replica_ids.size(); ++i) {
    if (spec_.replica_ids[i] == id) return static_cast<int>(i);
  }
  return std::nullopt;
}

const std::string* MessageModel::ReplicaId(int index) const {
  if (index < 0 || static_cast<size_t>(index) >= spec_.replica_ids.size()) return nullptr;
  return &spec_.replica_ids[index];
}

bool MessageModel::has_rounds() const {
  for (const auto& kind : kinds_) {
    if (!kind->round.empty()) return true;
  }
  return false;
}

bool MessageModel::has_proposals() const {
  for (const auto& kind : kinds_) {
    if (!kind->round.empty() && !kind->values.empty()) return true;
  }
  return false;
}

}  // namespace agent
}  // namespace turncoat
