// The message model of target files (`protocol.messages` and
// `protocol.codecs`, docs/target-format.md): what each valid form loads into,
// and the exact error for each mistake, over testdata/model/model.proto.
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "loaders/target_loader.h"
#include "tests/loaders/pointed_at.h"
#include "tests/param_name.h"

namespace turncoat {
namespace {

using Strings = std::vector<std::string>;

// Two kinds of message: a pbft-like one (two methods, a JSON payload, the
// kind in a JSON field, a hex signature in a string field covering the
// payload) and a refbft-like one (a protobuf payload whose oneof names the
// kind, an integer sender, a signature over the whole message), and one
// external codec. Every line number asserted below can be checked by eye.
constexpr char kModel[] = R"(name: m
replica:
  command: [bin, "--id={{id}}"]
keys: ed25519
transport: grpc
protocol:
  protos: [model/model.proto]
  codecs:
    hs: { command: ["{{target_dir}}/codec", "--log={{workdir}}/hs.log"],
          env: { HS_HOME: "{{build_dir}}" } }
  messages:
    - methods: [/model.Peer/Prepare, /model.Peer/Commit]
      kind: { field: content.type, names: [PREPARE, COMMIT] }
      sender: sender
      signature: { field: signature, covers: content, text: hex }
      payload: { field: content, codec: json }
      values: content.requests.op
      round: [content.view, content.seq]
    - method: /model.Peer/Send
      kind: { oneof: body.kind }
      signature: signature
      sender: sender
      payload: { field: body, codec: protobuf, type: model.Body }
      values: body.prepare.values
      round: [[body.prepare.view, body.commit.view], header.seq]
observe:
  commits: { stream: stdout, json: { value: value } }
client:
  grpc: { method: /model.Client/Submit, request: model.SubmitRequest, value: value }
)";

const std::string kPath = std::string(TURNCOAT_TESTDATA_DIR) + "/m.yaml";

absl::StatusOr<TargetSpec> Load(const std::vector<std::pair<std::string, std::string>>& edits) {
  std::string text = kModel;
  for (const auto& [from, to] : edits) {
    const std::string before = text;
    text = absl::StrReplaceAll(text, {{from, to}});
    EXPECT_NE(text, before) << "replacement did not apply: " << from;
  }
  return ParseTarget(text, kPath);
}

TEST(TargetMessagesTest, ModelLoadsIntoMessageSpecs) {
  absl::StatusOr<TargetSpec> t = Load({});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->protocol.messages.size(), 2u);

  const MessageSpec& json = t->protocol.messages[0];
  EXPECT_EQ(json.methods, (Strings{"/model.Peer/Prepare", "/model.Peer/Commit"}));
  EXPECT_EQ(json.request_type, "model.JsonMsg");
  EXPECT_EQ(json.kind, "");
  EXPECT_EQ(json.kind_oneof, "");
  EXPECT_EQ(json.kind_field, "content.type");
  EXPECT_EQ(json.kinds, (Strings{"PREPARE", "COMMIT"}));
  EXPECT_EQ(json.sender, "sender");
  EXPECT_EQ(json.signature.field, "signature");
  EXPECT_EQ(json.signature.covers, "content");
  EXPECT_EQ(json.signature.text, SignatureSpec::Text::kHex);
  EXPECT_EQ(json.payload.field, "content");
  EXPECT_EQ(json.payload.codec, PayloadSpec::Codec::kJson);
  EXPECT_EQ(json.payload.type, "");
  EXPECT_EQ(json.values, "content.requests.op");
  EXPECT_EQ(json.round, (std::vector<Strings>{{"content.view"}, {"content.seq"}}));

  const MessageSpec& proto = t->protocol.messages[1];
  EXPECT_EQ(proto.methods, (Strings{"/model.Peer/Send"}));
  EXPECT_EQ(proto.request_type, "model.ProtoMsg");
  EXPECT_EQ(proto.kind, "");
  EXPECT_EQ(proto.kind_oneof, "body.kind");
  EXPECT_EQ(proto.kind_field, "");
  EXPECT_EQ(proto.kinds, (Strings{"prepare", "commit"}));
  EXPECT_EQ(proto.sender, "sender");
  EXPECT_EQ(proto.signature.field, "signature");
  EXPECT_EQ(proto.signature.covers, "");  // the message, signature cleared
  EXPECT_EQ(proto.signature.text, SignatureSpec::Text::kRaw);
  EXPECT_EQ(proto.payload.field, "body");
  EXPECT_EQ(proto.payload.codec, PayloadSpec::Codec::kProtobuf);
  EXPECT_EQ(proto.payload.type, "model.Body");
  EXPECT_EQ(proto.payload.external, "");
  EXPECT_EQ(proto.values, "body.prepare.values");
  EXPECT_EQ(proto.round,
            (std::vector<Strings>{{"body.prepare.view", "body.commit.view"}, {"header.seq"}}));

  EXPECT_EQ(t->protocol.PeerMethods(),
            (Strings{"/model.Peer/Prepare", "/model.Peer/Commit", "/model.Peer/Send"}));
  EXPECT_EQ(t->protocol.KindNames(), (Strings{"COMMIT", "PREPARE", "commit", "prepare"}));
  EXPECT_EQ(t->protocol.protos, Strings{std::string(TURNCOAT_TESTDATA_DIR) + "/model/model.proto"});
  EXPECT_EQ(t->protocol.import_paths, Strings{TURNCOAT_TESTDATA_DIR});

  ASSERT_EQ(t->protocol.codecs.size(), 1u);
  const ExternalCodecSpec& codec = t->protocol.codecs[0];
  EXPECT_EQ(codec.name, "hs");
  ASSERT_EQ(codec.command.size(), 2u);
  ASSERT_EQ(codec.env.size(), 1u);
  EXPECT_EQ(codec.env[0].first, "HS_HOME");
  TemplateValues values;
  values.variables = {{"target_dir", "/t"}, {"build_dir", "/b"}, {"workdir", "/w"}};
  EXPECT_EQ(*codec.command[0].Render(values), "/t/codec");
  EXPECT_EQ(*codec.command[1].Render(values), "--log=/w/hs.log");
  EXPECT_EQ(*codec.env[0].second.Render(values), "/b");
}

TEST(TargetMessagesTest, KindDefaultsToTheMethodName) {
  absl::StatusOr<TargetSpec> t = Load({{"      kind: { oneof: body.kind }\n", ""}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].kind, "Send");
  EXPECT_TRUE(t->protocol.messages[1].kinds.empty());
  EXPECT_EQ(t->protocol.messages[1].kind_oneof, "");
}

TEST(TargetMessagesTest, KindGivenAsAName) {
  absl::StatusOr<TargetSpec> t = Load({{"kind: { oneof: body.kind }", "kind: pre-prepare_2.x"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].kind, "pre-prepare_2.x");
  EXPECT_TRUE(t->protocol.messages[1].kinds.empty());
}

TEST(TargetMessagesTest, EnumKindFieldNamesDefaultToItsValues) {
  absl::StatusOr<TargetSpec> t =
      Load({{"kind: { field: content.type, names: [PREPARE, COMMIT] }", "kind: { field: type }"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[0].kind_field, "type");
  EXPECT_EQ(t->protocol.messages[0].kinds, (Strings{"TYPE_UNSPECIFIED", "PREPARE", "COMMIT"}));
}

TEST(TargetMessagesTest, EnumKindFieldTakesTheNamesListed) {
  absl::StatusOr<TargetSpec> t = Load({{"kind: { field: content.type, names: [PREPARE, COMMIT] }",
                                        "kind: { field: type, names: [PREPARE] }"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[0].kinds, Strings{"PREPARE"});
}

TEST(TargetMessagesTest, KindFieldInsideAProtobufPayload) {
  absl::StatusOr<TargetSpec> t =
      Load({{"kind: { oneof: body.kind }", "kind: { field: body.type }"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].kind_field, "body.type");
  EXPECT_EQ(t->protocol.messages[1].kinds, (Strings{"TYPE_UNSPECIFIED", "PREPARE", "COMMIT"}));
}

TEST(TargetMessagesTest, JsonOneofTakesTheNamesListed) {
  absl::StatusOr<TargetSpec> t = Load({{"kind: { field: content.type, names: [PREPARE, COMMIT] }",
                                        "kind: { oneof: content.msg, names: [prepare, commit] }"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[0].kind_oneof, "content.msg");
  EXPECT_EQ(t->protocol.messages[0].kind_field, "");
  EXPECT_EQ(t->protocol.messages[0].kinds, (Strings{"prepare", "commit"}));
}

// A message field named as the "oneof": its fields are the kinds, as
// refbft's envelope form reads a payload type with one message per kind.
TEST(TargetMessagesTest, OneofOverAMessageFieldNamesItsFields) {
  absl::StatusOr<TargetSpec> t = Load({{"kind: { oneof: body.kind }", "kind: { oneof: header }"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].kinds, (Strings{"view", "seq", "note"}));
}

TEST(TargetMessagesTest, SenderLinkLeavesTheSenderEmpty) {
  absl::StatusOr<TargetSpec> t = Load({{"      sender: sender\n      payload: { field: body",
                                        "      sender: link\n      payload: { field: body"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].sender, "");
  EXPECT_EQ(t->protocol.messages[0].sender, "sender");
}

TEST(TargetMessagesTest, SenderInsideTheJsonPayloadIsNotChecked) {
  absl::StatusOr<TargetSpec> t = Load({{"      sender: sender\n      signature: {",
                                        "      sender: content.replica\n      signature: {"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[0].sender, "content.replica");
}

TEST(TargetMessagesTest, SenderInsideTheProtobufPayloadIsChecked) {
  absl::StatusOr<TargetSpec> t = Load({{"      sender: sender\n      payload: { field: body",
                                        "      sender: body.count\n      payload: { field: body"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].sender, "body.count");
}

TEST(TargetMessagesTest, UnsignedMessages) {
  absl::StatusOr<TargetSpec> t = Load({{"signature: signature\n", "signature: none\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].signature.field, "");
  EXPECT_EQ(t->protocol.messages[1].signature.covers, "");
}

TEST(TargetMessagesTest, SignatureCoversAMessageField) {
  absl::StatusOr<TargetSpec> t =
      Load({{"signature: signature\n", "signature: { field: signature, covers: header }\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].signature.covers, "header");
}

TEST(TargetMessagesTest, SignatureCoversPartOfAProtobufPayload) {
  absl::StatusOr<TargetSpec> t =
      Load({{"signature: signature\n", "signature: { field: signature, covers: body.header }\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].signature.covers, "body.header");
}

TEST(TargetMessagesTest, SignatureCoversMessageMeansTheWholeMessage) {
  absl::StatusOr<TargetSpec> t =
      Load({{"covers: content, text: hex", "covers: message, text: base64"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[0].signature.covers, "");
  EXPECT_EQ(t->protocol.messages[0].signature.text, SignatureSpec::Text::kBase64);
}

TEST(TargetMessagesTest, RawTextOnABytesField) {
  absl::StatusOr<TargetSpec> t =
      Load({{"signature: signature\n", "signature: { field: signature, text: raw }\n"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].signature.text, SignatureSpec::Text::kRaw);
}

TEST(TargetMessagesTest, OpaquePayload) {
  absl::StatusOr<TargetSpec> t = Load(
      {{"payload: { field: content, codec: json }", "payload: { field: content, codec: opaque }"},
       {"      kind: { field: content.type, names: [PREPARE, COMMIT] }\n", ""},
       {"covers: content, text: hex", "text: hex"},
       {"      values: content.requests.op\n", ""},
       {"      round: [content.view, content.seq]\n", ""}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[0].payload.codec, PayloadSpec::Codec::kOpaque);
  EXPECT_EQ(t->protocol.messages[0].kind, "Prepare");
}

TEST(TargetMessagesTest, OpaquePayloadMayBeSignedAsAWhole) {
  absl::StatusOr<TargetSpec> t = Load(
      {{"payload: { field: content, codec: json }", "payload: { field: content, codec: opaque }"},
       {"      kind: { field: content.type, names: [PREPARE, COMMIT] }\n", ""},
       {"      values: content.requests.op\n", ""},
       {"      round: [content.view, content.seq]\n", ""}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[0].signature.covers, "content");
}

TEST(TargetMessagesTest, ExternalCodecPayload) {
  absl::StatusOr<TargetSpec> t = Load({{"payload: { field: content, codec: json }",
                                        "payload: { field: content, codec: hs, type: vote }"}});
  ASSERT_TRUE(t.ok()) << t.status();
  const PayloadSpec& p = t->protocol.messages[0].payload;
  EXPECT_EQ(p.codec, PayloadSpec::Codec::kExternal);
  EXPECT_EQ(p.external, "hs");
  EXPECT_EQ(p.type, "vote");
  // Paths into an external payload are JSON trees: not checked.
  EXPECT_EQ(t->protocol.messages[0].values, "content.requests.op");
}

TEST(TargetMessagesTest, JsonPayloadInAStringField) {
  absl::StatusOr<TargetSpec> t =
      Load({{"payload: { field: body, codec: protobuf, type: model.Body }",
             "payload: { field: note, codec: json }"},
            {"kind: { oneof: body.kind }", "kind: { oneof: note.kind, names: [a] }"},
            {"values: body.prepare.values", "values: note.values"},
            {"round: [[body.prepare.view, body.commit.view], header.seq]", "round: [note.view]"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].payload.field, "note");
  EXPECT_EQ(t->protocol.messages[1].payload.codec, PayloadSpec::Codec::kJson);
}

TEST(TargetMessagesTest, MessagesWithoutPayloadUseTheMessageItself) {
  absl::StatusOr<TargetSpec> t =
      Load({{"      payload: { field: body, codec: protobuf, type: model.Body }\n", ""},
            {"kind: { oneof: body.kind }", "kind: send"},
            {"values: body.prepare.values", "values: note"},
            {"round: [[body.prepare.view, body.commit.view], header.seq]",
             "round: [header.view, header.seq]"}});
  ASSERT_TRUE(t.ok()) << t.status();
  const MessageSpec& m = t->protocol.messages[1];
  EXPECT_EQ(m.payload.codec, PayloadSpec::Codec::kNone);
  EXPECT_EQ(m.payload.field, "");
  EXPECT_EQ(m.values, "note");
  EXPECT_EQ(m.round, (std::vector<Strings>{{"header.view"}, {"header.seq"}}));
}

TEST(TargetMessagesTest, WildcardStopsTheCheck) {
  absl::StatusOr<TargetSpec> t = Load({{"values: body.prepare.values", "values: body.*.values"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].values, "body.*.values");
}

TEST(TargetMessagesTest, RoundPathsIntoJsonAreNotChecked) {
  absl::StatusOr<TargetSpec> t =
      Load({{"round: [content.view, content.seq]",
             "round: [[content.view, content.new_view.view], content.n]"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[0].round,
            (std::vector<Strings>{{"content.view", "content.new_view.view"}, {"content.n"}}));
}

TEST(TargetMessagesTest, IntegerRoundFieldsOfEveryWidth) {
  absl::StatusOr<TargetSpec> t =
      Load({{"round: [[body.prepare.view, body.commit.view], header.seq]",
             "round: [sender, body.count, header.view]"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[1].round.size(), 3u);
}

// Every path role refuses to look inside an opaque payload; the payload
// field itself may still be signed (OpaquePayloadMayBeSignedAsAWhole).
TEST(TargetMessagesTest, PathsIntoAnOpaquePayloadAreRefused) {
  const std::pair<std::string, std::string> opaque = {
      "payload: { field: body, codec: protobuf, type: model.Body }",
      "payload: { field: body, codec: opaque }"};
  const std::pair<std::string, std::string> no_kind = {"      kind: { oneof: body.kind }\n", ""};
  const std::pair<std::string, std::string> no_values = {"      values: body.prepare.values\n", ""};
  const std::pair<std::string, std::string> no_round = {
      "      round: [[body.prepare.view, body.commit.view], header.seq]\n", ""};
  struct Case {
    std::vector<std::pair<std::string, std::string>> edits;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{opaque, {"kind: { oneof: body.kind }", "kind: { oneof: body.kind, names: [a, b] }"}},
       "20:22: protocol.messages[1].kind.oneof: 'body.kind' is inside an opaque payload, which "
       "turncoat cannot read; give the payload a codec"},
      {{opaque, no_kind},
       "23:15: protocol.messages[1].values: 'body.prepare.values' is inside an opaque payload, "
       "which turncoat cannot read; give the payload a codec"},
      {{opaque,
        no_kind,
        no_values,
        {"round: [[body.prepare.view, body.commit.view], header.seq]",
         "round: [header.view, body.commit.view]"}},
       "23:28: protocol.messages[1].round[1]: 'body.commit.view' is inside an opaque payload, "
       "which turncoat cannot read; give the payload a codec"},
      {{opaque,
        no_kind,
        no_values,
        no_round,
        {"      sender: sender\n      payload: { field: body",
         "      sender: body.sender\n      payload: { field: body"}},
       "21:15: protocol.messages[1].sender: 'body.sender' is inside an opaque payload, which "
       "turncoat cannot read; give the payload a codec"},
      {{opaque,
        no_kind,
        no_values,
        no_round,
        {"signature: signature\n", "signature: { field: signature, covers: body.header }\n"}},
       "20:46: protocol.messages[1].signature.covers: 'body.header' is inside an opaque payload, "
       "which turncoat cannot read; give the payload a codec"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<TargetSpec> t = Load(c.edits);
    ASSERT_FALSE(t.ok()) << c.message;
    EXPECT_EQ(std::string(t.status().message()), kPath + ":" + c.message);
  }
}

TEST(TargetMessagesTest, NoMessagesIsAnError) {
  std::string text = kModel;
  const size_t from = text.find("  messages:\n");
  text.replace(from, text.find("observe:") - from, "  messages: []\n");
  absl::StatusOr<TargetSpec> t = ParseTarget(text, kPath);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(std::string(t.status().message()),
            kPath + ":11:13: protocol.messages: expected at least one message");
}

TEST(TargetMessagesTest, NeitherMessagesNorEnvelopeIsAnError) {
  std::string text = kModel;
  const size_t from = text.find("  messages:\n");
  text.erase(from, text.find("observe:") - from);
  absl::StatusOr<TargetSpec> t = ParseTarget(text, kPath);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(std::string(t.status().message()),
            kPath +
                ":7:3: protocol: describe the peer messages with either messages (one entry "
                "per kind of message) or the single-envelope form (peer_methods, envelope, "
                "value)");
}

// A message that repeats its sender (an envelope field and one inside the
// signed payload): the first path is read, the others written with it.
TEST(TargetMessagesTest, SenderListedTwice) {
  absl::StatusOr<TargetSpec> t =
      Load({{"      sender: sender\n      signature: {",
             "      sender: [sender, content.replica, header.note]\n      signature: {"},
            {"      sender: sender\n      payload: { field: body",
             "      sender: [body.count]\n      payload: { field: body"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->protocol.messages[0].sender, "sender");
  EXPECT_EQ(t->protocol.messages[0].sender_also, (Strings{"content.replica", "header.note"}));
  EXPECT_EQ(t->protocol.messages[1].sender, "body.count");
  EXPECT_TRUE(t->protocol.messages[1].sender_also.empty());
}

struct BadModel {
  const char* from;
  const char* to;
  const char* message;  // after "<testdata>/m.yaml:"
};

void PrintTo(const BadModel& b, std::ostream* os) { *os << testing::PrintToString(b.message); }

class TargetMessagesErrorTest : public testing::TestWithParam<BadModel> {};

TEST_P(TargetMessagesErrorTest, SaysWhereAndWhat) {
  const std::string text = absl::StrReplaceAll(kModel, {{GetParam().from, GetParam().to}});
  ASSERT_NE(text, kModel) << "replacement did not apply: " << GetParam().from;
  absl::StatusOr<TargetSpec> t = ParseTarget(text, kPath);
  ASSERT_FALSE(t.ok());
  const std::string message(t.status().message());
  EXPECT_EQ(message, kPath + ":" + GetParam().message)
      << PointedAt(text, message.substr(kPath.size() + 1));
}

INSTANTIATE_TEST_SUITE_P(
    Protocol, TargetMessagesErrorTest,
    testing::Values(
        // Either form, never both or neither.
        BadModel{"  messages:\n", "  value: x\n  messages:\n",
                 "7:3: protocol: describe the peer messages with either messages (one entry per "
                 "kind of message) or the single-envelope form (peer_methods, envelope, value)"},
        BadModel{"  messages:\n", "  messagez:\n",
                 "11:3: protocol: unknown key 'messagez'; expected one of: protos, import_paths, "
                 "messages, codecs, peer_methods, envelope, value"},
        // Methods.
        BadModel{"    - method: /model.Peer/Send", "    - method: /model.Peer/Prepare",
                 "19:15: protocol.messages[1].method: /model.Peer/Prepare is described by an "
                 "earlier message entry"},
        BadModel{"[/model.Peer/Prepare, /model.Peer/Commit]",
                 "[/model.Peer/Prepare, /model.Peer/Prepare]",
                 "12:38: protocol.messages[0].methods[1]: /model.Peer/Prepare is described by an "
                 "earlier message entry"},
        BadModel{"[/model.Peer/Prepare, /model.Peer/Commit]",
                 "[/model.Peer/Prepare, /model.Peer/Gossip]",
                 "12:38: protocol.messages[0].methods[1]: /model.Peer/Gossip takes model.Other, "
                 "not model.JsonMsg as the other methods of this message do; describe it in a "
                 "message entry of its own"},
        BadModel{"[/model.Peer/Prepare, /model.Peer/Commit]",
                 "[/model.Peer/Prepare, /model.Peer/Vote]",
                 "12:38: protocol.messages[0].methods[1]: service 'model.Peer' has no method "
                 "'Vote'; it has: Prepare, Commit, Send, Gossip"},
        BadModel{"[/model.Peer/Prepare, /model.Peer/Commit]", "[]",
                 "12:16: protocol.messages[0].methods: expected at least one method"},
        BadModel{"    - method: /model.Peer/Send",
                 "    - methods: [/model.Peer/Gossip]\n      method: /model.Peer/Send",
                 "19:7: protocol.messages[1]: expected method: /package.Service/Method (or "
                 "methods: [...])"},
        BadModel{"    - method: /model.Peer/Send", "    - sender_of: /model.Peer/Send",
                 "19:7: protocol.messages[1]: unknown key 'sender_of'; expected one of: method, "
                 "methods, kind, sender, signature, payload, values, round, certificates"},
        // Kinds.
        BadModel{"kind: { oneof: body.kind }", "kind: pre prepare",
                 "20:13: protocol.messages[1].kind: expected a kind name of letters, digits, "
                 "'.', '_' and '-'"},
        BadModel{"kind: { field: content.type, names: [PREPARE, COMMIT] }",
                 "kind: { field: content.type }",
                 "13:13: protocol.messages[0].kind: list the kind names the field takes in "
                 "names: [...], so that plans filtering on them can be checked"},
        BadModel{"kind: { oneof: body.kind }", "kind: { field: body.count }",
                 "20:13: protocol.messages[1].kind: list the kind names the field takes in "
                 "names: [...], so that plans filtering on them can be checked"},
        BadModel{"kind: { oneof: body.kind }", "kind: { field: body.header }",
                 "20:22: protocol.messages[1].kind.field: 'body.header' is a message; expected a "
                 "scalar whose value names the kind"},
        BadModel{"kind: { oneof: body.kind }", "kind: { field: body.kinds }",
                 "20:22: protocol.messages[1].kind.field: 'body.kinds': model.Body has no field "
                 "'kinds'; it has: prepare, commit, header, count, type"},
        BadModel{"kind: { field: content.type, names: [PREPARE, COMMIT] }",
                 "kind: { oneof: content.msg }",
                 "13:13: protocol.messages[0].kind: list the kind names in names: [...]: the "
                 "schema cannot tell them here"},
        BadModel{"kind: { oneof: body.kind }", "kind: { oneof: body.sort }",
                 "20:22: protocol.messages[1].kind.oneof: 'body.sort': model.Body has no oneof or "
                 "message field 'sort'"},
        BadModel{"kind: { oneof: body.kind }", "kind: { oneof: body.kind, field: body.type }",
                 "20:13: protocol.messages[1].kind: expected { oneof: PATH } or { field: PATH, "
                 "names: [...] }"},
        BadModel{"kind: { oneof: body.kind }", "kind: { names: [a] }",
                 "20:13: protocol.messages[1].kind: expected { oneof: PATH } or { field: PATH, "
                 "names: [...] }"},
        // Senders.
        BadModel{"      sender: sender\n      payload: { field: body",
                 "      sender: weight\n      payload: { field: body",
                 "22:15: protocol.messages[1].sender: 'weight' is not a singular integer or "
                 "string field; expected the field naming the sender, or link when the message "
                 "does not say"},
        BadModel{"      sender: sender\n      payload: { field: body",
                 "      sender: header\n      payload: { field: body",
                 "22:15: protocol.messages[1].sender: 'header' is not a singular integer or "
                 "string field; expected the field naming the sender, or link when the message "
                 "does not say"},
        BadModel{"      sender: sender\n      signature: {",
                 "      sender: tags\n      signature: {",
                 "14:15: protocol.messages[0].sender: 'tags' is not a singular integer or "
                 "string field; expected the field naming the sender, or link when the message "
                 "does not say"},
        BadModel{"      sender: sender\n      payload: { field: body",
                 "      sender: from\n      payload: { field: body",
                 "22:15: protocol.messages[1].sender: 'from': model.ProtoMsg has no field "
                 "'from'; it has: sender, body, signature, header, chunks, note, weight"},
        BadModel{"      sender: sender\n      payload: { field: body",
                 "      sender: body.header\n      payload: { field: body",
                 "22:15: protocol.messages[1].sender: 'body.header' is not a singular integer "
                 "or string field; expected the field naming the sender, or link when the "
                 "message does not say"},
        BadModel{"      sender: sender\n      payload: { field: body",
                 "      payload: { field: body",
                 "19:7: protocol.messages[1]: missing required key 'sender'"},
        BadModel{"      sender: sender\n      payload: { field: body",
                 "      sender: [sender, weight]\n      payload: { field: body",
                 "22:24: protocol.messages[1].sender[1]: 'weight' is not a singular integer or "
                 "string field; expected the field naming the sender, or link when the message "
                 "does not say"},
        BadModel{"      sender: sender\n      payload: { field: body",
                 "      sender: [sender, link]\n      payload: { field: body",
                 "22:24: protocol.messages[1].sender[1]: link stands alone: the message names no "
                 "sender"},
        BadModel{"      sender: sender\n      payload: { field: body",
                 "      sender: []\n      payload: { field: body",
                 "22:15: protocol.messages[1].sender: expected at least one field"},
        // Signatures.
        BadModel{"signature: signature\n", "signature: header\n",
                 "21:18: protocol.messages[1].signature: 'header' is not a singular bytes or "
                 "string field; expected the field holding the signature, or none for unsigned "
                 "messages"},
        BadModel{"signature: signature\n", "signature: weight\n",
                 "21:18: protocol.messages[1].signature: 'weight' is not a singular bytes or "
                 "string field; expected the field holding the signature, or none for unsigned "
                 "messages"},
        BadModel{"signature: signature\n", "signature: chunks\n",
                 "21:18: protocol.messages[1].signature: 'chunks' is not a singular bytes or "
                 "string field; expected the field holding the signature, or none for unsigned "
                 "messages"},
        BadModel{"signature: signature\n", "signature: note\n",
                 "21:18: protocol.messages[1].signature: 'note' is a string field; say how it "
                 "holds the signature with text: hex or text: base64"},
        BadModel{"covers: content, text: hex", "covers: content",
                 "15:27: protocol.messages[0].signature.field: 'signature' is a string field; say "
                 "how it holds the signature with text: hex or text: base64"},
        BadModel{"covers: content, text: hex", "covers: content, text: raw",
                 "15:27: protocol.messages[0].signature.field: 'signature' is a string field; say "
                 "how it holds the signature with text: hex or text: base64"},
        BadModel{"covers: content, text: hex", "covers: content, text: base58",
                 "15:61: protocol.messages[0].signature.text: unknown value 'base58'; expected "
                 "one of: raw, hex, base64"},
        BadModel{"signature: signature\n", "signature: body.header.note\n",
                 "21:18: protocol.messages[1].signature: the signature must be a field of the "
                 "message, not of its payload"},
        BadModel{"field: signature, covers: content, text: hex",
                 "field: content.sig, covers: content, text: hex",
                 "15:27: protocol.messages[0].signature.field: the signature must be a field of "
                 "the message, not of its payload"},
        BadModel{"signature: signature\n", "signature: sig\n",
                 "21:18: protocol.messages[1].signature: 'sig': model.ProtoMsg has no field "
                 "'sig'; it has: sender, body, signature, header, chunks, note, weight"},
        BadModel{"covers: content, text: hex", "covers: content.body, text: hex",
                 "15:46: protocol.messages[0].signature.covers: a part of a payload that is not "
                 "protobuf has no canonical bytes; cover the payload field itself"},
        BadModel{"signature: signature\n", "signature: { field: signature, covers: weight }\n",
                 "21:46: protocol.messages[1].signature.covers: 'weight' is a double field; "
                 "expected bytes, a string or a message"},
        BadModel{"signature: signature\n", "signature: { field: signature, covers: body.count }\n",
                 "21:46: protocol.messages[1].signature.covers: 'body.count' is a uint32 field; "
                 "expected bytes, a string or a message"},
        BadModel{"signature: signature\n", "signature: { field: signature, covers: chunks }\n",
                 "21:46: protocol.messages[1].signature.covers: expected a singular field"},
        BadModel{"signature: signature\n", "signature: { covers: body }\n",
                 "21:18: protocol.messages[1].signature: missing required key 'field'"},
        // Payloads.
        BadModel{"payload: { field: body, codec: protobuf, type: model.Body }",
                 "payload: { field: chunks, codec: opaque }",
                 "23:25: protocol.messages[1].payload.field: 'chunks' is not a singular bytes or "
                 "string field; expected the field holding the payload"},
        BadModel{"payload: { field: body, codec: protobuf, type: model.Body }",
                 "payload: { field: header, codec: opaque }",
                 "23:25: protocol.messages[1].payload.field: 'header' is not a singular bytes or "
                 "string field; expected the field holding the payload"},
        BadModel{"payload: { field: body, codec: protobuf, type: model.Body }",
                 "payload: { field: weight, codec: opaque }",
                 "23:25: protocol.messages[1].payload.field: 'weight' is not a singular bytes or "
                 "string field; expected the field holding the payload"},
        BadModel{"payload: { field: body, codec: protobuf, type: model.Body }",
                 "payload: { field: bdy, codec: opaque }",
                 "23:25: protocol.messages[1].payload.field: 'bdy': model.ProtoMsg has no field "
                 "'bdy'; it has: sender, body, signature, header, chunks, note, weight"},
        BadModel{"payload: { field: body, codec: protobuf, type: model.Body }",
                 "payload: { field: body, codec: protobuf }",
                 "23:16: protocol.messages[1].payload: missing required key 'type'"},
        BadModel{"payload: { field: body, codec: protobuf, type: model.Body }",
                 "payload: { field: body, codec: protobuf, type: Body }",
                 "23:54: protocol.messages[1].payload.type: no message type 'Body' in "
                 "model/model.proto; use the fully qualified name, e.g. package.Message"},
        BadModel{"payload: { field: body, codec: protobuf, type: model.Body }",
                 "payload: { field: note, codec: protobuf, type: model.Body }",
                 "23:25: protocol.messages[1].payload.field: model.ProtoMsg.note is a string "
                 "field; a protobuf payload needs bytes"},
        BadModel{"payload: { field: content, codec: json }",
                 "payload: { field: content, codec: json, type: model.Body }",
                 "16:53: protocol.messages[0].payload.type: a json payload has no type; remove "
                 "it"},
        BadModel{"payload: { field: content, codec: json }",
                 "payload: { field: content, codec: opaque, type: blob }",
                 "16:55: protocol.messages[0].payload.type: a opaque payload has no type; remove "
                 "it"},
        BadModel{"payload: { field: content, codec: json }",
                 "payload: { field: content, codec: cbor }",
                 "16:41: protocol.messages[0].payload.codec: unknown codec 'cbor'; expected one "
                 "of: protobuf, json, opaque, hs (external codecs are declared in "
                 "protocol.codecs)"},
        BadModel{"payload: { field: content, codec: json }",
                 "payload: { field: content, codec: hs }",
                 "16:16: protocol.messages[0].payload: missing required key 'type'"},
        BadModel{"payload: { field: content, codec: json }", "payload: { field: content }",
                 "16:16: protocol.messages[0].payload: missing required key 'codec'"},
        // Values.
        BadModel{"values: body.prepare.values", "values: body.prepare.value",
                 "24:15: protocol.messages[1].values: 'body.prepare.value': model.Prepare has no "
                 "field 'value'; it has: view, seq, values"},
        BadModel{"values: body.prepare.values", "values: body.count",
                 "24:15: protocol.messages[1].values: 'body.count' is a uint32 field; expected a "
                 "bytes or string field"},
        BadModel{"values: body.prepare.values", "values: header",
                 "24:15: protocol.messages[1].values: 'header' is a message field; expected a "
                 "bytes or string field"},
        BadModel{"values: body.prepare.values", "values: body.count.x",
                 "24:15: protocol.messages[1].values: 'body.count.x': model.Body.count is not a "
                 "message, so it has no field 'x'"},
        BadModel{"values: body.prepare.values", "values: body..values",
                 "24:15: protocol.messages[1].values: field path 'body..values' has an empty "
                 "segment"},
        BadModel{"values: content.requests.op", "values: body.x",
                 "17:15: protocol.messages[0].values: 'body.x': model.JsonMsg has no field "
                 "'body'; it has: sender, content, signature, header, type, tags, weight"},
        // Rounds.
        BadModel{"round: [[body.prepare.view, body.commit.view], header.seq]",
                 "round: [[body.prepare.view, body.commit.view], header.note]",
                 "25:54: protocol.messages[1].round[1]: 'header.note' is a string field; a round "
                 "is an integer"},
        BadModel{"round: [[body.prepare.view, body.commit.view], header.seq]",
                 "round: [[body.prepare.view, body.type], header.seq]",
                 "25:35: protocol.messages[1].round[0][1]: 'body.type' is a enum field; a round "
                 "is an integer"},
        BadModel{"round: [[body.prepare.view, body.commit.view], header.seq]",
                 "round: [[body.prepare.view, body.commit.vew], header.seq]",
                 "25:35: protocol.messages[1].round[0][1]: 'body.commit.vew': model.Commit has no "
                 "field 'vew'; it has: view, seq"},
        BadModel{
            "round: [[body.prepare.view, body.commit.view], header.seq]", "round: []",
            "25:14: protocol.messages[1].round: expected at least one field, e.g. [view, seq]"},
        BadModel{"round: [[body.prepare.view, body.commit.view], header.seq]",
                 "round: [[], header.seq]",
                 "25:15: protocol.messages[1].round[0]: expected at least one field"},
        // Paths into an opaque payload.
        BadModel{"payload: { field: content, codec: json }",
                 "payload: { field: content, codec: opaque }",
                 "13:22: protocol.messages[0].kind.field: 'content.type' is inside an opaque "
                 "payload, which turncoat cannot read; give the payload a codec"},
        BadModel{"payload: { field: body, codec: protobuf, type: model.Body }",
                 "payload: { field: body, codec: opaque }",
                 "20:22: protocol.messages[1].kind.oneof: 'body.kind' is inside an opaque "
                 "payload, which turncoat cannot read; give the payload a codec"}),
    MessageParamName());

INSTANTIATE_TEST_SUITE_P(
    Codecs, TargetMessagesErrorTest,
    testing::Values(
        BadModel{"    hs: {", "    json: {",
                 "9:5: protocol.codecs.json: expected a codec name of letters, digits, '.', '_' "
                 "and '-', other than protobuf, json and opaque"},
        BadModel{"    hs: {", "    protobuf: {",
                 "9:5: protocol.codecs.protobuf: expected a codec name of letters, digits, '.', "
                 "'_' and '-', other than protobuf, json and opaque"},
        BadModel{"    hs: {", "    opaque: {",
                 "9:5: protocol.codecs.opaque: expected a codec name of letters, digits, '.', "
                 "'_' and '-', other than protobuf, json and opaque"},
        BadModel{"    hs: {", "    \"h s\": {",
                 "9:5: protocol.codecs.h s: expected a codec name of letters, digits, '.', '_' "
                 "and '-', other than protobuf, json and opaque"},
        BadModel{"command: [\"{{target_dir}}/codec\", \"--log={{workdir}}/hs.log\"]", "command: []",
                 "9:20: protocol.codecs.hs.command: expected at least the program to run"},
        BadModel{"\"--log={{workdir}}/hs.log\"", "\"--id={{id}}\"",
                 "9:45: protocol.codecs.hs.command[1]: unknown variable {{id}}; known: "
                 "build_dir, target_dir, workdir"},
        BadModel{"env: { HS_HOME: \"{{build_dir}}\" }", "env: { HS-HOME: x }",
                 "10:18: protocol.codecs.hs.env.HS-HOME: expected an environment variable name: "
                 "letters, digits and _"},
        BadModel{"  codecs:\n    hs: { command: [\"{{target_dir}}/codec\", "
                 "\"--log={{workdir}}/hs.log\"],\n"
                 "          env: { HS_HOME: \"{{build_dir}}\" } }\n",
                 "  codecs: [hs]\n",
                 "8:11: protocol.codecs: expected a mapping of codec names to { command: [...] }; "
                 "got a list"},
        BadModel{", \"--log={{workdir}}/hs.log\"],", "], args: [],",
                 "9:46: protocol.codecs.hs: unknown key 'args'; expected one of: command, env"}),
    MessageParamName());

}  // namespace
}  // namespace turncoat
