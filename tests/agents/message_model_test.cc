// MessageModel::Build on the pbft-like schema: what it accepts, each way a
// target's description can be wrong (the error names the message and the
// fix), and how plan paths resolve.
#include "agents/message_model.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agents/pbftlike_fixture.h"

namespace turncoat {
namespace agent {
namespace pbftlike_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class MessageModelTest : public PbftLikeTest {
 protected:
  // Build's error for `spec`; fails the test if it builds.
  static std::string BuildError(MessageModelSpec spec) {
    auto model = MessageModel::Build(std::move(spec), schema());
    EXPECT_FALSE(model.ok()) << "built";
    if (model.ok()) return "";
    EXPECT_TRUE(absl::IsInvalidArgument(model.status())) << model.status();
    return std::string(model.status().message());
  }

  // PbftSpec() with the entry for `method` changed by `edit`.
  template <typename Edit>
  static MessageModelSpec With(absl::string_view method, Edit edit) {
    MessageModelSpec spec = PbftSpec();
    edit(KindOf(spec, method));
    return spec;
  }
};

TEST_F(MessageModelTest, BuildsEveryKindOfThePbftLikeSchema) {
  const MessageModel& m = *model();
  EXPECT_EQ(m.kinds().size(), PbftSpec().messages.size());
  const MessageModel::Kind* prepare = m.ForMethod(kPrepare);
  ASSERT_NE(prepare, nullptr);
  EXPECT_EQ(m.ForMethod(kRetransmitPrepare), prepare);
  EXPECT_EQ(prepare->request_type->full_name(), "pbftlike.PrepareMsg");
  EXPECT_EQ(m.ForMethod("/pbftlike.Replica/Nope"), nullptr);
  EXPECT_EQ(m.ForMethod("/pbftlike.Replica/Prepare/"), nullptr);

  EXPECT_EQ(m.ReplicaIndex("r2"), 2);
  EXPECT_EQ(m.ReplicaIndex("2"), std::nullopt);
  EXPECT_EQ(m.ReplicaIndex("r4"), std::nullopt);
  ASSERT_NE(m.ReplicaId(3), nullptr);
  EXPECT_EQ(*m.ReplicaId(3), "r3");
  EXPECT_EQ(m.ReplicaId(4), nullptr);
  EXPECT_EQ(m.ReplicaId(-1), nullptr);

  EXPECT_TRUE(m.ForMethod(kPrePrepare)->decodable());
  EXPECT_TRUE(m.ForMethod(kGossip)->decodable());  // no payload: the message is the content
  EXPECT_TRUE(m.ForMethod(kHeartbeat)->decodable());
  EXPECT_FALSE(m.ForMethod(kBlob)->decodable());
  EXPECT_EQ(m.ForMethod(kBlob)->codec, nullptr);
}

TEST_F(MessageModelTest, CompiledPathsStartAtTheMessageOrTheContent) {
  const MessageModel::Kind& pre_prepare = *model()->ForMethod(kPrePrepare);
  EXPECT_THAT(pre_prepare.payload_field, ElementsAre("body"));
  EXPECT_EQ(pre_prepare.sender.base, ModelPath::Base::kMessage);
  EXPECT_EQ(pre_prepare.signature.base, ModelPath::Base::kMessage);
  // The payload field itself is a bytes field of the message.
  EXPECT_EQ(pre_prepare.signature_covers.base, ModelPath::Base::kMessage);
  EXPECT_THAT(pre_prepare.signature_covers.path, ElementsAre("body"));
  EXPECT_EQ(pre_prepare.values.base, ModelPath::Base::kContent);
  EXPECT_THAT(pre_prepare.values.path, ElementsAre("requests", "op"));
  ASSERT_EQ(pre_prepare.round.size(), 2u);
  EXPECT_EQ(pre_prepare.round[0][0].base, ModelPath::Base::kContent);
  EXPECT_THAT(pre_prepare.round[1][0].path, ElementsAre("seq"));

  const MessageModel::Kind& view_change = *model()->ForMethod(kViewChange);
  EXPECT_EQ(view_change.sender.base, ModelPath::Base::kContent);
  EXPECT_THAT(view_change.sender.path, ElementsAre("replica"));
  const MessageModel::Kind& heartbeat = *model()->ForMethod(kHeartbeat);
  EXPECT_EQ(heartbeat.signature_covers.base, ModelPath::Base::kContent);
  EXPECT_THAT(heartbeat.signature_covers.path, ElementsAre("stamp"));
  const MessageModel::Kind& gossip = *model()->ForMethod(kGossip);
  EXPECT_TRUE(gossip.payload_field.empty());
  EXPECT_EQ(gossip.values.base, ModelPath::Base::kMessage);
  EXPECT_TRUE(gossip.signature_covers.empty());  // the whole message
}

TEST_F(MessageModelTest, PlanPathsAreContentRelativeUnlessTheyStartWithASlash) {
  const MessageModel::Kind& pre_prepare = *model()->ForMethod(kPrePrepare);
  auto view = pre_prepare.ResolvePlanPath("view");
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->base, ModelPath::Base::kContent);
  EXPECT_THAT(view->path, ElementsAre("view"));
  auto sender = pre_prepare.ResolvePlanPath("/sender");
  ASSERT_TRUE(sender.ok());
  EXPECT_EQ(sender->base, ModelPath::Base::kMessage);
  EXPECT_THAT(sender->path, ElementsAre("sender"));
  auto through = pre_prepare.ResolvePlanPath("/body.requests.op");
  ASSERT_TRUE(through.ok());
  EXPECT_EQ(through->base, ModelPath::Base::kContent);
  EXPECT_THAT(through->path, ElementsAre("requests", "op"));
  auto body = pre_prepare.ResolvePlanPath("/body");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->base, ModelPath::Base::kMessage);
  for (const char* bad : {"", "/", "view..seq", ".view"}) {
    EXPECT_FALSE(pre_prepare.ResolvePlanPath(bad).ok()) << bad;
  }

  // Without a payload the message is the content.
  auto batch = model()->ForMethod(kGossip)->ResolvePlanPath("batch.view");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->base, ModelPath::Base::kMessage);
  EXPECT_THAT(batch->path, ElementsAre("batch", "view"));

  // An opaque payload has no content paths; message fields are still there.
  const MessageModel::Kind& blob = *model()->ForMethod(kBlob);
  auto inside = blob.ResolvePlanPath("seq");
  EXPECT_TRUE(absl::IsFailedPrecondition(inside.status())) << inside.status();
  EXPECT_THAT(std::string(inside.status().message()), HasSubstr("leading /"));
  auto seq = blob.ResolvePlanPath("/seq");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->base, ModelPath::Base::kMessage);
}

TEST_F(MessageModelTest, RefusesUnknownMethodsAndMixedRequestTypes) {
  EXPECT_THAT(
      BuildError(With(kCommit, [](MessageKindSpec& k) { k.methods = {"/pbftlike.Replica/Nope"}; })),
      HasSubstr("no method /pbftlike.Replica/Nope"));
  EXPECT_THAT(BuildError(With(kCommit, [](MessageKindSpec& k) { k.methods = {}; })),
              HasSubstr("at least one gRPC method"));
  const std::string mixed = BuildError(With(kCommit, [](MessageKindSpec& k) {
    k.methods = {kCommit, kPrePrepare};
  }));
  EXPECT_THAT(mixed, HasSubstr("message /pbftlike.Replica/Commit, /pbftlike.Replica/PrePrepare"));
  EXPECT_THAT(mixed, HasSubstr("pbftlike.PrePrepareMsg"));
  EXPECT_THAT(mixed, HasSubstr("pbftlike.CommitMsg"));
}

TEST_F(MessageModelTest, RefusesAMethodDescribedTwice) {
  MessageModelSpec twice = PbftSpec();
  MessageKindSpec again = KindOf(twice, kCommit);
  again.kind = "commit-again";
  twice.messages.push_back(again);
  EXPECT_THAT(BuildError(twice), HasSubstr("/pbftlike.Replica/Commit is described twice"));
  EXPECT_THAT(BuildError(With(kPrepare,
                              [](MessageKindSpec& k) {
                                k.methods = {kPrepare, kRetransmitPrepare, kPrepare};
                              })),
              HasSubstr("/pbftlike.Replica/Prepare is described twice"));
}

TEST_F(MessageModelTest, RefusesPayloadsItCannotRead) {
  EXPECT_THAT(BuildError(With(kHeartbeat, [](MessageKindSpec& k) { k.payload = "sender"; })),
              HasSubstr("pbftlike.HeartbeatMsg.sender is not a bytes or string field"));
  EXPECT_THAT(BuildError(With(kHeartbeat, [](MessageKindSpec& k) { k.payload = "nope"; })),
              HasSubstr("has no singular field 'nope'"));
  EXPECT_THAT(
      BuildError(With(kHeartbeat, [](MessageKindSpec& k) { k.payload_type = "pbftlike.Nope"; })),
      HasSubstr("no message type 'pbftlike.Nope'"));
  EXPECT_THAT(BuildError(With(kBlob,
                              [](MessageKindSpec& k) {
                                k.payload_codec = PayloadCodecKind::kExternal;
                                k.payload_external = "blobs";
                                k.payload_type = "blob";
                              })),
              HasSubstr("no external codec 'blobs'"));
}

TEST_F(MessageModelTest, RefusesSignaturesItCannotWriteOrCover) {
  const std::string in_payload =
      BuildError(With(kPrePrepare, [](MessageKindSpec& k) { k.signature = "body.sig"; }));
  EXPECT_THAT(in_payload, HasSubstr("message /pbftlike.Replica/PrePrepare: signature"));
  EXPECT_THAT(in_payload, HasSubstr("not of its payload"));
  EXPECT_THAT(BuildError(With(kHeartbeat,
                              [](MessageKindSpec& k) { k.signature = "payload.stamp.result"; })),
              HasSubstr("not of its payload"));
  EXPECT_THAT(BuildError(With(kHeartbeat, [](MessageKindSpec& k) { k.signature = "sender"; })),
              HasSubstr("pbftlike.HeartbeatMsg.sender is not a bytes or string field"));
  EXPECT_THAT(BuildError(With(kReply, [](MessageKindSpec& k) { k.signature = "header"; })),
              HasSubstr("is not a bytes or string field"));

  // A part of a JSON payload has no canonical bytes to sign.
  EXPECT_THAT(BuildError(With(kPrePrepare,
                              [](MessageKindSpec& k) { k.signature_covers = "body.requests"; })),
              HasSubstr("cover the payload field itself"));
  // What a signature covers is bytes or a message, never a number or a list.
  EXPECT_THAT(
      BuildError(With(kReply, [](MessageKindSpec& k) { k.signature_covers = "header.view"; })),
      HasSubstr("signature_covers"));
  EXPECT_THAT(BuildError(With(kHeartbeat,
                              [](MessageKindSpec& k) { k.signature_covers = "payload.epoch"; })),
              HasSubstr("signature_covers"));

  // Ed25519 signatures have one encoding, raw.
  auto keys = [](KeyScheme scheme, SignatureEncoding encoding) {
    ModelOptions options;
    options.scheme = scheme;
    options.signature = encoding;
    return PbftSpec(options);
  };
  auto model = MessageModel::Build(keys(KeyScheme::kEd25519, SignatureEncoding::kDer), schema());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(std::string(model.status().message()), HasSubstr("no DER form"));
  EXPECT_TRUE(
      MessageModel::Build(keys(KeyScheme::kEd25519, SignatureEncoding::kRaw), schema()).ok());
  EXPECT_TRUE(
      MessageModel::Build(keys(KeyScheme::kSecp256k1, SignatureEncoding::kRaw), schema()).ok());
}

TEST_F(MessageModelTest, RefusesPathsThatDoNotExist) {
  const std::string sender =
      BuildError(With(kCommit, [](MessageKindSpec& k) { k.sender = "from"; }));
  EXPECT_THAT(sender, HasSubstr("message /pbftlike.Replica/Commit: sender"));
  EXPECT_THAT(sender,
              HasSubstr("pbftlike.CommitMsg has no field 'from' (fields: sender, body, sig)"));
  EXPECT_THAT(BuildError(With(kReply, [](MessageKindSpec& k) { k.sender = "header.from"; })),
              HasSubstr("pbftlike.Header has no field 'from'"));
  EXPECT_THAT(
      BuildError(With(kGossip, [](MessageKindSpec& k) { k.values = "batch.requests.value"; })),
      HasSubstr("pbftlike.Request has no field 'value'"));
  // Inside a protobuf payload, against the payload's type.
  EXPECT_THAT(BuildError(With(kHeartbeat,
                              [](MessageKindSpec& k) {
                                k.round = {{"payload.ping.view", "payload.batch.height"}};
                              })),
              HasSubstr("pbftlike.Batch has no field 'height'"));
  EXPECT_THAT(
      BuildError(
          With(kHeartbeat, [](MessageKindSpec& k) { k.values = "payload.batch.requests.nope"; })),
      HasSubstr("values"));
  // Inside a JSON payload nothing can be checked: any path is accepted.
  EXPECT_TRUE(
      MessageModel::Build(
          With(kCommit, [](MessageKindSpec& k) { k.round = {{"body.anything.at.all"}}; }), schema())
          .ok());
}

TEST_F(MessageModelTest, RefusesPathsInsideAnOpaquePayload) {
  const std::string round =
      BuildError(With(kBlob, [](MessageKindSpec& k) { k.round = {{"data.seq"}}; }));
  EXPECT_THAT(round, HasSubstr("message /pbftlike.Replica/Blob: round"));
  EXPECT_THAT(round, HasSubstr("opaque"));
  EXPECT_THAT(BuildError(With(kBlob, [](MessageKindSpec& k) { k.values = "data.ops"; })),
              HasSubstr("opaque"));
  EXPECT_THAT(BuildError(With(kBlob, [](MessageKindSpec& k) { k.sender = "data.from"; })),
              HasSubstr("opaque"));
  EXPECT_THAT(BuildError(With(kBlob,
                              [](MessageKindSpec& k) {
                                k.kind.clear();
                                k.kind_oneof = "data.kind";
                              })),
              HasSubstr("opaque"));
}

TEST_F(MessageModelTest, KindOneofsMustNameAOneofOrAnObject) {
  // Accepted: a oneof of the message, a oneof of a protobuf payload, the
  // JSON payload itself (its only key) and a member of it.
  EXPECT_TRUE(MessageModel::Build(PbftSpec(), schema()).ok());
  EXPECT_TRUE(MessageModel::Build(With(kCommit,
                                       [](MessageKindSpec& k) {
                                         k.kind.clear();
                                         k.kind_oneof = "body.msg";
                                       }),
                                  schema())
                  .ok());
  // Refused: what is no oneof, nor a message field with a member to name.
  EXPECT_THAT(BuildError(With(kGossip, [](MessageKindSpec& k) { k.kind_oneof = "kind"; })),
              HasSubstr("kind_oneof"));
  EXPECT_THAT(BuildError(With(kGossip, [](MessageKindSpec& k) { k.kind_oneof = "sender"; })),
              HasSubstr("kind_oneof"));
  EXPECT_THAT(
      BuildError(With(kHeartbeat, [](MessageKindSpec& k) { k.kind_oneof = "payload.kinds"; })),
      HasSubstr("pbftlike.Control"));
  EXPECT_THAT(
      BuildError(With(kHeartbeat, [](MessageKindSpec& k) { k.kind_oneof = "payload.nope.kind"; })),
      HasSubstr("has no field 'nope'"));
}

}  // namespace
}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat
