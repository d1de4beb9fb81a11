// MessageView on the pbft-like schema: reading a peer message's kind,
// sender, signature and round whatever its layout, and sealing an edited
// message so that its signature verifies over exactly what the model says it
// covers, for each scheme and encoding.
#include "agents/message_view.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agents/pbftlike_fixture.h"

namespace turncoat {
namespace agent {
namespace pbftlike_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class MessageViewTest : public PbftLikeTest {
 protected:
  static std::string Gossip(const pbftlike::GossipMsg& m) { return m.SerializeAsString(); }

  static pbftlike::GossipMsg GossipBatch(uint64_t view, uint64_t seq) {
    pbftlike::GossipMsg m;
    m.set_sender("r1");
    m.mutable_batch()->set_view(view);
    m.mutable_batch()->set_seq(seq);
    pbftlike::Request* r = m.mutable_batch()->add_requests();
    r->set_client("c0");
    r->set_op("set v1 1");
    m.set_sig("unchecked");
    return m;
  }

  static std::string Heartbeat(uint32_t sender, const pbftlike::Control& control) {
    pbftlike::HeartbeatMsg m;
    m.set_sender(sender);
    m.set_payload(control.SerializeAsString());
    m.set_sig("unchecked");
    return m.SerializeAsString();
  }

  static std::string ViewChange(const Json& body) {
    pbftlike::ViewChangeMsg m;
    m.set_body(Compact(body));
    m.set_sig(Sign(m.body(), 2));
    return m.SerializeAsString();
  }

  static std::string Status(const std::string& body) {
    pbftlike::StatusMsg m;
    m.set_sender("r2");
    m.set_body(body);
    return m.SerializeAsString();
  }
};

TEST_F(MessageViewTest, KindIsFixedANamedOneofMemberOrAFieldsValue) {
  EXPECT_EQ(Open(kPrePrepare, PrePrepare(0, PrePrepareBody(3, 17, {"a"})))->kind(), "pre-prepare");
  EXPECT_EQ(Open(kRetransmitPrepare, Prepare(2, PhaseBody("prepare", 3, 17, "r2")))->kind(),
            "prepare");

  // A oneof of the message itself.
  EXPECT_EQ(Open(kGossip, Gossip(GossipBatch(3, 17)))->kind(), "batch");
  pbftlike::GossipMsg ping;
  ping.mutable_ping()->set_view(3);
  EXPECT_EQ(Open(kGossip, Gossip(ping))->kind(), "ping");
  EXPECT_EQ(Open(kGossip, Gossip(pbftlike::GossipMsg()))->kind(), "");

  // A oneof of a protobuf payload.
  pbftlike::Control control;
  control.mutable_fetch()->set_from_seq(4);
  EXPECT_EQ(Open(kHeartbeat, Heartbeat(2, control))->kind(), "fetch");
  EXPECT_EQ(Open(kHeartbeat, Heartbeat(2, pbftlike::Control()))->kind(), "");

  // The only key of a JSON payload, serde's tagged enums.
  EXPECT_EQ(Open(kStatus, Status(R"({"Alive":{"view":3}})"))->kind(), "Alive");
  EXPECT_EQ(Open(kStatus, Status(R"({"Lagging":{"view":5,"behind":2}})"))->kind(), "Lagging");
  EXPECT_EQ(Open(kStatus, Status(R"({"Alive":{},"Lagging":{}})"))->kind(), "");

  // A field's value.
  Json view_change{{"type", "view-change"}, {"replica", "r2"}, {"new_view", 4}};
  EXPECT_EQ(Open(kViewChange, ViewChange(view_change))->kind(), "view-change");
  view_change["type"] = "new-view";
  EXPECT_EQ(Open(kViewChange, ViewChange(view_change))->kind(), "new-view");
}

TEST_F(MessageViewTest, OpenFailsOnlyWhenTheRequestDoesNotParse) {
  const MessageModel::Kind& kind = *model()->ForMethod(kPrePrepare);
  EXPECT_FALSE(MessageView::Open(*model(), kind, "\xff\xff\xff").ok());
  // A body that is no JSON leaves the rest of the message readable.
  pbftlike::PrePrepareMsg m;
  m.set_sender("r3");
  m.set_body("{not json");
  m.set_sig("sig!");
  auto view = MessageView::Open(*model(), kind, m.SerializeAsString());
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ((*view)->content(), nullptr);
  EXPECT_FALSE((*view)->content_status().ok());
  EXPECT_THAT(std::string((*view)->content_status().message()),
              HasSubstr("does not decode as json"));
  EXPECT_EQ((*view)->kind(), "pre-prepare");
  EXPECT_EQ((*view)->sender(), 3);
  EXPECT_EQ(*(*view)->signature(), "sig!");
  EXPECT_THAT((*view)->round(), IsEmpty());
  EXPECT_EQ((*view)->mutable_content(), nullptr);
  EXPECT_FALSE((*view)->Set({ModelPath::Base::kContent, P("view")}, "4", false).ok());
  // The sender can still be changed: it is no part of the payload.
  ASSERT_TRUE((*view)->SetSender(0).ok());
  pbftlike::PrePrepareMsg out;
  ASSERT_TRUE(out.ParseFromString(*(*view)->Encode()));
  EXPECT_EQ(out.sender(), "r0");
  EXPECT_EQ(out.body(), "{not json");
}

TEST_F(MessageViewTest, AnOpaquePayloadHasNoContentButASenderAndSignature) {
  pbftlike::BlobMsg blob;
  blob.set_sender("r2");
  blob.set_data(std::string("\x00\x01\xfe", 3));
  blob.set_sig(Sign(blob.data(), 2));
  blob.set_seq(8);
  auto view = Open(kBlob, blob.SerializeAsString());
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->content(), nullptr);
  EXPECT_TRUE(absl::IsFailedPrecondition(view->content_status())) << view->content_status();
  EXPECT_THAT(std::string(view->content_status().message()), HasSubstr("opaque"));
  EXPECT_EQ(view->kind(), "blob");
  EXPECT_EQ(view->sender(), 2);
  EXPECT_EQ(*view->signature(), blob.sig());
  EXPECT_THAT(view->round(), ElementsAre(8));  // a field of the message
  EXPECT_EQ(*view->Covered(), blob.data());
  // Re-signing the message needs no decoding.
  ASSERT_TRUE(view->SetSender(3).ok());
  auto sealed = view->EncodeSigned(keys().key(kByzantine));
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  pbftlike::BlobMsg out;
  ASSERT_TRUE(out.ParseFromString(*sealed));
  EXPECT_EQ(out.sender(), "r3");
  EXPECT_EQ(out.data(), blob.data());
  EXPECT_TRUE(keys().pub(kByzantine).Verify(out.data(), out.sig(), SignatureEncoding::kDer));
}

TEST_F(MessageViewTest, SenderIsReadFromStringIntegerAndBodyFields) {
  auto pre_prepare = Open(kPrePrepare, PrePrepare(2, PrePrepareBody(3, 17, {"a"})));
  EXPECT_EQ(pre_prepare->sender_id(), "r2");
  EXPECT_EQ(pre_prepare->sender(), 2);

  pbftlike::PrePrepareMsg stranger;
  stranger.set_sender("r9");
  stranger.set_body(Compact(PrePrepareBody(3, 17, {})));
  auto unknown = Open(kPrePrepare, stranger.SerializeAsString());
  EXPECT_EQ(unknown->sender_id(), "r9");
  EXPECT_EQ(unknown->sender(), std::nullopt);

  // An integer field reads as its decimal text, which must be an id.
  auto integer = Open(kHeartbeat, Heartbeat(2, pbftlike::Control()));
  EXPECT_EQ(integer->sender_id(), "2");
  EXPECT_EQ(integer->sender(), std::nullopt);  // the ids are "r0".."r3"
  ModelOptions numbered;
  numbered.ids = {"0", "1", "2", "3"};
  std::shared_ptr<const MessageModel> by_number = BuildModel(PbftSpec(numbered));
  ASSERT_NE(by_number, nullptr);
  auto read = Open(kHeartbeat, Heartbeat(2, pbftlike::Control()), by_number.get());
  EXPECT_EQ(read->sender(), 2);

  // In the JSON body, and in a nested message.
  Json body{{"type", "view-change"}, {"replica", "r3"}, {"new_view", 4}};
  EXPECT_EQ(Open(kViewChange, ViewChange(body))->sender(), 3);
  pbftlike::ReplyMsg reply;
  reply.mutable_header()->set_sender("r1");
  EXPECT_EQ(Open(kReply, reply.SerializeAsString())->sender(), 1);

  // Known only from the link.
  MessageModelSpec spec = PbftSpec();
  KindOf(spec, kBlob).sender.clear();
  std::shared_ptr<const MessageModel> link = BuildModel(spec);
  ASSERT_NE(link, nullptr);
  pbftlike::BlobMsg blob;
  blob.set_sender("r2");
  auto from_link = Open(kBlob, blob.SerializeAsString(), link.get());
  EXPECT_EQ(from_link->sender_id(), std::nullopt);
  EXPECT_EQ(from_link->sender(), std::nullopt);
  absl::Status set = from_link->SetSender(0);
  EXPECT_TRUE(absl::IsFailedPrecondition(set)) << set;
}

TEST_F(MessageViewTest, SetSenderWritesTheSystemsIdWhereverTheSenderIs) {
  auto pre_prepare = Open(kPrePrepare, PrePrepare(1, PrePrepareBody(3, 17, {"a"})));
  ASSERT_TRUE(pre_prepare->SetSender(3).ok());
  EXPECT_EQ(pre_prepare->sender_id(), "r3");
  EXPECT_TRUE(absl::IsInvalidArgument(pre_prepare->SetSender(4)));
  EXPECT_TRUE(absl::IsInvalidArgument(pre_prepare->SetSender(-1)));

  Json body{{"type", "view-change"}, {"replica", "r2"}, {"new_view", 4}};
  auto view_change = Open(kViewChange, ViewChange(body));
  ASSERT_TRUE(view_change->SetSender(0).ok());
  pbftlike::ViewChangeMsg out;
  ASSERT_TRUE(out.ParseFromString(*view_change->Encode()));
  EXPECT_EQ(out.body(), R"({"type":"view-change","replica":"r0","new_view":4})");

  ModelOptions numbered;
  numbered.ids = {"0", "1", "2", "3"};
  std::shared_ptr<const MessageModel> by_number = BuildModel(PbftSpec(numbered));
  ASSERT_NE(by_number, nullptr);
  auto heartbeat = Open(kHeartbeat, Heartbeat(2, pbftlike::Control()), by_number.get());
  ASSERT_TRUE(heartbeat->SetSender(3).ok());
  pbftlike::HeartbeatMsg beat;
  ASSERT_TRUE(beat.ParseFromString(*heartbeat->Encode()));
  EXPECT_EQ(beat.sender(), 3u);
  // "r3" does not fit an integer field.
  auto named = Open(kHeartbeat, Heartbeat(2, pbftlike::Control()));
  EXPECT_TRUE(absl::IsInvalidArgument(named->SetSender(3)));
}

TEST_F(MessageViewTest, SignatureIsDecodedFromItsTextForm) {
  const std::string der = Sign("content", 0);
  pbftlike::CheckpointMsg checkpoint;
  checkpoint.set_sender("r0");
  checkpoint.set_body(R"({"type":"checkpoint","seq":32,"state":"ff00"})");
  checkpoint.set_sig_hex(absl::BytesToHexString(der));
  EXPECT_EQ(*Open(kCheckpoint, checkpoint.SerializeAsString())->signature(), der);
  // Either case, surrounding whitespace ignored.
  checkpoint.set_sig_hex(" " + absl::AsciiStrToUpper(absl::BytesToHexString(der)) + "\n");
  EXPECT_EQ(*Open(kCheckpoint, checkpoint.SerializeAsString())->signature(), der);
  for (const char* bad : {"abc", "zz", "0x12"}) {
    checkpoint.set_sig_hex(bad);
    EXPECT_FALSE(Open(kCheckpoint, checkpoint.SerializeAsString())->signature().ok()) << bad;
  }
  checkpoint.clear_sig_hex();
  EXPECT_EQ(*Open(kCheckpoint, checkpoint.SerializeAsString())->signature(), "");

  ModelOptions base64;
  base64.checkpoint_text = SignatureText::kBase64;
  std::shared_ptr<const MessageModel> model64 = BuildModel(PbftSpec(base64));
  ASSERT_NE(model64, nullptr);
  checkpoint.set_sig_hex(absl::Base64Escape(der));
  EXPECT_EQ(*Open(kCheckpoint, checkpoint.SerializeAsString(), model64.get())->signature(), der);
  checkpoint.set_sig_hex("not base64!");
  EXPECT_FALSE(Open(kCheckpoint, checkpoint.SerializeAsString(), model64.get())->signature().ok());

  // Raw bytes, and unsigned messages.
  pbftlike::PrePrepareMsg raw;
  raw.set_sig(der);
  EXPECT_EQ(*Open(kPrePrepare, raw.SerializeAsString())->signature(), der);
  auto status = Open(kStatus, Status(R"({"Alive":{"view":1}})"));
  EXPECT_FALSE(status->signed_message());
  EXPECT_EQ(*status->signature(), "");
}

TEST_F(MessageViewTest, RoundHasOneComponentPerPresentPart) {
  EXPECT_THAT(Open(kPrePrepare, PrePrepare(0, PrePrepareBody(3, 17, {"a"})))->round(),
              ElementsAre(3, 17));
  // Alternatives: the first present counts; none present, no component.
  EXPECT_THAT(Open(kStatus, Status(R"({"Alive":{"view":3}})"))->round(), ElementsAre(3));
  EXPECT_THAT(Open(kStatus, Status(R"({"Lagging":{"view":5}})"))->round(), ElementsAre(5));
  EXPECT_THAT(Open(kStatus, Status(R"({"Alive":{"view":3},"Lagging":{"view":5}})"))->round(),
              ElementsAre(3));
  EXPECT_THAT(Open(kStatus, Status(R"({"Gone":{"view":3}})"))->round(), IsEmpty());
  EXPECT_THAT(Open(kStatus, Status(R"({"Alive":{"view":"three"}})"))->round(), IsEmpty());

  EXPECT_THAT(Open(kGossip, Gossip(GossipBatch(3, 17)))->round(), ElementsAre(3, 17));
  pbftlike::GossipMsg ping;
  ping.mutable_ping()->set_view(6);
  EXPECT_THAT(Open(kGossip, Gossip(ping))->round(), ElementsAre(6));  // a ping has no seq
  pbftlike::Control control;
  control.mutable_batch()->set_view(2);
  control.mutable_batch()->set_seq(9);
  EXPECT_THAT(Open(kHeartbeat, Heartbeat(1, control))->round(), ElementsAre(2, 9));
}

TEST_F(MessageViewTest, RoundCountsZeroInAMessageThatIsThere) {
  // PBFT starts in view 0. protobuf cannot tell a 0 from an unset field,
  // but a batch that is there has a view.
  EXPECT_THAT(Open(kGossip, Gossip(GossipBatch(0, 4)))->round(), ElementsAre(0, 4));
  EXPECT_THAT(Open(kGossip, Gossip(GossipBatch(0, 0)))->round(), ElementsAre(0, 0));
  pbftlike::Control control;
  control.mutable_batch()->set_seq(9);
  EXPECT_THAT(Open(kHeartbeat, Heartbeat(1, control))->round(), ElementsAre(0, 9));
  EXPECT_THAT(Open(kPrePrepare, PrePrepare(0, PrePrepareBody(0, 1, {})))->round(),
              ElementsAre(0, 1));
}

TEST_F(MessageViewTest, EncodeOfAnUnchangedViewGivesTheOriginalBytes) {
  // Fields out of order and an unknown field: no re-serialization gives
  // these bytes back.
  pbftlike::PrePrepareMsg first;
  first.set_sig(Sign("x", 0));
  pbftlike::PrePrepareMsg second;
  second.set_sender("r0");
  second.set_body("{ \"view\" : 3 , \"seq\" : 17 }");
  const std::string unknown_field("\xa0\x06\x01", 3);  // field 100, varint 1
  const std::string bytes = first.SerializeAsString() + second.SerializeAsString() + unknown_field;
  auto view = Open(kPrePrepare, bytes);
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->original_bytes(), bytes);
  EXPECT_EQ(*view->Encode(), bytes);
  // Reading changes nothing.
  EXPECT_THAT(view->round(), ElementsAre(3, 17));
  EXPECT_EQ(view->kind(), "pre-prepare");
  EXPECT_EQ(*view->Encode(), bytes);
  EXPECT_FALSE(view->changed());
  std::unique_ptr<MessageView> copy = view->Clone();
  ASSERT_TRUE(copy->Set(*copy->kind_spec().ResolvePlanPath("view"), "4", false).ok());
  EXPECT_TRUE(copy->changed());
  pbftlike::PrePrepareMsg edited;
  ASSERT_TRUE(edited.ParseFromString(*copy->Encode()));
  EXPECT_EQ(edited.body(), R"({"view":4,"seq":17})");
  EXPECT_EQ(edited.sig(), first.sig());
  EXPECT_EQ(*view->Encode(), bytes);  // the clone's edit is its own
}

TEST_F(MessageViewTest, EncodeSignedSignsTheEditedBody) {
  const Json body = PrePrepareBody(3, 17, {"set v1 1", "set v2 2"});
  auto view = Open(kPrePrepare, PrePrepare(0, body));
  ASSERT_TRUE(view->Set(*view->kind_spec().ResolvePlanPath("view"), "9", false).ok());
  ASSERT_TRUE(view->SetSender(2).ok());
  auto sealed = view->EncodeSigned(keys().key(kByzantine));
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  pbftlike::PrePrepareMsg out;
  ASSERT_TRUE(out.ParseFromString(*sealed));
  Json expected = body;
  expected["view"] = 9;
  EXPECT_EQ(out.body(), Compact(expected));  // compact, keys in their order
  EXPECT_EQ(out.sender(), "r2");
  EXPECT_EQ(*view->Covered(), out.body());
  EXPECT_TRUE(keys().pub(kByzantine).Verify(out.body(), out.sig(), SignatureEncoding::kDer));
  EXPECT_FALSE(keys().pub(kHonest).Verify(out.body(), out.sig(), SignatureEncoding::kDer));
}

TEST_F(MessageViewTest, EncodeSignedCoversTheWholeMessageWithTheSignatureCleared) {
  auto view = Open(kGossip, Gossip(GossipBatch(3, 17)));
  ASSERT_TRUE(view->Set(*view->kind_spec().ResolvePlanPath("batch.seq"), "18", false).ok());
  auto sealed = view->EncodeSigned(keys().key(kByzantine));
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  pbftlike::GossipMsg out;
  ASSERT_TRUE(out.ParseFromString(*sealed));
  EXPECT_EQ(out.batch().seq(), 18u);
  pbftlike::GossipMsg unsigned_copy = out;
  unsigned_copy.clear_sig();
  EXPECT_EQ(*view->Covered(), unsigned_copy.SerializeAsString());
  EXPECT_TRUE(keys()
                  .pub(kByzantine)
                  .Verify(unsigned_copy.SerializeAsString(), out.sig(), SignatureEncoding::kDer));
  EXPECT_FALSE(
      keys().pub(kByzantine).Verify(out.SerializeAsString(), out.sig(), SignatureEncoding::kDer));
}

TEST_F(MessageViewTest, EncodeSignedCoversANestedMessageOnly) {
  pbftlike::ReplyMsg reply;
  reply.mutable_header()->set_sender("r1");
  reply.mutable_header()->set_view(3);
  reply.mutable_header()->set_seq(17);
  reply.mutable_header()->set_result("ok");
  reply.set_note("before");
  auto view = Open(kReply, reply.SerializeAsString());
  ASSERT_TRUE(view->Set(*view->kind_spec().ResolvePlanPath("header.seq"), "18", false).ok());
  ASSERT_TRUE(view->Set(*view->kind_spec().ResolvePlanPath("note"), "after", false).ok());
  auto sealed = view->EncodeSigned(keys().key(kByzantine));
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  pbftlike::ReplyMsg out;
  ASSERT_TRUE(out.ParseFromString(*sealed));
  EXPECT_EQ(out.header().seq(), 18u);
  EXPECT_EQ(out.note(), "after");
  EXPECT_TRUE(keys()
                  .pub(kByzantine)
                  .Verify(out.header().SerializeAsString(), out.sig(), SignatureEncoding::kDer));

  // Inside a protobuf payload: the heartbeat signs its payload's stamp.
  pbftlike::Control control;
  control.mutable_ping()->set_view(3);
  control.mutable_stamp()->set_sender("r1");
  control.mutable_stamp()->set_view(3);
  auto heartbeat = Open(kHeartbeat, Heartbeat(1, control));
  ASSERT_TRUE(
      heartbeat->Set(*heartbeat->kind_spec().ResolvePlanPath("stamp.view"), "4", false).ok());
  auto beat = heartbeat->EncodeSigned(keys().key(kByzantine));
  ASSERT_TRUE(beat.ok()) << beat.status();
  pbftlike::HeartbeatMsg beat_out;
  ASSERT_TRUE(beat_out.ParseFromString(*beat));
  pbftlike::Control payload;
  ASSERT_TRUE(payload.ParseFromString(beat_out.payload()));
  EXPECT_EQ(payload.stamp().view(), 4u);
  EXPECT_EQ(payload.ping().view(), 3u);
  EXPECT_TRUE(
      keys()
          .pub(kByzantine)
          .Verify(payload.stamp().SerializeAsString(), beat_out.sig(), SignatureEncoding::kDer));
}

TEST_F(MessageViewTest, EncodeSignedUsesTheModelsSchemeAndEncoding) {
  struct Case {
    KeyScheme scheme;
    SignatureEncoding encoding;
    KeyEncoding private_encoding;
    size_t length;  // 0: DER, of varying length
  };
  for (const Case& c :
       {Case{KeyScheme::kEcdsaP256, SignatureEncoding::kDer, KeyEncoding::kPem, 0},
        Case{KeyScheme::kEcdsaP256, SignatureEncoding::kRaw, KeyEncoding::kHex, 64},
        Case{KeyScheme::kSecp256k1, SignatureEncoding::kRaw, KeyEncoding::kHex, 64},
        Case{KeyScheme::kSecp256k1, SignatureEncoding::kDer, KeyEncoding::kBase64, 0},
        Case{KeyScheme::kEd25519, SignatureEncoding::kRaw, KeyEncoding::kBase64, 64}}) {
    SCOPED_TRACE(std::string(KeySchemeName(c.scheme)) + "/" +
                 std::string(SignatureEncodingName(c.encoding)));
    ModelOptions options;
    options.scheme = c.scheme;
    options.signature = c.encoding;
    options.private_encoding = c.private_encoding;
    std::shared_ptr<const MessageModel> model = BuildModel(PbftSpec(options));
    ASSERT_NE(model, nullptr);
    auto keys = KeyRing::Generate(c.scheme, c.private_encoding, 2);
    ASSERT_TRUE(keys.ok()) << keys.status();
    // The key file reads back as the model says keys are written.
    auto loaded = PrivateKey::LoadFile((*keys)->path(1), c.scheme, c.private_encoding);
    ASSERT_TRUE(loaded.ok()) << loaded.status();

    auto view = Open(
        kCheckpoint,
        [] {
          pbftlike::CheckpointMsg m;
          m.set_sender("r1");
          m.set_body(R"({"type":"checkpoint","seq":32})");
          return m.SerializeAsString();
        }(),
        model.get());
    ASSERT_TRUE(view->Set(*view->kind_spec().ResolvePlanPath("seq"), "48", false).ok());
    auto sealed = view->EncodeSigned(*loaded);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    pbftlike::CheckpointMsg out;
    ASSERT_TRUE(out.ParseFromString(*sealed));
    EXPECT_EQ(out.body(), R"({"type":"checkpoint","seq":48})");
    const std::string signature = absl::HexStringToBytes(out.sig_hex());
    EXPECT_EQ(out.sig_hex(), absl::BytesToHexString(signature));  // lower-case hex
    if (c.length != 0) {
      EXPECT_EQ(signature.size(), c.length);
    }
    EXPECT_TRUE((*keys)->pub(1).Verify(out.body(), signature, c.encoding));
    EXPECT_FALSE((*keys)->pub(0).Verify(out.body(), signature, c.encoding));
  }
}

TEST_F(MessageViewTest, EncodeWithSignatureWritesTheFieldsTextForm) {
  const std::string signature("\x30\x01\xff\x00", 4);
  pbftlike::CheckpointMsg checkpoint;
  checkpoint.set_sender("r1");
  checkpoint.set_body(R"({"seq":1})");
  auto hex = Open(kCheckpoint, checkpoint.SerializeAsString());
  pbftlike::CheckpointMsg out;
  ASSERT_TRUE(out.ParseFromString(*hex->EncodeWithSignature(signature)));
  EXPECT_EQ(out.sig_hex(), "3001ff00");
  EXPECT_EQ(out.body(), checkpoint.body());  // nothing else re-encoded

  ModelOptions base64;
  base64.checkpoint_text = SignatureText::kBase64;
  std::shared_ptr<const MessageModel> model64 = BuildModel(PbftSpec(base64));
  ASSERT_NE(model64, nullptr);
  auto b64 = Open(kCheckpoint, checkpoint.SerializeAsString(), model64.get());
  ASSERT_TRUE(out.ParseFromString(*b64->EncodeWithSignature(signature)));
  EXPECT_EQ(out.sig_hex(), absl::Base64Escape(signature));

  auto raw = Open(kPrePrepare, PrePrepare(0, PrePrepareBody(1, 1, {})));
  pbftlike::PrePrepareMsg raw_out;
  ASSERT_TRUE(raw_out.ParseFromString(*raw->EncodeWithSignature(signature)));
  EXPECT_EQ(raw_out.sig(), signature);

  auto status = Open(kStatus, Status(R"({"Alive":{"view":1}})"));
  EXPECT_TRUE(absl::IsFailedPrecondition(status->EncodeWithSignature(signature).status()));
}

}  // namespace
}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat
