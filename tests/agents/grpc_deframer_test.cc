#include "agents/grpc_deframer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace turncoat {
namespace agent {
namespace {

std::vector<std::string> FeedAll(GrpcDeframer& deframer, const std::vector<std::string>& chunks) {
  std::vector<std::string> taken;
  for (const std::string& chunk : chunks) {
    deframer.Feed(chunk, [&](std::string framed) { taken.push_back(std::move(framed)); });
  }
  return taken;
}

TEST(GrpcDeframerTest, FramingWritesFlagsAndBigEndianLength) {
  const std::string framed = FrameGrpcMessage(std::string(258, 'x'), 1);
  ASSERT_EQ(framed.size(), kGrpcPrefix + 258);
  EXPECT_EQ(framed.substr(0, kGrpcPrefix), std::string("\x01\x00\x00\x01\x02", 5));
  EXPECT_EQ(GrpcFramedLength(framed), framed.size());
  EXPECT_EQ(GrpcFramedLength(framed.substr(0, framed.size() - 1)), std::nullopt);
  EXPECT_EQ(GrpcFramedLength(framed.substr(0, 4)), std::nullopt);
}

TEST(GrpcDeframerTest, SeveralMessagesInOneReadComeOutInOrder) {
  const std::string a = FrameGrpcMessage("first", 0);
  const std::string b = FrameGrpcMessage("", 0);
  const std::string c = FrameGrpcMessage("third", 1);
  GrpcDeframer deframer;
  EXPECT_EQ(FeedAll(deframer, {a + b + c}), (std::vector<std::string>{a, b, c}));
  EXPECT_EQ(deframer.buffered(), 0u);
}

TEST(GrpcDeframerTest, AMessageCutAnywhereIsTakenOnceWhole) {
  const std::string a = FrameGrpcMessage("one message", 0);
  const std::string b = FrameGrpcMessage("and the next", 0);
  const std::string stream = a + b;
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    GrpcDeframer deframer;
    EXPECT_EQ(FeedAll(deframer, {stream.substr(0, cut), stream.substr(cut)}),
              (std::vector<std::string>{a, b}))
        << "cut at " << cut;
    EXPECT_EQ(deframer.buffered(), 0u);
  }
}

TEST(GrpcDeframerTest, AByteAtATimeHoldsTheRestUntilItArrives) {
  const std::string a = FrameGrpcMessage("slow", 0);
  GrpcDeframer deframer;
  std::vector<std::string> chunks;
  for (char c : a) chunks.emplace_back(1, c);
  chunks.pop_back();
  EXPECT_TRUE(FeedAll(deframer, chunks).empty());
  EXPECT_EQ(deframer.buffered(), a.size() - 1);
  EXPECT_EQ(FeedAll(deframer, {a.substr(a.size() - 1)}), (std::vector<std::string>{a}));
}

// A peer may announce any length; the deframer only waits for it.
TEST(GrpcDeframerTest, AHugeAnnouncedLengthIsHeldNotTrusted) {
  GrpcDeframer deframer;
  const std::string prefix("\x00\xff\xff\xff\xff", 5);
  EXPECT_TRUE(FeedAll(deframer, {prefix + "tiny"}).empty());
  EXPECT_EQ(deframer.buffered(), prefix.size() + 4);
  EXPECT_EQ(deframer.declared(), size_t{0xffffffff} + 5) << "what the proxy's limit checks";
}

TEST(GrpcDeframerTest, DeclaredIsZeroUntilAPrefixIsWhole) {
  GrpcDeframer deframer;
  EXPECT_EQ(deframer.declared(), 0u);
  FeedAll(deframer, {std::string("\x00\x00\x00", 3)});
  EXPECT_EQ(deframer.declared(), 0u);
  FeedAll(deframer, {std::string("\x01\x00", 2)});
  EXPECT_EQ(deframer.declared(), 256u + 5);
  FeedAll(deframer, {std::string(256, 'm')});
  EXPECT_EQ(deframer.declared(), 0u) << "taken whole, nothing held";
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
