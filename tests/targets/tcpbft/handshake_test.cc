#include "targets/tcpbft/handshake.h"

#include "gtest/gtest.h"
#include "targets/tcpbft/messages.h"
#include "tests/targets/tcpbft/cluster_spec.h"

namespace tcpbft {
namespace {

ClusterSpec Spec() {
  return ClusterSpec(4, 1, {"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"});
}

TEST(TcpbftHandshakeTest, MatchingClaimsPassBothChecks) {
  ClusterSpec spec = Spec();
  Config dialler = spec.Replica(0), acceptor = spec.Replica(2);
  absl::StatusOr<int> peer = CheckHello(acceptor, MakeHello(dialler, FrameType::kHello));
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(*peer, 0);
  EXPECT_TRUE(CheckHelloAck(dialler, 2, MakeHello(acceptor, FrameType::kHelloAck)).ok());
}

TEST(TcpbftHandshakeTest, DiallerRejectsAnAcceptorReachedThroughARelay) {
  ClusterSpec spec = Spec();
  // Replica 0's config sends it to a relay on port 9001 to reach replica 1.
  Config dialler = spec.Replica(0);
  dialler.replicas[1].address = "127.0.0.1:9001";
  absl::Status status = CheckHelloAck(dialler, 1, MakeHello(spec.Replica(1), FrameType::kHelloAck));
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(status.message().find("dialled 127.0.0.1:9001 but 'r1' says it listens on 127.0.0.1:7001"),
            std::string::npos)
      << status;
}

TEST(TcpbftHandshakeTest, AcceptorRejectsAClaimedAddressItsConfigDoesNotList) {
  ClusterSpec spec = Spec();
  Config acceptor = spec.Replica(3);
  acceptor.replicas[1].address = "127.0.0.1:9013";  // reaches r1 through a proxy
  absl::StatusOr<int> peer = CheckHello(acceptor, MakeHello(spec.Replica(1), FrameType::kHello));
  EXPECT_EQ(peer.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(TcpbftHandshakeTest, AcceptorRejectsADiallerWithTheHigherIndex) {
  ClusterSpec spec = Spec();
  EXPECT_FALSE(CheckHello(spec.Replica(1), MakeHello(spec.Replica(2), FrameType::kHello)).ok());
}

TEST(TcpbftHandshakeTest, RejectsAHelloSignedWithAnotherKey) {
  ClusterSpec spec = Spec();
  Config impostor = spec.Replica(0);
  impostor.key = *SignKey::FromHex(RandomSeedHex());
  EXPECT_FALSE(CheckHello(spec.Replica(2), MakeHello(impostor, FrameType::kHello)).ok());
}

TEST(TcpbftHandshakeTest, DiallerRejectsAnAnswerFromAnotherReplica) {
  ClusterSpec spec = Spec();
  EXPECT_FALSE(CheckHelloAck(spec.Replica(0), 1, MakeHello(spec.Replica(2), FrameType::kHelloAck)).ok());
}

}  // namespace
}  // namespace tcpbft
