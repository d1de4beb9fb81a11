// ReadinessProbe (harness/readiness.h): a replica's log read as it grows, a
// listen port, and gRPC health, each against the real thing on 127.0.0.1.
#include "harness/readiness.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

std::string FreshDir(const std::string& name) {
  const std::string dir = (fs::path(testing::TempDir()) / "readiness_test" / name).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

void Overwrite(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

ReadySpec LogSpec(const std::string& regex, ReadySpec::Stream stream = ReadySpec::Stream::kStdout) {
  ReadySpec spec;
  spec.kind = ReadySpec::Kind::kLog;
  spec.regex = regex;
  spec.stream = stream;
  return spec;
}

TEST(ReadinessLogTest, ALineSplitAcrossPollsMatchesOnceWhole) {
  const std::string dir = FreshDir("split");
  ReadinessProbe probe(LogSpec("^listening on \\d+ as r1$"), "127.0.0.1:1", dir);
  EXPECT_FALSE(probe.Poll()) << "no log yet";
  Append(dir + "/stdout.log", "starting\nlisten");
  EXPECT_FALSE(probe.Poll());
  Append(dir + "/stdout.log", "ing on 4000 as r1");
  EXPECT_FALSE(probe.Poll()) << "the line is not finished";
  Append(dir + "/stdout.log", "\nmore\n");
  EXPECT_TRUE(probe.Poll());
  EXPECT_TRUE(probe.Poll()) << "ready stays ready";
}

TEST(ReadinessLogTest, MatchIsSearchedNotAnchored) {
  const std::string dir = FreshDir("search");
  ReadinessProbe probe(LogSpec("view \\d+ started"), "127.0.0.1:1", dir);
  Append(dir + "/stdout.log", "2024-01-01 INFO view 0 started (leader r0)\n");
  EXPECT_TRUE(probe.Poll());
}

TEST(ReadinessLogTest, ReadsTheStreamItIsTold) {
  const std::string dir = FreshDir("stderr");
  ReadinessProbe probe(LogSpec("^ready$", ReadySpec::Stream::kStderr), "127.0.0.1:1", dir);
  Append(dir + "/stdout.log", "ready\n");
  EXPECT_FALSE(probe.Poll());
  Append(dir + "/stderr.log", "ready\n");
  EXPECT_TRUE(probe.Poll());
  EXPECT_EQ(probe.Describe(), absl::StrCat("a line of ", dir, "/stderr.log to match /^ready$/"));
}

// A log that is truncated (a restarted process, logrotate) is read again
// from its start, and a half line from before does not join the new text.
TEST(ReadinessLogTest, TruncatedLogIsReadAgainFromTheStart) {
  const std::string dir = FreshDir("truncate");
  const std::string log = dir + "/stdout.log";
  ReadinessProbe probe(LogSpec("^ready$"), "127.0.0.1:1", dir);
  Append(log, "a long line that is not the one we wait for\nre");
  EXPECT_FALSE(probe.Poll());
  Overwrite(log, "ady\n");
  EXPECT_FALSE(probe.Poll()) << "'re' + 'ady' are two incarnations' text";
  Append(log, "ready\n");
  EXPECT_TRUE(probe.Poll());
}

// A megabyte without a newline is dropped, not buffered; the lines after it
// are still read.
TEST(ReadinessLogTest, MegabyteLineWithoutNewlineIsDropped) {
  const std::string dir = FreshDir("huge");
  const std::string log = dir + "/stdout.log";
  ReadinessProbe probe(LogSpec("^ready$"), "127.0.0.1:1", dir);
  Append(log, std::string(3 << 19, 'x'));  // 1.5 MiB, one unfinished line
  EXPECT_FALSE(probe.Poll());
  Append(log, std::string(1 << 19, 'y'));
  EXPECT_FALSE(probe.Poll());
  Append(log, "\nready\n");
  EXPECT_TRUE(probe.Poll());
}

TEST(ReadinessLogTest, ManyLinesInOnePoll) {
  const std::string dir = FreshDir("many");
  ReadinessProbe probe(LogSpec("^line 9999$"), "127.0.0.1:1", dir);
  std::string text;
  for (int i = 0; i < 10000; ++i) absl::StrAppend(&text, "line ", i, "\n");
  Append(dir + "/stdout.log", text);
  EXPECT_TRUE(probe.Poll());
}

// A TCP listener on 127.0.0.1 with an ephemeral port.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd_); }
  void Listen() { EXPECT_EQ(::listen(fd_, 16), 0); }
  int fd() const { return fd_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(ReadinessPortTest, ReadyOnceTheListenPortAccepts) {
  Listener listener;  // bound, not yet listening: connections are refused
  ReadySpec spec;
  ReadinessProbe probe(spec, listener.address(), FreshDir("port"));
  EXPECT_FALSE(probe.Poll());
  EXPECT_FALSE(PortOpen(listener.address()));
  listener.Listen();
  EXPECT_TRUE(PortOpen(listener.address()));
  EXPECT_TRUE(probe.Poll());
  EXPECT_EQ(probe.Describe(),
            absl::StrCat("its listen address ", listener.address(), " to accept connections"));
}

TEST(ReadinessPortTest, AddressesThatAreNotOpen) {
  EXPECT_FALSE(PortOpen("no-port"));
  EXPECT_FALSE(PortOpen("127.0.0.1:notaport"));
  EXPECT_FALSE(PortOpen("host.invalid:80"));
}

TEST(ReadinessPortTest, FirstCommitIsTheControllersToWaitFor) {
  ReadySpec spec;
  spec.kind = ReadySpec::Kind::kFirstCommit;
  ReadinessProbe probe(spec, "127.0.0.1:1", FreshDir("first_commit"));
  EXPECT_TRUE(probe.Poll());
  EXPECT_EQ(probe.Describe(), "a first commit");
}

// An in-process gRPC server on 127.0.0.1 with the default health service
// (and a generic service that answers every other method UNIMPLEMENTED,
// because a server needs one service of its own), stopped with the test.
class HealthServer {
 public:
  HealthServer() {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterCallbackGenericService(&generic_);
    server_ = builder.BuildAndStart();
    EXPECT_NE(server_, nullptr);
  }
  ~HealthServer() { server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(2))); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  grpc::HealthCheckServiceInterface* health() { return server_->GetHealthCheckService(); }

 private:
  int port_ = 0;
  grpc::CallbackGenericService generic_;
  std::unique_ptr<grpc::Server> server_;
};

TEST(ReadinessGrpcTest, HealthOfTheServerAndOfAService) {
  HealthServer server;
  ASSERT_NE(server.health(), nullptr);
  EXPECT_TRUE(GrpcHealthServing(server.address(), "", absl::Seconds(5)));
  EXPECT_FALSE(GrpcHealthServing(server.address(), "refbft.Peer", absl::Seconds(5)))
      << "a service the server does not know is NOT_FOUND";
  server.health()->SetServingStatus("refbft.Peer", true);
  EXPECT_TRUE(GrpcHealthServing(server.address(), "refbft.Peer", absl::Seconds(5)));
  server.health()->SetServingStatus("refbft.Peer", false);
  EXPECT_FALSE(GrpcHealthServing(server.address(), "refbft.Peer", absl::Seconds(5)));
  // A name longer than 127 bytes takes a two-byte length in the request
  // (gRPC's own health service refuses names over 200 bytes).
  const std::string long_name(150, 's');
  server.health()->SetServingStatus(long_name, true);
  EXPECT_TRUE(GrpcHealthServing(server.address(), long_name, absl::Seconds(5)));
}

TEST(ReadinessGrpcTest, ProbeWaitsForServing) {
  HealthServer server;
  ReadySpec spec;
  spec.kind = ReadySpec::Kind::kGrpcHealth;
  spec.service = "svc";
  ReadinessProbe probe(spec, server.address(), FreshDir("grpc"));
  EXPECT_FALSE(probe.Poll());
  server.health()->SetServingStatus("svc", true);
  EXPECT_TRUE(probe.Poll());
  EXPECT_EQ(probe.Describe(), absl::StrCat("grpc.health.v1.Health/Check on ", server.address(),
                                           " to answer SERVING for 'svc'"));
}

// A TCP port that accepts connections and never speaks HTTP/2: not
// serving, and the answer comes within the timeout.
TEST(ReadinessGrpcTest, PortThatIsNotGrpc) {
  Listener listener;
  listener.Listen();
  std::atomic<bool> stop{false};
  std::thread acceptor([&] {
    // Accept and hold connections open without a byte, until told to stop.
    std::vector<int> held;
    while (!stop.load()) {
      timeval tv{0, 50 * 1000};
      fd_set set;
      FD_ZERO(&set);
      FD_SET(listener.fd(), &set);
      if (::select(listener.fd() + 1, &set, nullptr, nullptr, &tv) > 0) {
        const int fd = ::accept(listener.fd(), nullptr, nullptr);
        if (fd >= 0) held.push_back(fd);
      }
    }
    for (int fd : held) ::close(fd);
  });
  const absl::Time start = absl::Now();
  EXPECT_FALSE(GrpcHealthServing(listener.address(), "", absl::Milliseconds(500)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));

  ReadySpec spec;
  spec.kind = ReadySpec::Kind::kGrpcHealth;
  ReadinessProbe probe(spec, listener.address(), FreshDir("not_grpc"));
  EXPECT_FALSE(probe.Poll());
  EXPECT_EQ(probe.Describe(), absl::StrCat("grpc.health.v1.Health/Check on ", listener.address(),
                                           " to answer SERVING"));
  stop = true;
  acceptor.join();
}

TEST(ReadinessGrpcTest, NothingListening) {
  Listener listener;  // bound only: connections are refused
  const absl::Time start = absl::Now();
  EXPECT_FALSE(GrpcHealthServing(listener.address(), "", absl::Milliseconds(500)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

}  // namespace
}  // namespace turncoat
