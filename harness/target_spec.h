// TargetSpec: how to run and watch one BFT system, as read from a target file
// (targets/*.yaml, format in docs/target-format.md).
//
// A target is data, never code: the command line that starts a replica, the
// files it needs, where its messages' sender, payload, signature and proposed
// value live in its .proto types, how its commits show up in its output, and
// how a client submits a value. The loader (target_loader.h) has checked
// every template name, every field path against the .proto files and every
// regular expression, so code holding a TargetSpec can trust it.
//
// RenderReplica() turns the spec plus one replica's run-time facts into the
// exact argv and files to start it with. TargetSpec is an immutable value.
#ifndef TURNCOAT_HARNESS_TARGET_SPEC_H_
#define TURNCOAT_HARNESS_TARGET_SPEC_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/template.h"

namespace turncoat {

// `{{peers}}` in a command is one entry per peer joined by a separator.
struct PeerListSpec {
  Template entry;  // over PeerEntryScope()
  std::string separator;
  bool include_self = false;
};

// A file rendered into place before the replica starts.
struct ReplicaFileSpec {
  Template path;     // over ReplicaScope()
  Template content;  // over ReplicaScope(), plus the list {{#peers}}
};

struct ReplicaSpec {
  std::vector<Template> command;  // argv; each element over ReplicaScope()
  PeerListSpec peers;
  std::vector<ReplicaFileSpec> files;
};

enum class KeyScheme { kEd25519 };
enum class Transport { kGrpc };

// Which bytes a replica's signature is computed over.
enum class SignatureCovers {
  kPayload,   // exactly the bytes of the envelope's payload field
  kEnvelope,  // the envelope serialized with the signature field cleared
};

// The message every peer RPC carries, and where its parts are.
struct EnvelopeSpec {
  std::string type;          // fully qualified message name
  std::string sender;        // field path in the envelope: the sender's replica id
  std::string payload;       // bytes field holding the serialized payload; empty
                             // if the envelope carries its content directly
  std::string payload_type;  // message type of the payload; empty iff payload is
  std::string signature;     // bytes field of the envelope
  SignatureCovers signature_covers = SignatureCovers::kPayload;
};

struct ProtocolSpec {
  std::vector<std::string> import_paths;  // absolute directories
  std::vector<std::string> protos;        // absolute .proto paths
  std::vector<std::string> peer_methods;  // "/package.Service/Method"
  EnvelopeSpec envelope;
  // Field path of the proposed values inside the payload (or the envelope
  // when there is no payload). Repeated fields along it mean "every element".
  std::string value;
};

enum class CommitStream { kStdout, kStderr, kFile };
enum class CommitFormat { kJson, kRegex };
enum class ValueEncoding { kText, kHex, kBase64 };

// How a replica's commits are read from its output: one commit per line.
struct CommitObservation {
  CommitStream stream = CommitStream::kStdout;
  std::optional<Template> path;  // the file read, iff stream == kFile
  CommitFormat format = CommitFormat::kJson;
  std::string json_seq;  // kJson: top-level field names in each line
  std::string json_value;
  std::string regex;  // kRegex: RE2 with named groups seq and value
  ValueEncoding value_encoding = ValueEncoding::kText;
};

// A client submission: one unary gRPC call per value, to a replica's listen
// address.
struct ClientSpec {
  std::string method;          // "/package.Service/Method"
  std::string request_type;    // fully qualified; the method's input type
  std::string value_field;     // bytes or string field of the request
  std::string accepted_field;  // bool field of the reply; empty: an OK status accepts
};

struct TargetSpec {
  std::string name;
  std::string path;         // the target file as it was named
  std::string dir;          // absolute directory of the target file
  std::string source_text;  // the file's content, recorded in reports
  ReplicaSpec replica;
  KeyScheme keys = KeyScheme::kEd25519;
  Transport transport = Transport::kGrpc;
  ProtocolSpec protocol;
  CommitObservation commits;
  ClientSpec client;
};

// Names usable in the command, file paths, file contents and the commit file
// path: id, listen, peers, key, pubkeys, workdir, n, f, target_dir, build_dir.
// File contents may also iterate {{#peers}} ... {{/peers}}.
const TemplateScope& ReplicaScope();
// Names usable in a peer list entry: id, addr, pubkey (the peer's).
const TemplateScope& PeerEntryScope();

// What the controller decides about one replica of one run.
struct PeerBinding {
  int id = 0;
  std::string addr;    // where this replica dials to reach the peer
  std::string pubkey;  // the peer's public key file
};

struct ReplicaBinding {
  int id = 0;
  int n = 0;
  int f = 0;
  std::string listen;   // host:port the replica serves on
  std::string key;      // its private key file
  std::string pubkeys;  // directory holding <id>.pub for every replica
  std::string workdir;
  std::string build_dir;  // the build tree of the running turncoat
  // Every replica in id order, this one included (its addr is `listen`);
  // rendering drops it unless the peer list says include_self.
  std::vector<PeerBinding> peers;
};

struct RenderedReplica {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> files;  // path, content
  std::string commit_file;                                 // set iff commits are read from a file
};

absl::StatusOr<RenderedReplica> RenderReplica(const TargetSpec& target,
                                              const ReplicaBinding& binding);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_TARGET_SPEC_H_
