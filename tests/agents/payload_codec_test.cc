// The protobuf and JSON payload codecs: round trips, canonical encodings
// and refusals. (The external codec, which needs a process, is tested in
// external_payload_test.cc.)
#include "agents/payload_codec.h"

#include <memory>
#include <string>

#include "agents/json_tree.h"
#include "agents/proto_tree.h"
#include "gtest/gtest.h"
#include "tests/agents/pbftlike_fixture.h"

namespace turncoat {
namespace agent {
namespace pbftlike_test {
namespace {

class PayloadCodecTest : public PbftLikeTest {
 protected:
  static std::unique_ptr<PayloadCodec> Control() {
    return MakeProtobufPayloadCodec(schema()->FindMessage("pbftlike.Control"), schema().get());
  }
};

TEST_F(PayloadCodecTest, ProtobufDecodesAndEncodesCanonicalBytesUnchanged) {
  pbftlike::Control control;
  control.set_epoch(4);
  control.mutable_ping()->set_view(3);
  control.mutable_ping()->set_note("hi");
  const std::string bytes = control.SerializeAsString();
  auto codec = Control();
  EXPECT_EQ(codec->Describe(), "protobuf pbftlike.Control");
  auto tree = codec->Decode(bytes);
  ASSERT_TRUE(tree.ok()) << tree.status();
  ASSERT_NE((*tree)->proto(), nullptr);
  EXPECT_EQ((*tree)->proto()->GetDescriptor()->full_name(), "pbftlike.Control");
  EXPECT_EQ((*tree)->json(), nullptr);
  EXPECT_EQ(*codec->Encode(**tree), bytes);

  ASSERT_TRUE((*tree)->Set(P("ping.view"), "4", false).ok());
  auto edited = codec->Encode(**tree);
  ASSERT_TRUE(edited.ok()) << edited.status();
  pbftlike::Control back;
  ASSERT_TRUE(back.ParseFromString(*edited));
  EXPECT_EQ(back.ping().view(), 4u);
  EXPECT_EQ(back.ping().note(), "hi");
  EXPECT_EQ(back.epoch(), 4u);
}

TEST_F(PayloadCodecTest, ProtobufEncodingIsDeterministic) {
  // Map entries in two insertion orders: one encoding, so a re-signed
  // payload signs the same bytes however the tree was built.
  pbftlike::Control a;
  pbftlike::Control b;
  for (const char* key : {"r3", "r0", "r2", "r1"}) (*a.mutable_fetch()->mutable_marks())[key] = 7;
  for (const char* key : {"r1", "r2", "r0", "r3"}) (*b.mutable_fetch()->mutable_marks())[key] = 7;
  auto codec = Control();
  auto tree_a = codec->Decode(a.SerializeAsString());
  auto tree_b = codec->Decode(b.SerializeAsString());
  ASSERT_TRUE(tree_a.ok() && tree_b.ok());
  const std::string encoded = *codec->Encode(**tree_a);
  EXPECT_EQ(*codec->Encode(**tree_b), encoded);
  EXPECT_EQ(*codec->Encode(**codec->Decode(encoded)), encoded);
}

TEST_F(PayloadCodecTest, ProtobufRefusesBadBytesAndForeignTrees) {
  auto codec = Control();
  EXPECT_FALSE(codec->Decode("\xff\xff\xff").ok());
  JsonTree json(Json::object());
  EXPECT_FALSE(codec->Encode(json).ok());
  auto other = MakeProtobufPayloadCodec(schema()->FindMessage("pbftlike.Ping"), schema().get());
  auto ping = other->Decode("");
  ASSERT_TRUE(ping.ok());
  EXPECT_FALSE(codec->Encode(**ping).ok());  // a Ping is no Control
}

TEST_F(PayloadCodecTest, JsonRoundTripsCompactBytesWithKeysInTheirOrder) {
  auto codec = MakeJsonPayloadCodec();
  EXPECT_EQ(codec->Describe(), "json");
  const std::string body =
      R"({"type":"pre-prepare","view":3,"seq":17,"digest":"ab54c0de","requests":)"
      R"([{"client":"c0","ts":5,"op":"set v1 1"}],"zeta":null,"alpha":[true,false,1.5,-2]})";
  auto tree = codec->Decode(body);
  ASSERT_TRUE(tree.ok()) << tree.status();
  ASSERT_NE((*tree)->json(), nullptr);
  EXPECT_EQ(*codec->Encode(**tree), body);

  ASSERT_TRUE((*tree)->Set(P("view"), "9", false).ok());
  std::string expected = body;
  expected.replace(expected.find("\"view\":3"), 8, "\"view\":9");
  EXPECT_EQ(*codec->Encode(**tree), expected);
  // Whitespace does not survive a re-encoding: the codec writes compactly.
  auto spaced = codec->Decode("{ \"b\" : 1 ,\n \"a\" : [ 1, 2 ] }");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(*codec->Encode(**spaced), R"({"b":1,"a":[1,2]})");
  // Non-ASCII text stays UTF-8.
  auto text = codec->Decode("{\"op\":\"caf\xc3\xa9\"}");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*codec->Encode(**text), "{\"op\":\"caf\xc3\xa9\"}");
}

TEST_F(PayloadCodecTest, JsonRefusesWhatDoesNotParse) {
  auto codec = MakeJsonPayloadCodec();
  for (const std::string& bad :
       {std::string(), std::string("{"), std::string(R"({"a":1} trailing)"),
        std::string("{\"a\":\"\xff\"}"), std::string(R"({'a':1})"), std::string("\x0a\x02hi", 4)}) {
    absl::StatusOr<std::unique_ptr<MessageTree>> tree;
    EXPECT_NO_THROW(tree = codec->Decode(bad));
    EXPECT_TRUE(absl::IsInvalidArgument(tree.status())) << bad << ": " << tree.status();
  }
  auto proto = Control()->Decode("");
  ASSERT_TRUE(proto.ok());
  EXPECT_FALSE(codec->Encode(**proto).ok());
}

TEST_F(PayloadCodecTest, JsonEncodesStringsThatAreNotUtf8WithoutThrowing) {
  auto codec = MakeJsonPayloadCodec();
  auto tree = codec->Decode(R"({"op":"x","n":1})");
  ASSERT_TRUE(tree.ok());
  ASSERT_TRUE((*tree)->Set(P("op"), "\xff", false).ok());
  absl::StatusOr<std::string> encoded;
  EXPECT_NO_THROW(encoded = codec->Encode(**tree));
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  // The invalid byte is replaced, and the result is JSON again.
  EXPECT_EQ(*encoded, "{\"op\":\"\xef\xbf\xbd\",\"n\":1}");
  EXPECT_TRUE(codec->Decode(*encoded).ok());
}

}  // namespace
}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat
