// The "corrupt" rewriter on frames of a declared framing and on raw bytes.
#include <memory>
#include <string>
#include <vector>

#include "agents/frame.h"
#include "agents/frame_format.h"
#include "agents/message_rewriter.h"
#include "gtest/gtest.h"
#include "tests/agents/sample_framing.h"

namespace turncoat {
namespace agent {
namespace {

class CorruptRewriterTest : public ::testing::Test {
 protected:
  CorruptRewriterTest() {
    auto compiled = FrameFormat::Compile(SixteenByteHeader());
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    format_ = std::make_shared<const FrameFormat>(*std::move(compiled));
  }

  absl::StatusOr<std::unique_ptr<MessageRewriter>> Make(RewriterParams params, bool framed = true) {
    params_ = std::move(params);
    RewriterContext context;
    context.params = &params_;
    if (framed) context.framing = format_;
    return RewriterRegistry::Create("corrupt", context);
  }

  // The one output of rewriting `bytes`.
  static std::string Rewritten(MessageRewriter& rewriter, const std::string& bytes) {
    Frame frame(1, {0, 1}, "", Direction::kRequest, bytes, nullptr);
    auto out = rewriter.Rewrite(frame);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return "";
    EXPECT_EQ(out->size(), 1u);
    return out->empty() ? "" : (*out)[0];
  }

  static int DifferingBytes(const std::string& a, const std::string& b) {
    int n = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) n += a[i] != b[i];
    return n;
  }

  std::shared_ptr<const FrameFormat> format_;
  RewriterParams params_;
};

TEST_F(CorruptRewriterTest, AResealedFramePassesTheFormatsChecksWithAnotherPayload) {
  auto rewriter = Make({{"bytes", "3"}, {"seed", "7"}});
  ASSERT_TRUE(rewriter.ok()) << rewriter.status();
  const std::string frame = MakeFrame(3, "a payload of some length");
  const std::string out = Rewritten(**rewriter, frame);
  ASSERT_EQ(out.size(), frame.size());
  EXPECT_EQ(DifferingBytes(frame.substr(16), out.substr(16)), 3) << "three payload bytes changed";
  EXPECT_EQ(out.substr(0, 12), frame.substr(0, 12)) << "magic, type and length kept";
  EXPECT_NE(out.substr(12, 4), frame.substr(12, 4)) << "the checksum follows the payload";
  EXPECT_TRUE(format_->ChecksumValid(out));
  auto next = format_->NextFrame(out);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, out.size());
  EXPECT_EQ(format_->KindOf(out), "prepare");
}

TEST_F(CorruptRewriterTest, WithoutResealTheChecksumNoLongerMatches) {
  auto rewriter = Make({{"reseal", "false"}, {"seed", "7"}});
  ASSERT_TRUE(rewriter.ok()) << rewriter.status();
  const std::string frame = MakeFrame(4, "commit payload");
  const std::string out = Rewritten(**rewriter, frame);
  EXPECT_EQ(DifferingBytes(frame, out), 1);
  EXPECT_EQ(out.substr(0, 16), frame.substr(0, 16)) << "the header is left as it was";
  EXPECT_FALSE(format_->ChecksumValid(out));
  auto next = format_->NextFrame(out);  // still cut where it was: the length is intact
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, out.size());
}

TEST_F(CorruptRewriterTest, TheSameSeedCorruptsTheSameWay) {
  const std::string frame = MakeFrame(3, std::string(200, 'x'));
  auto a = Make({{"bytes", "5"}, {"seed", "11"}});
  auto b = Make({{"bytes", "5"}, {"seed", "11"}});
  auto c = Make({{"bytes", "5"}, {"seed", "12"}});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  for (int i = 0; i < 3; ++i) {
    const std::string from_a = Rewritten(**a, frame);
    EXPECT_EQ(from_a, Rewritten(**b, frame)) << i;
    EXPECT_NE(from_a, Rewritten(**c, frame)) << i;
  }
}

TEST_F(CorruptRewriterTest, HeaderTrueReachesTheHeaderAndStillReseals) {
  // Every byte of a frame without payload: all of the header changes, then
  // length and checksum are written again.
  auto rewriter = Make({{"header", "true"}, {"bytes", "16"}});
  ASSERT_TRUE(rewriter.ok()) << rewriter.status();
  const std::string frame = MakeFrame(3, "");
  const std::string out = Rewritten(**rewriter, frame);
  EXPECT_NE(out.substr(0, 8), frame.substr(0, 8));
  EXPECT_EQ(out.substr(8, 4), frame.substr(8, 4)) << "the length is written back";
  EXPECT_TRUE(format_->ChecksumValid(out));
}

TEST_F(CorruptRewriterTest, AFrameWithoutPayloadIsLeftAlone) {
  auto rewriter = Make({});
  ASSERT_TRUE(rewriter.ok());
  const std::string frame = MakeFrame(3, "");
  EXPECT_EQ(Rewritten(**rewriter, frame), frame);
  EXPECT_TRUE((*rewriter)->Counters().empty());
}

TEST_F(CorruptRewriterTest, RawBytesChangeAnywhereAndAreCounted) {
  auto rewriter = Make({{"bytes", "4"}}, /*framed=*/false);
  ASSERT_TRUE(rewriter.ok()) << rewriter.status();
  const std::string raw = "0123";
  const std::string out = Rewritten(**rewriter, raw);
  EXPECT_EQ(DifferingBytes(raw, out), 4);
  // More bytes asked than the chunk has: all of them change, no more.
  EXPECT_EQ(DifferingBytes("ab", Rewritten(**rewriter, "ab")), 2);
  EXPECT_EQ((*rewriter)->Counters().at("bytes changed"), 6);
}

TEST_F(CorruptRewriterTest, ParamsThatNeedFramingOrAreOutOfRangeAreRefused) {
  auto reseal = Make({{"reseal", "true"}}, /*framed=*/false);
  ASSERT_FALSE(reseal.ok());
  EXPECT_NE(reseal.status().message().find("framing"), std::string::npos) << reseal.status();
  EXPECT_FALSE(Make({{"bytes", "0"}}).ok());
  EXPECT_FALSE(Make({{"reseal", "maybe"}}).ok());
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
