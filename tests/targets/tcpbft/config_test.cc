#include "targets/tcpbft/config.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/targets/tcpbft/cluster_spec.h"

namespace tcpbft {
namespace {

class TcpbftConfigTest : public testing::Test {
 protected:
  TcpbftConfigTest() : spec_(4, 1, {"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"}) {}

  // Replica 1's config, edited by `edit`, loaded from a file.
  absl::StatusOr<Config> Load(const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json doc = nlohmann::json::parse(spec_.ReplicaJson(1));
    edit(doc);
    path_ = (std::filesystem::temp_directory_path() / absl::StrCat("tcpbft_config_", getpid(), ".json")).string();
    std::ofstream(path_) << doc.dump();
    return LoadReplicaConfig(path_);
  }
  ~TcpbftConfigTest() override { std::remove(path_.c_str()); }

  ClusterSpec spec_;
  std::string path_;
};

TEST_F(TcpbftConfigTest, LoadsWhatTheDocumentedKeysSay) {
  absl::StatusOr<Config> config = Load([](nlohmann::json&) {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->id, "r1");
  EXPECT_EQ(config->index, 1);
  EXPECT_EQ(config->n(), 4);
  EXPECT_EQ(config->quorum(), 3);
  EXPECT_EQ(config->clients.count("c0"), 1u);
  EXPECT_EQ(config->key->PublicHex(), spec_.replica_publics[1]);
}

TEST_F(TcpbftConfigTest, SmallQuorumBugMakesQuorumsFPlusOne) {
  absl::StatusOr<Config> config = Load([](nlohmann::json& doc) { doc["bug"] = "small-quorum"; });
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->quorum(), 2);
}

TEST_F(TcpbftConfigTest, ErrorsNameTheFileAndKey) {
  absl::StatusOr<Config> config = Load([](nlohmann::json& doc) { doc["bug"] = "no-such-bug"; });
  EXPECT_EQ(config.status().message(),
            absl::StrCat(path_, ": bug: unknown bug 'no-such-bug'; expected none or small-quorum"));
  config = Load([](nlohmann::json& doc) { doc["replicas"][2]["public_key"] = "abc"; });
  EXPECT_EQ(config.status().message(),
            absl::StrCat(path_, ": replicas[2]: public_key: expected 64 hex digits (a raw 32-byte Ed25519 key), "
                                "found 3 characters"));
  config = Load([](nlohmann::json& doc) { doc["lisen"] = "x"; });
  EXPECT_NE(config.status().message().find(": lisen: unknown key"), std::string::npos) << config.status();
}

TEST_F(TcpbftConfigTest, RefusesTooFewReplicasForF) {
  absl::StatusOr<Config> config = Load([](nlohmann::json& doc) { doc["f"] = 2; });
  EXPECT_NE(config.status().message().find("list at least 7 replicas"), std::string::npos) << config.status();
}

TEST_F(TcpbftConfigTest, RefusesAnIdNotAmongTheReplicas) {
  absl::StatusOr<Config> config = Load([](nlohmann::json& doc) { doc["id"] = "r9"; });
  EXPECT_NE(config.status().message().find("id: 'r9' is not among the replicas"), std::string::npos)
      << config.status();
}

}  // namespace
}  // namespace tcpbft
