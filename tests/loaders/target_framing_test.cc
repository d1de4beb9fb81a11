// Targets on TCP: transport, links and the framing of their streams.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "loaders/target_loader.h"

namespace turncoat {
namespace {

const std::string kTcpbft = std::string(TURNCOAT_SOURCE_DIR) + "/targets/tcpbft.yaml";
const std::string kPath = std::string(TURNCOAT_SOURCE_DIR) + "/targets/t.yaml";

// Line numbers asserted below count from "name: t" as line 1.
constexpr char kTarget[] = R"(name: t
replica:
  command: [bin, "--listen={{listen}}"]
keys: ed25519
transport: tcp
links: netns
protocol:
  framing:
    header_bytes: 12
    byte_order: little
    magic: { offset: 0, size: 2, value: 0xBEEF }
    type: { offset: 2, size: 2 }
    length: { offset: 4, size: 4, counts: frame }
    checksum: { offset: 8, size: 4, algorithm: crc32c, covers: frame }
    types: { 1: vote, 2: proposal }
observe:
  commits: { stream: stdout, regex: '^C (?P<value>\S+)$' }
client:
  program: { command: [cli], input: stdin, request: "{{value}}", ack: '^ok (?P<value>\S+)$' }
)";

TEST(TargetFramingTest, TcpbftLoadsWithItsFraming) {
  absl::StatusOr<TargetSpec> t = LoadTargetFile(kTcpbft);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->transport, Transport::kTcp);
  EXPECT_EQ(t->links, LinkMode::kNetns);
  ASSERT_TRUE(t->protocol.framing.has_value());
  const FramingDecl& f = *t->protocol.framing;
  EXPECT_EQ(f.header_bytes, 16u);
  EXPECT_FALSE(f.little_endian);
  EXPECT_EQ(f.magic_value, 0x54434246u);
  EXPECT_EQ(f.length.offset, 8u);
  EXPECT_EQ(f.checksum.size, 4u);
  ASSERT_TRUE(f.checksum_from.has_value());
  EXPECT_EQ(*f.checksum_from, 4u);
  EXPECT_TRUE(t->protocol.messages.empty());
  const std::vector<std::string> kinds = t->protocol.KindNames();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "commit"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "pre-prepare"), kinds.end());
}

TEST(TargetFramingTest, EveryFramingKeyReadsAsWritten) {
  absl::StatusOr<TargetSpec> t = ParseTarget(kTarget, kPath);
  ASSERT_TRUE(t.ok()) << t.status();
  const FramingDecl& f = *t->protocol.framing;
  EXPECT_TRUE(f.little_endian);
  EXPECT_EQ(f.magic_value, 0xBEEFu);
  EXPECT_EQ(f.type.size, 2u);
  EXPECT_TRUE(f.length_counts_frame);
  EXPECT_EQ(f.checksum_algorithm, "crc32c");
  EXPECT_TRUE(f.checksum_covers_frame);
  EXPECT_FALSE(f.checksum_from.has_value());
  EXPECT_EQ(f.types.at(2), "proposal");
  EXPECT_EQ(t->protocol.KindNames(), (std::vector<std::string>{"proposal", "vote"}));
}

struct FramingError {
  std::string name;
  std::vector<std::pair<std::string, std::string>> edits;  // applied to kTarget
  std::string expected;  // a substring of the error, with file:line:column
};

class TargetFramingErrorTest : public testing::TestWithParam<FramingError> {};

TEST_P(TargetFramingErrorTest, SaysWhereAndWhat) {
  std::string text = kTarget;
  for (const auto& [from, to] : GetParam().edits) text = absl::StrReplaceAll(text, {{from, to}});
  absl::StatusOr<TargetSpec> t = ParseTarget(text, kPath);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find(GetParam().expected), std::string::npos) << t.status();
}

INSTANTIATE_TEST_SUITE_P(
    Errors, TargetFramingErrorTest,
    testing::Values(
        FramingError{"overlap", {{"type: { offset: 2, size: 2 }", "type: { offset: 4, size: 1 }"}},
                     "t.yaml:13:13: protocol.framing.length: overlaps protocol.framing.type"},
        FramingError{"outside_header",
                     {{"checksum: { offset: 8, size: 4", "checksum: { offset: 10, size: 4"}},
                     "t.yaml:14:15: protocol.framing.checksum: bytes 10..14 lie outside the "
                     "12-byte header"},
        FramingError{"odd_size", {{"type: { offset: 2, size: 2 }", "type: { offset: 2, size: 3 }"}},
                     "t.yaml:12:30: protocol.framing.type.size: expected 1, 2, 4 or 8"},
        FramingError{"unknown_algorithm", {{"crc32c", "md5"}},
                     "protocol.framing.checksum.algorithm: unknown value 'md5'"},
        FramingError{"no_length", {{"    length: { offset: 4, size: 4, counts: frame }\n", ""}},
                     "protocol.framing: missing required key 'length'"},
        FramingError{"types_without_type_field", {{"    type: { offset: 2, size: 2 }\n", ""}},
                     "protocol.framing.types: naming types needs the header's type field"},
        FramingError{"grpc_client",
                     {{"  program: { command: [cli], input: stdin, request: \"{{value}}\", "
                       "ack: '^ok (?P<value>\\S+)$' }",
                       "  grpc: { method: /x.C/S, request: x.R, value: v }"}},
                     "t.yaml:19:3: client: a target on TCP speaks no gRPC turncoat can call"},
        FramingError{"protos_on_tcp", {{"  framing:\n", "  protos: [x.proto]\n  framing:\n"}},
                     "describes its messages by their framing"},
        FramingError{"unknown_links", {{"links: netns", "links: iptables"}},
                     "t.yaml:6:8: links: unknown value 'iptables'; expected one of: ports, netns"}),
    [](const testing::TestParamInfo<FramingError>& info) { return info.param.name; });

}  // namespace
}  // namespace turncoat
