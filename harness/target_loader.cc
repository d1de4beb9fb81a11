#include "harness/target_loader.h"

#include <filesystem>
#include <map>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "harness/file_io.h"
#include "harness/proto_schema.h"
#include "harness/status_macros.h"
#include "harness/yaml_reader.h"
#include "re2/re2.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

bool IsIntegerField(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return true;
    default:
      return false;
  }
}

// A word of one of `choices`, mapped to its value.
template <typename T>
absl::StatusOr<T> ReadChoice(const YamlReader& reader, const YamlField& at,
                             const std::vector<std::pair<std::string, T>>& choices) {
  TURNCOAT_ASSIGN_OR_RETURN(const std::string word, reader.String(at));
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) {
    if (name == word) return value;
    names.push_back(name);
  }
  return reader.Error(at, absl::StrCat("unknown value '", word,
                                       "'; expected one of: ", absl::StrJoin(names, ", ")));
}

// Checks one target file against the format, in the order a reader meets
// its sections, and fills `spec`.
class TargetParser {
 public:
  TargetParser(const YamlReader& reader, TargetSpec* spec) : r_(reader), spec_(*spec) {}

  absl::Status Parse() {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap root,
                              r_.Map(r_.root(), {"name", "replica", "keys", "transport", "protocol",
                                                 "observe", "client"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField name, root.Require("name"));
    TURNCOAT_ASSIGN_OR_RETURN(spec_.name, r_.String(name));
    if (!RE2::FullMatch(spec_.name, "[A-Za-z0-9][A-Za-z0-9._-]*")) {
      return r_.Error(name, "expected a name of letters, digits, '.', '_' and '-'");
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField replica, root.Require("replica"));
    TURNCOAT_RETURN_IF_ERROR(ParseReplica(replica));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField keys, root.Require("keys"));
    TURNCOAT_ASSIGN_OR_RETURN(spec_.keys,
                              ReadChoice<KeyScheme>(r_, keys, {{"ed25519", KeyScheme::kEd25519}}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField transport, root.Require("transport"));
    TURNCOAT_ASSIGN_OR_RETURN(spec_.transport,
                              ReadChoice<Transport>(r_, transport, {{"grpc", Transport::kGrpc}}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField protocol, root.Require("protocol"));
    TURNCOAT_ASSIGN_OR_RETURN(std::unique_ptr<ProtoSchema> schema, ParseProtocol(protocol));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField observe, root.Require("observe"));
    TURNCOAT_RETURN_IF_ERROR(ParseObserve(observe));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField client, root.Require("client"));
    return ParseClient(client, *schema);
  }

 private:
  absl::StatusOr<Template> ParseTemplate(const YamlField& at, const TemplateScope& scope) {
    TURNCOAT_ASSIGN_OR_RETURN(const std::string text, r_.String(at));
    absl::StatusOr<Template> t = Template::Parse(text, scope);
    if (!t.ok()) return r_.Error(at, t.status().message());
    return t;
  }

  absl::Status ParseReplica(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, {"command", "peers", "files"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField command, map.Require("command"));
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> args, r_.Sequence(command));
    if (args.empty()) return r_.Error(command, "expected at least the program to run");
    for (const YamlField& arg : args) {
      TURNCOAT_ASSIGN_OR_RETURN(Template t, ParseTemplate(arg, ReplicaScope()));
      spec_.replica.command.push_back(std::move(t));
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField peers_field, map.Require("peers"));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap peers,
                              r_.Map(peers_field, {"entry", "separator", "include_self"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField entry, peers.Require("entry"));
    TURNCOAT_ASSIGN_OR_RETURN(spec_.replica.peers.entry, ParseTemplate(entry, PeerEntryScope()));
    spec_.replica.peers.separator = ",";
    if (peers.Has("separator")) {
      // A separator may be a lone space, which String() would accept but a
      // reader could not see; any scalar is taken literally.
      const YamlField sep = peers.Get("separator");
      if (!sep.node.IsScalar()) {
        return r_.Error(sep, absl::StrCat("expected a string; got ", DescribeYaml(sep.node)));
      }
      spec_.replica.peers.separator = sep.node.Scalar();
    }
    if (peers.Has("include_self")) {
      TURNCOAT_ASSIGN_OR_RETURN(spec_.replica.peers.include_self,
                                r_.Bool(peers.Get("include_self")));
    }

    if (map.Has("files")) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> files, r_.Sequence(map.Get("files")));
      for (const YamlField& file : files) {
        TURNCOAT_ASSIGN_OR_RETURN(const YamlMap f, r_.Map(file, {"path", "template"}));
        ReplicaFileSpec out;
        TURNCOAT_ASSIGN_OR_RETURN(const YamlField path, f.Require("path"));
        TURNCOAT_ASSIGN_OR_RETURN(out.path, ParseTemplate(path, ReplicaScope()));
        TURNCOAT_ASSIGN_OR_RETURN(const YamlField content, f.Require("template"));
        TURNCOAT_ASSIGN_OR_RETURN(out.content, ParseTemplate(content, ReplicaScope()));
        spec_.replica.files.push_back(std::move(out));
      }
    }
    return absl::OkStatus();
  }

  // A path relative to the target file's directory, made absolute.
  std::string Resolve(const std::string& p) const {
    return (fs::path(spec_.dir) / p).lexically_normal().string();
  }

  absl::StatusOr<std::unique_ptr<ProtoSchema>> ParseProtocol(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, {"protos", "import_paths",
                                                             "peer_methods", "envelope", "value"}));
    ProtocolSpec& p = spec_.protocol;
    if (map.Has("import_paths")) {
      const YamlField field = map.Get("import_paths");
      TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> dirs, r_.Sequence(field));
      for (const YamlField& dir : dirs) {
        TURNCOAT_ASSIGN_OR_RETURN(const std::string d, r_.String(dir));
        p.import_paths.push_back(Resolve(d));
        std::error_code ec;
        if (!fs::is_directory(p.import_paths.back(), ec)) {
          return r_.Error(dir, absl::StrCat(p.import_paths.back(), " is not a directory"));
        }
      }
    } else {
      p.import_paths.push_back(spec_.dir);
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField protos, map.Require("protos"));
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<std::string> names, r_.StringList(protos));
    if (names.empty()) return r_.Error(protos, "expected at least one .proto file");
    for (const std::string& name : names) p.protos.push_back(Resolve(name));
    absl::StatusOr<std::unique_ptr<ProtoSchema>> schema =
        ProtoSchema::Load(p.import_paths, p.protos);
    if (!schema.ok()) return r_.Error(protos, schema.status().message());

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField envelope, map.Require("envelope"));
    TURNCOAT_ASSIGN_OR_RETURN(const Descriptor* content, ParseEnvelope(envelope, **schema));

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField methods, map.Require("peer_methods"));
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> method_fields, r_.Sequence(methods));
    if (method_fields.empty()) {
      return r_.Error(methods, "expected at least one method replicas call on each other");
    }
    for (const YamlField& m : method_fields) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::string path, r_.String(m));
      absl::StatusOr<const google::protobuf::MethodDescriptor*> method =
          (*schema)->FindMethod(path);
      if (!method.ok()) return r_.Error(m, method.status().message());
      if ((*method)->input_type()->full_name() != p.envelope.type) {
        return r_.Error(m, absl::StrCat(path, " takes ", (*method)->input_type()->full_name(),
                                        ", not the envelope type ", p.envelope.type,
                                        "; list only methods that carry envelopes"));
      }
      p.peer_methods.push_back(path);
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField value, map.Require("value"));
    TURNCOAT_ASSIGN_OR_RETURN(p.value, r_.String(value));
    absl::StatusOr<std::vector<const FieldDescriptor*>> value_path =
        ProtoSchema::ResolvePath(content, p.value);
    if (!value_path.ok()) return r_.Error(value, value_path.status().message());
    if (!ProtoSchema::IsBytesOrString(value_path->back())) {
      return r_.Error(value, absl::StrCat("'", p.value, "' is a ", value_path->back()->type_name(),
                                          " field; expected a bytes or string field"));
    }
    return schema;
  }

  // Returns the type in which the proposed value is looked up: the payload's
  // if the envelope has one, else the envelope's own.
  absl::StatusOr<const Descriptor*> ParseEnvelope(const YamlField& at, const ProtoSchema& schema) {
    TURNCOAT_ASSIGN_OR_RETURN(
        const YamlMap map,
        r_.Map(at, {"type", "sender", "payload", "payload_type", "signature", "signature_covers"}));
    EnvelopeSpec& e = spec_.protocol.envelope;
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField type, map.Require("type"));
    TURNCOAT_ASSIGN_OR_RETURN(e.type, r_.String(type));
    absl::StatusOr<const Descriptor*> envelope = schema.FindMessage(e.type);
    if (!envelope.ok()) return r_.Error(type, envelope.status().message());

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField sender, map.Require("sender"));
    TURNCOAT_ASSIGN_OR_RETURN(e.sender, r_.String(sender));
    absl::StatusOr<std::vector<const FieldDescriptor*>> sender_path =
        ProtoSchema::ResolvePath(*envelope, e.sender);
    if (!sender_path.ok()) return r_.Error(sender, sender_path.status().message());
    if (!IsIntegerField(sender_path->back()) || ProtoSchema::AnyRepeated(*sender_path)) {
      return r_.Error(sender, absl::StrCat("'", e.sender,
                                           "' is not a singular integer field; expected the "
                                           "field holding the sender's replica id"));
    }

    if (map.Has("payload") != map.Has("payload_type")) {
      return r_.Error(at, "payload and payload_type go together; set both or neither");
    }
    const Descriptor* content = *envelope;
    if (map.Has("payload")) {
      const YamlField payload = map.Get("payload");
      TURNCOAT_ASSIGN_OR_RETURN(e.payload, r_.String(payload));
      TURNCOAT_RETURN_IF_ERROR(CheckTopLevelBytes(payload, *envelope, e.payload));
      const YamlField payload_type = map.Get("payload_type");
      TURNCOAT_ASSIGN_OR_RETURN(e.payload_type, r_.String(payload_type));
      absl::StatusOr<const Descriptor*> type = schema.FindMessage(e.payload_type);
      if (!type.ok()) return r_.Error(payload_type, type.status().message());
      content = *type;
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField signature, map.Require("signature"));
    TURNCOAT_ASSIGN_OR_RETURN(e.signature, r_.String(signature));
    TURNCOAT_RETURN_IF_ERROR(CheckTopLevelBytes(signature, *envelope, e.signature));

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField covers, map.Require("signature_covers"));
    TURNCOAT_ASSIGN_OR_RETURN(e.signature_covers, ReadChoice<SignatureCovers>(
                                                      r_, covers,
                                                      {{"payload", SignatureCovers::kPayload},
                                                       {"envelope", SignatureCovers::kEnvelope}}));
    if (e.signature_covers == SignatureCovers::kPayload && e.payload.empty()) {
      return r_.Error(covers,
                      "the envelope has no payload field; expected 'envelope' or set "
                      "payload and payload_type");
    }
    return content;
  }

  absl::Status CheckTopLevelBytes(const YamlField& at, const Descriptor* message,
                                  const std::string& name) {
    const FieldDescriptor* f = message->FindFieldByName(name);
    if (f == nullptr || f->type() != FieldDescriptor::TYPE_BYTES || f->is_repeated()) {
      return r_.Error(at, absl::StrCat(message->full_name(), " has no singular bytes field '", name,
                                       "'; expected the name of one"));
    }
    return absl::OkStatus();
  }

  absl::Status ParseObserve(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap observe, r_.Map(at, {"commits"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField commits_field, observe.Require("commits"));
    TURNCOAT_ASSIGN_OR_RETURN(
        const YamlMap map,
        r_.Map(commits_field, {"stream", "path", "json", "regex", "value_encoding"}));
    CommitObservation& c = spec_.commits;
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField stream, map.Require("stream"));
    TURNCOAT_ASSIGN_OR_RETURN(c.stream, ReadChoice<CommitStream>(r_, stream,
                                                                 {{"stdout", CommitStream::kStdout},
                                                                  {"stderr", CommitStream::kStderr},
                                                                  {"file", CommitStream::kFile}}));
    if (c.stream == CommitStream::kFile) {
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField path, map.Require("path"));
      TURNCOAT_ASSIGN_OR_RETURN(c.path, ParseTemplate(path, ReplicaScope()));
    } else if (map.Has("path")) {
      return r_.Error(map.Get("path"), "path is only read with stream: file; remove it");
    }

    if (map.Has("json") == map.Has("regex")) {
      return r_.Error(commits_field, "expected exactly one of json or regex");
    }
    if (map.Has("json")) {
      c.format = CommitFormat::kJson;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlMap json, r_.Map(map.Get("json"), {"seq", "value"}));
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField seq, json.Require("seq"));
      TURNCOAT_ASSIGN_OR_RETURN(c.json_seq, r_.String(seq));
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField value, json.Require("value"));
      TURNCOAT_ASSIGN_OR_RETURN(c.json_value, r_.String(value));
    } else {
      c.format = CommitFormat::kRegex;
      const YamlField regex = map.Get("regex");
      TURNCOAT_ASSIGN_OR_RETURN(c.regex, r_.String(regex));
      TURNCOAT_RETURN_IF_ERROR(CheckCommitRegex(regex, c.regex));
    }

    if (map.Has("value_encoding")) {
      TURNCOAT_ASSIGN_OR_RETURN(c.value_encoding,
                                ReadChoice<ValueEncoding>(r_, map.Get("value_encoding"),
                                                          {{"text", ValueEncoding::kText},
                                                           {"hex", ValueEncoding::kHex},
                                                           {"base64", ValueEncoding::kBase64}}));
    }
    return absl::OkStatus();
  }

  absl::Status CheckCommitRegex(const YamlField& at, const std::string& pattern) {
    RE2 re(pattern, RE2::Quiet);
    if (!re.ok()) {
      return r_.Error(at, absl::StrCat("does not compile as RE2: ", re.error()));
    }
    const std::map<std::string, int>& groups = re.NamedCapturingGroups();
    for (const char* needed : {"seq", "value"}) {
      if (groups.count(needed) == 0) {
        return r_.Error(at, absl::StrCat("has no named group '", needed,
                                         "'; expected (?P<seq>...) and (?P<value>...)"));
      }
    }
    for (const auto& [name, index] : groups) {
      if (name != "seq" && name != "value") {
        return r_.Error(at, absl::StrCat("named group '", name,
                                         "' is never read; only seq and value are, so make it "
                                         "a plain group (...)"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseClient(const YamlField& at, const ProtoSchema& schema) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap client, r_.Map(at, {"grpc"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField grpc, client.Require("grpc"));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(grpc, {"method", "request", "value", "accepted"}));
    ClientSpec& c = spec_.client;
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField method_field, map.Require("method"));
    TURNCOAT_ASSIGN_OR_RETURN(c.method, r_.String(method_field));
    absl::StatusOr<const google::protobuf::MethodDescriptor*> method = schema.FindMethod(c.method);
    if (!method.ok()) return r_.Error(method_field, method.status().message());

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField request, map.Require("request"));
    TURNCOAT_ASSIGN_OR_RETURN(c.request_type, r_.String(request));
    if ((*method)->input_type()->full_name() != c.request_type) {
      return r_.Error(
          request, absl::StrCat(c.method, " takes ", (*method)->input_type()->full_name(), ", not ",
                                c.request_type));
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField value, map.Require("value"));
    TURNCOAT_ASSIGN_OR_RETURN(c.value_field, r_.String(value));
    absl::StatusOr<std::vector<const FieldDescriptor*>> value_path =
        ProtoSchema::ResolvePath((*method)->input_type(), c.value_field);
    if (!value_path.ok()) return r_.Error(value, value_path.status().message());
    if (!ProtoSchema::IsBytesOrString(value_path->back()) || ProtoSchema::AnyRepeated(*value_path)) {
      return r_.Error(value, absl::StrCat("'", c.value_field,
                                          "' is not a singular bytes or string field; expected "
                                          "the field the submitted value goes in"));
    }

    if (map.Has("accepted")) {
      const YamlField accepted = map.Get("accepted");
      TURNCOAT_ASSIGN_OR_RETURN(c.accepted_field, r_.String(accepted));
      absl::StatusOr<std::vector<const FieldDescriptor*>> path =
          ProtoSchema::ResolvePath((*method)->output_type(), c.accepted_field);
      if (!path.ok()) return r_.Error(accepted, path.status().message());
      if (path->back()->type() != FieldDescriptor::TYPE_BOOL || ProtoSchema::AnyRepeated(*path)) {
        return r_.Error(accepted,
                        absl::StrCat("'", c.accepted_field, "' is not a singular bool field of ",
                                     (*method)->output_type()->full_name()));
      }
    }
    return absl::OkStatus();
  }

  const YamlReader& r_;
  TargetSpec& spec_;
};

}  // namespace

absl::StatusOr<TargetSpec> ParseTarget(absl::string_view text, const std::string& path) {
  TURNCOAT_ASSIGN_OR_RETURN(const YamlReader reader, YamlReader::Parse(text, path));
  TargetSpec spec;
  spec.path = path;
  spec.dir = fs::absolute(path).parent_path().lexically_normal().string();
  spec.source_text = std::string(text);
  TURNCOAT_RETURN_IF_ERROR(TargetParser(reader, &spec).Parse());
  return spec;
}

absl::StatusOr<TargetSpec> LoadTargetFile(const std::string& path) {
  TURNCOAT_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  return ParseTarget(text, path);
}

}  // namespace turncoat
