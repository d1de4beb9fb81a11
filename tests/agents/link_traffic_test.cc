#include "agents/link_traffic.h"

#include <vector>

#include "gtest/gtest.h"

namespace turncoat {
namespace agent {
namespace {

TEST(LinkTrafficTest, CountsFramesAndBytesPerLinkAndKind) {
  LinkTraffic traffic;
  traffic.Frame({0, 1}, "PREPARE", 100);
  traffic.Frame({0, 1}, "PREPARE", 120);
  traffic.Frame({0, 1}, "COMMIT", 90);
  traffic.Frame({1, 0}, kUnframedKind, 7);
  traffic.Unparsed({0, 1}, 33);
  traffic.Connection({0, 1});
  traffic.Refused({2, 0});

  const std::vector<LinkTrafficStats> links = traffic.Snapshot();
  ASSERT_EQ(links.size(), 3u);  // by (from, to)
  EXPECT_EQ(links[0].link, (LinkId{0, 1}));
  ASSERT_EQ(links[0].kinds.size(), 2u);
  EXPECT_EQ(links[0].kinds.at("PREPARE").frames, 2u);
  EXPECT_EQ(links[0].kinds.at("PREPARE").bytes, 220u);
  EXPECT_EQ(links[0].kinds.at("COMMIT").frames, 1u);
  EXPECT_EQ(links[0].unparsed_bytes, 33u);
  EXPECT_EQ(links[0].connections, 1u);
  EXPECT_EQ(links[0].refused, 0u);
  EXPECT_EQ(links[1].link, (LinkId{1, 0}));
  EXPECT_EQ(links[1].kinds.at("unframed").bytes, 7u);
  EXPECT_EQ(links[2].link, (LinkId{2, 0}));
  EXPECT_TRUE(links[2].kinds.empty());
  EXPECT_EQ(links[2].refused, 1u);
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
