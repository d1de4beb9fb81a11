#include "model/proto_schema.h"

#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/proto_importer.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

// `path` relative to `root`, if `path` lies under it.
bool RelativeUnder(const fs::path& root, const fs::path& path, std::string* rel) {
  const fs::path r = path.lexically_relative(root);
  if (r.empty() || *r.begin() == "..") return false;
  *rel = r.generic_string();
  return true;
}

}  // namespace

ProtoSchema::ProtoSchema() = default;
ProtoSchema::~ProtoSchema() = default;

absl::StatusOr<std::unique_ptr<ProtoSchema>> ProtoSchema::Load(
    const std::vector<std::string>& import_paths, const std::vector<std::string>& protos) {
  std::vector<std::string> virtual_names;
  for (const std::string& proto : protos) {
    std::string virtual_name;
    for (const std::string& dir : import_paths) {
      if (RelativeUnder(fs::path(dir).lexically_normal(), fs::path(proto).lexically_normal(),
                        &virtual_name)) {
        break;
      }
    }
    if (virtual_name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(proto, " is not under any import path (", absl::StrJoin(import_paths, ", "),
                       "); add its root directory to protocol.import_paths"));
    }
    if (!fs::is_regular_file(proto)) {
      return absl::InvalidArgumentError(absl::StrCat(proto, ": no such file"));
    }
    virtual_names.push_back(std::move(virtual_name));
  }
  auto importer = ProtoImporter::Import(import_paths, virtual_names);
  if (!importer.ok()) return importer.status();
  std::unique_ptr<ProtoSchema> schema(new ProtoSchema());
  schema->importer_ = *std::move(importer);
  return schema;
}

absl::StatusOr<const Descriptor*> ProtoSchema::FindMessage(absl::string_view name) const {
  const Descriptor* d = importer_->pool()->FindMessageTypeByName(std::string(name));
  if (d == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("no message type '", name, "' in ",
                                                   absl::StrJoin(importer_->files(), ", "),
                                                   "; use the fully qualified name, e.g. "
                                                   "package.Message"));
  }
  return d;
}

absl::StatusOr<const MethodDescriptor*> ProtoSchema::FindMethod(absl::string_view grpc_path) const {
  return FindGrpcMethod(*importer_->pool(), grpc_path, importer_->files());
}

absl::StatusOr<std::vector<const FieldDescriptor*>> ProtoSchema::ResolvePath(
    const Descriptor* root, absl::string_view path) {
  std::vector<const FieldDescriptor*> fields;
  const Descriptor* current = root;
  for (absl::string_view segment : absl::StrSplit(path, '.')) {
    if (current == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("'", path, "': ", fields.back()->name(),
                                                     " is not a message, so it has no field '",
                                                     segment, "'"));
    }
    const FieldDescriptor* field = current->FindFieldByName(std::string(segment));
    if (field == nullptr) {
      std::vector<std::string> names;
      for (int i = 0; i < current->field_count(); ++i) names.push_back(current->field(i)->name());
      return absl::InvalidArgumentError(absl::StrCat("'", path, "': ", current->full_name(),
                                                     " has no field '", segment,
                                                     "'; it has: ", absl::StrJoin(names, ", ")));
    }
    fields.push_back(field);
    current = field->message_type();
  }
  return fields;
}

bool ProtoSchema::IsBytesOrString(const google::protobuf::FieldDescriptor* f) {
  using google::protobuf::FieldDescriptor;
  return f->type() == FieldDescriptor::TYPE_BYTES || f->type() == FieldDescriptor::TYPE_STRING;
}

bool ProtoSchema::AnyRepeated(const std::vector<const google::protobuf::FieldDescriptor*>& path) {
  for (const google::protobuf::FieldDescriptor* f : path) {
    if (f->is_repeated()) return true;
  }
  return false;
}

}  // namespace turncoat
