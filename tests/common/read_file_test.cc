#include "common/read_file.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

class ReadFileTest : public ::testing::Test {
 protected:
  // A directory of its own: ctest runs each test in its own process, side
  // by side, and one test's TearDown must not remove another's files.
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/read_file_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

TEST_F(ReadFileTest, ReadsEveryByte) {
  const std::string path = dir_ + "/bytes";
  const std::string content("line\n\0binary\xff", 13);
  std::ofstream(path, std::ios::binary) << content;
  auto read = ReadFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
  EXPECT_EQ(Slurp(path), content);
}

TEST_F(ReadFileTest, ErrorsNameThePathAndTheReason) {
  const std::string missing = dir_ + "/missing";
  auto read = ReadFile(missing);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(read.status().message(), "cannot read " + missing + ": No such file or directory");
  // An ifstream would open a directory and read nothing.
  read = ReadFile(dir_);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(), "cannot read " + dir_ + ": it is a directory");
}

TEST_F(ReadFileTest, SlurpGivesNothingForWhatCannotBeRead) {
  EXPECT_EQ(Slurp(dir_ + "/missing"), "");
  EXPECT_EQ(Slurp(dir_), "");
}

}  // namespace
}  // namespace turncoat
