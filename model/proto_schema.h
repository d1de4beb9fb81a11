// ProtoSchema: a target's .proto files as the target file names them.
//
// The files are parsed at run time (common/proto_importer.h). The loader uses
// the schema to check that every message role in the target file names a
// real type and field of the right kind, with errors that name the target
// file's own terms (absolute paths, protocol.import_paths); the agents parse
// the same files into their own descriptors to decode and rewrite messages.
//
// A ProtoSchema owns its descriptors; pointers it returns live as long as it.
// Lookups are const and safe to run from several threads.
#ifndef TURNCOAT_MODEL_PROTO_SCHEMA_H_
#define TURNCOAT_MODEL_PROTO_SCHEMA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace google {
namespace protobuf {
class Descriptor;
class FieldDescriptor;
class MethodDescriptor;
}  // namespace protobuf
}  // namespace google

namespace turncoat {

class ProtoImporter;

class ProtoSchema {
 public:
  // Parses `protos` (absolute paths, each under one of `import_paths`) and
  // everything they import. Imports resolve against `import_paths`, then
  // against protobuf's well-known types.
  static absl::StatusOr<std::unique_ptr<ProtoSchema>> Load(
      const std::vector<std::string>& import_paths, const std::vector<std::string>& protos);
  ~ProtoSchema();

  // A message type by its fully qualified name ("refbft.Envelope").
  absl::StatusOr<const google::protobuf::Descriptor*> FindMessage(absl::string_view name) const;
  // A method by its gRPC path ("/refbft.Peer/Send").
  absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethod(
      absl::string_view grpc_path) const;

  // The fields along a dotted path ("proposal.block.values") from `root`:
  // every segment but the last must be a message field.
  static absl::StatusOr<std::vector<const google::protobuf::FieldDescriptor*>> ResolvePath(
      const google::protobuf::Descriptor* root, absl::string_view path);

  // A field that can carry an opaque value: bytes or string.
  static bool IsBytesOrString(const google::protobuf::FieldDescriptor* field);
  // Whether any field along a resolved path is repeated.
  static bool AnyRepeated(const std::vector<const google::protobuf::FieldDescriptor*>& path);

 private:
  ProtoSchema();

  std::unique_ptr<ProtoImporter> importer_;
};

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_PROTO_SCHEMA_H_
