#include "harness/target_loader.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

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
  EXPECT_EQ(r->process.argv, (std::vector<std::string>{"/b/targets/refbft/refbft", "--id=1",
                                               "--listen=127.0.0.1:7001",
                                               "--peers=0=127.0.0.1:9010,2=127.0.0.1:9012",
                                               "--key=/run/keys/1.key", "--pubkeys=/run/keys", "--f=0",
                                               "--allow_unsafe_f"}));
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

class TargetErrorTest : public testing::TestWithParam<BadTarget> {};

TEST_P(TargetErrorTest, SaysWhereAndWhat) {
  const std::string text = absl::StrReplaceAll(kTarget, {{GetParam().from, GetParam().to}});
  ASSERT_NE(text, kTarget) << "replacement did not apply: " << GetParam().from;
  absl::StatusOr<TargetSpec> t = ParseTarget(text, kPath);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(std::string(t.status().message()), kPath + ":" + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    All, TargetErrorTest,
    testing::Values(
        BadTarget{"keys: ed25519", "keyz: ed25519",
                  "5:1: unknown key 'keyz'; expected one of: name, ids, keys, replica, transport, "
                  "protocol, observe, client, checks"},
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
                  "in_flight"}));

TEST(TargetLoaderTest, MissingFileSaysSo) {
  absl::StatusOr<TargetSpec> t = LoadTargetFile("/nonexistent/t.yaml");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(std::string(t.status().message()),
            "cannot read /nonexistent/t.yaml: No such file or directory");
}

}  // namespace
}  // namespace turncoat
