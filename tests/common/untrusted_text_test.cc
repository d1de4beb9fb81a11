#include "common/untrusted_text.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

TEST(Utf8CharLengthTest, MeasuresValidCharactersAndRefusesTheRest) {
  EXPECT_EQ(Utf8CharLength("a"), 1u);
  EXPECT_EQ(Utf8CharLength("\xC3\xA9x"), 2u);          // é
  EXPECT_EQ(Utf8CharLength("\xE6\x97\xA5"), 3u);       // 日
  EXPECT_EQ(Utf8CharLength("\xF0\x9F\x98\x80"), 4u);   // U+1F600
  EXPECT_EQ(Utf8CharLength(""), 0u);
  EXPECT_EQ(Utf8CharLength("\x80"), 0u) << "a stray continuation byte";
  EXPECT_EQ(Utf8CharLength("\xC3"), 0u) << "truncated";
  EXPECT_EQ(Utf8CharLength("\xC0\xAF"), 0u) << "overlong /";
  EXPECT_EQ(Utf8CharLength("\xED\xA0\x80"), 0u) << "a UTF-16 surrogate";
  EXPECT_EQ(Utf8CharLength("\xF4\x90\x80\x80"), 0u) << "past U+10FFFF";
  EXPECT_EQ(Utf8CharLength("\xFF"), 0u);
}

TEST(PrintableTextTest, EscapesWhatCouldDriveATerminalAndKeepsText) {
  EXPECT_EQ(PrintableText("plain text\twith a tab\nand a line"),
            "plain text\twith a tab\nand a line");
  EXPECT_EQ(PrintableText("caf\xC3\xA9 \xE6\x97\xA5"), "caf\xC3\xA9 \xE6\x97\xA5");
  EXPECT_EQ(PrintableText("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(PrintableText("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
  EXPECT_EQ(PrintableText("over\rwrite"), "over\\x0dwrite");
  EXPECT_EQ(PrintableText("del\x7f"), "del\\x7f");
  EXPECT_EQ(PrintableText("c1 csi \xC2\x9B" "2J"), "c1 csi \\xc2\\x9b2J");
  EXPECT_EQ(PrintableText("bad \xFF\xFE bytes"), "bad \\xff\\xfe bytes");
  EXPECT_EQ(PrintableText("<script>alert(1)</script>"), "<script>alert(1)</script>")
      << "HTML is the reports' to escape";
}

TEST(PrintableTextTest, ABackslashCannotForgeAnEscape) {
  EXPECT_EQ(PrintableText("\\x1b"), "\\\\x1b");
  EXPECT_NE(PrintableText("\\x1b"), PrintableText("\x1b"));
}

class UntrustedFileTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/untrusted_tail_XXXXXX";
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& content) {
    const std::string path = dir_ + "/log";
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string dir_;
};

TEST_F(UntrustedFileTailTest, KeepsTheLastLines) {
  EXPECT_EQ(UntrustedFileTail(Write("one\ntwo\nthree\nfour\n"), 2), "three\nfour");
  EXPECT_EQ(UntrustedFileTail(Write("only"), 5), "only");
  EXPECT_EQ(UntrustedFileTail(dir_ + "/missing", 5), "");
}

TEST_F(UntrustedFileTailTest, AMegabyteLineIsCutAndTheLinesAfterItKept) {
  const std::string path =
      Write("start\n" + std::string(3 << 20, 'x') + "\n\x1b]0;pwned\x07 \xFF\nend\n");
  const std::string tail = UntrustedFileTail(path, 3);
  EXPECT_LT(tail.size(), 1000u);
  EXPECT_TRUE(absl::EndsWith(tail, "\\x1b]0;pwned\\x07 \\xff\nend")) << tail;
  EXPECT_EQ(tail.find('\x1b'), std::string::npos);
  EXPECT_TRUE(absl::StartsWith(tail, "...xxx")) << "the long line's end, cut: " << tail;
  EXPECT_NE(tail.find("xxx...\n"), std::string::npos) << tail;
  EXPECT_EQ(tail.find("start"), std::string::npos) << "read from the file's end only";
}

TEST_F(UntrustedFileTailTest, ALineCutMidCharacterStaysValid) {
  std::string line;
  for (int i = 0; i < 300; ++i) line += "\xC3\xA9";  // 600 bytes of é
  const std::string tail = UntrustedFileTail(Write(line + "\n"), 1, 16384, 401);
  EXPECT_EQ(tail, line.substr(0, 400) + "...") << "back to a character's start";
}

}  // namespace
}  // namespace turncoat
