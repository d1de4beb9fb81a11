#include "loaders/target_loader.h"

#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/file_io.h"
#include "google/protobuf/descriptor.h"
#include "loaders/yaml_reader.h"
#include "model/proto_schema.h"
#include "model/status_macros.h"
#include "re2/re2.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

constexpr char kAny[] = "*";

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

std::string FieldNames(const Descriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->field_count(); ++i) names.push_back(type->field(i)->name());
  return absl::StrJoin(names, ", ");
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

// What a message-relative field path reaches.
struct PathEnd {
  bool in_payload = false;
  // The last field, when the schema can tell (not inside a JSON, external
  // or opaque payload, nor past a '*').
  const FieldDescriptor* field = nullptr;
  bool repeated = false;  // a repeated field along the checked part
};

// Walks `segments` from `type`; a nullptr field when a '*' stops the check.
absl::StatusOr<PathEnd> WalkProto(const Descriptor* type, const std::vector<std::string>& segments,
                                  absl::string_view text) {
  PathEnd end;
  if (type == nullptr) return end;  // no schema here (inside JSON)
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i] == kAny) return PathEnd{end.in_payload, nullptr, end.repeated};
    const FieldDescriptor* f = type->FindFieldByName(segments[i]);
    if (f == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': ", type->full_name(),
                                                     " has no field '", segments[i],
                                                     "'; it has: ", FieldNames(type)));
    }
    end.repeated |= f->is_repeated();
    end.field = f;
    if (i + 1 == segments.size()) break;
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': ", f->full_name(),
                                                     " is not a message, so it has no field '",
                                                     segments[i + 1], "'"));
    }
    type = f->message_type();
  }
  return end;
}

// Checks one target file against the format, in the order a reader meets
// its sections, and fills `spec`.
class TargetParser {
 public:
  TargetParser(const YamlReader& reader, TargetSpec* spec) : r_(reader), spec_(*spec) {}

  absl::Status Parse() {
    TURNCOAT_ASSIGN_OR_RETURN(
        const YamlMap root,
        r_.Map(r_.root(), {"name", "ids", "keys", "replica", "transport", "links", "protocol",
                           "observe", "client", "checks"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField name, root.Require("name"));
    TURNCOAT_ASSIGN_OR_RETURN(spec_.name, r_.String(name));
    if (!RE2::FullMatch(spec_.name, "[A-Za-z0-9][A-Za-z0-9._-]*")) {
      return r_.Error(name, "expected a name of letters, digits, '.', '_' and '-'");
    }
    TURNCOAT_RETURN_IF_ERROR(ParseIds(root));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField keys, root.Require("keys"));
    TURNCOAT_RETURN_IF_ERROR(ParseKeys(keys));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField replica, root.Require("replica"));
    TURNCOAT_RETURN_IF_ERROR(ParseReplica(replica));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField transport, root.Require("transport"));
    TURNCOAT_ASSIGN_OR_RETURN(
        spec_.transport,
        ReadChoice<Transport>(r_, transport, {{"grpc", Transport::kGrpc}, {"tcp", Transport::kTcp}}));
    if (root.Has("links")) {
      TURNCOAT_ASSIGN_OR_RETURN(
          spec_.links, ReadChoice<LinkMode>(r_, root.Get("links"),
                                            {{"ports", LinkMode::kPorts}, {"netns", LinkMode::kNetns}}));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField protocol, root.Require("protocol"));
    std::unique_ptr<ProtoSchema> schema;
    if (spec_.transport == Transport::kTcp) {
      TURNCOAT_ASSIGN_OR_RETURN(schema, ParseTcpProtocol(protocol));
    } else {
      TURNCOAT_ASSIGN_OR_RETURN(schema, ParseProtocol(protocol));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField observe, root.Require("observe"));
    TURNCOAT_RETURN_IF_ERROR(ParseObserve(observe));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField client, root.Require("client"));
    if (spec_.transport == Transport::kTcp && !client.node["program"]) {
      return r_.Error(client, "a target on TCP speaks no gRPC turncoat can call: give its own "
                              "client program (client.program)");
    }
    TURNCOAT_RETURN_IF_ERROR(ParseClient(client, *schema));
    if (root.Has("checks")) TURNCOAT_RETURN_IF_ERROR(ParseChecks(root.Get("checks")));
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<Template> ParseTemplate(const YamlField& at, const TemplateScope& scope) {
    TURNCOAT_ASSIGN_OR_RETURN(const std::string text, r_.String(at));
    return ParseTemplateText(at, text, scope);
  }

  absl::StatusOr<Template> ParseTemplateText(const YamlField& at, const std::string& text,
                                             const TemplateScope& scope) {
    absl::StatusOr<Template> t = Template::Parse(text, scope);
    if (!t.ok()) {
      std::string message(t.status().message());
      if (absl::StrContains(message, "{{peers}}") && scope.variables.count("peers") == 0 &&
          &scope != &PeerEntryScope()) {
        absl::StrAppend(&message, " (to use {{peers}}, describe its entries in replica.peers)");
      }
      return r_.Error(at, message);
    }
    return t;
  }

  // Any scalar taken literally, an empty string or a lone space included.
  absl::StatusOr<std::string> Literal(const YamlField& at) {
    if (!at.node.IsScalar()) {
      return r_.Error(at, absl::StrCat("expected a string; got ", DescribeYaml(at.node)));
    }
    return at.node.Scalar();
  }

  absl::StatusOr<std::vector<Template>> TemplateList(const YamlField& at, const TemplateScope& scope,
                                                     bool need_one) {
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> items, r_.Sequence(at));
    if (need_one && items.empty()) return r_.Error(at, "expected at least the program to run");
    std::vector<Template> out;
    for (const YamlField& item : items) {
      TURNCOAT_ASSIGN_OR_RETURN(Template t, ParseTemplate(item, scope));
      out.push_back(std::move(t));
    }
    return out;
  }

  absl::StatusOr<std::vector<std::pair<std::string, Template>>> Env(const YamlField& at,
                                                                    const TemplateScope& scope) {
    if (!at.node.IsMap()) {
      return r_.Error(at, absl::StrCat("expected a mapping of variable names to templates; got ",
                                       DescribeYaml(at.node)));
    }
    std::vector<std::pair<std::string, Template>> env;
    std::set<std::string> seen;
    for (const auto& entry : at.node) {
      const std::string name = entry.first.Scalar();
      YamlField value{entry.second, entry.first.Mark(), absl::StrCat(at.path, ".", name)};
      if (!RE2::FullMatch(name, "[A-Za-z_][A-Za-z0-9_]*")) {
        return r_.Error(value, "expected an environment variable name: letters, digits and _");
      }
      if (!seen.insert(name).second) return r_.Error(value, "variable given twice");
      TURNCOAT_ASSIGN_OR_RETURN(const std::string text, Literal(value));
      TURNCOAT_ASSIGN_OR_RETURN(Template t, ParseTemplateText(value, text, scope));
      env.emplace_back(name, std::move(t));
    }
    return env;
  }

  absl::StatusOr<std::vector<FileSpec>> Files(const YamlField& at, const TemplateScope& scope) {
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> files, r_.Sequence(at));
    std::vector<FileSpec> out;
    for (const YamlField& file : files) {
      TURNCOAT_ASSIGN_OR_RETURN(const YamlMap f, r_.Map(file, {"path", "template"}));
      FileSpec spec;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField path, f.Require("path"));
      TURNCOAT_ASSIGN_OR_RETURN(spec.path, ParseTemplate(path, scope));
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField content, f.Require("template"));
      TURNCOAT_ASSIGN_OR_RETURN(spec.content, ParseTemplate(content, scope));
      out.push_back(std::move(spec));
    }
    return out;
  }

  absl::Status ParseIds(const YamlMap& root) {
    TURNCOAT_ASSIGN_OR_RETURN(spec_.ids.replica, Template::Parse("{{index}}", IdScope()));
    spec_.ids.client = spec_.ids.replica;
    if (!root.Has("ids")) return absl::OkStatus();
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap ids, r_.Map(root.Get("ids"), {"replica", "client"}));
    if (ids.Has("replica")) {
      TURNCOAT_ASSIGN_OR_RETURN(spec_.ids.replica, ParseTemplate(ids.Get("replica"), IdScope()));
    }
    if (ids.Has("client")) {
      TURNCOAT_ASSIGN_OR_RETURN(spec_.ids.client, ParseTemplate(ids.Get("client"), IdScope()));
    }
    // Ids must tell replicas apart, or sender fields could not be read
    // back; and clients apart, or a system could not tell whose request
    // it answers.
    for (const bool replicas : {true, false}) {
      const char* key = replicas ? "replica" : "client";
      std::set<std::string> seen;
      for (int i = 0; i < 64; ++i) {
        TURNCOAT_ASSIGN_OR_RETURN(const std::string id,
                                  replicas ? ReplicaId(spec_, i) : ClientId(spec_, i));
        if (id.empty() || !seen.insert(id).second) {
          return r_.Error(ids.Has(key) ? ids.Get(key) : ids.field(),
                          absl::StrCat("gives two ", key,
                                       "s the same id; use {{index}} or {{number}} in it"));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseKeys(const YamlField& at) {
    KeySpec& k = spec_.keys;
    if (at.node.IsScalar()) {
      // `keys: ed25519`: the scheme in PEM, as the controller always made it.
      TURNCOAT_ASSIGN_OR_RETURN(const std::string scheme, r_.String(at));
      absl::StatusOr<KeyScheme> parsed = ParseKeyScheme(scheme);
      if (!parsed.ok()) return r_.Error(at, parsed.status().message());
      k.scheme = *parsed;
      k.signature_encoding = DefaultSignatureEncoding(k.scheme);
      return absl::OkStatus();
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(at, {"scheme", "private", "public", "signature", "generate"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField scheme, map.Require("scheme"));
    TURNCOAT_ASSIGN_OR_RETURN(const std::string scheme_name, r_.String(scheme));
    absl::StatusOr<KeyScheme> parsed = ParseKeyScheme(scheme_name);
    if (!parsed.ok()) return r_.Error(scheme, parsed.status().message());
    k.scheme = *parsed;
    auto encoding = [&](const char* key, KeyEncoding* out) -> absl::Status {
      if (!map.Has(key)) return absl::OkStatus();
      TURNCOAT_ASSIGN_OR_RETURN(const std::string name, r_.String(map.Get(key)));
      absl::StatusOr<KeyEncoding> e = ParseKeyEncoding(name);
      if (!e.ok()) return r_.Error(map.Get(key), e.status().message());
      *out = *e;
      return absl::OkStatus();
    };
    TURNCOAT_RETURN_IF_ERROR(encoding("private", &k.private_encoding));
    TURNCOAT_RETURN_IF_ERROR(encoding("public", &k.public_encoding));
    k.signature_encoding = DefaultSignatureEncoding(k.scheme);
    if (map.Has("signature")) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::string name, r_.String(map.Get("signature")));
      absl::StatusOr<SignatureEncoding> e = ParseSignatureEncoding(name);
      if (!e.ok()) return r_.Error(map.Get("signature"), e.status().message());
      // In the target file's own terms: common/signing_key.h words its
      // error for C++ callers.
      if (!CheckSignatureEncoding(k.scheme, *e).ok()) {
        return r_.Error(map.Get("signature"),
                        absl::StrCat(KeySchemeName(k.scheme),
                                     " signatures are 64 raw bytes, with no DER form; expected "
                                     "signature: raw, or no signature key"));
      }
      k.signature_encoding = *e;
    }
    if (map.Has("generate")) {
      TURNCOAT_ASSIGN_OR_RETURN(
          const YamlMap gen, r_.Map(map.Get("generate"), {"command", "private_file", "public_file"}));
      KeygenSpec g;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField command, gen.Require("command"));
      TURNCOAT_ASSIGN_OR_RETURN(g.command, TemplateList(command, KeygenScope(), true));
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField priv, gen.Require("private_file"));
      TURNCOAT_ASSIGN_OR_RETURN(g.private_file, ParseTemplate(priv, KeygenScope()));
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField pub, gen.Require("public_file"));
      TURNCOAT_ASSIGN_OR_RETURN(g.public_file, ParseTemplate(pub, KeygenScope()));
      k.generate = std::move(g);
    }
    return absl::OkStatus();
  }

  absl::Status ParseReplica(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(at, {"command", "env", "cwd", "peers", "files", "ready",
                                          "startup_timeout"}));
    ReplicaSpec& r = spec_.replica;
    TemplateScope scope = ReplicaScope();
    if (map.Has("peers")) {
      const YamlField peers_field = map.Get("peers");
      TURNCOAT_ASSIGN_OR_RETURN(const YamlMap peers,
                                r_.Map(peers_field, {"entry", "separator", "include_self"}));
      PeerListSpec list;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField entry, peers.Require("entry"));
      TURNCOAT_ASSIGN_OR_RETURN(list.entry, ParseTemplate(entry, PeerEntryScope()));
      // A separator may be a lone space, which String() would reject.
      if (peers.Has("separator")) {
        TURNCOAT_ASSIGN_OR_RETURN(list.separator, Literal(peers.Get("separator")));
      }
      if (peers.Has("include_self")) {
        TURNCOAT_ASSIGN_OR_RETURN(list.include_self, r_.Bool(peers.Get("include_self")));
      }
      r.peers = std::move(list);
    } else {
      scope.variables.erase("peers");
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField command, map.Require("command"));
    TURNCOAT_ASSIGN_OR_RETURN(r.command, TemplateList(command, scope, true));
    if (map.Has("env")) {
      TURNCOAT_ASSIGN_OR_RETURN(r.env, Env(map.Get("env"), scope));
    }
    if (map.Has("cwd")) {
      TURNCOAT_ASSIGN_OR_RETURN(r.cwd, ParseTemplate(map.Get("cwd"), scope));
    }
    if (map.Has("files")) {
      TURNCOAT_ASSIGN_OR_RETURN(r.files, Files(map.Get("files"), scope));
    }
    replica_scope_ = scope;
    if (map.Has("ready")) TURNCOAT_RETURN_IF_ERROR(ParseReady(map.Get("ready")));
    if (map.Has("startup_timeout")) {
      const YamlField timeout = map.Get("startup_timeout");
      TURNCOAT_ASSIGN_OR_RETURN(r.startup_timeout, r_.Duration(timeout));
      if (r.startup_timeout <= absl::ZeroDuration()) {
        return r_.Error(timeout, "expected a positive duration such as 30s");
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseReady(const YamlField& at) {
    ReadySpec& ready = spec_.replica.ready;
    if (at.node.IsScalar()) {
      TURNCOAT_ASSIGN_OR_RETURN(
          ready.kind, ReadChoice<ReadySpec::Kind>(r_, at,
                                                  {{"port", ReadySpec::Kind::kPort},
                                                   {"first_commit", ReadySpec::Kind::kFirstCommit}}));
      return absl::OkStatus();
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, {"log", "stream", "grpc_health"}));
    if (map.Has("log") == map.Has("grpc_health")) {
      return r_.Error(at, "expected port, first_commit, { log: REGEX } or { grpc_health: SERVICE }");
    }
    if (map.Has("log")) {
      ready.kind = ReadySpec::Kind::kLog;
      const YamlField log = map.Get("log");
      TURNCOAT_ASSIGN_OR_RETURN(ready.regex, r_.String(log));
      RE2 re(ready.regex, RE2::Quiet);
      if (!re.ok()) return r_.Error(log, absl::StrCat("does not compile as RE2: ", re.error()));
      if (map.Has("stream")) {
        TURNCOAT_ASSIGN_OR_RETURN(
            ready.stream, ReadChoice<ReadySpec::Stream>(r_, map.Get("stream"),
                                                        {{"stdout", ReadySpec::Stream::kStdout},
                                                         {"stderr", ReadySpec::Stream::kStderr}}));
      }
      return absl::OkStatus();
    }
    if (map.Has("stream")) return r_.Error(map.Get("stream"), "stream goes with log; remove it");
    ready.kind = ReadySpec::Kind::kGrpcHealth;
    TURNCOAT_ASSIGN_OR_RETURN(ready.service, Literal(map.Get("grpc_health")));
    return absl::OkStatus();
  }

  // A path relative to the target file's directory, made absolute.
  std::string Resolve(const std::string& p) const {
    return (fs::path(spec_.dir) / p).lexically_normal().string();
  }

  absl::StatusOr<std::unique_ptr<ProtoSchema>> ParseProtocol(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(
        const YamlMap map, r_.Map(at, {"protos", "import_paths", "messages", "codecs",
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

    if (map.Has("codecs")) TURNCOAT_RETURN_IF_ERROR(ParseCodecs(map.Get("codecs")));
    const bool legacy = map.Has("envelope") || map.Has("peer_methods") || map.Has("value");
    if (map.Has("messages") == legacy) {
      return r_.Error(at, "describe the peer messages with either messages (one entry per kind of "
                          "message) or the single-envelope form (peer_methods, envelope, value)");
    }
    if (map.Has("messages")) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> messages,
                                r_.Sequence(map.Get("messages")));
      if (messages.empty()) return r_.Error(map.Get("messages"), "expected at least one message");
      for (const YamlField& m : messages) TURNCOAT_RETURN_IF_ERROR(ParseMessage(m, **schema));
    } else {
      TURNCOAT_RETURN_IF_ERROR(ParseEnvelopeForm(map, **schema));
    }
    return schema;
  }

  // A target on TCP has no .proto files: its protocol is at most its
  // framing (`protocol: {}` when its streams are not to be cut).
  absl::StatusOr<std::unique_ptr<ProtoSchema>> ParseTcpProtocol(const YamlField& at) {
    if (at.node.IsMap() && (at.node["protos"] || at.node["messages"])) {
      return r_.Error(at, "a target on TCP describes its messages by their framing "
                          "(protocol.framing), not by .proto files; or set transport: grpc");
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, {"framing"}));
    if (map.Has("framing")) TURNCOAT_RETURN_IF_ERROR(ParseFraming(map.Get("framing")));
    return ProtoSchema::Load({}, {});
  }

  absl::Status ParseFraming(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(
        const YamlMap map, r_.Map(at, {"header_bytes", "byte_order", "magic", "type", "length",
                                       "checksum", "types", "max_frame_bytes"}));
    FramingDecl f;
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField header, map.Require("header_bytes"));
    TURNCOAT_ASSIGN_OR_RETURN(const int64_t header_bytes, r_.Int(header, 1, 4096));
    f.header_bytes = static_cast<uint32_t>(header_bytes);
    if (map.Has("byte_order")) {
      TURNCOAT_ASSIGN_OR_RETURN(f.little_endian,
                                ReadChoice<bool>(r_, map.Get("byte_order"),
                                                 {{"big", false}, {"little", true}}));
    }
    // Each header field: { offset, size } inside the header, sizes 1, 2, 4
    // or 8 bytes (a sha256d checksum: 1 to 32), and no two overlapping.
    std::vector<std::pair<YamlField, FramingDecl::Field>> placed;
    const auto field = [&](const YamlField& fa, const std::vector<std::string>& extra,
                           bool digest) -> absl::StatusOr<std::pair<YamlMap, FramingDecl::Field>> {
      std::vector<std::string> keys = {"offset", "size"};
      keys.insert(keys.end(), extra.begin(), extra.end());
      TURNCOAT_ASSIGN_OR_RETURN(const YamlMap m, r_.Map(fa, keys));
      FramingDecl::Field out;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField offset, m.Require("offset"));
      TURNCOAT_ASSIGN_OR_RETURN(const int64_t o, r_.Int(offset, 0, f.header_bytes - 1));
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField size, m.Require("size"));
      TURNCOAT_ASSIGN_OR_RETURN(const int64_t z, r_.Int(size, 1, digest ? 32 : 8));
      if (!digest && z != 1 && z != 2 && z != 4 && z != 8) {
        return r_.Error(size, "expected 1, 2, 4 or 8 (bytes of an unsigned integer)");
      }
      if (o + z > f.header_bytes) {
        return r_.Error(fa, absl::StrCat("bytes ", o, "..", o + z, " lie outside the ",
                                         f.header_bytes, "-byte header; fix the offset or raise "
                                         "header_bytes"));
      }
      out.offset = static_cast<uint32_t>(o);
      out.size = static_cast<uint32_t>(z);
      for (const auto& [other_at, other] : placed) {
        if (out.offset < other.offset + other.size && other.offset < out.offset + out.size) {
          return r_.Error(fa, absl::StrCat("overlaps ", other_at.path, " in the header"));
        }
      }
      placed.emplace_back(fa, out);
      return std::make_pair(m, out);
    };
    if (map.Has("magic")) {
      TURNCOAT_ASSIGN_OR_RETURN(const auto magic, field(map.Get("magic"), {"value"}, false));
      f.magic = magic.second;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField value, magic.first.Require("value"));
      TURNCOAT_ASSIGN_OR_RETURN(const std::string text, r_.String(value));
      const bool hex = absl::StartsWith(text, "0x") || absl::StartsWith(text, "0X");
      if (!(hex ? absl::SimpleHexAtoi(text.substr(2), &f.magic_value)
                : absl::SimpleAtoi(text, &f.magic_value))) {
        return r_.Error(value, "expected an unsigned integer, decimal or 0x-prefixed hex");
      }
    }
    if (map.Has("type")) {
      TURNCOAT_ASSIGN_OR_RETURN(const auto type, field(map.Get("type"), {}, false));
      f.type = type.second;
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField length_at, map.Require("length"));
    TURNCOAT_ASSIGN_OR_RETURN(const auto length, field(length_at, {"counts"}, false));
    f.length = length.second;
    if (length.first.Has("counts")) {
      TURNCOAT_ASSIGN_OR_RETURN(f.length_counts_frame,
                                ReadChoice<bool>(r_, length.first.Get("counts"),
                                                 {{"payload", false}, {"frame", true}}));
    }
    if (map.Has("checksum")) {
      const YamlField checksum_at = map.Get("checksum");
      const bool digest = checksum_at.node.IsMap() && checksum_at.node["algorithm"] &&
                          checksum_at.node["algorithm"].Scalar() == "sha256d";
      TURNCOAT_ASSIGN_OR_RETURN(const auto checksum,
                                field(checksum_at, {"algorithm", "covers"}, digest));
      f.checksum = checksum.second;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField algorithm, checksum.first.Require("algorithm"));
      TURNCOAT_ASSIGN_OR_RETURN(
          f.checksum_algorithm,
          ReadChoice<std::string>(r_, algorithm,
                                  {{"crc32", "crc32"}, {"crc32c", "crc32c"}, {"sha256d", "sha256d"}}));
      if (checksum.first.Has("covers")) {
        const YamlField covers = checksum.first.Get("covers");
        if (covers.node.IsMap()) {
          TURNCOAT_ASSIGN_OR_RETURN(const YamlMap from_map, r_.Map(covers, {"from"}));
          TURNCOAT_ASSIGN_OR_RETURN(const YamlField from, from_map.Require("from"));
          TURNCOAT_ASSIGN_OR_RETURN(const int64_t first, r_.Int(from, 0, f.header_bytes - 1));
          f.checksum_from = static_cast<uint32_t>(first);
        } else {
          TURNCOAT_ASSIGN_OR_RETURN(
              f.checksum_covers_frame,
              ReadChoice<bool>(r_, covers, {{"payload", false}, {"frame", true}}));
        }
      }
    }
    if (map.Has("types")) {
      const YamlField types = map.Get("types");
      if (!f.type.size) return r_.Error(types, "naming types needs the header's type field");
      if (!types.node.IsMap() || types.node.size() == 0) {
        return r_.Error(types, "expected a mapping of type values to kind names, e.g. { 3: prepare }");
      }
      for (const auto& entry : types.node) {
        YamlField name{entry.second, entry.first.Mark(),
                       absl::StrCat(types.path, ".", entry.first.Scalar())};
        uint64_t value = 0;
        if (!absl::SimpleAtoi(entry.first.Scalar(), &value)) {
          return r_.Error(name, "expected an unsigned integer type value as the key");
        }
        TURNCOAT_ASSIGN_OR_RETURN(const std::string kind, r_.String(name));
        if (!f.types.emplace(value, kind).second) return r_.Error(name, "this type is named twice");
      }
    }
    if (map.Has("max_frame_bytes")) {
      TURNCOAT_ASSIGN_OR_RETURN(const int64_t max,
                                r_.Int(map.Get("max_frame_bytes"), f.header_bytes, 1 << 30));
      f.max_frame_bytes = static_cast<uint32_t>(max);
    }
    spec_.protocol.framing = std::move(f);
    return absl::OkStatus();
  }

  absl::Status ParseCodecs(const YamlField& at) {
    if (!at.node.IsMap()) {
      return r_.Error(at, absl::StrCat("expected a mapping of codec names to { command: [...] }; got ",
                                       DescribeYaml(at.node)));
    }
    for (const auto& entry : at.node) {
      const std::string name = entry.first.Scalar();
      YamlField value{entry.second, entry.first.Mark(), absl::StrCat(at.path, ".", name)};
      if (!RE2::FullMatch(name, "[A-Za-z0-9][A-Za-z0-9._-]*") || name == "protobuf" ||
          name == "json" || name == "opaque") {
        return r_.Error(value, "expected a codec name of letters, digits, '.', '_' and '-', other "
                               "than protobuf, json and opaque");
      }
      TURNCOAT_ASSIGN_OR_RETURN(const YamlMap codec, r_.Map(value, {"command", "env"}));
      ExternalCodecSpec spec;
      spec.name = name;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField command, codec.Require("command"));
      TURNCOAT_ASSIGN_OR_RETURN(spec.command, TemplateList(command, CodecScope(), true));
      if (codec.Has("env")) {
        TURNCOAT_ASSIGN_OR_RETURN(spec.env, Env(codec.Get("env"), CodecScope()));
      }
      spec_.protocol.codecs.push_back(std::move(spec));
    }
    return absl::OkStatus();
  }

  // Checks a message-relative path of `m` against the schema.
  absl::StatusOr<PathEnd> CheckPath(const YamlField& at, const MessageSpec& m,
                                    const Descriptor* request, const ProtoSchema& schema,
                                    const std::string& text) {
    std::vector<std::string> segments = absl::StrSplit(text, '.');
    for (const std::string& s : segments) {
      if (s.empty()) return r_.Error(at, absl::StrCat("field path '", text, "' has an empty segment"));
    }
    std::vector<std::string> payload = absl::StrSplit(m.payload.field, '.');
    // The payload field itself is a field of the message; what lies beyond
    // it is inside the payload.
    const bool through_payload = !m.payload.field.empty() && segments.size() > payload.size() &&
                                 std::equal(payload.begin(), payload.end(), segments.begin());
    if (!through_payload) {
      absl::StatusOr<PathEnd> end = WalkProto(request, segments, text);
      if (!end.ok()) return r_.Error(at, end.status().message());
      return end;
    }
    const std::vector<std::string> rest(segments.begin() + static_cast<std::ptrdiff_t>(payload.size()),
                                        segments.end());
    switch (m.payload.codec) {
      case PayloadSpec::Codec::kOpaque:
        return r_.Error(at, absl::StrCat("'", text, "' is inside an opaque payload, which turncoat "
                                                    "cannot read; give the payload a codec"));
      case PayloadSpec::Codec::kProtobuf: {
        TURNCOAT_ASSIGN_OR_RETURN(const Descriptor* type, schema.FindMessage(m.payload.type));
        absl::StatusOr<PathEnd> end = WalkProto(type, rest, text);
        if (!end.ok()) return r_.Error(at, end.status().message());
        end->in_payload = true;
        return end;
      }
      default:
        return PathEnd{true, nullptr, false};  // JSON trees have no schema to check against
    }
  }

  absl::StatusOr<std::string> PathString(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(std::string text, r_.String(at));
    return text;
  }

  absl::Status ParseMessage(const YamlField& at, const ProtoSchema& schema) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(at, {"method", "methods", "kind", "sender", "signature",
                                          "payload", "values", "round", "certificates"}));
    MessageSpec m;
    if (map.Has("method") == map.Has("methods")) {
      return r_.Error(at, "expected method: /package.Service/Method (or methods: [...])");
    }
    const YamlField methods_field = map.Has("method") ? map.Get("method") : map.Get("methods");
    std::vector<YamlField> method_fields;
    if (map.Has("method")) {
      method_fields.push_back(methods_field);
    } else {
      TURNCOAT_ASSIGN_OR_RETURN(method_fields, r_.Sequence(methods_field));
      if (method_fields.empty()) return r_.Error(methods_field, "expected at least one method");
    }
    const Descriptor* request = nullptr;
    for (const YamlField& f : method_fields) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::string path, r_.String(f));
      absl::StatusOr<const google::protobuf::MethodDescriptor*> method = schema.FindMethod(path);
      if (!method.ok()) return r_.Error(f, method.status().message());
      if (request != nullptr && (*method)->input_type() != request) {
        return r_.Error(f, absl::StrCat(path, " takes ", (*method)->input_type()->full_name(),
                                        ", not ", request->full_name(),
                                        " as the other methods of this message do; describe it "
                                        "in a message entry of its own"));
      }
      if (!methods_seen_.insert(path).second) {
        return r_.Error(f, absl::StrCat(path, " is described by an earlier message entry"));
      }
      request = (*method)->input_type();
      m.methods.push_back(path);
    }
    m.request_type = request->full_name();

    if (map.Has("payload")) TURNCOAT_RETURN_IF_ERROR(ParsePayload(map.Get("payload"), request, schema, &m));

    // The kind: a name, a oneof or a field; by default the method's name.
    if (map.Has("kind")) {
      const YamlField kind = map.Get("kind");
      if (kind.node.IsScalar()) {
        TURNCOAT_ASSIGN_OR_RETURN(m.kind, r_.String(kind));
      } else {
        TURNCOAT_RETURN_IF_ERROR(ParseKindSource(kind, request, schema, &m));
      }
    } else {
      m.kind = m.methods[0].substr(m.methods[0].rfind('/') + 1);
    }
    if (!m.kind.empty() && !RE2::FullMatch(m.kind, "[A-Za-z0-9][A-Za-z0-9._-]*")) {
      return r_.Error(map.Has("kind") ? map.Get("kind") : at,
                      "expected a kind name of letters, digits, '.', '_' and '-'");
    }

    // The sender: a field, `link`, or a list of fields that all name it
    // (the first is read; all are written when a fault claims another).
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField sender, map.Require("sender"));
    std::vector<YamlField> sender_fields;
    if (sender.node.IsSequence()) {
      TURNCOAT_ASSIGN_OR_RETURN(sender_fields, r_.Sequence(sender));
      if (sender_fields.empty()) return r_.Error(sender, "expected at least one field");
    } else {
      sender_fields.push_back(sender);
    }
    for (size_t i = 0; i < sender_fields.size(); ++i) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::string text, r_.String(sender_fields[i]));
      if (text == "link") {
        if (sender_fields.size() > 1) {
          return r_.Error(sender_fields[i], "link stands alone: the message names no sender");
        }
        break;
      }
      TURNCOAT_ASSIGN_OR_RETURN(const PathEnd end,
                                CheckPath(sender_fields[i], m, request, schema, text));
      if (end.field != nullptr &&
          (end.repeated || (!IsIntegerField(end.field) &&
                            end.field->cpp_type() != FieldDescriptor::CPPTYPE_STRING))) {
        return r_.Error(sender_fields[i],
                        absl::StrCat("'", text, "' is not a singular integer or string field; "
                                                "expected the field naming the sender, or link "
                                                "when the message does not say"));
      }
      if (i == 0) {
        m.sender = text;
      } else {
        m.sender_also.push_back(text);
      }
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField signature, map.Require("signature"));
    TURNCOAT_RETURN_IF_ERROR(ParseSignature(signature, request, schema, &m));

    if (map.Has("values")) {
      const YamlField values = map.Get("values");
      TURNCOAT_ASSIGN_OR_RETURN(m.values, PathString(values));
      TURNCOAT_ASSIGN_OR_RETURN(const PathEnd end, CheckPath(values, m, request, schema, m.values));
      if (end.field != nullptr && !ProtoSchema::IsBytesOrString(end.field)) {
        return r_.Error(values, absl::StrCat("'", m.values, "' is a ", end.field->type_name(),
                                             " field; expected a bytes or string field"));
      }
    }
    if (map.Has("round")) {
      TURNCOAT_ASSIGN_OR_RETURN(m.round, ParseRound(map.Get("round"), m, request, schema, ""));
    }
    if (map.Has("certificates")) {
      TURNCOAT_RETURN_IF_ERROR(ParseCertificates(map.Get("certificates"), request, schema, &m));
    }
    spec_.protocol.messages.push_back(std::move(m));
    return absl::OkStatus();
  }

  // A round: components, each a path or a list of alternatives, every one
  // an integer field; `prefix` (may be empty) is put before each path to
  // check it, but not stored.
  absl::StatusOr<std::vector<std::vector<std::string>>> ParseRound(const YamlField& round,
                                                                   const MessageSpec& m,
                                                                   const Descriptor* request,
                                                                   const ProtoSchema& schema,
                                                                   const std::string& prefix) {
    std::vector<std::vector<std::string>> out;
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> parts, r_.Sequence(round));
    if (parts.empty()) return r_.Error(round, "expected at least one field, e.g. [view, seq]");
    for (const YamlField& part : parts) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> alternatives, OneOrList(part));
      std::vector<std::string> paths;
      for (const YamlField& alternative : alternatives) {
        TURNCOAT_ASSIGN_OR_RETURN(const std::string text, PathString(alternative));
        TURNCOAT_ASSIGN_OR_RETURN(const PathEnd end,
                                  CheckPath(alternative, m, request, schema, Joined(prefix, text)));
        if (end.field != nullptr && !IsIntegerField(end.field)) {
          return r_.Error(alternative, absl::StrCat("'", text, "' is a ", end.field->type_name(),
                                                    " field; a round is an integer"));
        }
        paths.push_back(text);
      }
      out.push_back(std::move(paths));
    }
    return out;
  }

  // A scalar or a list of scalars, as fields.
  absl::StatusOr<std::vector<YamlField>> OneOrList(const YamlField& at) {
    if (!at.node.IsSequence()) return std::vector<YamlField>{at};
    TURNCOAT_ASSIGN_OR_RETURN(std::vector<YamlField> items, r_.Sequence(at));
    if (items.empty()) return r_.Error(at, "expected at least one field");
    return items;
  }

  static std::string Joined(const std::string& prefix, const std::string& path) {
    return prefix.empty() ? path : absl::StrCat(prefix, ".", path);
  }

  // `certificates`: where a kind of message embeds other replicas' signed
  // messages, each laid out as a message is.
  absl::Status ParseCertificates(const YamlField& at, const Descriptor* request,
                                 const ProtoSchema& schema, MessageSpec* m) {
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> entries, r_.Sequence(at));
    if (entries.empty()) return r_.Error(at, "expected at least one certificate");
    for (const YamlField& entry : entries) {
      TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                                r_.Map(entry, {"at", "votes", "round", "block", "vote"}));
      CertificateSpec c;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField at_field, map.Require("at"));
      TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> places, OneOrList(at_field));
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField votes, map.Require("votes"));
      TURNCOAT_ASSIGN_OR_RETURN(c.votes, PathString(votes));
      const Descriptor* vote_type = nullptr;
      for (const YamlField& place : places) {
        TURNCOAT_ASSIGN_OR_RETURN(const std::string text, PathString(place));
        TURNCOAT_ASSIGN_OR_RETURN(const PathEnd end, CheckPath(place, *m, request, schema, text));
        if (end.field != nullptr &&
            (end.repeated || end.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)) {
          return r_.Error(place, absl::StrCat("'", text, "' is not a singular message field; "
                                                         "expected the certificate (a message "
                                                         "holding the list of votes)"));
        }
        TURNCOAT_ASSIGN_OR_RETURN(const PathEnd list,
                                  CheckPath(votes, *m, request, schema, Joined(text, c.votes)));
        if (list.field != nullptr && (!list.field->is_repeated() ||
                                      list.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)) {
          return r_.Error(votes, absl::StrCat("'", c.votes, "' is not a repeated message field; "
                                                            "expected the list of signed messages "
                                                            "the certificate embeds"));
        }
        if (list.field != nullptr) {
          if (vote_type != nullptr && vote_type != list.field->message_type()) {
            return r_.Error(place, absl::StrCat("holds ", list.field->message_type()->full_name(),
                                                " votes, the other places ", vote_type->full_name(),
                                                "; describe it in a certificate entry of its own"));
          }
          vote_type = list.field->message_type();
        }
        if (map.Has("round")) {
          TURNCOAT_ASSIGN_OR_RETURN(c.round, ParseRound(map.Get("round"), *m, request, schema, text));
        }
        if (map.Has("block")) {
          const YamlField block = map.Get("block");
          TURNCOAT_ASSIGN_OR_RETURN(c.block, PathString(block));
          TURNCOAT_RETURN_IF_ERROR(
              CheckPath(block, *m, request, schema, Joined(text, c.block)).status());
        }
        c.at.push_back(text);
      }
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField vote, map.Require("vote"));
      TURNCOAT_RETURN_IF_ERROR(ParseVote(vote, vote_type, schema, &c));
      m->certificates.push_back(std::move(c));
    }
    return absl::OkStatus();
  }

  // How each vote of a certificate is laid out, as a message is; `type` is
  // its protobuf type (nullptr inside JSON, where nothing can be checked).
  absl::Status ParseVote(const YamlField& at, const Descriptor* type, const ProtoSchema& schema,
                         CertificateSpec* c) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(at, {"sender", "signature", "payload", "round", "block"}));
    MessageSpec& v = c->vote;
    if (type != nullptr) v.request_type = type->full_name();
    if (map.Has("payload")) TURNCOAT_RETURN_IF_ERROR(ParsePayload(map.Get("payload"), type, schema, &v));
    if (v.payload.codec == PayloadSpec::Codec::kExternal) {
      return r_.Error(map.Get("payload"), "votes are read as protobuf or JSON; an external codec "
                                          "cannot decode a vote inside a certificate");
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField sender, map.Require("sender"));
    TURNCOAT_ASSIGN_OR_RETURN(v.sender, PathString(sender));
    TURNCOAT_ASSIGN_OR_RETURN(const PathEnd end, CheckPath(sender, v, type, schema, v.sender));
    if (end.field != nullptr && (end.repeated || (!IsIntegerField(end.field) &&
                                                  end.field->cpp_type() != FieldDescriptor::CPPTYPE_STRING))) {
      return r_.Error(sender, absl::StrCat("'", v.sender, "' is not a singular integer or string "
                                                          "field; expected the field naming the "
                                                          "vote's sender"));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField signature, map.Require("signature"));
    TURNCOAT_RETURN_IF_ERROR(ParseSignature(signature, type, schema, &v));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField round, map.Require("round"));
    TURNCOAT_ASSIGN_OR_RETURN(v.round, ParseRound(round, v, type, schema, ""));
    if (map.Has("block")) {
      const YamlField block = map.Get("block");
      TURNCOAT_ASSIGN_OR_RETURN(c->vote_block, PathString(block));
      TURNCOAT_RETURN_IF_ERROR(CheckPath(block, v, type, schema, c->vote_block).status());
    }
    return absl::OkStatus();
  }

  absl::Status ParsePayload(const YamlField& at, const Descriptor* request, const ProtoSchema& schema,
                            MessageSpec* m) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, {"field", "codec", "type"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField field, map.Require("field"));
    TURNCOAT_ASSIGN_OR_RETURN(m->payload.field, PathString(field));
    std::vector<std::string> segments = absl::StrSplit(m->payload.field, '.');
    absl::StatusOr<PathEnd> end = WalkProto(request, segments, m->payload.field);
    if (!end.ok()) return r_.Error(field, end.status().message());
    // (No request type: a vote inside JSON, whose fields cannot be checked.)
    if (request != nullptr && (end->field == nullptr || end->repeated ||
                               end->field->cpp_type() != FieldDescriptor::CPPTYPE_STRING)) {
      return r_.Error(field, absl::StrCat("'", m->payload.field,
                                          "' is not a singular bytes or string field; expected "
                                          "the field holding the payload"));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField codec, map.Require("codec"));
    TURNCOAT_ASSIGN_OR_RETURN(const std::string codec_name, r_.String(codec));
    if (codec_name == "protobuf") {
      m->payload.codec = PayloadSpec::Codec::kProtobuf;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField type, map.Require("type"));
      TURNCOAT_ASSIGN_OR_RETURN(m->payload.type, r_.String(type));
      absl::StatusOr<const Descriptor*> found = schema.FindMessage(m->payload.type);
      if (!found.ok()) return r_.Error(type, found.status().message());
      if (end->field != nullptr && end->field->type() != FieldDescriptor::TYPE_BYTES) {
        return r_.Error(field, absl::StrCat(end->field->full_name(),
                                            " is a string field; a protobuf payload needs bytes"));
      }
    } else if (codec_name == "json" || codec_name == "opaque") {
      m->payload.codec =
          codec_name == "json" ? PayloadSpec::Codec::kJson : PayloadSpec::Codec::kOpaque;
      if (map.Has("type")) {
        return r_.Error(map.Get("type"), absl::StrCat("a ", codec_name, " payload has no type; remove it"));
      }
    } else {
      bool known = false;
      std::vector<std::string> names = {"protobuf", "json", "opaque"};
      for (const ExternalCodecSpec& c : spec_.protocol.codecs) {
        known |= c.name == codec_name;
        names.push_back(c.name);
      }
      if (!known) {
        return r_.Error(codec, absl::StrCat("unknown codec '", codec_name, "'; expected one of: ",
                                            absl::StrJoin(names, ", "),
                                            " (external codecs are declared in protocol.codecs)"));
      }
      m->payload.codec = PayloadSpec::Codec::kExternal;
      m->payload.external = codec_name;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField type, map.Require("type"));
      TURNCOAT_ASSIGN_OR_RETURN(m->payload.type, r_.String(type));
    }
    return absl::OkStatus();
  }

  absl::Status ParseKindSource(const YamlField& at, const Descriptor* request,
                               const ProtoSchema& schema, MessageSpec* m) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, {"oneof", "field", "names"}));
    if (map.Has("oneof") == map.Has("field")) {
      return r_.Error(at, "expected { oneof: PATH } or { field: PATH, names: [...] }");
    }
    if (map.Has("names")) {
      TURNCOAT_ASSIGN_OR_RETURN(m->kinds, r_.StringList(map.Get("names")));
    }
    if (map.Has("field")) {
      const YamlField field = map.Get("field");
      TURNCOAT_ASSIGN_OR_RETURN(m->kind_field, PathString(field));
      TURNCOAT_ASSIGN_OR_RETURN(const PathEnd end, CheckPath(field, *m, request, schema, m->kind_field));
      if (end.field != nullptr && end.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        return r_.Error(field, absl::StrCat("'", m->kind_field, "' is a message; expected a scalar "
                                            "whose value names the kind"));
      }
      if (end.field != nullptr && end.field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
          m->kinds.empty()) {
        for (int i = 0; i < end.field->enum_type()->value_count(); ++i) {
          m->kinds.push_back(end.field->enum_type()->value(i)->name());
        }
      }
      if (m->kinds.empty()) {
        return r_.Error(at, "list the kind names the field takes in names: [...], so that plans "
                            "filtering on them can be checked");
      }
      return absl::OkStatus();
    }
    const YamlField oneof = map.Get("oneof");
    TURNCOAT_ASSIGN_OR_RETURN(m->kind_oneof, PathString(oneof));
    // The oneof's members are the names, when the schema knows them.
    std::vector<std::string> segments = absl::StrSplit(m->kind_oneof, '.');
    const std::string last = segments.back();
    segments.pop_back();
    const Descriptor* holder = request;
    const std::string prefix = absl::StrJoin(segments, ".");
    if (!segments.empty() && prefix == m->payload.field) {
      // The oneof's own name is no field to walk to, so CheckPath serves
      // only to refuse a path into an opaque payload.
      if (m->payload.codec == PayloadSpec::Codec::kOpaque) {
        TURNCOAT_RETURN_IF_ERROR(CheckPath(oneof, *m, request, schema, m->kind_oneof).status());
      }
      holder = m->payload.codec == PayloadSpec::Codec::kProtobuf ? *schema.FindMessage(m->payload.type)
                                                                 : nullptr;
    } else if (!segments.empty()) {
      TURNCOAT_ASSIGN_OR_RETURN(const PathEnd end, CheckPath(oneof, *m, request, schema, prefix));
      holder = end.field != nullptr && end.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                   ? end.field->message_type()
                   : nullptr;
    }
    if (holder != nullptr) {
      const google::protobuf::OneofDescriptor* o = holder->FindOneofByName(last);
      const FieldDescriptor* f = holder->FindFieldByName(last);
      if (o != nullptr) {
        for (int i = 0; i < o->field_count(); ++i) m->kinds.push_back(o->field(i)->name());
      } else if (f != nullptr && f->message_type() != nullptr) {
        for (int i = 0; i < f->message_type()->field_count(); ++i) {
          m->kinds.push_back(f->message_type()->field(i)->name());
        }
      } else {
        return r_.Error(oneof, absl::StrCat("'", m->kind_oneof, "': ", holder->full_name(),
                                            " has no oneof or message field '", last, "'"));
      }
    } else if (m->kinds.empty()) {
      return r_.Error(at, "list the kind names in names: [...]: the schema cannot tell them here");
    }
    return absl::OkStatus();
  }

  absl::Status ParseSignature(const YamlField& at, const Descriptor* request,
                              const ProtoSchema& schema, MessageSpec* m) {
    SignatureSpec& s = m->signature;
    YamlField field_at = at;
    if (at.node.IsScalar()) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::string text, r_.String(at));
      if (text == "none") return absl::OkStatus();
      s.field = text;
    } else {
      TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, {"field", "covers", "text"}));
      TURNCOAT_ASSIGN_OR_RETURN(field_at, map.Require("field"));
      TURNCOAT_ASSIGN_OR_RETURN(s.field, PathString(field_at));
      if (map.Has("covers")) {
        const YamlField covers = map.Get("covers");
        TURNCOAT_ASSIGN_OR_RETURN(const std::string text, r_.String(covers));
        if (text != "message") {
          s.covers = text;
          TURNCOAT_ASSIGN_OR_RETURN(const PathEnd end, CheckPath(covers, *m, request, schema, text));
          if (end.repeated) return r_.Error(covers, "expected a singular field");
          if (end.in_payload && m->payload.codec != PayloadSpec::Codec::kProtobuf) {
            return r_.Error(covers, "a part of a payload that is not protobuf has no canonical "
                                    "bytes; cover the payload field itself");
          }
          if (end.field != nullptr && end.field->cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
              end.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
            return r_.Error(covers, absl::StrCat("'", text, "' is a ", end.field->type_name(),
                                                 " field; expected bytes, a string or a message"));
          }
        }
      }
      if (map.Has("text")) {
        TURNCOAT_ASSIGN_OR_RETURN(s.text, ReadChoice<SignatureSpec::Text>(
                                              r_, map.Get("text"),
                                              {{"raw", SignatureSpec::Text::kRaw},
                                               {"hex", SignatureSpec::Text::kHex},
                                               {"base64", SignatureSpec::Text::kBase64}}));
      }
    }
    TURNCOAT_ASSIGN_OR_RETURN(const PathEnd end, CheckPath(field_at, *m, request, schema, s.field));
    if (end.in_payload) {
      return r_.Error(field_at, "the signature must be a field of the message, not of its payload");
    }
    if (request == nullptr) return absl::OkStatus();  // a vote inside JSON: nothing to check
    if (end.field == nullptr || end.repeated ||
        end.field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return r_.Error(field_at, absl::StrCat("'", s.field, "' is not a singular bytes or string "
                                             "field; expected the field holding the signature, or "
                                             "none for unsigned messages"));
    }
    if (s.text == SignatureSpec::Text::kRaw && end.field->type() == FieldDescriptor::TYPE_STRING) {
      return r_.Error(field_at, absl::StrCat("'", s.field, "' is a string field; say how it holds "
                                             "the signature with text: hex or text: base64"));
    }
    return absl::OkStatus();
  }

  // The single-envelope form: every peer method carries one envelope type.
  absl::Status ParseEnvelopeForm(const YamlMap& map, const ProtoSchema& schema) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField envelope_field, map.Require("envelope"));
    TURNCOAT_ASSIGN_OR_RETURN(
        const YamlMap e,
        r_.Map(envelope_field, {"type", "sender", "payload", "payload_type", "signature",
                                "signature_covers"}));
    MessageSpec m;
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField type, e.Require("type"));
    TURNCOAT_ASSIGN_OR_RETURN(m.request_type, r_.String(type));
    absl::StatusOr<const Descriptor*> request = schema.FindMessage(m.request_type);
    if (!request.ok()) return r_.Error(type, request.status().message());

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField methods, map.Require("peer_methods"));
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> method_fields, r_.Sequence(methods));
    if (method_fields.empty()) {
      return r_.Error(methods, "expected at least one method replicas call on each other");
    }
    for (const YamlField& f : method_fields) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::string path, r_.String(f));
      absl::StatusOr<const google::protobuf::MethodDescriptor*> method = schema.FindMethod(path);
      if (!method.ok()) return r_.Error(f, method.status().message());
      if ((*method)->input_type() != *request) {
        return r_.Error(f, absl::StrCat(path, " takes ", (*method)->input_type()->full_name(),
                                        ", not the envelope type ", m.request_type,
                                        "; list only methods that carry envelopes, or describe "
                                        "each kind of message in protocol.messages"));
      }
      m.methods.push_back(path);
    }

    if (e.Has("payload") != e.Has("payload_type")) {
      return r_.Error(envelope_field, "payload and payload_type go together; set both or neither");
    }
    const Descriptor* content = *request;
    if (e.Has("payload")) {
      const YamlField payload = e.Get("payload");
      TURNCOAT_ASSIGN_OR_RETURN(m.payload.field, r_.String(payload));
      const FieldDescriptor* f = (*request)->FindFieldByName(m.payload.field);
      if (f == nullptr || f->type() != FieldDescriptor::TYPE_BYTES || f->is_repeated()) {
        return r_.Error(payload, absl::StrCat(m.request_type, " has no singular bytes field '",
                                              m.payload.field, "'; expected the name of one"));
      }
      m.payload.codec = PayloadSpec::Codec::kProtobuf;
      const YamlField payload_type = e.Get("payload_type");
      TURNCOAT_ASSIGN_OR_RETURN(m.payload.type, r_.String(payload_type));
      absl::StatusOr<const Descriptor*> t = schema.FindMessage(m.payload.type);
      if (!t.ok()) return r_.Error(payload_type, t.status().message());
      content = *t;
      // A payload with one oneof names its kinds, as refbft.Message does.
      if (content->oneof_decl_count() == 1) {
        const google::protobuf::OneofDescriptor* o = content->oneof_decl(0);
        m.kind_oneof = absl::StrCat(m.payload.field, ".", o->name());
        for (int i = 0; i < o->field_count(); ++i) m.kinds.push_back(o->field(i)->name());
      }
    }
    if (m.kind_oneof.empty()) m.kind = m.methods[0].substr(m.methods[0].rfind('/') + 1);

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField sender, e.Require("sender"));
    TURNCOAT_ASSIGN_OR_RETURN(m.sender, r_.String(sender));
    absl::StatusOr<std::vector<const FieldDescriptor*>> sender_path =
        ProtoSchema::ResolvePath(*request, m.sender);
    if (!sender_path.ok()) return r_.Error(sender, sender_path.status().message());
    if ((!IsIntegerField(sender_path->back()) &&
         sender_path->back()->cpp_type() != FieldDescriptor::CPPTYPE_STRING) ||
        ProtoSchema::AnyRepeated(*sender_path)) {
      return r_.Error(sender, absl::StrCat("'", m.sender,
                                           "' is not a singular integer or string field; expected "
                                           "the field holding the sender's replica id"));
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField signature, e.Require("signature"));
    TURNCOAT_ASSIGN_OR_RETURN(m.signature.field, r_.String(signature));
    const FieldDescriptor* sig = (*request)->FindFieldByName(m.signature.field);
    if (sig == nullptr || sig->type() != FieldDescriptor::TYPE_BYTES || sig->is_repeated()) {
      return r_.Error(signature, absl::StrCat(m.request_type, " has no singular bytes field '",
                                              m.signature.field, "'; expected the name of one"));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField covers, e.Require("signature_covers"));
    TURNCOAT_ASSIGN_OR_RETURN(const std::string covers_text, r_.String(covers));
    if (covers_text == "payload") {
      if (m.payload.field.empty()) {
        return r_.Error(covers, "the envelope has no payload field; expected 'envelope' or set "
                                "payload and payload_type");
      }
      m.signature.covers = m.payload.field;
    } else if (covers_text != "envelope") {
      return r_.Error(covers, absl::StrCat("unknown value '", covers_text,
                                           "'; expected one of: payload, envelope"));
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField value, map.Require("value"));
    TURNCOAT_ASSIGN_OR_RETURN(const std::string value_text, r_.String(value));
    absl::StatusOr<std::vector<const FieldDescriptor*>> value_path =
        ProtoSchema::ResolvePath(content, value_text);
    if (!value_path.ok()) return r_.Error(value, value_path.status().message());
    if (!ProtoSchema::IsBytesOrString(value_path->back())) {
      return r_.Error(value, absl::StrCat("'", value_text, "' is a ", value_path->back()->type_name(),
                                          " field; expected a bytes or string field"));
    }
    m.values = m.payload.field.empty() ? value_text : absl::StrCat(m.payload.field, ".", value_text);
    spec_.protocol.messages.push_back(std::move(m));
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
      TURNCOAT_ASSIGN_OR_RETURN(c.path, ParseTemplate(path, replica_scope_));
    } else if (map.Has("path")) {
      return r_.Error(map.Get("path"), "path is only read with stream: file; remove it");
    }

    if (map.Has("json") == map.Has("regex")) {
      return r_.Error(commits_field, "expected exactly one of json or regex");
    }
    if (map.Has("json")) {
      c.format = CommitFormat::kJson;
      TURNCOAT_ASSIGN_OR_RETURN(const YamlMap json, r_.Map(map.Get("json"), {"seq", "value"}));
      if (json.Has("seq")) {
        TURNCOAT_ASSIGN_OR_RETURN(c.json_seq, r_.String(json.Get("seq")));
      }
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField value, json.Require("value"));
      TURNCOAT_ASSIGN_OR_RETURN(c.json_value, r_.String(value));
    } else {
      c.format = CommitFormat::kRegex;
      const YamlField regex = map.Get("regex");
      TURNCOAT_ASSIGN_OR_RETURN(c.regex, r_.String(regex));
      TURNCOAT_RETURN_IF_ERROR(CheckValueRegex(regex, c.regex, {"value"}, {"seq"}));
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

  // An RE2 with the named groups `required`, optionally `optional`, and no
  // other named group.
  absl::Status CheckValueRegex(const YamlField& at, const std::string& pattern,
                               const std::vector<std::string>& required,
                               const std::vector<std::string>& optional) {
    RE2 re(pattern, RE2::Quiet);
    if (!re.ok()) {
      return r_.Error(at, absl::StrCat("does not compile as RE2: ", re.error()));
    }
    const std::map<std::string, int>& groups = re.NamedCapturingGroups();
    std::vector<std::string> forms;
    for (const std::string& needed : required) forms.push_back(absl::StrCat("(?P<", needed, ">...)"));
    for (const std::string& needed : required) {
      if (groups.count(needed) == 0) {
        return r_.Error(at, absl::StrCat("has no named group '", needed, "'; expected ",
                                         absl::StrJoin(forms, " and ")));
      }
    }
    for (const auto& [name, index] : groups) {
      if (std::find(required.begin(), required.end(), name) == required.end() &&
          std::find(optional.begin(), optional.end(), name) == optional.end()) {
        return r_.Error(at, absl::StrCat("named group '", name,
                                         "' is never read; make it a plain group (...)"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseClient(const YamlField& at, const ProtoSchema& schema) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap client,
                              r_.Map(at, {"grpc", "program", "deadline", "in_flight"}));
    ClientSpec& c = spec_.client;
    if (client.Has("grpc") == client.Has("program")) {
      return r_.Error(at, "expected exactly one of grpc (a unary call per value) or program (the "
                          "system's own client program)");
    }
    if (client.Has("deadline")) {
      const YamlField deadline = client.Get("deadline");
      TURNCOAT_ASSIGN_OR_RETURN(c.deadline, r_.Duration(deadline));
      if (c.deadline <= absl::ZeroDuration()) return r_.Error(deadline, "expected a positive duration");
    }
    if (client.Has("in_flight")) {
      TURNCOAT_ASSIGN_OR_RETURN(const int64_t in_flight, r_.Int(client.Get("in_flight"), 1, 1000));
      c.in_flight = static_cast<int>(in_flight);
    }
    if (client.Has("program")) {
      c.kind = ClientSpec::Kind::kCommand;
      return ParseProgram(client.Get("program"));
    }
    c.kind = ClientSpec::Kind::kGrpc;
    const YamlField grpc = client.Get("grpc");
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(grpc, {"method", "request", "value", "accepted"}));
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

  absl::Status ParseProgram(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(at, {"command", "env", "cwd", "files", "input", "request",
                                          "ack", "fail"}));
    CommandClientSpec& p = spec_.client.command;
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField command, map.Require("command"));
    TURNCOAT_ASSIGN_OR_RETURN(p.command, TemplateList(command, ClientScope(), true));
    if (map.Has("env")) {
      TURNCOAT_ASSIGN_OR_RETURN(p.env, Env(map.Get("env"), ClientScope()));
    }
    if (map.Has("cwd")) {
      TURNCOAT_ASSIGN_OR_RETURN(p.cwd, ParseTemplate(map.Get("cwd"), ClientScope()));
    }
    if (map.Has("files")) {
      TURNCOAT_ASSIGN_OR_RETURN(p.files, Files(map.Get("files"), ClientScope()));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField input, map.Require("input"));
    TURNCOAT_ASSIGN_OR_RETURN(
        p.input, ReadChoice<CommandClientSpec::Input>(r_, input,
                                                      {{"stdin", CommandClientSpec::Input::kStdin},
                                                       {"args", CommandClientSpec::Input::kArgs}}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField request, map.Require("request"));
    if (p.input == CommandClientSpec::Input::kStdin) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::string line, r_.String(request));
      if (line.find('\n') != std::string::npos) {
        return r_.Error(request, "expected one line: each value is written as one line");
      }
      TURNCOAT_ASSIGN_OR_RETURN(Template t, ParseTemplateText(request, line, RequestScope()));
      p.request.push_back(std::move(t));
    } else {
      TURNCOAT_ASSIGN_OR_RETURN(p.request, TemplateList(request, RequestScope(), false));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField ack, map.Require("ack"));
    TURNCOAT_ASSIGN_OR_RETURN(p.ack_regex, r_.String(ack));
    TURNCOAT_RETURN_IF_ERROR(CheckValueRegex(ack, p.ack_regex, {"value"}, {}));
    if (map.Has("fail")) {
      const YamlField fail = map.Get("fail");
      TURNCOAT_ASSIGN_OR_RETURN(p.fail_regex, r_.String(fail));
      TURNCOAT_RETURN_IF_ERROR(CheckValueRegex(fail, p.fail_regex, {"value"}, {}));
    }
    return absl::OkStatus();
  }

  absl::Status ParseChecks(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(at, {"pipeline_depth", "integrity", "exit_ok"}));
    CheckSpec& c = spec_.checks;
    if (map.Has("pipeline_depth")) {
      TURNCOAT_ASSIGN_OR_RETURN(const int64_t depth, r_.Int(map.Get("pipeline_depth"), 0, 1000));
      c.pipeline_depth = static_cast<int>(depth);
    }
    if (map.Has("integrity")) {
      TURNCOAT_ASSIGN_OR_RETURN(
          c.integrity, ReadChoice<CheckSpec::Integrity>(r_, map.Get("integrity"),
                                                        {{"value", CheckSpec::Integrity::kPerValue},
                                                         {"slot", CheckSpec::Integrity::kPerSlot}}));
    }
    if (map.Has("exit_ok")) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> items, r_.Sequence(map.Get("exit_ok")));
      c.exit_ok.clear();
      for (const YamlField& item : items) {
        TURNCOAT_ASSIGN_OR_RETURN(const std::string text, r_.String(item));
        TURNCOAT_ASSIGN_OR_RETURN(const int status, ExitStatus(item, text));
        c.exit_ok.push_back(status);
      }
    }
    return absl::OkStatus();
  }

  // An exit code 0..255, or a signal name (as 128 + its number).
  absl::StatusOr<int> ExitStatus(const YamlField& at, const std::string& text) {
    int code;
    if (absl::SimpleAtoi(text, &code) && code >= 0 && code <= 255) return code;
    static const std::map<std::string, int> kSignals = {
        {"SIGTERM", SIGTERM}, {"SIGINT", SIGINT}, {"SIGKILL", SIGKILL},
        {"SIGHUP", SIGHUP},   {"SIGQUIT", SIGQUIT}, {"SIGABRT", SIGABRT}};
    auto it = kSignals.find(text);
    if (it != kSignals.end()) return 128 + it->second;
    return r_.Error(at, absl::StrCat("'", text, "' is neither an exit code 0..255 nor a signal "
                                                "(SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGQUIT, SIGABRT)"));
  }

  const YamlReader& r_;
  TargetSpec& spec_;
  TemplateScope replica_scope_ = ReplicaScope();
  std::set<std::string> methods_seen_;
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
