#include "harness/proto_schema.h"

#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

// Keeps the first error; protobuf reports follow-on errors that only confuse.
class FirstErrorCollector : public google::protobuf::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& filename, int line, int column,
                const std::string& message) override {
    if (!first_.empty()) return;
    first_ = line >= 0 ? absl::StrCat(filename, ":", line + 1, ":", column + 1, ": ", message)
                       : absl::StrCat(filename, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

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
  std::unique_ptr<ProtoSchema> schema(new ProtoSchema());
  schema->source_tree_ = std::make_unique<google::protobuf::compiler::DiskSourceTree>();
  for (const std::string& dir : import_paths) schema->source_tree_->MapPath("", dir);
  // Well-known types (google/protobuf/empty.proto, ...) ship with protobuf.
  schema->source_tree_->MapPath("", TURNCOAT_PROTOBUF_INCLUDE_DIR);
  auto errors = std::make_unique<FirstErrorCollector>();
  FirstErrorCollector* first_error = errors.get();
  schema->errors_ = std::move(errors);
  schema->importer_ = std::make_unique<google::protobuf::compiler::Importer>(
      schema->source_tree_.get(), schema->errors_.get());

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
    if (schema->importer_->Import(virtual_name) == nullptr) {
      return absl::InvalidArgumentError(first_error->first().empty()
                                            ? absl::StrCat(proto, ": cannot be parsed")
                                            : first_error->first());
    }
    schema->files_.push_back(virtual_name);
  }
  return schema;
}

absl::StatusOr<const Descriptor*> ProtoSchema::FindMessage(absl::string_view name) const {
  const Descriptor* d = importer_->pool()->FindMessageTypeByName(std::string(name));
  if (d == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("no message type '", name, "' in ",
                                                   absl::StrJoin(files_, ", "),
                                                   "; use the fully qualified name, e.g. "
                                                   "package.Message"));
  }
  return d;
}

absl::StatusOr<const MethodDescriptor*> ProtoSchema::FindMethod(absl::string_view grpc_path) const {
  // "/package.Service/Method" is how gRPC names a method on the wire.
  const std::vector<absl::string_view> parts = absl::StrSplit(grpc_path, '/');
  if (parts.size() != 3 || !parts[0].empty() || parts[1].empty() || parts[2].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", grpc_path, "' is not a gRPC method path; expected /package.Service/Method"));
  }
  const auto* service = importer_->pool()->FindServiceByName(std::string(parts[1]));
  if (service == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("no service '", parts[1], "' in ", absl::StrJoin(files_, ", ")));
  }
  const MethodDescriptor* method = service->FindMethodByName(std::string(parts[2]));
  if (method == nullptr) {
    std::vector<std::string> names;
    for (int i = 0; i < service->method_count(); ++i) names.push_back(service->method(i)->name());
    return absl::InvalidArgumentError(absl::StrCat("service '", parts[1], "' has no method '",
                                                   parts[2],
                                                   "'; it has: ", absl::StrJoin(names, ", ")));
  }
  return method;
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
