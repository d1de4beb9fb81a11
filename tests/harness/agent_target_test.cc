// LoadTargetRequestFor (harness/agent_target.h): what the agents are told of
// a loaded target — its .proto files as protoc would name them, the replica
// ids of the run, the key forms, every field of every message kind and the
// external codec commands rendered for the agent.
#include "harness/agent_target.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "loaders/target_loader.h"

namespace turncoat {
namespace {

using Strings = std::vector<std::string>;

const std::string kData = TURNCOAT_TESTDATA_DIR;
const std::string kPath = kData + "/m.yaml";

// Every payload codec, both kinds of kind source, a sender repeated in the
// payload, each signature form, and one external codec with an environment.
constexpr char kTarget[] = R"(name: m
ids: { replica: "node-{{number}}" }
keys: { scheme: ecdsa-p256, private: hex, public: base64, signature: raw }
replica:
  command: [bin]
transport: grpc
protocol:
  protos: [model/model.proto]
  codecs:
    hs: { command: ["{{target_dir}}/codec.py", "--log={{workdir}}/hs.log", "{{build_dir}}"],
          env: { HS_MODE: "{{workdir}}", PLAIN: text } }
  messages:
    - methods: [/model.Peer/Prepare, /model.Peer/Commit]
      kind: { field: content.type, names: [PREPARE, COMMIT] }
      sender: [sender, content.replica]
      signature: { field: signature, covers: content, text: hex }
      payload: { field: content, codec: json }
      values: content.requests.op
      round: [content.view, content.seq]
    - method: /model.Peer/Send
      kind: { oneof: body.kind }
      sender: sender
      signature: signature
      payload: { field: body, codec: protobuf, type: model.Body }
      values: body.prepare.values
      round: [[body.prepare.view, body.commit.view], header.seq]
    - method: /model.Peer/Gossip
      kind: gossip
      sender: link
      signature: none
      payload: { field: data, codec: hs, type: gossip-v1 }
observe:
  commits: { stream: stdout, json: { value: value } }
client:
  grpc: { method: /model.Client/Submit, request: model.SubmitRequest, value: value }
)";

TargetSpec Load(const std::string& text) {
  absl::StatusOr<TargetSpec> t = ParseTarget(text, kPath);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : TargetSpec();
}

Strings List(const google::protobuf::RepeatedPtrField<std::string>& field) {
  return {field.begin(), field.end()};
}

TEST(AgentTargetTest, ProtosAndIds) {
  const TargetSpec t = Load(kTarget);
  absl::StatusOr<agent::v1::LoadTargetRequest> r = LoadTargetRequestFor(t, 4, "/build", "/agent");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(List(r->import_paths()), Strings{kData});
  EXPECT_EQ(List(r->files()), Strings{"model/model.proto"});
  EXPECT_EQ(List(r->model().replica_ids()), (Strings{"node-1", "node-2", "node-3", "node-4"}));

  r = LoadTargetRequestFor(t, 1, "/build", "/agent");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(List(r->model().replica_ids()), Strings{"node-1"});
}

// protoc names a file after the first import path it lies under, and so do
// the loader and the agents; nested and "." import paths must agree.
TEST(AgentTargetTest, FilesAreNamedAfterTheFirstImportPathHoldingThem) {
  const TargetSpec nested = Load(absl::StrReplaceAll(
      kTarget, {{"  protos: [model/model.proto]\n",
                 "  protos: [model/model.proto]\n  import_paths: [., model]\n"}}));
  absl::StatusOr<agent::v1::LoadTargetRequest> r = LoadTargetRequestFor(nested, 4, "/b", "/a");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->import_paths_size(), 2);
  EXPECT_EQ(List(r->files()), Strings{"model/model.proto"});

  const TargetSpec dot = Load(
      absl::StrReplaceAll(kTarget, {{"  protos: [model/model.proto]\n",
                                     "  protos: [model/model.proto]\n  import_paths: [.]\n"}}));
  r = LoadTargetRequestFor(dot, 4, "/b", "/a");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(List(r->files()), Strings{"model/model.proto"});

  const TargetSpec inner = Load(absl::StrReplaceAll(
      kTarget, {{"  protos: [model/model.proto]\n",
                 "  protos: [model/model.proto]\n  import_paths: [model, .]\n"}}));
  r = LoadTargetRequestFor(inner, 4, "/b", "/a");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(List(r->files()), Strings{"model.proto"});
}

TEST(AgentTargetTest, KeyForms) {
  struct Case {
    const char* keys;
    const char* scheme;
    const char* private_encoding;
    const char* signature_encoding;
  };
  for (const Case& c : {
           Case{"keys: { scheme: ecdsa-p256, private: hex, public: base64, signature: raw }",
                "ecdsa-p256", "hex", "raw"},
           Case{"keys: ed25519", "ed25519", "pem", "raw"},
           Case{"keys: { scheme: secp256k1, private: base64 }", "secp256k1", "base64", "der"},
       }) {
    const TargetSpec t = Load(absl::StrReplaceAll(
        kTarget,
        {{"keys: { scheme: ecdsa-p256, private: hex, public: base64, signature: raw }", c.keys}}));
    absl::StatusOr<agent::v1::LoadTargetRequest> r = LoadTargetRequestFor(t, 4, "/b", "/a");
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->model().key_scheme(), c.scheme) << c.keys;
    EXPECT_EQ(r->model().private_encoding(), c.private_encoding) << c.keys;
    EXPECT_EQ(r->model().signature_encoding(), c.signature_encoding) << c.keys;
  }
}

TEST(AgentTargetTest, EveryMessageFieldIsMapped) {
  const TargetSpec t = Load(kTarget);
  absl::StatusOr<agent::v1::LoadTargetRequest> r = LoadTargetRequestFor(t, 4, "/b", "/a");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->model().messages_size(), 3);

  const agent::v1::MessageKind& json = r->model().messages(0);
  EXPECT_EQ(List(json.methods()), (Strings{"/model.Peer/Prepare", "/model.Peer/Commit"}));
  EXPECT_EQ(json.kind(), "");
  EXPECT_EQ(json.kind_oneof(), "");
  EXPECT_EQ(json.kind_field(), "content.type");
  EXPECT_EQ(json.sender(), "sender");
  EXPECT_EQ(List(json.sender_also()), Strings{"content.replica"});
  EXPECT_EQ(json.signature(), "signature");
  EXPECT_EQ(json.signature_covers(), "content");
  EXPECT_EQ(json.signature_text(), "hex");
  EXPECT_EQ(json.payload(), "content");
  EXPECT_EQ(json.payload_codec(), "json");
  EXPECT_EQ(json.payload_type(), "");
  EXPECT_EQ(json.payload_external(), "");
  EXPECT_EQ(json.values(), "content.requests.op");
  ASSERT_EQ(json.round_size(), 2);
  EXPECT_EQ(List(json.round(0).paths()), Strings{"content.view"});
  EXPECT_EQ(List(json.round(1).paths()), Strings{"content.seq"});

  const agent::v1::MessageKind& proto = r->model().messages(1);
  EXPECT_EQ(List(proto.methods()), Strings{"/model.Peer/Send"});
  EXPECT_EQ(proto.kind(), "");
  EXPECT_EQ(proto.kind_oneof(), "body.kind");
  EXPECT_EQ(proto.kind_field(), "");
  EXPECT_EQ(proto.sender(), "sender");
  EXPECT_EQ(proto.sender_also_size(), 0);
  EXPECT_EQ(proto.signature(), "signature");
  EXPECT_EQ(proto.signature_covers(), "");
  EXPECT_EQ(proto.signature_text(), "raw");
  EXPECT_EQ(proto.payload(), "body");
  EXPECT_EQ(proto.payload_codec(), "protobuf");
  EXPECT_EQ(proto.payload_type(), "model.Body");
  EXPECT_EQ(proto.values(), "body.prepare.values");
  ASSERT_EQ(proto.round_size(), 2);
  EXPECT_EQ(List(proto.round(0).paths()), (Strings{"body.prepare.view", "body.commit.view"}));
  EXPECT_EQ(List(proto.round(1).paths()), Strings{"header.seq"});

  const agent::v1::MessageKind& gossip = r->model().messages(2);
  EXPECT_EQ(List(gossip.methods()), Strings{"/model.Peer/Gossip"});
  EXPECT_EQ(gossip.kind(), "gossip");
  EXPECT_EQ(gossip.sender(), "");
  EXPECT_EQ(gossip.signature(), "");
  EXPECT_EQ(gossip.signature_covers(), "");
  EXPECT_EQ(gossip.payload(), "data");
  EXPECT_EQ(gossip.payload_codec(), "external");
  EXPECT_EQ(gossip.payload_type(), "gossip-v1");
  EXPECT_EQ(gossip.payload_external(), "hs");
  EXPECT_EQ(gossip.values(), "");
  EXPECT_EQ(gossip.round_size(), 0);
}

TEST(AgentTargetTest, OpaqueAndAbsentPayloads) {
  const TargetSpec t = Load(absl::StrReplaceAll(
      kTarget,
      {{"payload: { field: data, codec: hs, type: gossip-v1 }",
        "payload: { field: data, codec: opaque }"},
       {"      payload: { field: body, codec: protobuf, type: model.Body }\n", ""},
       {"kind: { oneof: body.kind }", "kind: send"},
       {"values: body.prepare.values", "values: note"},
       {"round: [[body.prepare.view, body.commit.view], header.seq]", "round: [header.view]"},
       {"signature: signature\n", "signature: { field: note, text: base64 }\n"}}));
  absl::StatusOr<agent::v1::LoadTargetRequest> r = LoadTargetRequestFor(t, 4, "/b", "/a");
  ASSERT_TRUE(r.ok()) << r.status();
  const agent::v1::MessageKind& plain = r->model().messages(1);
  EXPECT_EQ(plain.payload(), "");
  EXPECT_EQ(plain.payload_codec(), "");
  EXPECT_EQ(plain.kind(), "send");
  EXPECT_EQ(plain.signature(), "note");
  EXPECT_EQ(plain.signature_text(), "base64");
  EXPECT_EQ(r->model().messages(2).payload_codec(), "opaque");
  EXPECT_EQ(r->model().messages(2).payload_type(), "");
}

TEST(AgentTargetTest, CodecCommandsAreRenderedForTheAgent) {
  const TargetSpec t = Load(kTarget);
  absl::StatusOr<agent::v1::LoadTargetRequest> r =
      LoadTargetRequestFor(t, 4, "/opt/turncoat/build", "/runs/x/agent-2");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->codecs_size(), 1);
  const agent::v1::ExternalCodecCommand& c = r->codecs(0);
  EXPECT_EQ(c.name(), "hs");
  EXPECT_EQ(List(c.argv()),
            (Strings{kData + "/codec.py", "--log=/runs/x/agent-2/hs.log", "/opt/turncoat/build"}));
  EXPECT_EQ(
      (std::map<std::string, std::string>(c.env().begin(), c.env().end())),
      (std::map<std::string, std::string>{{"HS_MODE", "/runs/x/agent-2"}, {"PLAIN", "text"}}));
  EXPECT_EQ(c.workdir(), "/runs/x/agent-2");
}

TEST(AgentTargetTest, NoCodecsNoCommands) {
  const TargetSpec t = Load(
      absl::StrReplaceAll(kTarget, {{"payload: { field: data, codec: hs, type: gossip-v1 }",
                                     "payload: { field: data, codec: opaque }"},
                                    {"  codecs:\n    hs: { command: [\"{{target_dir}}/codec.py\", "
                                     "\"--log={{workdir}}/hs.log\", \"{{build_dir}}\"],\n"
                                     "          env: { HS_MODE: \"{{workdir}}\", PLAIN: text } }\n",
                                     ""}}));
  absl::StatusOr<agent::v1::LoadTargetRequest> r = LoadTargetRequestFor(t, 4, "/b", "/a");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->codecs_size(), 0);
}

}  // namespace
}  // namespace turncoat
