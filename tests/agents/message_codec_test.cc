#include "agents/message_codec.h"

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "targets/refbft/refbft.pb.h"

namespace turncoat {
namespace agent {
namespace {

const std::string kSource = TURNCOAT_SOURCE_DIR;
const std::string kTestdata = kSource + "/tests/agents/testdata";

TEST(MessageCodecTest, MapsMethodsToTypes) {
  auto codec = MessageCodec::Load({kSource}, {"targets/refbft/refbft.proto"});
  ASSERT_TRUE(codec.ok()) << codec.status();
  const auto* req = (*codec)->TypeOf("/refbft.Peer/Send", Direction::kRequest);
  const auto* resp = (*codec)->TypeOf("/refbft.Peer/Send", Direction::kResponse);
  ASSERT_NE(req, nullptr);
  ASSERT_NE(resp, nullptr);
  EXPECT_EQ(req->full_name(), "refbft.Envelope");
  EXPECT_EQ(resp->full_name(), "refbft.Ack");
  EXPECT_EQ((*codec)->TypeOf("/refbft.Client/Submit", Direction::kRequest)->full_name(),
            "refbft.SubmitRequest");
  EXPECT_EQ((*codec)->TypeOf("/refbft.Peer/Nope", Direction::kRequest), nullptr);
  EXPECT_EQ((*codec)->TypeOf("/nope.Svc/Send", Direction::kRequest), nullptr);
  EXPECT_EQ((*codec)->TypeOf("refbft.Peer.Send", Direction::kRequest), nullptr);
}

TEST(MessageCodecTest, DecodesAndReencodesCompiledMessages) {
  auto codec = MessageCodec::Load({kSource}, {"targets/refbft/refbft.proto"});
  ASSERT_TRUE(codec.ok()) << codec.status();
  refbft::Message inner;
  inner.mutable_proposal()->mutable_block()->set_height(42);
  inner.mutable_proposal()->mutable_block()->add_values("v");
  refbft::Envelope env;
  env.set_sender(3);
  env.set_payload(inner.SerializeAsString());
  env.set_signature("sig");
  const std::string wire = env.SerializeAsString();

  const auto* type = (*codec)->FindMessage("refbft.Envelope");
  ASSERT_NE(type, nullptr);
  auto decoded = (*codec)->Decode(type, wire);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const auto* sender = type->FindFieldByName("sender");
  EXPECT_EQ((*decoded)->GetReflection()->GetUInt32(**decoded, sender), 3u);
  EXPECT_EQ(MessageCodec::Encode(**decoded), wire);

  EXPECT_FALSE((*codec)->Decode(type, "\xff\xff\xff").ok());
}

TEST(MessageCodecTest, EmbeddedPayloadDeclarations) {
  auto codec = MessageCodec::Load({kSource}, {"targets/refbft/refbft.proto"});
  ASSERT_TRUE(codec.ok()) << codec.status();
  MessageCodec& c = **codec;
  EXPECT_TRUE(c.SetEmbedded("refbft.Envelope", "payload", "refbft.Message").ok());
  const auto* payload = c.FindMessage("refbft.Envelope")->FindFieldByName("payload");
  ASSERT_NE(c.EmbeddedType(payload), nullptr);
  EXPECT_EQ(c.EmbeddedType(payload)->full_name(), "refbft.Message");
  // Not bytes, unknown type, unknown field.
  EXPECT_FALSE(c.SetEmbedded("refbft.Envelope", "sender", "refbft.Message").ok());
  EXPECT_FALSE(c.SetEmbedded("refbft.Nope", "payload", "refbft.Message").ok());
  EXPECT_FALSE(c.SetEmbedded("refbft.Envelope", "payload", "refbft.Nope").ok());
  EXPECT_FALSE(c.SetEmbedded("refbft.Envelope", "nope", "refbft.Message").ok());
}

TEST(MessageCodecTest, FollowsImportsAcrossImportPaths) {
  auto codec = MessageCodec::Load({kTestdata}, {"tiny.proto"});
  ASSERT_TRUE(codec.ok()) << codec.status();
  const auto* ping = (*codec)->TypeOf("/tiny.Echo/Hi", Direction::kRequest);
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->FindFieldByName("id")->message_type()->full_name(), "tiny.Id");
}

TEST(MessageCodecTest, SyntaxErrorsNameFileAndLine) {
  auto codec = MessageCodec::Load({kTestdata}, {"broken.proto"});
  ASSERT_FALSE(codec.ok());
  EXPECT_EQ(codec.status().code(), absl::StatusCode::kInvalidArgument);
  // The missing ';' is reported where the next token starts: line 6.
  EXPECT_NE(codec.status().message().find("broken.proto:6:"), std::string::npos)
      << codec.status();
}

TEST(MessageCodecTest, MissingFileIsNamed) {
  auto codec = MessageCodec::Load({kTestdata}, {"absent.proto"});
  ASSERT_FALSE(codec.ok());
  EXPECT_NE(codec.status().message().find("absent.proto"), std::string::npos);
}

TEST(MessageCodecTest, NoFilesIsAnEmptySchema) {
  // Targets on TCP have no .proto files: nothing is found in their schema.
  auto codec = MessageCodec::Load({kTestdata}, {});
  ASSERT_TRUE(codec.ok()) << codec.status();
  EXPECT_EQ((*codec)->FindMessage("refbft.Envelope"), nullptr);
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
