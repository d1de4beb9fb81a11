// Where turncoat finds its agent, {{build_dir}} and its data, in a build
// tree and as `cmake --install` lays it out (harness/install_layout.h).
#include "harness/install_layout.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

class InstallLayoutTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/install_layout_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Touch(const std::string& path) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << "";
  }

  std::string dir_;
};

TEST_F(InstallLayoutTest, ABuildTreeHasTheAgentUnderAgentsAndNoDataDir) {
  Touch(dir_ + "/harness/turncoat");
  Touch(dir_ + "/agents/turncoat-agent");
  const TurncoatLayout layout = LayoutBeside(dir_ + "/harness");
  EXPECT_EQ(layout.build_dir, dir_);
  EXPECT_EQ(layout.agent, dir_ + "/agents/turncoat-agent");
  EXPECT_EQ(layout.data_dir, "");
}

TEST_F(InstallLayoutTest, AnInstalledTurncoatUsesTheAgentBesideItAndLibTurncoat) {
  Touch(dir_ + "/bin/turncoat");
  Touch(dir_ + "/bin/turncoat-agent");
  Touch(dir_ + "/lib/turncoat/targets/refbft/refbft");
  Touch(dir_ + "/share/turncoat/plans/smoke.yaml");
  const TurncoatLayout layout = LayoutBeside(dir_ + "/bin");
  EXPECT_EQ(layout.agent, dir_ + "/bin/turncoat-agent");
  EXPECT_EQ(layout.build_dir, dir_ + "/lib/turncoat");
  EXPECT_EQ(layout.data_dir, dir_ + "/share/turncoat");
}

TEST_F(InstallLayoutTest, AnAgentBesideTheBinaryWinsOverTheBuildTreesOwn) {
  Touch(dir_ + "/harness/turncoat-agent");
  Touch(dir_ + "/agents/turncoat-agent");
  EXPECT_EQ(LayoutBeside(dir_ + "/harness").agent, dir_ + "/harness/turncoat-agent");
}

}  // namespace
}  // namespace turncoat
