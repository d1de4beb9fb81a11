// MessageCodec: a target's protobuf schema, loaded at run time.
//
// The agent learns a target's wire format from its `.proto` files (the target
// file lists them), so pointing turncoat at a new system needs no recompile.
// The codec maps a gRPC method path ("/pkg.Service/Method") to its request and
// response types, decodes bytes into `google::protobuf::Message` by
// reflection, and knows "embedded" messages: bytes fields that carry another
// serialized message (refbft.Envelope.payload holds a refbft.Message), so
// field paths and rewriters can reach inside signed envelopes.
//
// Immutable once built (SetEmbedded is part of building it); every const
// method is safe to call from many threads.
#ifndef TURNCOAT_AGENTS_MESSAGE_CODEC_H_
#define TURNCOAT_AGENTS_MESSAGE_CODEC_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/frame.h"

namespace google {
namespace protobuf {
class Descriptor;
class DescriptorPool;
class DynamicMessageFactory;
class FieldDescriptor;
class Message;
class MethodDescriptor;
}  // namespace protobuf
}  // namespace google

namespace turncoat {

class ProtoImporter;

namespace agent {

class MessageCodec {
 public:
  // Parses `files` (paths relative to one of `import_paths`) and everything
  // they import (common/proto_importer.h). Errors name file:line:column as
  // protoc would.
  static absl::StatusOr<std::unique_ptr<MessageCodec>> Load(
      const std::vector<std::string>& import_paths,
      const std::vector<std::string>& files);

  // Uses an existing pool, typically DescriptorPool::generated_pool() in
  // tests. The pool must outlive the codec.
  static std::unique_ptr<MessageCodec> FromPool(
      const google::protobuf::DescriptorPool* pool);

  ~MessageCodec();
  MessageCodec(const MessageCodec&) = delete;
  MessageCodec& operator=(const MessageCodec&) = delete;

  // Declares that bytes field `field` of message `outer_type` carries a
  // serialized `inner_type`. Call before sharing the codec between threads.
  absl::Status SetEmbedded(absl::string_view outer_type, absl::string_view field,
                           absl::string_view inner_type);

  // The message type named `full_name` ("refbft.Envelope"), or nullptr.
  const google::protobuf::Descriptor* FindMessage(absl::string_view full_name) const;

  // The request (kRequest) or response type of gRPC method `method_path`
  // ("/refbft.Peer/Send"), or nullptr when the schema has no such method.
  const google::protobuf::Descriptor* TypeOf(absl::string_view method_path,
                                             Direction direction) const;

  // Whether gRPC method `method_path` is unary (one request, one response);
  // false when the schema has no such method.
  bool IsUnary(absl::string_view method_path) const;

  // The message type `field` (a bytes field) carries, or nullptr.
  const google::protobuf::Descriptor* EmbeddedType(
      const google::protobuf::FieldDescriptor* field) const;

  // Parses `bytes` as `type`. Fails on malformed input.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Decode(
      const google::protobuf::Descriptor* type, absl::string_view bytes) const;

  // A fresh, empty message of `type`.
  std::unique_ptr<google::protobuf::Message> New(
      const google::protobuf::Descriptor* type) const;

  // Serializes `message`; deterministic so that signing re-encoded payloads
  // gives stable bytes.
  static std::string Encode(const google::protobuf::Message& message);

 private:
  MessageCodec();
  const google::protobuf::MethodDescriptor* FindMethod(absl::string_view method_path) const;

  // Set only by Load(); it owns the pool it parsed into.
  std::unique_ptr<ProtoImporter> importer_;
  const google::protobuf::DescriptorPool* pool_ = nullptr;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::map<const google::protobuf::FieldDescriptor*,
           const google::protobuf::Descriptor*>
      embedded_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_MESSAGE_CODEC_H_
