#include "targets/tcpbft/frame.h"

#include <string>

#include "gtest/gtest.h"

namespace tcpbft {
namespace {

TEST(TcpbftFrameTest, HeaderLayoutIsAsDocumented) {
  const std::string bytes = EncodeFrame(FrameType::kCommit, "abc");
  ASSERT_EQ(bytes.size(), kHeaderSize + 3);
  EXPECT_EQ(bytes.substr(0, 4), "TCBF");
  EXPECT_EQ(bytes[4], 6);                          // type
  EXPECT_EQ(bytes.substr(5, 3), std::string(3, '\0'));  // flags, reserved
  EXPECT_EQ(bytes.substr(8, 4), std::string("\0\0\0\3", 4));
  // crc32 of bytes 4..11 then the payload, computed independently:
  // python3 -c "import zlib; print(hex(zlib.crc32(bytes([6,0,0,0,0,0,0,3]) + b'abc')))"
  EXPECT_EQ(bytes.substr(12, 4), std::string("\x5b\xe2\x4c\x91", 4));
  EXPECT_EQ(bytes.substr(16), "abc");
}

TEST(TcpbftFrameTest, ReassemblesFramesSplitAcrossReads) {
  const std::string stream = EncodeFrame(FrameType::kPrepare, "first") +
                             EncodeFrame(FrameType::kReply, std::string(1000, 'x'));
  FrameDecoder decoder;
  std::vector<Frame> frames;
  for (char c : stream) {
    decoder.Append(std::string(1, c));
    while (std::optional<Frame> frame = decoder.Next()) frames.push_back(*frame);
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].type, static_cast<uint8_t>(FrameType::kPrepare));
  EXPECT_EQ(frames[0].payload, "first");
  EXPECT_EQ(frames[1].payload, std::string(1000, 'x'));
  EXPECT_EQ(decoder.bad_checksums(), 0u);
}

TEST(TcpbftFrameTest, DropsAFrameWithABadChecksumAndKeepsTheStream) {
  std::string bad = EncodeFrame(FrameType::kPrepare, "payload");
  bad.back() ^= 1;
  FrameDecoder decoder;
  decoder.Append(bad + EncodeFrame(FrameType::kCommit, "next"));
  std::optional<Frame> frame = decoder.Next();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->payload, "next");
  EXPECT_EQ(decoder.bad_checksums(), 1u);
  EXPECT_FALSE(decoder.Next().has_value());
}

TEST(TcpbftFrameTest, AChangedTypeFailsTheChecksum) {
  std::string bad = EncodeFrame(FrameType::kPrepare, "payload");
  bad[4] = static_cast<char>(FrameType::kCommit);
  FrameDecoder decoder;
  decoder.Append(bad);
  EXPECT_FALSE(decoder.Next().has_value());
  EXPECT_EQ(decoder.bad_checksums(), 1u);
}

TEST(TcpbftFrameTest, SkipsGarbageToTheNextMagic) {
  FrameDecoder decoder;
  decoder.Append("garbage T bytes" + EncodeFrame(FrameType::kHello, "hi"));
  std::optional<Frame> frame = decoder.Next();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->payload, "hi");
  EXPECT_EQ(decoder.skipped_bytes(), 15u);
}

TEST(TcpbftFrameTest, WaitsForTheWholePayload) {
  const std::string bytes = EncodeFrame(FrameType::kRequest, "0123456789");
  FrameDecoder decoder;
  decoder.Append(bytes.substr(0, bytes.size() - 1));
  EXPECT_FALSE(decoder.Next().has_value());
  decoder.Append(bytes.substr(bytes.size() - 1));
  EXPECT_TRUE(decoder.Next().has_value());
}

}  // namespace
}  // namespace tcpbft
