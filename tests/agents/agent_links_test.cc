// OpenLinks, the control call that opens several of an agent's links at
// once: every link opens and gets a port of its own, or none stays open;
// and what the links' proxies rejected, as GetRuleStats reports it.
// Runs the turncoat-agent binary on 127.0.0.1; no replica.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/ports.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "proto/agent.grpc.pb.h"

namespace turncoat {
namespace agent {
namespace {

namespace v1 = ::turncoat::agent::v1;

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return ctx;
}

v1::OpenLinkRequest Link(int from, int to, int target_port, std::string listen = "") {
  v1::OpenLinkRequest link;
  link.set_from(from);
  link.set_to(to);
  link.set_target(absl::StrCat("127.0.0.1:", target_port));
  link.set_listen(std::move(listen));
  return link;
}

// Whether something accepts TCP connections on 127.0.0.1:port.
bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// Sends `bytes` on a new connection to 127.0.0.1:port; whether the other
// side closes it within 5 s.
bool ClosesAfter(int port, const std::string& bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval tick{0, 50 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  bool closed = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    for (absl::Time end = absl::Now() + absl::Seconds(5); !closed && absl::Now() < end;) {
      char buf[4096];
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
    }
  }
  close(fd);
  return closed;
}

class AgentLinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/turncoat_agent_links_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const std::string port_file = dir_ + "/agent.port";
    SpawnOptions opts;
    opts.stderr_path = dir_ + "/agent.err";
    auto agent = Subprocess::Spawn({AGENT_BIN, "--port_file=" + port_file}, opts);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_.emplace(*std::move(agent));
    for (absl::Time end = absl::Now() + absl::Seconds(20);
         !std::filesystem::exists(port_file) && absl::Now() < end;) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    int port = 0;
    std::ifstream(port_file) >> port;
    ASSERT_GT(port, 0) << "the agent did not publish its port; see " << dir_ << "/agent.err";
    stub_ = v1::Agent::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                                   grpc::InsecureChannelCredentials()));
    // Destinations nobody listens on: a proxy dials its destination only
    // when its sender connects.
    for (int& p : targets_) {
      auto picked = PickFreePort();
      ASSERT_TRUE(picked.ok());
      p = *picked;
    }
  }

  void TearDown() override {
    stub_.reset();
    if (agent_.has_value()) {
      auto exit = agent_->Stop(absl::Seconds(5));
      EXPECT_TRUE(exit.ok() && exit->success()) << "agent did not shut down cleanly";
    }
  }

  grpc::Status OpenOne(const v1::OpenLinkRequest& link, int* port = nullptr) {
    v1::OpenLinkReply reply;
    grpc::Status s = stub_->OpenLink(Ctx().get(), link, &reply);
    if (port != nullptr) *port = reply.port();
    return s;
  }

  std::string dir_;
  std::optional<Subprocess> agent_;
  std::unique_ptr<v1::Agent::Stub> stub_;
  int targets_[4] = {};
};

TEST_F(AgentLinksTest, OpensEveryLinkWithAPortOfItsOwnInRequestOrder) {
  v1::OpenLinksRequest request;
  for (int to = 1; to <= 3; ++to) *request.add_links() = Link(0, to, targets_[to]);
  v1::OpenLinksReply reply;
  grpc::Status s = stub_->OpenLinks(Ctx().get(), request, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(reply.links_size(), 3);
  std::set<int> ports;
  for (const v1::OpenLinkReply& link : reply.links()) {
    EXPECT_GT(link.port(), 0);
    EXPECT_TRUE(Accepts(link.port())) << "port " << link.port();
    ports.insert(link.port());
  }
  EXPECT_EQ(ports.size(), 3u);
  // Each reply belongs to its request: closing 0->2 stops listening on the
  // second port only.
  v1::CloseLinkRequest close;
  close.set_from(0);
  close.set_to(2);
  v1::Empty empty;
  ASSERT_TRUE(stub_->CloseLink(Ctx().get(), close, &empty).ok());
  EXPECT_FALSE(Accepts(reply.links(1).port()));
  EXPECT_TRUE(Accepts(reply.links(0).port()));
  EXPECT_TRUE(Accepts(reply.links(2).port()));
  EXPECT_EQ(OpenOne(Link(0, 1, targets_[1])).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(AgentLinksTest, ALinkAlreadyOpenRefusesTheWholeBatch) {
  ASSERT_TRUE(OpenOne(Link(0, 1, targets_[1])).ok());
  v1::OpenLinksRequest request;
  *request.add_links() = Link(0, 2, targets_[2]);
  *request.add_links() = Link(0, 1, targets_[1]);
  v1::OpenLinksReply reply;
  grpc::Status s = stub_->OpenLinks(Ctx().get(), request, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(s.error_message().find("0->1"), std::string::npos) << s.error_message();
  EXPECT_TRUE(OpenOne(Link(0, 2, targets_[2])).ok()) << "0->2 was left open";
}

TEST_F(AgentLinksTest, ALinkThatCannotListenClosesTheOnesOpenedBeforeIt) {
  // The second link asks for a port the first one already holds.
  int taken = 0;
  ASSERT_TRUE(OpenOne(Link(0, 1, targets_[1]), &taken).ok());
  v1::OpenLinksRequest request;
  *request.add_links() = Link(0, 2, targets_[2]);
  *request.add_links() = Link(0, 3, targets_[3], absl::StrCat("127.0.0.1:", taken));
  v1::OpenLinksReply reply;
  grpc::Status s = stub_->OpenLinks(Ctx().get(), request, &reply);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error_message().find("0->3"), std::string::npos) << s.error_message();
  EXPECT_EQ(reply.links_size(), 0);
  EXPECT_TRUE(OpenOne(Link(0, 2, targets_[2])).ok()) << "0->2 was left open";
  EXPECT_TRUE(OpenOne(Link(0, 3, targets_[3])).ok());
}

TEST_F(AgentLinksTest, RefusesALinkAskedTwiceOrOffLoopback) {
  v1::OpenLinksRequest twice;
  *twice.add_links() = Link(0, 1, targets_[1]);
  *twice.add_links() = Link(0, 1, targets_[2]);
  v1::OpenLinksReply reply;
  EXPECT_EQ(stub_->OpenLinks(Ctx().get(), twice, &reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::OpenLinksRequest outside;
  *outside.add_links() = Link(0, 2, targets_[2]);
  *outside.add_links() = Link(0, 3, targets_[3], "0.0.0.0:0");
  EXPECT_EQ(stub_->OpenLinks(Ctx().get(), outside, &reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Neither batch opened anything.
  EXPECT_TRUE(OpenOne(Link(0, 1, targets_[1])).ok());
  EXPECT_TRUE(OpenOne(Link(0, 2, targets_[2])).ok());
}

// What a gRPC link's proxy rejected reaches the controller in the reply it
// reads at the end of a run: GetRuleStats's traffic has, per link that
// rejected anything, the connections ended for broken HTTP/2 and the calls
// ended for an oversized message.
TEST_F(AgentLinksTest, RuleStatsCountWhatAGrpcLinkRejected) {
  v1::Agent::Service unimplemented;  // a destination that speaks gRPC
  int destination = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &destination);
  builder.RegisterService(&unimplemented);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  v1::OpenLinksRequest request;
  *request.add_links() = Link(0, 1, destination);
  *request.add_links() = Link(0, 2, targets_[2]);
  v1::OpenLinksReply reply;
  ASSERT_TRUE(stub_->OpenLinks(Ctx().get(), request, &reply).ok());
  const int port = reply.links(0).port();

  auto sender = v1::Agent::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                                       grpc::InsecureChannelCredentials()));
  v1::RemoveRuleRequest message;
  message.set_id("small");
  v1::Empty empty;
  // The destination answers, so its connection is open for the peers below.
  ASSERT_EQ(sender->RemoveRule(Ctx().get(), message, &empty).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  message.set_id(std::string(size_t{65} << 20, 'x'));  // over the proxy's 64 MiB
  EXPECT_EQ(sender->RemoveRule(Ctx().get(), message, &empty).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(ClosesAfter(port, "GET / HTTP/1.1\r\nHost: peer\r\n\r\n"));

  v1::RuleStatsReply stats;
  ASSERT_TRUE(stub_->GetRuleStats(Ctx().get(), v1::Empty(), &stats).ok());
  ASSERT_EQ(stats.traffic_size(), 1) << "0->2 rejected nothing: " << stats.DebugString();
  const v1::LinkTraffic& link = stats.traffic(0);
  EXPECT_EQ(link.from(), 0);
  EXPECT_EQ(link.to(), 1);
  EXPECT_EQ(link.malformed_connections(), 1u);
  EXPECT_EQ(link.oversized_messages(), 1u);
  EXPECT_EQ(link.kinds_size(), 0);
  EXPECT_EQ(link.connections(), 0u);
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
