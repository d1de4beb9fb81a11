#include "common/proto_importer.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace {

namespace pb = google::protobuf;

// Keeps the first error, numbered from 1 as editors count (the importer
// counts lines and columns from 0; -1 means the file as a whole).
class FirstErrorCollector : public pb::compiler::MultiFileErrorCollector {
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

}  // namespace

ProtoImporter::ProtoImporter() = default;
ProtoImporter::~ProtoImporter() = default;

absl::StatusOr<std::unique_ptr<ProtoImporter>> ProtoImporter::Import(
    const std::vector<std::string>& import_paths, const std::vector<std::string>& files) {
  std::unique_ptr<ProtoImporter> importer(new ProtoImporter());
  importer->source_tree_ = std::make_unique<pb::compiler::DiskSourceTree>();
  for (const std::string& dir : import_paths) importer->source_tree_->MapPath("", dir);
  // Well-known types (google/protobuf/empty.proto, ...) ship with protobuf.
  importer->source_tree_->MapPath("", TURNCOAT_PROTOBUF_INCLUDE_DIR);
  auto errors = std::make_unique<FirstErrorCollector>();
  const FirstErrorCollector* first_error = errors.get();
  importer->errors_ = std::move(errors);
  importer->importer_ = std::make_unique<pb::compiler::Importer>(importer->source_tree_.get(),
                                                                  importer->errors_.get());
  for (const std::string& file : files) {
    if (importer->importer_->Import(file) == nullptr) {
      return absl::InvalidArgumentError(
          first_error->first().empty()
              ? absl::StrCat(file, ": cannot be parsed (import paths: ",
                             absl::StrJoin(import_paths, ", "), ")")
              : first_error->first());
    }
    importer->files_.push_back(file);
  }
  return importer;
}

const pb::DescriptorPool* ProtoImporter::pool() const { return importer_->pool(); }

absl::StatusOr<const pb::MethodDescriptor*> FindGrpcMethod(const pb::DescriptorPool& pool,
                                                           absl::string_view grpc_path,
                                                           const std::vector<std::string>& files) {
  // "/package.Service/Method" is how gRPC names a method on the wire.
  const std::vector<absl::string_view> parts = absl::StrSplit(grpc_path, '/');
  if (parts.size() != 3 || !parts[0].empty() || parts[1].empty() || parts[2].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", grpc_path, "' is not a gRPC method path; expected /package.Service/Method"));
  }
  const pb::ServiceDescriptor* service = pool.FindServiceByName(std::string(parts[1]));
  if (service == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("no service '", parts[1], "'",
                     files.empty() ? "" : absl::StrCat(" in ", absl::StrJoin(files, ", "))));
  }
  const pb::MethodDescriptor* method = service->FindMethodByName(std::string(parts[2]));
  if (method == nullptr) {
    std::vector<std::string> names;
    for (int i = 0; i < service->method_count(); ++i) names.push_back(service->method(i)->name());
    return absl::InvalidArgumentError(absl::StrCat("service '", parts[1], "' has no method '",
                                                   parts[2],
                                                   "'; it has: ", absl::StrJoin(names, ", ")));
  }
  return method;
}

}  // namespace turncoat
