// Payloads read through an external codec: tests/agents/testdata/test_codec.py
// as the pbft-like schema's vote codec, through the payload codec, a
// message view and the rewriters. Each test starts its own codec process,
// which is gone when the test ends.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agents/external_codec.h"
#include "agents/payload_codec.h"
#include "agents/proto_tree.h"
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

constexpr SignatureEncoding kDer = SignatureEncoding::kDer;

class ExternalPayloadTest : public PbftLikeTest {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/turncoat_external_payload_", getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ExternalCodec::Options options;
    options.argv = {"/usr/bin/python3",
                    std::string(TURNCOAT_SOURCE_DIR) + "/tests/agents/testdata/test_codec.py"};
    options.stderr_path = dir_ + "/codec.stderr.log";
    auto codec = ExternalCodec::Start(std::move(options));
    ASSERT_TRUE(codec.ok()) << codec.status();
    codec_ = std::shared_ptr<ExternalCodec>(*std::move(codec));
    ModelOptions with_votes;
    with_votes.vote_codec = "votes";
    votes_ = BuildModel(PbftSpec(with_votes), {{"votes", codec_}});
    ASSERT_NE(votes_, nullptr);
  }

  void TearDown() override {
    votes_.reset();
    codec_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string VoteMsg(const std::string& vote, int replica = kByzantine) {
    pbftlike::VoteMsg m;
    m.set_sender(absl::StrCat("r", replica));
    m.set_vote(vote);
    m.set_sig(Sign(vote, replica));
    return m.SerializeAsString();
  }

  static pbftlike::VoteMsg Parse(const std::string& bytes) {
    pbftlike::VoteMsg m;
    EXPECT_TRUE(m.ParseFromString(bytes));
    return m;
  }

  std::string dir_;
  std::shared_ptr<ExternalCodec> codec_;
  std::shared_ptr<const MessageModel> votes_;
};

TEST_F(ExternalPayloadTest, DecodeThenEncodeGivesTheSameBytes) {
  auto codec = MakeExternalPayloadCodec(codec_, "vote");
  EXPECT_EQ(codec->Describe(), "external codec, type vote");
  for (const std::string& bytes : {std::string("VOTE|3|17|00ff"), std::string("VOTE|0|0|"),
                                   std::string("VOTE|12345678901|2|abcdef0123")}) {
    auto tree = codec->Decode(bytes);
    ASSERT_TRUE(tree.ok()) << tree.status();
    ASSERT_NE((*tree)->json(), nullptr);
    auto again = codec->Encode(**tree);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, bytes);
  }
  auto tree = codec->Decode("VOTE|3|17|00ff");
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ((*tree)->DebugString(), R"({"view":3,"height":17,"hash":"00ff"})");
  // An edited tree encodes, through the same operations as any tree.
  ASSERT_TRUE((*tree)->Set(P("view"), "4", false).ok());
  (*tree)->IntegerLeaves()[1].bump(true);
  EXPECT_EQ(*codec->Encode(**tree), "VOTE|4|18|00ff");
}

TEST_F(ExternalPayloadTest, CodecErrorsAreReturned) {
  auto codec = MakeExternalPayloadCodec(codec_, "vote");
  auto garbage = codec->Decode("garbage");
  EXPECT_TRUE(absl::IsInvalidArgument(garbage.status())) << garbage.status();
  EXPECT_THAT(std::string(garbage.status().message()), HasSubstr("not a vote"));
  auto tree = codec->Decode("VOTE|3|17|00ff");
  ASSERT_TRUE(tree.ok());
  ASSERT_TRUE((*tree)->Set(P("hash"), "not hex", false).ok());
  auto refused = codec->Encode(**tree);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("hex"));
  ASSERT_TRUE((*tree)->Set(P("hash"), "00ff", false).ok());
  ASSERT_TRUE((*tree)->Set(P("view"), "-1", false).ok());
  EXPECT_FALSE(codec->Encode(**tree).ok());
  auto unknown = MakeExternalPayloadCodec(codec_, "ballot")->Decode("VOTE|3|17|00ff");
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("unknown type"));
  ProtoTree proto(schema()->New(schema()->FindMessage("pbftlike.Ping")), schema().get());
  EXPECT_FALSE(codec->Encode(proto).ok());
  // The codec survives its refusals.
  EXPECT_TRUE(codec->Decode("VOTE|1|1|aa").ok());
}

TEST_F(ExternalPayloadTest, AViewReadsAndResignsTheDecodedVote) {
  const std::string original = VoteMsg("VOTE|3|17|00ff");
  auto view = Open(kVote, original, votes_.get());
  ASSERT_NE(view, nullptr);
  ASSERT_NE(view->content(), nullptr) << view->content_status();
  EXPECT_EQ(view->kind(), "vote");
  EXPECT_EQ(view->sender(), kByzantine);
  EXPECT_THAT(view->round(), ElementsAre(3, 17));
  EXPECT_EQ(*view->Encode(), original);

  ASSERT_TRUE(view->Set(*view->kind_spec().ResolvePlanPath("height"), "18", false).ok());
  auto sealed = view->EncodeSigned(keys().key(kByzantine));
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  pbftlike::VoteMsg out = Parse(*sealed);
  EXPECT_EQ(out.vote(), "VOTE|3|18|00ff");
  EXPECT_EQ(out.sender(), "r1");
  EXPECT_TRUE(keys().pub(kByzantine).Verify(out.vote(), out.sig(), kDer));

  // A vote the codec refuses leaves sender and signature readable.
  auto bad = Open(kVote, VoteMsg("VOTE|x"), votes_.get());
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->content(), nullptr);
  EXPECT_THAT(std::string(bad->content_status().message()),
              HasSubstr("does not decode as external codec, type vote"));
  EXPECT_EQ(bad->sender(), kByzantine);
  EXPECT_TRUE(bad->signature().ok());
  EXPECT_THAT(bad->round(), IsEmpty());
}

TEST_F(ExternalPayloadTest, MutateMovesOneNumberOfTheVote) {
  const std::string original = VoteMsg("VOTE|3|17|00ff");
  std::set<std::string> seen;
  for (int seed = 1; seed <= 8; ++seed) {
    RewriterParams params = {{"key", keys().path(kByzantine)}, {"seed", absl::StrCat(seed)}};
    auto mutate = MustMake("mutate", params, kVote, votes_.get());
    ASSERT_NE(mutate, nullptr);
    std::vector<std::string> out = Run(*mutate, kVote, original, votes_.get());
    ASSERT_EQ(out.size(), 1u);
    pbftlike::VoteMsg sent = Parse(out[0]);
    EXPECT_THAT(sent.vote(), ::testing::AnyOf("VOTE|2|17|00ff", "VOTE|4|17|00ff", "VOTE|3|16|00ff",
                                              "VOTE|3|18|00ff"));
    EXPECT_TRUE(keys().pub(kByzantine).Verify(sent.vote(), sent.sig(), kDer));
    seen.insert(sent.vote());
  }
  EXPECT_GE(seen.size(), 2u);
}

TEST_F(ExternalPayloadTest, SpliceRelabelsAVoteThroughTheCodec) {
  RewriterParams params = {{"key", keys().path(kByzantine)}, {"variant", "1"}, {"take", "later"}};
  auto later = MustMake("splice", params, kVote, votes_.get());
  ASSERT_NE(later, nullptr);
  EXPECT_THAT(Run(*later, kVote, VoteMsg("VOTE|3|17|aa"), votes_.get()), IsEmpty());
  std::vector<std::string> out = Run(*later, kVote, VoteMsg("VOTE|3|18|bb"), votes_.get());
  ASSERT_EQ(out.size(), 1u);
  pbftlike::VoteMsg sent = Parse(out[0]);
  EXPECT_EQ(sent.vote(), "VOTE|3|17|bb");
  EXPECT_TRUE(keys().pub(kByzantine).Verify(sent.vote(), sent.sig(), kDer));
}

}  // namespace
}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat
