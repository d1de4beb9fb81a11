// ProtoImporter: a target's .proto files, parsed at run time.
//
// turncoat never links a target's generated code: the controller (checking a
// target file) and the agents (decoding and rewriting messages) both read the
// .proto files with protobuf's own parser, through this class, so a new
// target needs no rebuild and both sides read the schema the same way.
//
// The descriptors live as long as the ProtoImporter; lookups in pool() are
// safe from several threads.
#ifndef TURNCOAT_COMMON_PROTO_IMPORTER_H_
#define TURNCOAT_COMMON_PROTO_IMPORTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace google {
namespace protobuf {
class DescriptorPool;
class MethodDescriptor;
namespace compiler {
class DiskSourceTree;
class Importer;
class MultiFileErrorCollector;
}  // namespace compiler
}  // namespace protobuf
}  // namespace google

namespace turncoat {

class ProtoImporter {
 public:
  // Parses `files` (names relative to one of `import_paths`) and everything
  // they import; imports also resolve against protobuf's well-known types.
  // An error names the first problem as protoc would (file:line:column);
  // the follow-on errors protobuf reports only confuse. No files: an empty
  // schema (targets on TCP have none).
  static absl::StatusOr<std::unique_ptr<ProtoImporter>> Import(
      const std::vector<std::string>& import_paths, const std::vector<std::string>& files);
  ~ProtoImporter();
  ProtoImporter(const ProtoImporter&) = delete;
  ProtoImporter& operator=(const ProtoImporter&) = delete;

  const google::protobuf::DescriptorPool* pool() const;
  // The files asked for, as named to Import().
  const std::vector<std::string>& files() const { return files_; }

 private:
  ProtoImporter();

  std::unique_ptr<google::protobuf::compiler::DiskSourceTree> source_tree_;
  std::unique_ptr<google::protobuf::compiler::MultiFileErrorCollector> errors_;
  std::unique_ptr<google::protobuf::compiler::Importer> importer_;
  std::vector<std::string> files_;
};

// The method that gRPC path `grpc_path` ("/package.Service/Method") names in
// `pool`; the error says what is wrong with the path, which methods the
// service has, or that `files` (if given) define no such service.
absl::StatusOr<const google::protobuf::MethodDescriptor*> FindGrpcMethod(
    const google::protobuf::DescriptorPool& pool, absl::string_view grpc_path,
    const std::vector<std::string>& files = {});

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_PROTO_IMPORTER_H_
