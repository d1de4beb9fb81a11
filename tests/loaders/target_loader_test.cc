#include "loaders/target_loader.h"

#include <csignal>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "tests/loaders/pointed_at.h"
#include "tests/param_name.h"

namespace turncoat {
namespace {

// A complete, valid target over refbft's proto, small enough that every line
// number asserted below can be checked by eye. It sits (virtually) in
// targets/, like refbft.yaml.
constexpr char kTarget[] = R"(name: t
replica:
  command: [bin, "--id={{id}}", "--peers={{peers}}"]
  peers: { entry: "{{id}}={{addr}}" }
keys: ed25519
transport: grpc
protocol:
  protos: [refbft/refbft.proto]
  peer_methods: [/refbft.Peer/Send]
  envelope: { type: refbft.Envelope, sender: sender, payload: payload,
              payload_type: refbft.Message, signature: signature,
              signature_covers: payload }
  value: proposal.block.values
observe:
  commits: { stream: stdout, json: { seq: seq, value: value } }
client:
  grpc: { method: /refbft.Client/Submit, request: refbft.SubmitRequest, value: value }
)";

const std::string kPath = std::string(TURNCOAT_SOURCE_DIR) + "/targets/t.yaml";

TEST(TargetLoaderTest, ReferenceTargetLoads) {
  absl::StatusOr<TargetSpec> t =
      LoadTargetFile(std::string(TURNCOAT_SOURCE_DIR) + "/targets/refbft.yaml");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->name, "refbft");
  ASSERT_EQ(t->protocol.messages.size(), 1u);
  const MessageSpec& m = t->protocol.messages[0];
  EXPECT_EQ(m.request_type, "refbft.Envelope");
  EXPECT_EQ(m.payload.type, "refbft.Message");
  EXPECT_EQ(m.payload.codec, PayloadSpec::Codec::kProtobuf);
  EXPECT_EQ(m.signature.field, "signature");
  EXPECT_EQ(m.signature.covers, "payload");
  EXPECT_EQ(m.values, "payload.proposal.block.values");
  EXPECT_EQ(m.kind_oneof, "payload.kind");
  EXPECT_EQ(m.kinds, (std::vector<std::string>{"proposal", "vote", "phase_cert", "new_view",
                                               "decide", "forward", "sync_request"}));
  ASSERT_EQ(m.round.size(), 2u);
  EXPECT_EQ(t->protocol.PeerMethods(), std::vector<std::string>{"/refbft.Peer/Send"});
  EXPECT_EQ(t->keys.scheme, KeyScheme::kEd25519);
  EXPECT_EQ(t->keys.private_encoding, KeyEncoding::kPem);
  EXPECT_EQ(t->protocol.protos, std::vector<std::string>{std::string(TURNCOAT_SOURCE_DIR) +
                                                         "/targets/refbft/refbft.proto"});
  EXPECT_EQ(t->commits.stream, CommitStream::kStdout);
  EXPECT_EQ(t->commits.format, CommitFormat::kJson);
  EXPECT_EQ(t->commits.json_seq, "seq");
  EXPECT_EQ(t->client.method, "/refbft.Client/Submit");
  EXPECT_EQ(t->client.accepted_field, "accepted");
}

TEST(TargetLoaderTest, RefbftCommandRendersPerReplica) {
  absl::StatusOr<TargetSpec> t =
      LoadTargetFile(std::string(TURNCOAT_SOURCE_DIR) + "/targets/refbft.yaml");
  ASSERT_TRUE(t.ok()) << t.status();
  ReplicaBinding b;
  b.index = 1;
  b.n = 3;
  b.f = 0;
  b.listen = "127.0.0.1:7001";
  b.key.private_file = "/run/keys/1.key";
  b.pubkeys = "/run/keys";
  b.workdir = "/run/r1";
  b.build_dir = "/b";
  for (int i = 0; i < 3; ++i) {
    PeerBinding peer;
    peer.index = i;
    peer.addr = i == 1 ? "127.0.0.1:7001" : absl::StrCat("127.0.0.1:90", 10 + i);
    peer.key.public_file = absl::StrCat("/run/keys/", i, ".pub");
    b.peers.push_back(peer);
  }
  absl::StatusOr<RenderedReplica> r = RenderReplica(*t, b);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->process.argv,
            (std::vector<std::string>{
                "/b/targets/refbft/refbft", "--id=1", "--listen=127.0.0.1:7001",
                "--peers=0=127.0.0.1:9010,2=127.0.0.1:9012", "--key=/run/keys/1.key",
                "--pubkeys=/run/keys", "--f=0", "--allow_unsafe_f"}));
  EXPECT_TRUE(r->process.files.empty());
  EXPECT_EQ(r->process.cwd, "/run/r1");
  EXPECT_EQ(r->commit_file, "");
}

TEST(TargetLoaderTest, FilesAndSelfEntriesRender) {
  absl::StatusOr<TargetSpec> t = ParseTarget(
      absl::StrReplaceAll(
          kTarget, {{R"(peers: { entry: "{{id}}={{addr}}" })",
                     "peers: { entry: \"{{id}}@{{addr}}\", separator: \" \", include_self: true }\n"
                     "  files:\n"
                     "    - path: \"{{workdir}}/node.conf\"\n"
                     "      template: |\n"
                     "        me={{id}}/{{n}}\n"
                     "        {{#peers}}peer={{id}},{{addr}},{{pubkey}}\n"
                     "        {{/peers}}"},
                    {"stream: stdout,", "stream: file, path: \"{{workdir}}/commits.log\","}}),
      kPath);
  ASSERT_TRUE(t.ok()) << t.status();
  ReplicaBinding b;
  b.index = 0;
  b.n = 2;
  b.workdir = "/w";
  b.peers.resize(2);
  b.peers[0].index = 0;
  b.peers[0].addr = "self:1";
  b.peers[0].key.public_file = "/k/0.pub";
  b.peers[1].index = 1;
  b.peers[1].addr = "p:2";
  b.peers[1].key.public_file = "/k/1.pub";
  absl::StatusOr<RenderedReplica> r = RenderReplica(*t, b);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->process.argv[2], "--peers=0@self:1 1@p:2");
  ASSERT_EQ(r->process.files.size(), 1u);
  EXPECT_EQ(r->process.files[0].first, "/w/node.conf");
  EXPECT_EQ(r->process.files[0].second, "me=0/2\npeer=0,self:1,/k/0.pub\npeer=1,p:2,/k/1.pub\n");
  EXPECT_EQ(r->commit_file, "/w/commits.log");
}

TEST(TargetLoaderTest, RegexCommitsLoad) {
  absl::StatusOr<TargetSpec> t =
      ParseTarget(absl::StrReplaceAll(kTarget, {{"json: { seq: seq, value: value }",
                                                 R"(regex: 'commit (?P<seq>\d+) (?P<value>\S+)',
              value_encoding: hex)"}}),
                  kPath);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->commits.format, CommitFormat::kRegex);
  EXPECT_EQ(t->commits.value_encoding, ValueEncoding::kHex);
}

struct BadTarget {
  const char* from;
  const char* to;
  const char* message;
};

void PrintTo(const BadTarget& b, std::ostream* os) { *os << testing::PrintToString(b.message); }

class TargetErrorTest : public testing::TestWithParam<BadTarget> {};

TEST_P(TargetErrorTest, SaysWhereAndWhat) {
  const std::string text = absl::StrReplaceAll(kTarget, {{GetParam().from, GetParam().to}});
  ASSERT_NE(text, kTarget) << "replacement did not apply: " << GetParam().from;
  absl::StatusOr<TargetSpec> t = ParseTarget(text, kPath);
  ASSERT_FALSE(t.ok());
  const std::string message(t.status().message());
  EXPECT_EQ(message, kPath + ":" + GetParam().message)
      << PointedAt(text, message.substr(kPath.size() + 1));
}

INSTANTIATE_TEST_SUITE_P(
    All, TargetErrorTest,
    testing::Values(
        BadTarget{"keys: ed25519", "keyz: ed25519",
                  "5:1: unknown key 'keyz'; expected one of: name, ids, keys, replica, transport, "
                  "links, protocol, observe, client, checks"},
        BadTarget{"keys: ed25519", "keys: rsa",
                  "5:7: keys: unknown key scheme 'rsa'; expected one of: ed25519, ecdsa-p256, "
                  "secp256k1"},
        BadTarget{"transport: grpc\n", "", "1:1: missing required key 'transport'"},
        BadTarget{"name: t", "name: a b",
                  "1:7: name: expected a name of letters, digits, '.', '_' and '-'"},
        BadTarget{"\"--id={{id}}\"", "\"--id={{idd}}\"",
                  "3:18: replica.command[1]: unknown variable {{idd}}; known: build_dir, f, id, "
                  "index, key, listen, listen_host, listen_port, n, number, peers, private_key, "
                  "pubkey, pubkeys, public_key, target_dir, workdir"},
        BadTarget{"entry: \"{{id}}={{addr}}\"", "entry: \"{{id}}={{listen}}\"",
                  "4:19: replica.peers.entry: unknown variable {{listen}}; known: addr, host, id, "
                  "index, number, port, pubkey, public_key"},
        BadTarget{"command: [bin, \"--id={{id}}\", \"--peers={{peers}}\"]", "command: []",
                  "3:12: replica.command: expected at least the program to run"},
        BadTarget{"protos: [refbft/refbft.proto]", "protos: [refbft/nope.proto]",
                  "8:11: protocol.protos: " TURNCOAT_SOURCE_DIR
                  "/targets/refbft/nope.proto: no such file"},
        BadTarget{"type: refbft.Envelope", "type: Envelope",
                  "10:21: protocol.envelope.type: no message type 'Envelope' in "
                  "refbft/refbft.proto; use the fully qualified name, e.g. package.Message"},
        BadTarget{"sender: sender", "sender: origin",
                  "10:46: protocol.envelope.sender: 'origin': refbft.Envelope has no field "
                  "'origin'; it has: sender, payload, signature"},
        BadTarget{"signature: signature,", "signature: sig,",
                  "11:56: protocol.envelope.signature: refbft.Envelope has no singular bytes "
                  "field 'sig'; expected the name of one"},
        BadTarget{"payload_type: refbft.Message, ", "",
                  "10:13: protocol.envelope: payload and payload_type go together; set both or "
                  "neither"},
        BadTarget{"signature_covers: payload", "signature_covers: header",
                  "12:33: protocol.envelope.signature_covers: unknown value 'header'; expected "
                  "one of: payload, envelope"},
        BadTarget{"value: proposal.block.values", "value: proposal.block.value",
                  "13:10: protocol.value: 'proposal.block.value': refbft.Block has no field "
                  "'value'; it has: height, values"},
        BadTarget{"value: proposal.block.values", "value: proposal.height",
                  "13:10: protocol.value: 'proposal.height' is a uint64 field; expected a bytes "
                  "or string field"},
        BadTarget{"value: proposal.block.values", "value: vote.phase.x",
                  "13:10: protocol.value: 'vote.phase.x': phase is not a message, so it has no "
                  "field 'x'"},
        BadTarget{"peer_methods: [/refbft.Peer/Send]", "peer_methods: [/refbft.Client/Submit]",
                  "9:18: protocol.peer_methods[0]: /refbft.Client/Submit takes "
                  "refbft.SubmitRequest, not the envelope type refbft.Envelope; list only "
                  "methods that carry envelopes, or describe each kind of message in "
                  "protocol.messages"},
        BadTarget{"peer_methods: [/refbft.Peer/Send]", "peer_methods: [/refbft.Peer/Sned]",
                  "9:18: protocol.peer_methods[0]: service 'refbft.Peer' has no method 'Sned'; "
                  "it has: Send"},
        BadTarget{"peer_methods: [/refbft.Peer/Send]", "peer_methods: [refbft.Peer.Send]",
                  "9:18: protocol.peer_methods[0]: 'refbft.Peer.Send' is not a gRPC method "
                  "path; expected /package.Service/Method"},
        BadTarget{"json: { seq: seq, value: value }", "json: { seq: seq }",
                  "15:36: observe.commits.json: missing required key 'value'"},
        BadTarget{", json: { seq: seq, value: value }", "",
                  "15:12: observe.commits: expected exactly one of json or regex"},
        BadTarget{"json: { seq: seq, value: value }", "regex: '(?P<seq>\\d+) (?P<val>.*)'",
                  "15:37: observe.commits.regex: has no named group 'value'; expected "
                  "(?P<value>...)"},
        BadTarget{"json: { seq: seq, value: value }",
                  "regex: '(?P<seq>\\d+) (?P<value>.*) (?P<view>\\d+)'",
                  "15:37: observe.commits.regex: named group 'view' is never read; make it a "
                  "plain group (...)"},
        BadTarget{"json: { seq: seq, value: value }", "regex: '(?P<seq>\\d+'",
                  "15:37: observe.commits.regex: does not compile as RE2: missing ): "
                  "(?P<seq>\\d+"},
        BadTarget{"stream: stdout", "stream: file",
                  "15:12: observe.commits: missing required key 'path'"},
        BadTarget{"stream: stdout", "stream: stdout, path: x",
                  "15:36: observe.commits.path: path is only read with stream: file; remove it"},
        BadTarget{"request: refbft.SubmitRequest", "request: refbft.SubmitReply",
                  "17:51: client.grpc.request: /refbft.Client/Submit takes "
                  "refbft.SubmitRequest, not refbft.SubmitReply"},
        BadTarget{"request: refbft.SubmitRequest, value: value }",
                  "request: refbft.SubmitRequest, value: value, accepted: error }",
                  "17:97: client.grpc.accepted: 'error' is not a singular bool field of "
                  "refbft.SubmitReply"},
        BadTarget{"grpc: { method", "http: { method",
                  "17:3: client: unknown key 'http'; expected one of: grpc, program, deadline, "
                  "in_flight"}),
    MessageParamName());

// The refbft target as the single-envelope form (kTarget) and as
// protocol.messages (targets/refbft.yaml) describe the same messages; the
// envelope form only has no round.
TEST(TargetLoaderTest, EnvelopeFormIsTheMessagesFormOfRefbft) {
  absl::StatusOr<TargetSpec> envelope = ParseTarget(kTarget, kPath);
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  absl::StatusOr<TargetSpec> messages =
      LoadTargetFile(std::string(TURNCOAT_SOURCE_DIR) + "/targets/refbft.yaml");
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(envelope->protocol.messages.size(), 1u);
  ASSERT_EQ(messages->protocol.messages.size(), 1u);
  const MessageSpec& a = envelope->protocol.messages[0];
  MessageSpec b = messages->protocol.messages[0];
  EXPECT_EQ(b.round.size(), 2u);
  EXPECT_TRUE(a.round.empty());
  b.round.clear();
  EXPECT_EQ(a.methods, b.methods);
  EXPECT_EQ(a.request_type, b.request_type);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.kind_oneof, b.kind_oneof);
  EXPECT_EQ(a.kind_field, b.kind_field);
  EXPECT_EQ(a.kinds, b.kinds);
  EXPECT_EQ(a.sender, b.sender);
  EXPECT_EQ(a.sender_also, b.sender_also);
  EXPECT_EQ(a.signature.field, b.signature.field);
  EXPECT_EQ(a.signature.covers, b.signature.covers);
  EXPECT_EQ(a.signature.text, b.signature.text);
  EXPECT_EQ(a.payload.field, b.payload.field);
  EXPECT_EQ(a.payload.codec, b.payload.codec);
  EXPECT_EQ(a.payload.type, b.payload.type);
  EXPECT_EQ(a.payload.external, b.payload.external);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.round, b.round);
  EXPECT_EQ(envelope->protocol.KindNames(), messages->protocol.KindNames());
}

// The envelope form over a payload type with no single oneof: the kind is
// the method's name, and signature_covers: envelope is the whole message.
TEST(TargetLoaderTest, EnvelopeFormWithoutOneofPayloadUsesTheMethodName) {
  absl::StatusOr<TargetSpec> t = ParseTarget(
      absl::StrReplaceAll(kTarget, {{"payload_type: refbft.Message", "payload_type: refbft.Block"},
                                    {"signature_covers: payload", "signature_covers: envelope"},
                                    {"value: proposal.block.values", "value: values"}}),
      kPath);
  ASSERT_TRUE(t.ok()) << t.status();
  const MessageSpec& m = t->protocol.messages[0];
  EXPECT_EQ(m.kind, "Send");
  EXPECT_EQ(m.kind_oneof, "");
  EXPECT_TRUE(m.kinds.empty());
  EXPECT_EQ(m.signature.covers, "");
  EXPECT_EQ(m.values, "payload.values");
}

absl::StatusOr<TargetSpec> Edited(const std::vector<std::pair<std::string, std::string>>& edits) {
  std::string text = kTarget;
  for (const auto& [from, to] : edits) {
    const std::string before = text;
    text = absl::StrReplaceAll(text, {{from, to}});
    EXPECT_NE(text, before) << "replacement did not apply: " << from;
  }
  return ParseTarget(text, kPath);
}

TEST(TargetLoaderTest, Defaults) {
  absl::StatusOr<TargetSpec> t = ParseTarget(kTarget, kPath);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*ReplicaId(*t, 7), "7");
  EXPECT_EQ(*ClientId(*t, 7), "7");
  EXPECT_EQ(t->keys.scheme, KeyScheme::kEd25519);
  EXPECT_EQ(t->keys.private_encoding, KeyEncoding::kPem);
  EXPECT_EQ(t->keys.public_encoding, KeyEncoding::kPem);
  EXPECT_EQ(t->keys.signature_encoding, SignatureEncoding::kRaw);
  EXPECT_FALSE(t->keys.generate.has_value());
  EXPECT_TRUE(t->replica.env.empty());
  EXPECT_FALSE(t->replica.cwd.has_value());
  ASSERT_TRUE(t->replica.peers.has_value());
  EXPECT_EQ(t->replica.peers->separator, ",");
  EXPECT_FALSE(t->replica.peers->include_self);
  EXPECT_EQ(t->replica.ready.kind, ReadySpec::Kind::kPort);
  EXPECT_EQ(t->replica.startup_timeout, absl::Seconds(10));
  EXPECT_EQ(t->client.kind, ClientSpec::Kind::kGrpc);
  EXPECT_EQ(t->client.deadline, absl::Seconds(1));
  EXPECT_EQ(t->client.in_flight, 1);
  EXPECT_EQ(t->checks.pipeline_depth, 0);
  EXPECT_EQ(t->checks.integrity, CheckSpec::Integrity::kPerValue);
  EXPECT_EQ(t->checks.exit_ok, (std::vector<int>{0, 128 + SIGTERM}));
}

TEST(TargetLoaderTest, Ids) {
  absl::StatusOr<TargetSpec> t = Edited(
      {{"name: t\n", "name: t\nids: { replica: \"r{{index}}\", client: \"c-{{number}}\" }\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*ReplicaId(*t, 0), "r0");
  EXPECT_EQ(*ReplicaId(*t, 12), "r12");
  EXPECT_EQ(*ClientId(*t, 0), "c-1");
}

TEST(TargetLoaderTest, KeysLongForm) {
  struct Case {
    const char* keys;
    KeyScheme scheme;
    KeyEncoding private_encoding;
    KeyEncoding public_encoding;
    SignatureEncoding signature;
  };
  for (const Case& c : {
           Case{"{ scheme: ed25519 }", KeyScheme::kEd25519, KeyEncoding::kPem, KeyEncoding::kPem,
                SignatureEncoding::kRaw},
           Case{"{ scheme: ed25519, private: base64, public: hex, signature: raw }",
                KeyScheme::kEd25519, KeyEncoding::kBase64, KeyEncoding::kHex,
                SignatureEncoding::kRaw},
           Case{"{ scheme: ecdsa-p256, private: hex, public: base64 }", KeyScheme::kEcdsaP256,
                KeyEncoding::kHex, KeyEncoding::kBase64, SignatureEncoding::kDer},
           Case{"{ scheme: ecdsa-p256, signature: raw }", KeyScheme::kEcdsaP256, KeyEncoding::kPem,
                KeyEncoding::kPem, SignatureEncoding::kRaw},
           Case{"{ scheme: secp256k1, signature: der }", KeyScheme::kSecp256k1, KeyEncoding::kPem,
                KeyEncoding::kPem, SignatureEncoding::kDer},
           Case{"secp256k1", KeyScheme::kSecp256k1, KeyEncoding::kPem, KeyEncoding::kPem,
                SignatureEncoding::kDer},
           Case{"ecdsa-p256", KeyScheme::kEcdsaP256, KeyEncoding::kPem, KeyEncoding::kPem,
                SignatureEncoding::kDer},
       }) {
    absl::StatusOr<TargetSpec> t = Edited({{"keys: ed25519", absl::StrCat("keys: ", c.keys)}});
    ASSERT_TRUE(t.ok()) << c.keys << ": " << t.status();
    EXPECT_EQ(t->keys.scheme, c.scheme) << c.keys;
    EXPECT_EQ(t->keys.private_encoding, c.private_encoding) << c.keys;
    EXPECT_EQ(t->keys.public_encoding, c.public_encoding) << c.keys;
    EXPECT_EQ(t->keys.signature_encoding, c.signature) << c.keys;
    EXPECT_FALSE(t->keys.generate.has_value()) << c.keys;
  }
}

TEST(TargetLoaderTest, KeysGenerate) {
  absl::StatusOr<TargetSpec> t = Edited(
      {{"keys: ed25519",
        "keys:\n"
        "  scheme: ecdsa-p256\n"
        "  private: hex\n"
        "  generate:\n"
        "    command: [\"{{build_dir}}/keygen\", \"--out={{dir}}\", \"--name={{id}}-{{role}}\",\n"
        "              \"{{index}}/{{number}}\", \"{{target_dir}}\"]\n"
        "    private_file: \"{{dir}}/{{id}}.sk\"\n"
        "    public_file: \"{{dir}}/{{id}}.pk\""}});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(t->keys.generate.has_value());
  const KeygenSpec& g = *t->keys.generate;
  TemplateValues v;
  v.variables = {{"dir", "/k"},       {"id", "r1"},         {"index", "1"},     {"number", "2"},
                 {"role", "replica"}, {"target_dir", "/t"}, {"build_dir", "/b"}};
  std::vector<std::string> argv;
  for (const Template& arg : g.command) argv.push_back(*arg.Render(v));
  EXPECT_EQ(argv,
            (std::vector<std::string>{"/b/keygen", "--out=/k", "--name=r1-replica", "1/2", "/t"}));
  EXPECT_EQ(*g.private_file.Render(v), "/k/r1.sk");
  EXPECT_EQ(*g.public_file.Render(v), "/k/r1.pk");
}

TEST(TargetLoaderTest, ReplicaEnvCwdFilesAndNoPeers) {
  absl::StatusOr<TargetSpec> t =
      Edited({{"command: [bin, \"--id={{id}}\", \"--peers={{peers}}\"]\n"
               "  peers: { entry: \"{{id}}={{addr}}\" }\n",
               "command: [bin]\n"
               "  env: { NODE_ID: \"{{id}}\", _x1: \"\", PATH_EXTRA: \"{{build_dir}}/bin\" }\n"
               "  cwd: \"{{workdir}}/data\"\n"
               "  files: [{ path: \"{{workdir}}/a\", template: \"{{#replicas}}{{id}} "
               "{{/replicas}}\" }]\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  const ReplicaSpec& r = t->replica;
  EXPECT_FALSE(r.peers.has_value());
  ASSERT_EQ(r.env.size(), 3u);
  EXPECT_EQ(r.env[0].first, "NODE_ID");
  EXPECT_EQ(r.env[1].first, "_x1");
  EXPECT_EQ(r.env[2].first, "PATH_EXTRA");
  ASSERT_TRUE(r.cwd.has_value());
  TemplateValues v;
  v.variables = {{"workdir", "/w"}};
  EXPECT_EQ(*r.cwd->Render(v), "/w/data");
  EXPECT_EQ(r.files.size(), 1u);
}

TEST(TargetLoaderTest, PeerListOptions) {
  absl::StatusOr<TargetSpec> t =
      Edited({{"peers: { entry: \"{{id}}={{addr}}\" }",
               "peers: { entry: \"{{host}}:{{port}}\", separator: \" \", include_self: true }"}});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(t->replica.peers.has_value());
  EXPECT_EQ(t->replica.peers->separator, " ");
  EXPECT_TRUE(t->replica.peers->include_self);
}

TEST(TargetLoaderTest, ReadyForms) {
  struct Case {
    const char* ready;
    ReadySpec::Kind kind;
    const char* regex;
    ReadySpec::Stream stream;
    const char* service;
  };
  for (const Case& c : {
           Case{"port", ReadySpec::Kind::kPort, "", ReadySpec::Stream::kStdout, ""},
           Case{"first_commit", ReadySpec::Kind::kFirstCommit, "", ReadySpec::Stream::kStdout, ""},
           Case{"{ log: 'listening on \\d+' }", ReadySpec::Kind::kLog, "listening on \\d+",
                ReadySpec::Stream::kStdout, ""},
           Case{"{ log: started, stream: stderr }", ReadySpec::Kind::kLog, "started",
                ReadySpec::Stream::kStderr, ""},
           Case{"{ log: started, stream: stdout }", ReadySpec::Kind::kLog, "started",
                ReadySpec::Stream::kStdout, ""},
           Case{"{ grpc_health: \"\" }", ReadySpec::Kind::kGrpcHealth, "",
                ReadySpec::Stream::kStdout, ""},
           Case{"{ grpc_health: refbft.Peer }", ReadySpec::Kind::kGrpcHealth, "",
                ReadySpec::Stream::kStdout, "refbft.Peer"},
       }) {
    absl::StatusOr<TargetSpec> t =
        Edited({{"keys: ed25519", absl::StrCat("  ready: ", c.ready, "\nkeys: ed25519")}});
    ASSERT_TRUE(t.ok()) << c.ready << ": " << t.status();
    EXPECT_EQ(t->replica.ready.kind, c.kind) << c.ready;
    EXPECT_EQ(t->replica.ready.regex, c.regex) << c.ready;
    EXPECT_EQ(t->replica.ready.stream, c.stream) << c.ready;
    EXPECT_EQ(t->replica.ready.service, c.service) << c.ready;
  }
}

TEST(TargetLoaderTest, StartupTimeout) {
  absl::StatusOr<TargetSpec> t =
      Edited({{"keys: ed25519", "  startup_timeout: 90s\nkeys: ed25519"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->replica.startup_timeout, absl::Seconds(90));
  t = Edited({{"keys: ed25519", "  startup_timeout: 1500ms\nkeys: ed25519"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->replica.startup_timeout, absl::Milliseconds(1500));
}

TEST(TargetLoaderTest, CommitsWithoutSequenceNumbers) {
  absl::StatusOr<TargetSpec> t =
      Edited({{"json: { seq: seq, value: value }", "json: { value: v }"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->commits.format, CommitFormat::kJson);
  EXPECT_EQ(t->commits.json_seq, "");
  EXPECT_EQ(t->commits.json_value, "v");

  t = Edited({{"json: { seq: seq, value: value }",
               R"(regex: 'EXECUTED set (?P<value>\S+) (\d+)', value_encoding: base64)"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->commits.format, CommitFormat::kRegex);
  EXPECT_EQ(t->commits.regex, R"(EXECUTED set (?P<value>\S+) (\d+))");
  EXPECT_EQ(t->commits.value_encoding, ValueEncoding::kBase64);
}

constexpr char kGrpcClientLine[] =
    "  grpc: { method: /refbft.Client/Submit, request: refbft.SubmitRequest, value: value }\n";

TEST(TargetLoaderTest, ProgramClientWithStdin) {
  absl::StatusOr<TargetSpec> t =
      Edited({{kGrpcClientLine,
               "  program:\n"
               "    command: [\"{{target_dir}}/client.py\", \"--id={{id}}\", \"--key={{key}}\"]\n"
               "    env: { CLIENT_HOME: \"{{workdir}}\" }\n"
               "    cwd: \"{{workdir}}/cwd\"\n"
               "    files: [{ path: \"{{workdir}}/replicas\", template: "
               "\"{{#replicas}}{{addr}}\\n{{/replicas}}\" }]\n"
               "    input: stdin\n"
               "    request: \"set {{value}} {{seq}}\"\n"
               "    ack: '^ok (?P<value>\\S+)$'\n"
               "    fail: '^refused (?P<value>\\S+): (.*)$'\n"
               "  deadline: 5s\n"
               "  in_flight: 1000\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  const ClientSpec& c = t->client;
  EXPECT_EQ(c.kind, ClientSpec::Kind::kCommand);
  EXPECT_EQ(c.deadline, absl::Seconds(5));
  EXPECT_EQ(c.in_flight, 1000);
  const CommandClientSpec& p = c.command;
  EXPECT_EQ(p.command.size(), 3u);
  ASSERT_EQ(p.env.size(), 1u);
  EXPECT_EQ(p.env[0].first, "CLIENT_HOME");
  EXPECT_TRUE(p.cwd.has_value());
  EXPECT_EQ(p.files.size(), 1u);
  EXPECT_EQ(p.input, CommandClientSpec::Input::kStdin);
  EXPECT_EQ(p.request.size(), 1u);
  EXPECT_EQ(p.ack_regex, "^ok (?P<value>\\S+)$");
  EXPECT_EQ(p.fail_regex, "^refused (?P<value>\\S+): (.*)$");
  EXPECT_EQ(c.method, "");
}

TEST(TargetLoaderTest, ProgramClientWithArgs) {
  absl::StatusOr<TargetSpec> t = Edited({{kGrpcClientLine,
                                          "  program: { command: [cli], input: args, request: "
                                          "[put, \"{{value}}\", \"--seq={{seq}}\"],\n"
                                          "             ack: 'put (?P<value>.*) ok' }\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  const CommandClientSpec& p = t->client.command;
  EXPECT_EQ(p.input, CommandClientSpec::Input::kArgs);
  EXPECT_EQ(p.request.size(), 3u);
  EXPECT_EQ(p.fail_regex, "");
  EXPECT_FALSE(p.cwd.has_value());
  // A program client has the same defaults as a gRPC one.
  EXPECT_EQ(t->client.deadline, absl::Seconds(1));
  EXPECT_EQ(t->client.in_flight, 1);
}

TEST(TargetLoaderTest, ProgramClientWithArgsMayAppendNothing) {
  absl::StatusOr<TargetSpec> t = Edited({{kGrpcClientLine,
                                          "  program: { command: [cli, \"{{id}}\"], input: args, "
                                          "request: [], ack: '(?P<value>.*)' }\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->client.command.request.empty());
}

TEST(TargetLoaderTest, Checks) {
  absl::StatusOr<TargetSpec> t =
      Edited({{"client:\n",
               "checks:\n  pipeline_depth: 1000\n  integrity: slot\n"
               "  exit_ok: [0, 1, 255, SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGQUIT, "
               "SIGABRT]\nclient:\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->checks.pipeline_depth, 1000);
  EXPECT_EQ(t->checks.integrity, CheckSpec::Integrity::kPerSlot);
  EXPECT_EQ(t->checks.exit_ok,
            (std::vector<int>{0, 1, 255, 128 + SIGTERM, 128 + SIGINT, 128 + SIGKILL, 128 + SIGHUP,
                              128 + SIGQUIT, 128 + SIGABRT}));

  t = Edited(
      {{"client:\n", "checks: { pipeline_depth: 0, integrity: value, exit_ok: [] }\nclient:\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->checks.pipeline_depth, 0);
  EXPECT_EQ(t->checks.integrity, CheckSpec::Integrity::kPerValue);
  EXPECT_TRUE(t->checks.exit_ok.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Ids, TargetErrorTest,
    testing::Values(BadTarget{"name: t\n", "name: t\nids: { replica: r }\n",
                              "2:17: ids.replica: gives two replicas the same id; use {{index}} or "
                              "{{number}} in it"},
                    BadTarget{"name: t\n", "name: t\nids: { replica: \"{{#index}}r{{/index}}\" }\n",
                              "2:17: ids.replica: gives two replicas the same id; use {{index}} or "
                              "{{number}} in it"},
                    BadTarget{"name: t\n", "name: t\nids: { client: c }\n",
                              "2:16: ids.client: gives two clients the same id; use {{index}} or "
                              "{{number}} in it"},
                    BadTarget{"name: t\n", "name: t\nids: { replica: \"r{{id}}\" }\n",
                              "2:17: ids.replica: unknown variable {{id}}; known: index, number"},
                    BadTarget{"name: t\n", "name: t\nids: { client: \"c{{n}}\" }\n",
                              "2:16: ids.client: unknown variable {{n}}; known: index, number"},
                    BadTarget{
                        "name: t\n", "name: t\nids: { replicas: \"r{{index}}\" }\n",
                        "2:8: ids: unknown key 'replicas'; expected one of: replica, client"}),
    MessageParamName());

INSTANTIATE_TEST_SUITE_P(
    Keys, TargetErrorTest,
    testing::Values(
        BadTarget{"keys: ed25519", "keys: { scheme: rsa }",
                  "5:17: keys.scheme: unknown key scheme 'rsa'; expected one of: ed25519, "
                  "ecdsa-p256, secp256k1"},
        BadTarget{"keys: ed25519", "keys: { scheme: ed25519, signature: der }",
                  "5:37: keys.signature: ed25519 signatures are 64 raw bytes, with no DER form; "
                  "expected signature: raw, or no signature key"},
        BadTarget{"keys: ed25519", "keys: { scheme: ecdsa-p256, signature: asn1 }",
                  "5:40: keys.signature: unknown signature encoding 'asn1'; expected one of: "
                  "raw, der"},
        BadTarget{"keys: ed25519", "keys: { scheme: ecdsa-p256, private: der }",
                  "5:38: keys.private: unknown key encoding 'der'; expected one of: pem, hex, "
                  "base64"},
        BadTarget{"keys: ed25519", "keys: { scheme: ecdsa-p256, public: raw }",
                  "5:37: keys.public: unknown key encoding 'raw'; expected one of: pem, hex, "
                  "base64"},
        BadTarget{"keys: ed25519", "keys: { private: hex }",
                  "5:7: keys: missing required key 'scheme'"},
        BadTarget{"keys: ed25519", "keys: { scheme: ed25519, format: pem }",
                  "5:26: keys: unknown key 'format'; expected one of: scheme, private, public, "
                  "signature, generate"},
        BadTarget{"keys: ed25519", "keys: Ed25519",
                  "5:7: keys: unknown key scheme 'Ed25519'; expected one of: ed25519, "
                  "ecdsa-p256, secp256k1"},
        BadTarget{"keys: ed25519",
                  "keys: { scheme: ed25519, generate: { command: [], private_file: a, "
                  "public_file: b } }",
                  "5:47: keys.generate.command: expected at least the program to run"},
        BadTarget{"keys: ed25519",
                  "keys: { scheme: ed25519, generate: { command: [kg], private_file: a } }",
                  "5:36: keys.generate: missing required key 'public_file'"},
        BadTarget{"keys: ed25519",
                  "keys: { scheme: ed25519, generate: { command: [kg, \"{{listen}}\"], "
                  "private_file: a, public_file: b } }",
                  "5:52: keys.generate.command[1]: unknown variable {{listen}}; known: build_dir, "
                  "dir, id, index, number, role, target_dir"},
        BadTarget{"keys: ed25519",
                  "keys: { scheme: ed25519, generate: { command: [kg], private_file: "
                  "\"{{key}}\", public_file: b } }",
                  "5:67: keys.generate.private_file: unknown variable {{key}}; known: build_dir, "
                  "dir, id, index, number, role, target_dir"}),
    MessageParamName());

INSTANTIATE_TEST_SUITE_P(
    Replica, TargetErrorTest,
    testing::Values(
        // Without replica.peers, {{peers}} is only the list every replica
        // template has.
        BadTarget{"  peers: { entry: \"{{id}}={{addr}}\" }\n", "",
                  "3:33: replica.command[2]: {{peers}}: 'peers' is a list; write "
                  "{{#peers}}...{{/peers}} to repeat text for each element (to use {{peers}}, "
                  "describe its entries in replica.peers)"},
        BadTarget{", \"--peers={{peers}}\"]\n  peers: { entry: \"{{id}}={{addr}}\" }\n",
                  "]\n  env: { PEERS: \"{{peers}}\" }\n",
                  "4:10: replica.env.PEERS: {{peers}}: 'peers' is a list; write "
                  "{{#peers}}...{{/peers}} to repeat text for each element (to use {{peers}}, "
                  "describe its entries in replica.peers)"},
        BadTarget{", \"--peers={{peers}}\"]\n  peers: { entry: \"{{id}}={{addr}}\" }\n",
                  "]\n  files: [{ path: a, template: \"x\\n{{peers}}\" }]\n",
                  "4:32: replica.files[0].template: template line 2: {{peers}}: 'peers' is a "
                  "list; write {{#peers}}...{{/peers}} to repeat text for each element (to use "
                  "{{peers}}, describe its entries in replica.peers)"},
        BadTarget{"  peers: { entry: \"{{id}}={{addr}}\" }\n",
                  "  peers: { entry: \"{{id}}={{addr}}\" }\n  env: { 1ST: x }\n",
                  "5:10: replica.env.1ST: expected an environment variable name: letters, digits "
                  "and _"},
        BadTarget{"  peers: { entry: \"{{id}}={{addr}}\" }\n",
                  "  peers: { entry: \"{{id}}={{addr}}\" }\n  env: { NODE-ID: x }\n",
                  "5:10: replica.env.NODE-ID: expected an environment variable name: letters, "
                  "digits and _"},
        BadTarget{"  peers: { entry: \"{{id}}={{addr}}\" }\n",
                  "  peers: { entry: \"{{id}}={{addr}}\" }\n  env: { \"A B\": x }\n",
                  "5:10: replica.env.A B: expected an environment variable name: letters, digits "
                  "and _"},
        BadTarget{"  peers: { entry: \"{{id}}={{addr}}\" }\n",
                  "  peers: { entry: \"{{id}}={{addr}}\" }\n  env: { ID: [a] }\n",
                  "5:10: replica.env.ID: expected a string; got a list"},
        BadTarget{"  peers: { entry: \"{{id}}={{addr}}\" }\n",
                  "  peers: { entry: \"{{id}}={{addr}}\" }\n  env: { ID: a, ID: b }\n",
                  "5:17: replica.env.ID: variable given twice"},
        BadTarget{"  peers: { entry: \"{{id}}={{addr}}\" }\n",
                  "  peers: { entry: \"{{id}}={{addr}}\" }\n  env: [ID]\n",
                  "5:8: replica.env: expected a mapping of variable names to templates; got a "
                  "list"},
        BadTarget{"  peers: { entry: \"{{id}}={{addr}}\" }\n",
                  "  peers: { entry: \"{{id}}={{addr}}\" }\n  env: { ID: \"{{idx}}\" }\n",
                  "5:10: replica.env.ID: unknown variable {{idx}}; known: build_dir, f, id, index, "
                  "key, listen, listen_host, listen_port, n, number, peers, private_key, pubkey, "
                  "pubkeys, public_key, target_dir, workdir"},
        BadTarget{
            "  peers: { entry: \"{{id}}={{addr}}\" }\n",
            "  peers: { entry: \"{{id}}={{addr}}\" }\n  cwd: \"{{dir}}\"\n",
            "5:8: replica.cwd: unknown variable {{dir}}; known: build_dir, f, id, index, key, "
            "listen, listen_host, listen_port, n, number, peers, private_key, pubkey, "
            "pubkeys, public_key, target_dir, workdir"},
        BadTarget{"peers: { entry: \"{{id}}={{addr}}\" }", "peers: { separator: \";\" }",
                  "4:10: replica.peers: missing required key 'entry'"},
        BadTarget{"peers: { entry: \"{{id}}={{addr}}\" }",
                  "peers: { entry: \"{{id}}\", include_self: yes }",
                  "4:43: replica.peers.include_self: expected true or false; got 'yes'"},
        BadTarget{"peers: { entry: \"{{id}}={{addr}}\" }",
                  "peers: { entry: \"{{id}}\", self: true }",
                  "4:29: replica.peers: unknown key 'self'; expected one of: entry, separator, "
                  "include_self"},
        BadTarget{"keys: ed25519", "  ready: open\nkeys: ed25519",
                  "5:10: replica.ready: unknown value 'open'; expected one of: port, first_commit"},
        BadTarget{"keys: ed25519", "  ready: { log: \"(ready\" }\nkeys: ed25519",
                  "5:17: replica.ready.log: does not compile as RE2: missing ): (ready"},
        BadTarget{"keys: ed25519", "  ready: { stream: stderr }\nkeys: ed25519",
                  "5:10: replica.ready: expected port, first_commit, { log: REGEX } or { "
                  "grpc_health: SERVICE }"},
        BadTarget{"keys: ed25519", "  ready: { log: up, grpc_health: \"\" }\nkeys: ed25519",
                  "5:10: replica.ready: expected port, first_commit, { log: REGEX } or { "
                  "grpc_health: SERVICE }"},
        BadTarget{"keys: ed25519", "  ready: { grpc_health: \"\", stream: stdout }\nkeys: ed25519",
                  "5:37: replica.ready.stream: stream goes with log; remove it"},
        BadTarget{"keys: ed25519", "  ready: { log: up, stream: file }\nkeys: ed25519",
                  "5:29: replica.ready.stream: unknown value 'file'; expected one of: stdout, "
                  "stderr"},
        BadTarget{"keys: ed25519", "  ready: { log: up, port: 80 }\nkeys: ed25519",
                  "5:21: replica.ready: unknown key 'port'; expected one of: log, stream, "
                  "grpc_health"},
        BadTarget{"keys: ed25519", "  startup_timeout: 0s\nkeys: ed25519",
                  "5:20: replica.startup_timeout: expected a positive duration such as 30s"},
        BadTarget{"keys: ed25519", "  startup_timeout: soon\nkeys: ed25519",
                  "5:20: replica.startup_timeout: 'soon' is not a duration; expected a number with "
                  "a unit (ns, us, ms, s, m, h), e.g. 40s, 500ms or 1m30s"}),
    MessageParamName());

INSTANTIATE_TEST_SUITE_P(
    Client, TargetErrorTest,
    testing::Values(
        BadTarget{"  grpc: { method",
                  "  program: { command: [c], input: stdin, request: \"{{value}}\", "
                  "ack: '(?P<value>.*)' }\n  grpc: { method",
                  "17:3: client: expected exactly one of grpc (a unary call per value) or program "
                  "(the system's own client program)"},
        BadTarget{"  grpc: { method: /refbft.Client/Submit, request: refbft.SubmitRequest, value: "
                  "value }\n",
                  "  deadline: 2s\n",
                  "17:3: client: expected exactly one of grpc (a unary call per value) or program "
                  "(the system's own client program)"},
        BadTarget{"value: value }\n", "value: value }\n  deadline: 0s\n",
                  "18:13: client.deadline: expected a positive duration"},
        BadTarget{"value: value }\n", "value: value }\n  in_flight: 0\n",
                  "18:14: client.in_flight: expected an integer from 1 to 1000; got '0'"},
        BadTarget{"value: value }\n", "value: value }\n  in_flight: 1001\n",
                  "18:14: client.in_flight: expected an integer from 1 to 1000; got '1001'"}),
    MessageParamName());

constexpr char kProgram[] =
    "  program:\n"
    "    command: [cli, \"--id={{id}}\"]\n"
    "    input: stdin\n"
    "    request: \"{{value}}\"\n"
    "    ack: '^ok (?P<value>\\S+)'\n";

class ProgramErrorTest : public testing::TestWithParam<BadTarget> {};

// Mistakes in client.program, on a target whose program section starts on
// line 17 (its keys on line 18).
TEST_P(ProgramErrorTest, SaysWhereAndWhat) {
  const std::string program = absl::StrReplaceAll(kProgram, {{GetParam().from, GetParam().to}});
  ASSERT_NE(program, kProgram) << "replacement did not apply: " << GetParam().from;
  const std::string text = absl::StrReplaceAll(
      kTarget, {{"  grpc: { method: /refbft.Client/Submit, request: refbft.SubmitRequest, value: "
                 "value }\n",
                 program}});
  absl::StatusOr<TargetSpec> t = ParseTarget(text, kPath);
  ASSERT_FALSE(t.ok());
  const std::string message(t.status().message());
  EXPECT_EQ(message, kPath + ":" + GetParam().message)
      << PointedAt(text, message.substr(kPath.size() + 1));
}

INSTANTIATE_TEST_SUITE_P(
    All, ProgramErrorTest,
    testing::Values(
        BadTarget{"    request: \"{{value}}\"\n", "    request: |\n      set {{value}}\n      go\n",
                  "20:14: client.program.request: expected one line: each value is written as "
                  "one line"},
        BadTarget{"    request: \"{{value}}\"\n", "    request: [\"{{value}}\"]\n",
                  "20:14: client.program.request: expected a string; got a list"},
        BadTarget{"    input: stdin\n", "    input: args\n",
                  "20:14: client.program.request: expected a list, e.g. [a, b]; got '{{value}}'"},
        BadTarget{"    input: stdin\n", "    input: pipe\n",
                  "19:12: client.program.input: unknown value 'pipe'; expected one of: stdin, "
                  "args"},
        BadTarget{"    request: \"{{value}}\"\n", "    request: \"{{val}}\"\n",
                  "20:14: client.program.request: unknown variable {{val}}; known: build_dir, f, "
                  "id, index, key, n, number, private_key, pubkey, pubkeys, public_key, seq, "
                  "target_dir, value, workdir"},
        BadTarget{"    ack: '^ok (?P<value>\\S+)'\n", "    ack: '^ok (\\S+)'\n",
                  "21:10: client.program.ack: has no named group 'value'; expected "
                  "(?P<value>...)"},
        BadTarget{"    ack: '^ok (?P<value>\\S+)'\n",
                  "    ack: '^ok (?P<value>\\S+) (?P<seq>\\d+)'\n",
                  "21:10: client.program.ack: named group 'seq' is never read; make it a plain "
                  "group (...)"},
        BadTarget{"    ack: '^ok (?P<value>\\S+)'\n", "    ack: '^ok (?P<value>\\S+'\n",
                  "21:10: client.program.ack: does not compile as RE2: missing ): "
                  "^ok (?P<value>\\S+"},
        BadTarget{"    ack: '^ok (?P<value>\\S+)'\n",
                  "    ack: '^ok (?P<value>\\S+)'\n    fail: 'refused'\n",
                  "22:11: client.program.fail: has no named group 'value'; expected "
                  "(?P<value>...)"},
        BadTarget{"    ack: '^ok (?P<value>\\S+)'\n",
                  "    ack: '^ok (?P<value>\\S+)'\n    fail: '(?P<value>'\n",
                  "22:11: client.program.fail: does not compile as RE2: missing ): (?P<value>"},
        BadTarget{"    ack: '^ok (?P<value>\\S+)'\n", "",
                  "18:5: client.program: missing required key 'ack'"},
        BadTarget{"    input: stdin\n", "", "18:5: client.program: missing required key 'input'"},
        BadTarget{"    command: [cli, \"--id={{id}}\"]\n", "    command: [cli, \"{{listen}}\"]\n",
                  "18:20: client.program.command[1]: unknown variable {{listen}}; known: "
                  "build_dir, f, id, index, key, n, number, private_key, pubkey, pubkeys, "
                  "public_key, target_dir, workdir"},
        BadTarget{"    command: [cli, \"--id={{id}}\"]\n",
                  "    command: [cli]\n    env: { \"9\": x }\n",
                  "19:12: client.program.env.9: expected an environment variable name: letters, "
                  "digits and _"},
        BadTarget{"    command: [cli, \"--id={{id}}\"]\n", "    command: [cli]\n    stdin: true\n",
                  "19:5: client.program: unknown key 'stdin'; expected one of: command, env, cwd, "
                  "files, input, request, ack, fail"}),
    MessageParamName());

INSTANTIATE_TEST_SUITE_P(
    Checks, TargetErrorTest,
    testing::Values(
        BadTarget{"client:\n", "checks: { exit_ok: [256] }\nclient:\n",
                  "16:21: checks.exit_ok[0]: '256' is neither an exit code 0..255 nor a signal "
                  "(SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGQUIT, SIGABRT)"},
        BadTarget{"client:\n", "checks: { exit_ok: [0, -1] }\nclient:\n",
                  "16:24: checks.exit_ok[1]: '-1' is neither an exit code 0..255 nor a signal "
                  "(SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGQUIT, SIGABRT)"},
        BadTarget{"client:\n", "checks: { exit_ok: [SIGSEGV] }\nclient:\n",
                  "16:21: checks.exit_ok[0]: 'SIGSEGV' is neither an exit code 0..255 nor a "
                  "signal (SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGQUIT, SIGABRT)"},
        BadTarget{"client:\n", "checks: { exit_ok: [sigterm] }\nclient:\n",
                  "16:21: checks.exit_ok[0]: 'sigterm' is neither an exit code 0..255 nor a "
                  "signal (SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGQUIT, SIGABRT)"},
        BadTarget{"client:\n", "checks: { exit_ok: 0 }\nclient:\n",
                  "16:20: checks.exit_ok: expected a list, e.g. [a, b]; got '0'"},
        BadTarget{"client:\n", "checks: { integrity: block }\nclient:\n",
                  "16:22: checks.integrity: unknown value 'block'; expected one of: value, slot"},
        BadTarget{"client:\n", "checks: { pipeline_depth: -1 }\nclient:\n",
                  "16:27: checks.pipeline_depth: expected an integer from 0 to 1000; got '-1'"},
        BadTarget{"client:\n", "checks: { pipeline_depth: 1001 }\nclient:\n",
                  "16:27: checks.pipeline_depth: expected an integer from 0 to 1000; got '1001'"},
        BadTarget{"client:\n", "checks: { safety: [agreement] }\nclient:\n",
                  "16:11: checks: unknown key 'safety'; expected one of: pipeline_depth, "
                  "integrity, exit_ok"}),
    MessageParamName());

INSTANTIATE_TEST_SUITE_P(
    Observe, TargetErrorTest,
    testing::Values(
        BadTarget{"value: value } }", "value: value }, value_encoding: base58 }",
                  "15:80: observe.commits.value_encoding: unknown value 'base58'; expected one of: "
                  "text, hex, base64"},
        BadTarget{"json: { seq: seq, value: value }", "json: { value: value, sequence: seq }",
                  "15:52: observe.commits.json: unknown key 'sequence'; expected one of: seq, "
                  "value"}),
    MessageParamName());

TEST(TargetLoaderTest, MissingFileSaysSo) {
  absl::StatusOr<TargetSpec> t = LoadTargetFile("/nonexistent/t.yaml");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(std::string(t.status().message()),
            "cannot read /nonexistent/t.yaml: No such file or directory");
}

}  // namespace
}  // namespace turncoat
