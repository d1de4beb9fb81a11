// TargetSpec: how to run and watch one BFT system, as read from a target file
// (targets/*.yaml, format in docs/target-format.md).
//
// A target is data, never code: how the system names its replicas and
// clients, what keys it uses and in which form it reads them, the command
// line, environment and files that start a replica and when it counts as
// ready, how each kind of peer message is laid out (the message model:
// sender, signature and what it covers, payload codec, values, round), how
// its commits show up in its output, how a client submits a value, and the
// checker semantics that fit it. The loader (target_loader.h) has checked
// every template name, every field path against the .proto files and every
// regular expression, so code holding a TargetSpec can trust it.
//
// RenderReplica() and RenderClient() turn the spec plus one process's
// run-time facts into the exact argv, environment and files to start it
// with. TargetSpec is an immutable value.
#ifndef TURNCOAT_MODEL_TARGET_SPEC_H_
#define TURNCOAT_MODEL_TARGET_SPEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/signing_key.h"
#include "model/template.h"

namespace turncoat {

// How the system names replica `index` (0..n-1) and turncoat's client
// `index`: templates over IdScope(), e.g. "r{{index}}". Both default to
// "{{index}}". Everything that carries an id — `{{id}}` in templates, the
// sender field of a message, `as` lists rendered for the agents — goes
// through these.
struct IdSpec {
  Template replica;
  Template client;
};

// The system's own key generator: run once per replica and client into an
// empty directory; the files it leaves are read back in the target's key
// encodings.
struct KeygenSpec {
  std::vector<Template> command;  // over KeygenScope()
  Template private_file;          // over KeygenScope()
  Template public_file;           // over KeygenScope()
};

// The key scheme and the forms in which the system reads keys and writes
// signatures. turncoat generates one key pair per replica and client for
// each run (or has the system's keygen do it) and uses only the Byzantine
// replicas' private keys itself.
struct KeySpec {
  KeyScheme scheme = KeyScheme::kEd25519;
  KeyEncoding private_encoding = KeyEncoding::kPem;
  KeyEncoding public_encoding = KeyEncoding::kPem;
  SignatureEncoding signature_encoding = SignatureEncoding::kRaw;
  std::optional<KeygenSpec> generate;
};

// What replicas speak to each other: gRPC (decoded, rewritten), or a
// protocol of their own over TCP (bytes, cut into messages by `framing`).
enum class Transport { kGrpc, kTcp };
// How turncoat gets between replicas: a proxy port per link that replicas
// dial instead of their peers (the peer list names proxies), or network
// namespaces whose traffic netfilter redirects to the proxies while each
// replica dials its peers' real addresses.
enum class LinkMode { kPorts, kNetns };
// As target files and `turncoat run --links` spell them: "ports", "netns".
const char* LinkModeName(LinkMode mode);
std::optional<LinkMode> ParseLinkMode(absl::string_view name);

// `{{peers}}` in a command is one entry per peer joined by a separator.
struct PeerListSpec {
  Template entry;  // over PeerEntryScope()
  std::string separator = ",";
  bool include_self = false;
};

// A file rendered into place before a process starts.
struct FileSpec {
  Template path;
  Template content;
};

// When a started replica counts as ready to take part.
struct ReadySpec {
  enum class Kind {
    kPort,         // its listen port accepts connections
    kLog,          // a line of its output matches `regex`
    kGrpcHealth,   // grpc.health.v1.Health/Check on its listen address says SERVING
    kFirstCommit,  // the cluster committed a first value (the workload runs)
  };
  Kind kind = Kind::kPort;
  std::string regex;  // kLog: RE2, searched in each line
  enum class Stream { kStdout, kStderr };
  Stream stream = Stream::kStdout;  // kLog
  std::string service;              // kGrpcHealth: the service name asked about ("" = server)
};

struct ReplicaSpec {
  std::vector<Template> command;                    // argv; over ReplicaScope()
  std::vector<std::pair<std::string, Template>> env;  // added to the environment
  std::optional<Template> cwd;                      // default: {{workdir}}
  std::optional<PeerListSpec> peers;                // needed iff {{peers}} is used
  std::vector<FileSpec> files;                      // over ReplicaScope()
  ReadySpec ready;
  absl::Duration startup_timeout = absl::Seconds(10);
};

// Where a message's signature is and what it covers.
struct SignatureSpec {
  std::string field;   // field path, message-relative; empty: unsigned
  std::string covers;  // field path of the bytes (or message) signed; empty: the
                       // whole message with the signature field cleared
  enum class Text { kRaw, kHex, kBase64 };
  Text text = Text::kRaw;  // how a string field holds the signature bytes
};

// The protocol content a bytes or string field carries.
struct PayloadSpec {
  enum class Codec { kNone, kProtobuf, kJson, kOpaque, kExternal };
  std::string field;  // field path, message-relative; empty iff codec is kNone
  Codec codec = Codec::kNone;
  std::string type;      // kProtobuf: message type; kExternal: the type name the codec is asked for
  std::string external;  // kExternal: the codec's name in ProtocolSpec::codecs
};

struct CertificateSpec;

// One kind of peer message (docs/target-format.md, `protocol.messages`).
// Field paths are relative to the gRPC request; a path through the
// payload field continues inside the decoded payload.
struct MessageSpec {
  std::vector<std::string> methods;  // "/package.Service/Method"; same request type
  std::string request_type;          // their input type
  // The kind's name: `kind` (fixed), else the name of the member set in the
  // oneof (or single-key JSON object) at `kind_oneof`, else the value of
  // the scalar at `kind_field`.
  std::string kind;
  std::string kind_oneof;
  std::string kind_field;
  // Kind names this message can have, for checking plans' `messages:`
  // (the oneof's members, or as the target lists them for kind_field).
  std::vector<std::string> kinds;
  std::string sender;  // field path; empty: known only from the link
  // Fields that repeat the sender (e.g. in the signed payload), written
  // with it when a fault claims another sender.
  std::vector<std::string> sender_also;
  SignatureSpec signature;
  PayloadSpec payload;
  std::string values;                            // field path of client values; may be empty
  std::vector<std::vector<std::string>> round;  // components; each: alternative paths
  std::vector<CertificateSpec> certificates;
};

// Other replicas' signed messages a kind of message embeds, e.g. a quorum
// certificate's votes (docs/target-format.md, `certificates`).
struct CertificateSpec {
  std::vector<std::string> at;  // alternative message-relative paths of the certificate
  std::string votes;            // its list of embedded messages, relative to it
  std::vector<std::vector<std::string>> round;  // its own round fields, relative to it
  std::string block;                            // what it certifies, relative to it
  // Each embedded message, laid out as a message is (paths relative to it):
  // sender, signature, payload and round; methods and kinds are unused.
  MessageSpec vote;
  std::string vote_block;  // what a vote is for, relative to it
};

// A system's own serialization, turned into JSON trees by a helper program
// the agents run (docs/codec-protocol.md).
struct ExternalCodecSpec {
  std::string name;
  std::vector<Template> command;  // over CodecScope()
  std::vector<std::pair<std::string, Template>> env;
};

// How a TCP target's byte stream divides into messages: a fixed header
// whose fields are unsigned integers at byte offsets (docs/target-format.md,
// `protocol.framing`). A field of size 0 is absent.
struct FramingDecl {
  struct Field {
    uint32_t offset = 0;
    uint32_t size = 0;
  };
  uint32_t header_bytes = 0;
  bool little_endian = false;
  Field magic;
  uint64_t magic_value = 0;
  Field type;
  Field length;
  bool length_counts_frame = false;  // else the payload after the header
  Field checksum;
  std::string checksum_algorithm = "crc32";  // crc32 | crc32c | sha256d
  bool checksum_covers_frame = false;        // else the payload
  std::optional<uint32_t> checksum_from;     // set: from this byte on, itself left out
  std::map<uint64_t, std::string> types;     // type value -> kind name
  uint32_t max_frame_bytes = 0;              // 0: the agent's default
};

struct ProtocolSpec {
  std::vector<std::string> import_paths;  // absolute directories
  std::vector<std::string> protos;        // absolute .proto paths
  // At least one for gRPC targets; none for TCP ones.
  std::vector<MessageSpec> messages;
  // TCP targets: how their streams divide into messages, if they say.
  std::optional<FramingDecl> framing;
  std::vector<ExternalCodecSpec> codecs;

  // Every peer method, in the order the messages list them.
  std::vector<std::string> PeerMethods() const;
  // Every kind name a plan may filter on, sorted.
  std::vector<std::string> KindNames() const;
};

enum class CommitStream { kStdout, kStderr, kFile };
enum class CommitFormat { kJson, kRegex };
enum class ValueEncoding { kText, kHex, kBase64 };

// How a replica's commits are read from its output: one commit per line.
// Without a sequence number in the line, commits are numbered from 1 in
// the order they appear, per process incarnation.
struct CommitObservation {
  CommitStream stream = CommitStream::kStdout;
  std::optional<Template> path;  // the file read, iff stream == kFile
  CommitFormat format = CommitFormat::kJson;
  std::string json_seq;  // kJson: top-level field names in each line; seq may be empty
  std::string json_value;
  std::string regex;  // kRegex: RE2 with named group value, optionally seq
  ValueEncoding value_encoding = ValueEncoding::kText;
};

// The system's own client program, one process per turncoat client.
struct CommandClientSpec {
  std::vector<Template> command;                      // argv; over ClientScope()
  std::vector<std::pair<std::string, Template>> env;  // over ClientScope()
  std::optional<Template> cwd;                        // default: the client's workdir
  std::vector<FileSpec> files;                        // over ClientScope()
  enum class Input {
    kStdin,  // one long-lived process; each value is one line on its stdin
    kArgs,   // one process per value, `request` appended to `command`
  };
  Input input = Input::kStdin;
  std::vector<Template> request;  // over RequestScope(); kStdin: exactly one (the line)
  std::string ack_regex;   // RE2 with named group `value`: the value is acknowledged
  std::string fail_regex;  // optional, RE2 with named group `value`: refused
};

// How a client submits a value.
struct ClientSpec {
  enum class Kind {
    kGrpc,     // one unary call per value to a replica's listen address
    kCommand,  // the system's own client program
  };
  Kind kind = Kind::kGrpc;
  // kGrpc
  std::string method;          // "/package.Service/Method"
  std::string request_type;    // fully qualified; the method's input type
  std::string value_field;     // bytes or string field of the request
  std::string accepted_field;  // bool field of the reply; empty: an OK status accepts
  // kCommand
  CommandClientSpec command;
  // Both: how long a value may wait for its acknowledgement, and how many
  // values each client keeps in flight.
  absl::Duration deadline = absl::Seconds(1);
  int in_flight = 1;
};

// Checker semantics that depend on the system (docs/target-format.md,
// `checks`).
struct CheckSpec {
  // The last `pipeline_depth` values submitted commit only once later ones
  // arrive (chained protocols): they are not judged for liveness.
  int pipeline_depth = 0;
  enum class Integrity {
    kPerValue,  // a value commits at most once in a replica's log
    kPerSlot,   // a slot (sequence number) holds at most one value
  };
  Integrity integrity = Integrity::kPerValue;
  // Exit statuses of a replica that are a clean shutdown once turncoat has
  // begun to stop the cluster: exit codes, and signals as 128 + signal.
  std::vector<int> exit_ok = {0, 128 + 15};
};

struct TargetSpec {
  std::string name;
  std::string path;         // the target file as it was named
  std::string dir;          // absolute directory of the target file
  std::string source_text;  // the file's content, recorded in reports
  IdSpec ids;
  KeySpec keys;
  ReplicaSpec replica;
  Transport transport = Transport::kGrpc;
  LinkMode links = LinkMode::kPorts;
  ProtocolSpec protocol;
  CommitObservation commits;
  ClientSpec client;
  CheckSpec checks;
};

// Template scopes. Names of a replica (command, env, cwd, files, commit file
// path): id, index, number, n, f, listen, listen_host, listen_port, peers
// (with a peer list), key, private_key, public_key, pubkey, pubkeys,
// workdir, target_dir, build_dir; lists `peers` and `replicas` (elements:
// id, index, number, addr, host, port, pubkey, public_key; flags self,
// first, last) and `clients` (elements: id, index, number, pubkey,
// public_key; flags first, last).
const TemplateScope& ReplicaScope();
// A peer list entry: id, index, number, addr, host, port, pubkey, public_key.
const TemplateScope& PeerEntryScope();
// The system's id of replica or client `index`: index, number.
const TemplateScope& IdScope();
// A keygen command and its file names: dir, id, index, number, role
// ("replica" or "client"), target_dir, build_dir.
const TemplateScope& KeygenScope();
// A client program: id, index, number, n, f, key, private_key, public_key,
// pubkey, pubkeys, workdir, target_dir, build_dir; lists `replicas`
// (elements: id, index, number, addr, host, port, pubkey, public_key; flags
// first, last) and `clients`.
const TemplateScope& ClientScope();
// One request of a client program: ClientScope's names plus value and seq.
const TemplateScope& RequestScope();
// An external codec's command: target_dir, build_dir, workdir.
const TemplateScope& CodecScope();

// Some kind of peer message says where its protocol round is (`round`),
// so phases can be keyed to rounds.
bool HasRounds(const TargetSpec& target);
// Whether some kind of peer message carries client values and a round: a
// proposal, whose sender leads that round (a phase's `leader`).
bool HasProposals(const TargetSpec& target);

// The system's id of replica (or client) `index` as the target formats it.
absl::StatusOr<std::string> ReplicaId(const TargetSpec& target, int index);
absl::StatusOr<std::string> ClientId(const TargetSpec& target, int index);

// The key material of one replica or client as turncoat made it.
struct KeyBinding {
  std::string private_file;  // in the target's private encoding
  std::string public_file;   // in the target's public encoding
  std::string private_text;  // the file's content, trimmed
  std::string public_text;
};

// What the controller decides about one replica of one run.
struct PeerBinding {
  int index = 0;
  std::string addr;  // where this replica dials to reach the peer ("host:port")
  KeyBinding key;    // the peer's (private fields empty)
};

struct ClientKeyBinding {
  int index = 0;
  KeyBinding key;  // private fields empty
};

struct ReplicaBinding {
  int index = 0;
  int n = 0;
  int f = 0;
  std::string listen;  // host:port the replica serves on
  KeyBinding key;
  std::string pubkeys;  // directory holding <index>.pub for every replica
  std::string workdir;
  std::string build_dir;  // the build tree of the running turncoat
  // Every replica in index order, this one included (its addr is `listen`).
  std::vector<PeerBinding> peers;
  std::vector<ClientKeyBinding> clients;
};

struct RenderedProcess {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd;
  std::vector<std::pair<std::string, std::string>> files;  // path, content
};

struct RenderedReplica {
  RenderedProcess process;
  std::string commit_file;  // set iff commits are read from a file
};

absl::StatusOr<RenderedReplica> RenderReplica(const TargetSpec& target,
                                              const ReplicaBinding& binding);

// What the controller decides about one client process.
struct ClientBinding {
  int index = 0;
  int n = 0;
  int f = 0;
  KeyBinding key;
  std::string pubkeys;
  std::string workdir;
  std::string build_dir;
  std::vector<PeerBinding> replicas;  // addr: each replica's listen address
  std::vector<ClientKeyBinding> clients;
};

absl::StatusOr<RenderedProcess> RenderClient(const TargetSpec& target,
                                             const ClientBinding& binding);

// The request of client `binding` for its `seq`-th value (from 0): the line
// written to its stdin, or the arguments appended to its command.
absl::StatusOr<std::vector<std::string>> RenderRequest(const TargetSpec& target,
                                                       const ClientBinding& binding,
                                                       absl::string_view value, int64_t seq);

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_TARGET_SPEC_H_
