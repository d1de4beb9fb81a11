// `certificates` in a target's message model (docs/target-format.md): what
// the shipped targets' certificates load into, and the error for each
// mistake, over targets/refbft.yaml with one edit at a time.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "loaders/target_loader.h"
#include "tests/loaders/pointed_at.h"

namespace turncoat {
namespace {

using Strings = std::vector<std::string>;

const std::string kRefbft = std::string(TURNCOAT_SOURCE_DIR) + "/targets/refbft.yaml";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// targets/refbft.yaml with `from` replaced by `to`.
std::string Edited(const std::string& from, const std::string& to) {
  const std::string text = ReadFile(kRefbft);
  const std::string edited = absl::StrReplaceAll(text, {{from, to}});
  EXPECT_NE(edited, text) << "replacement did not apply: " << from;
  return edited;
}

TEST(TargetCertificatesTest, RefbftNamesItsQuorumCertificates) {
  auto t = LoadTargetFile(kRefbft);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->protocol.messages[0].certificates.size(), 1u);
  const CertificateSpec& c = t->protocol.messages[0].certificates[0];
  EXPECT_EQ(c.at, (Strings{"payload.proposal.justify", "payload.phase_cert.qc",
                           "payload.new_view.prepare_qc", "payload.decide.commit_qc"}));
  EXPECT_EQ(c.votes, "votes");
  EXPECT_EQ(c.round, (std::vector<Strings>{{"height"}, {"view"}}));
  EXPECT_EQ(c.block, "block_hash");
  EXPECT_EQ(c.vote.request_type, "refbft.Envelope");
  EXPECT_EQ(c.vote.sender, "sender");
  EXPECT_EQ(c.vote.signature.field, "signature");
  EXPECT_EQ(c.vote.signature.covers, "payload");
  EXPECT_EQ(c.vote.payload.codec, PayloadSpec::Codec::kProtobuf);
  EXPECT_EQ(c.vote.payload.type, "refbft.Message");
  EXPECT_EQ(c.vote.round, (std::vector<Strings>{{"payload.vote.height"}, {"payload.vote.view"}}));
  EXPECT_EQ(c.vote_block, "payload.vote.block_hash");
}

TEST(TargetCertificatesTest, PbftNamesItsPreparedCertificatesAndCheckpointProofs) {
  auto t = LoadTargetFile(std::string(TURNCOAT_SOURCE_DIR) + "/targets/pbft.yaml");
  ASSERT_TRUE(t.ok()) << t.status();
  const MessageSpec* view_change = nullptr;
  for (const MessageSpec& m : t->protocol.messages) {
    if (m.kind == "view-change") view_change = &m;
  }
  ASSERT_NE(view_change, nullptr);
  ASSERT_EQ(view_change->certificates.size(), 2u);
  EXPECT_EQ(view_change->certificates[0].at, Strings{"content.prepared"});
  EXPECT_EQ(view_change->certificates[0].votes, "prepares");
  EXPECT_EQ(view_change->certificates[0].vote.signature.text, SignatureSpec::Text::kHex);
  EXPECT_EQ(view_change->certificates[1].at, Strings{"content.checkpoint"});
  EXPECT_EQ(view_change->certificates[1].round, std::vector<Strings>{{"seq"}});
}

TEST(TargetCertificatesTest, EachMistakeIsNamedWhereItIs) {
  struct Case {
    std::string from, to;
    std::string key;      // the key path the error names
    std::string message;  // what it says
    std::string pointed;  // the text the error's position points at
  };
  const std::vector<Case> cases = {
      {"payload.decide.commit_qc]", "payload.decide.block]",
       "protocol.messages[0].certificates[0].votes",
       "'payload.decide.block.votes': refbft.Block has no field 'votes'", "votes: votes"},
      {"payload.decide.commit_qc]", "payload.decide.block.height]",
       "protocol.messages[0].certificates[0].at[3]",
       "'payload.decide.block.height' is not a singular message field; expected the certificate",
       "payload.decide.block.height"},
      {"votes: votes", "votes: phase", "protocol.messages[0].certificates[0].votes",
       "'phase' is not a repeated message field; expected the list of signed messages the "
       "certificate embeds",
       "votes: phase"},
      {"round: [height, view]\n", "round: [height, block_hash]\n",
       "protocol.messages[0].certificates[0].round[1]",
       "'block_hash' is a bytes field; a round is an integer", "block_hash]"},
      {"round: [payload.vote.height, payload.vote.view]",
       "round: [payload.vote.height, payload.vote.veiw]",
       "protocol.messages[0].certificates[0].vote.round[1]",
       "refbft.Vote has no field 'veiw'", "payload.vote.veiw"},
      {"            sender: sender\n", "            sender: payload.vote\n",
       "protocol.messages[0].certificates[0].vote.sender",
       "'payload.vote' is not a singular integer or string field", "payload.vote"},
      {"            sender: sender\n", "",
       "protocol.messages[0].certificates[0].vote", "missing required key 'sender'",
       "signature: { field: signature, covers: payload }"},
      {"          vote:\n", "          votr:\n", "protocol.messages[0].certificates[0]",
       "unknown key 'votr'", "votr"},
  };
  for (const Case& c : cases) {
    const std::string text = Edited(c.from, c.to);
    auto t = ParseTarget(text, kRefbft);
    ASSERT_FALSE(t.ok()) << c.message;
    const std::string error(t.status().message());
    EXPECT_EQ(error.rfind(kRefbft + ":", 0), 0u) << error;
    EXPECT_NE(error.find(c.key), std::string::npos) << error;
    EXPECT_NE(error.find(c.message), std::string::npos) << error;
    const std::string position = error.substr(kRefbft.size() + 1);
    EXPECT_NE(PointedAt(text, position).find(c.pointed), std::string::npos)
        << error << "\n" << PointedAt(text, position);
  }
}

}  // namespace
}  // namespace turncoat
