#include "harness/agent_target.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace turncoat {
namespace {

namespace v1 = agent::v1;

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

}  // namespace

absl::StatusOr<v1::LoadTargetRequest> LoadTargetRequestFor(const TargetSpec& target, int n,
                                                           const std::string& build_dir,
                                                           const std::string& workdir) {
  v1::LoadTargetRequest request;
  const ProtocolSpec& protocol = target.protocol;
  for (const std::string& p : protocol.import_paths) request.add_import_paths(p);
  // The agents name files as protoc does: relative to an import path.
  for (const std::string& p : protocol.protos) {
    std::string relative = p;
    for (const std::string& dir : protocol.import_paths) {
      const std::string prefix = absl::StrCat(dir, "/");
      if (absl::StartsWith(p, prefix)) relative = p.substr(prefix.size());
    }
    request.add_files(relative);
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
  for (const MessageSpec& m : protocol.messages) {
    v1::MessageKind* kind = model->add_messages();
    for (const std::string& method : m.methods) kind->add_methods(method);
    kind->set_kind(m.kind);
    kind->set_kind_oneof(m.kind_oneof);
    kind->set_kind_field(m.kind_field);
    kind->set_sender(m.sender);
    kind->set_signature(m.signature.field);
    kind->set_signature_covers(m.signature.covers);
    kind->set_signature_text(TextName(m.signature.text));
    kind->set_payload(m.payload.field);
    kind->set_payload_codec(CodecName(m.payload.codec));
    kind->set_payload_type(m.payload.type);
    kind->set_payload_external(m.payload.external);
    kind->set_values(m.values);
    for (const std::vector<std::string>& alternatives : m.round) {
      v1::MessageKind::RoundPart* part = kind->add_round();
      for (const std::string& path : alternatives) part->add_paths(path);
    }
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
