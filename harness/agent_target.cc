#include "harness/agent_target.h"

#include <filesystem>
#include <string>
#include <vector>

namespace turncoat {
namespace {

namespace fs = std::filesystem;
namespace v1 = agent::v1;

// `proto` as protoc names it: relative to the first import path holding it,
// as ProtoSchema named it when the target was loaded. Paths are compared
// lexically, so "dir/." and "dir/sub/.." hold what "dir" holds.
std::string ImportName(const std::string& proto, const std::vector<std::string>& import_paths) {
  for (const std::string& dir : import_paths) {
    const fs::path relative =
        fs::path(proto).lexically_normal().lexically_relative(fs::path(dir).lexically_normal());
    if (!relative.empty() && *relative.begin() != "..") return relative.generic_string();
  }
  return proto;
}

std::string CodecName(PayloadSpec::Codec codec) {
  switch (codec) {
    case PayloadSpec::Codec::kNone:
      return "";
    case PayloadSpec::Codec::kProtobuf:
      return "protobuf";
    case PayloadSpec::Codec::kJson:
      return "json";
    case PayloadSpec::Codec::kOpaque:
      return "opaque";
    case PayloadSpec::Codec::kExternal:
      return "external";
  }
  return "";
}

std::string TextName(SignatureSpec::Text text) {
  switch (text) {
    case SignatureSpec::Text::kRaw:
      return "raw";
    case SignatureSpec::Text::kHex:
      return "hex";
    case SignatureSpec::Text::kBase64:
      return "base64";
  }
  return "raw";
}

void FillRound(const std::vector<std::vector<std::string>>& round,
               google::protobuf::RepeatedPtrField<v1::MessageKind::RoundPart>* out) {
  for (const std::vector<std::string>& alternatives : round) {
    v1::MessageKind::RoundPart* part = out->Add();
    for (const std::string& path : alternatives) part->add_paths(path);
  }
}

// `m` as the agents read it; also the layout of a certificate's votes.
void FillKind(const MessageSpec& m, v1::MessageKind* kind) {
  for (const std::string& method : m.methods) kind->add_methods(method);
  kind->set_kind(m.kind);
  kind->set_kind_oneof(m.kind_oneof);
  kind->set_kind_field(m.kind_field);
  kind->set_sender(m.sender);
  for (const std::string& also : m.sender_also) kind->add_sender_also(also);
  kind->set_signature(m.signature.field);
  kind->set_signature_covers(m.signature.covers);
  kind->set_signature_text(TextName(m.signature.text));
  kind->set_payload(m.payload.field);
  kind->set_payload_codec(CodecName(m.payload.codec));
  kind->set_payload_type(m.payload.type);
  kind->set_payload_external(m.payload.external);
  kind->set_values(m.values);
  FillRound(m.round, kind->mutable_round());
  for (const CertificateSpec& c : m.certificates) {
    v1::MessageKind::Certificate* certificate = kind->add_certificates();
    for (const std::string& at : c.at) certificate->add_at(at);
    certificate->set_votes(c.votes);
    FillRound(c.round, certificate->mutable_round());
    certificate->set_block(c.block);
    FillKind(c.vote, certificate->mutable_vote());
    certificate->set_vote_block(c.vote_block);
  }
}

}  // namespace

absl::StatusOr<v1::LoadTargetRequest> LoadTargetRequestFor(const TargetSpec& target, int n,
                                                           const std::string& build_dir,
                                                           const std::string& workdir) {
  v1::LoadTargetRequest request;
  const ProtocolSpec& protocol = target.protocol;
  for (const std::string& p : protocol.import_paths) request.add_import_paths(p);
  for (const std::string& p : protocol.protos) {
    request.add_files(ImportName(p, protocol.import_paths));
  }
  v1::MessageModel* model = request.mutable_model();
  for (int i = 0; i < n; ++i) {
    auto id = ReplicaId(target, i);
    if (!id.ok()) return id.status();
    model->add_replica_ids(*id);
  }
  model->set_key_scheme(std::string(KeySchemeName(target.keys.scheme)));
  model->set_private_encoding(std::string(KeyEncodingName(target.keys.private_encoding)));
  model->set_signature_encoding(std::string(SignatureEncodingName(target.keys.signature_encoding)));
  for (const MessageSpec& m : protocol.messages) FillKind(m, model->add_messages());
  if (protocol.framing.has_value()) {
    const FramingDecl& f = *protocol.framing;
    v1::Framing* framing = request.mutable_framing();
    const auto field = [](const FramingDecl::Field& from, v1::Framing::Field* to) {
      to->set_offset(from.offset);
      to->set_size(from.size);
    };
    framing->set_header_bytes(f.header_bytes);
    framing->set_little_endian(f.little_endian);
    field(f.magic, framing->mutable_magic());
    framing->set_magic_value(f.magic_value);
    field(f.type, framing->mutable_type());
    field(f.length, framing->mutable_length());
    framing->set_length_counts_frame(f.length_counts_frame);
    field(f.checksum, framing->mutable_checksum());
    framing->set_checksum_algorithm(f.checksum_algorithm);
    framing->set_checksum_covers_frame(f.checksum_covers_frame);
    if (f.checksum_from.has_value()) framing->set_checksum_from(*f.checksum_from);
    framing->mutable_types()->insert(f.types.begin(), f.types.end());
    framing->set_max_frame_bytes(f.max_frame_bytes);
  }
  TemplateValues values;
  values.variables = {{"target_dir", target.dir}, {"build_dir", build_dir}, {"workdir", workdir}};
  for (const ExternalCodecSpec& codec : protocol.codecs) {
    v1::ExternalCodecCommand* command = request.add_codecs();
    command->set_name(codec.name);
    for (const Template& arg : codec.command) {
      auto rendered = arg.Render(values);
      if (!rendered.ok()) return rendered.status();
      command->add_argv(*rendered);
    }
    for (const auto& [name, value] : codec.env) {
      auto rendered = value.Render(values);
      if (!rendered.ok()) return rendered.status();
      (*command->mutable_env())[name] = *rendered;
    }
    command->set_workdir(workdir);
  }
  return request;
}

}  // namespace turncoat
