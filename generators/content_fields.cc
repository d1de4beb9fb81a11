#include "generators/content_fields.h"

#include <algorithm>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "model/proto_schema.h"

namespace turncoat {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

class FieldWalk {
 public:
  FieldWalk(const MessageSpec& message, int max_depth, std::set<std::string>* seen,
            std::vector<ContentField>* out)
      : message_(message),
        max_depth_(max_depth),
        proposal_kind_(ProposalKind()),
        seen_(seen),
        out_(out) {}

  void Walk(const Descriptor* type, const std::string& prefix, const std::string& kind,
            int depth) {
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      const std::string path = prefix.empty() ? field->name() : absl::StrCat(prefix, ".", field->name());
      std::string field_kind = kind;
      if (depth == 1 && IsKind(field->name())) {
        // A kind's own member: its fields belong to that kind, and it is
        // not listed itself.
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated()) {
          Walk(field->message_type(), path, field->name(), depth + 1);
        }
        continue;
      }
      if (depth == 1 && !message_.kind.empty()) field_kind = message_.kind;
      Add(field, path, field_kind);
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated() &&
          depth < max_depth_) {
        Walk(field->message_type(), path, field_kind, depth + 1);
      }
    }
  }

 private:
  bool IsKind(const std::string& name) const {
    return std::find(message_.kinds.begin(), message_.kinds.end(), name) != message_.kinds.end();
  }

  // The kind the message's client values are under: the first segment of
  // `values` below the payload field, when that is a kind.
  std::string ProposalKind() const {
    std::string values = message_.values;
    const std::string payload = message_.payload.field;
    if (!payload.empty()) {
      if (values.rfind(payload + ".", 0) != 0) return "";
      values = values.substr(payload.size() + 1);
    }
    const std::string first = values.substr(0, values.find('.'));
    return IsKind(first) ? first : message_.kind;
  }

  void Add(const FieldDescriptor* field, const std::string& path, const std::string& kind) {
    ContentField out;
    out.path = path;
    out.kind = kind;
    out.proposal = !message_.values.empty() && (kind.empty() || kind == proposal_kind_);
    if (field->is_repeated()) {
      out.type = ContentField::Type::kList;
    } else {
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE:
          out.type = ContentField::Type::kMessage;
          break;
        case FieldDescriptor::CPPTYPE_ENUM:
          out.type = ContentField::Type::kEnum;
          for (int v = 0; v < field->enum_type()->value_count(); ++v) {
            out.enum_values.push_back(field->enum_type()->value(v)->name());
          }
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          out.type = ContentField::Type::kBool;
          break;
        case FieldDescriptor::CPPTYPE_INT32:
        case FieldDescriptor::CPPTYPE_INT64:
        case FieldDescriptor::CPPTYPE_UINT32:
        case FieldDescriptor::CPPTYPE_UINT64:
          out.type = ContentField::Type::kInteger;
          break;
        default:
          return;  // strings, bytes and floats: client values and signatures live there
      }
    }
    if (seen_->insert(path).second) out_->push_back(std::move(out));
  }

  const MessageSpec& message_;
  const int max_depth_;
  const std::string proposal_kind_;
  std::set<std::string>* seen_;
  std::vector<ContentField>* out_;
};

}  // namespace

bool FieldServes(const ContentField& field, ParamSource source) {
  const bool clearable =
      field.type == ContentField::Type::kMessage || field.type == ContentField::Type::kList;
  if (clearable == (source == ParamSource::kFieldAssignments)) return false;
  return source != ParamSource::kProposalFields || field.proposal;
}

absl::StatusOr<std::vector<ContentField>> ContentFieldsOf(const TargetSpec& target,
                                                          int max_depth) {
  std::vector<ContentField> fields;
  const ProtocolSpec& protocol = target.protocol;
  if (protocol.protos.empty()) return fields;
  absl::StatusOr<std::unique_ptr<ProtoSchema>> schema =
      ProtoSchema::Load(protocol.import_paths, protocol.protos);
  if (!schema.ok()) return schema.status();
  std::set<std::string> seen;
  for (const MessageSpec& message : protocol.messages) {
    std::string type;
    switch (message.payload.codec) {
      case PayloadSpec::Codec::kProtobuf:
        type = message.payload.type;
        break;
      case PayloadSpec::Codec::kNone:
        type = message.request_type;
        break;
      default:
        continue;  // no schema: JSON, opaque and external content
    }
    absl::StatusOr<const Descriptor*> root = (*schema)->FindMessage(type);
    if (!root.ok()) continue;
    FieldWalk(message, max_depth, &seen, &fields).Walk(*root, "", "", 1);
  }
  return fields;
}

}  // namespace turncoat
