#include "agents/frame_format.h"

#include <zlib.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/agents/sample_framing.h"

namespace turncoat {
namespace agent {
namespace {




TEST(FrameFormatTest, CutsAStreamAtMessageBoundariesAndNamesKinds) {
  auto format = FrameFormat::Compile(SixteenByteHeader());
  ASSERT_TRUE(format.ok()) << format.status();
  const std::string a = MakeFrame(3, "hello"), b = MakeFrame(4, "world!!");
  const std::string stream = a + b;

  auto first = format->NextFrame(stream);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(**first, a.size());
  EXPECT_EQ(format->KindOf(a), "prepare");
  EXPECT_EQ(format->KindOf(b), "commit");
  EXPECT_EQ(format->KindOf(MakeFrame(9, "x")), "");  // unlisted type
  EXPECT_TRUE(format->ChecksumValid(a));

  // Partial frames wait for more bytes, header or payload.
  for (size_t cut : {size_t{3}, size_t{10}, a.size() - 1}) {
    auto partial = format->NextFrame(stream.substr(0, cut));
    ASSERT_TRUE(partial.ok()) << cut;
    EXPECT_FALSE(partial->has_value()) << cut;
  }
}

TEST(FrameFormatTest, RefusesStreamsItCannotCut) {
  auto format = FrameFormat::Compile(SixteenByteHeader());
  ASSERT_TRUE(format.ok());
  std::string bad_magic = MakeFrame(3, "x");
  bad_magic[0] = 'Z';
  EXPECT_FALSE(format->NextFrame(bad_magic).ok());
  // Already from the first bytes: the magic is read as soon as it is there.
  EXPECT_FALSE(format->NextFrame(bad_magic.substr(0, 4)).ok());

  FramingSpec small = SixteenByteHeader();
  small.max_frame_bytes = 64;
  auto bounded = FrameFormat::Compile(small);
  ASSERT_TRUE(bounded.ok());
  EXPECT_FALSE(bounded->NextFrame(MakeFrame(3, std::string(100, 'x'))).ok());
}

TEST(FrameFormatTest, ResealWritesLengthAndChecksumOfAChangedFrame) {
  auto format = FrameFormat::Compile(SixteenByteHeader());
  ASSERT_TRUE(format.ok());
  std::string frame = MakeFrame(3, "hello");
  frame[16] = 'J';          // the payload changed: the checksum no longer fits
  frame += "-and-more";     // and it grew
  EXPECT_FALSE(format->ChecksumValid(frame));
  ASSERT_TRUE(format->Reseal(&frame).ok());
  EXPECT_EQ(frame, MakeFrame(3, "Jello-and-more"));
  EXPECT_TRUE(format->ChecksumValid(frame));
}

TEST(FrameFormatTest, LittleEndianWholeFrameLengthAndCrc32cOverTheFrame) {
  FramingSpec spec;
  spec.header_bytes = 8;
  spec.big_endian = false;
  spec.length = {0, 2};
  spec.length_counts = FrameSpan::kFrame;
  spec.type = {2, 2};
  spec.checksum = {4, 4};
  spec.checksum_algorithm = ChecksumAlgorithm::kCrc32c;
  spec.checksum_covers = FrameSpan::kFrame;
  auto format = FrameFormat::Compile(spec);
  ASSERT_TRUE(format.ok()) << format.status();
  std::string frame(8, '\0');
  frame += "123456789";
  ASSERT_TRUE(format->Reseal(&frame).ok());
  EXPECT_EQ(static_cast<unsigned char>(frame[0]), 17);  // whole frame, little-endian
  EXPECT_EQ(frame[1], 0);
  auto next = format->NextFrame(frame + "trailing");
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, 17u);
  EXPECT_TRUE(format->ChecksumValid(frame));
  frame[10] ^= 1;
  EXPECT_FALSE(format->ChecksumValid(frame));
}

TEST(FrameFormatTest, ChecksumFromAnOffsetLeavesItsOwnBytesOut) {
  // crc32 over header bytes 4..11 and the payload, as tcpbft frames it.
  FramingSpec spec = SixteenByteHeader();
  spec.checksum_covers = FrameSpan::kFrom;
  spec.checksum_from = 4;
  auto format = FrameFormat::Compile(spec);
  ASSERT_TRUE(format.ok()) << format.status();
  std::string frame = MakeFrame(3, "hello");
  ASSERT_TRUE(format->Reseal(&frame).ok());
  const std::string covered = frame.substr(4, 8) + "hello";
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(covered.data()),
                          static_cast<uInt>(covered.size()));
  EXPECT_EQ(frame.substr(12, 4), BigEndian(crc, 4));
  frame[4] = 4;  // the type is covered
  EXPECT_FALSE(format->ChecksumValid(frame));
}

TEST(FrameFormatTest, Crc32cMatchesItsStandardCheckValue) {
  // CRC-32C of "123456789" is 0xE3069283 (RFC 3720, B.4).
  FramingSpec spec;
  spec.header_bytes = 8;
  spec.length = {0, 4};
  spec.checksum = {4, 4};
  spec.checksum_algorithm = ChecksumAlgorithm::kCrc32c;
  auto format = FrameFormat::Compile(spec);
  ASSERT_TRUE(format.ok());
  std::string frame(8, '\0');
  frame += "123456789";
  ASSERT_TRUE(format->Reseal(&frame).ok());
  EXPECT_EQ(frame.substr(4, 4), BigEndian(0xE3069283, 4));
}

TEST(FrameFormatTest, CompileNamesTheFieldAtFault) {
  FramingSpec no_length = SixteenByteHeader();
  no_length.length = {};
  EXPECT_NE(FrameFormat::Compile(no_length).status().message().find("length is required"),
            std::string::npos);

  FramingSpec outside = SixteenByteHeader();
  outside.checksum = {14, 4};
  EXPECT_NE(FrameFormat::Compile(outside).status().message().find("checksum: bytes 14..18"),
            std::string::npos);

  FramingSpec overlap = SixteenByteHeader();
  overlap.type = {8, 1};
  EXPECT_NE(FrameFormat::Compile(overlap).status().message().find("overlaps"), std::string::npos);

  FramingSpec odd = SixteenByteHeader();
  odd.length = {8, 3};
  EXPECT_NE(FrameFormat::Compile(odd).status().message().find("size 3"), std::string::npos);
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
