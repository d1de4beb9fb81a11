// TCP links on 127.0.0.1: a "replica" dials its outbound proxy, which goes
// through the peer's agent's inbound proxy to an echoing peer. Each agent's
// rules act on what its own replica sends.
#include "agents/tcp_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "agents/rule_engine.h"
#include "gtest/gtest.h"
#include "tests/agents/sample_framing.h"

namespace turncoat {
namespace agent {
namespace {

int ListenAny(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(fd, 8);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

int DialPort(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads what arrives within `wait` (bounded), or until `want` bytes came.
std::string ReadFor(int fd, absl::Duration wait, size_t want) {
  std::string got;
  const absl::Time deadline = absl::Now() + wait;
  char buffer[4096];
  while (got.size() < want && absl::Now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<size_t>(n));
  }
  return got;
}

// The peer replica: accepts one connection and sends back every byte it
// reads, recording them.
class EchoPeer {
 public:
  EchoPeer() {
    listen_fd_ = ListenAny(&port_);
    thread_ = std::thread([this] {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 10000) <= 0) return;
      conn_ = accept(listen_fd_, nullptr, nullptr);
      char buffer[4096];
      while (true) {
        const ssize_t n = recv(conn_, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        {
          absl::MutexLock lock(&mu_);
          received_.append(buffer, static_cast<size_t>(n));
        }
        send(conn_, buffer, static_cast<size_t>(n), MSG_NOSIGNAL);
      }
    });
  }
  ~EchoPeer() {
    shutdown(listen_fd_, SHUT_RDWR);
    if (conn_ >= 0) shutdown(conn_, SHUT_RDWR);
    thread_.join();
    close(listen_fd_);
    if (conn_ >= 0) close(conn_);
  }
  int port() const { return port_; }
  std::string received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> conn_{-1};
  absl::Mutex mu_;
  std::string received_;
  std::thread thread_;
};

// A peer replica that takes any number of connections and echoes each,
// recording how many it accepted and how each ended (0: a FIN, else the
// errno of the failed read).
class EchoServer {
 public:
  EchoServer() {
    listen_fd_ = ListenAny(&port_);
    acceptor_ = std::thread([this] {
      while (!stopping_.load()) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        const int conn = accept(listen_fd_, nullptr, nullptr);
        if (conn < 0) continue;
        absl::MutexLock lock(&mu_);
        conns_.push_back(conn);
        threads_.emplace_back([this, conn] { Echo(conn); });
      }
    });
  }
  ~EchoServer() {
    stopping_ = true;
    acceptor_.join();
    {
      absl::MutexLock lock(&mu_);
      for (int fd : conns_) shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& t : threads_) t.join();
    for (int fd : conns_) close(fd);
    close(listen_fd_);
  }
  int port() const { return port_; }
  int accepted() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(conns_.size());
  }
  // How the connections ended so far, in the order they ended.
  std::vector<int> endings() {
    absl::MutexLock lock(&mu_);
    return endings_;
  }
  // Waits (bounded) until `count` connections ended.
  std::vector<int> AwaitEndings(size_t count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (endings().size() < count && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return endings();
  }

 private:
  void Echo(int conn) {
    char buffer[4096];
    int ending = 0;
    while (true) {
      const ssize_t n = recv(conn, buffer, sizeof(buffer), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ending = n < 0 ? errno : 0;
        break;
      }
      if (send(conn, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) < 0) break;
    }
    absl::MutexLock lock(&mu_);
    endings_.push_back(ending);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<int> conns_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;  // added under mu_, joined once the acceptor stopped
  std::vector<int> endings_ ABSL_GUARDED_BY(mu_);
};

// How the dialler's connection ends within a bounded wait: 0 for a FIN,
// the errno of a failed read, or -1 if it stays open.
int EndingOf(int fd) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  char buffer[4096];
  while (absl::Now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n == 0) return 0;
    if (n < 0) return errno;
  }
  return -1;
}

// Sends `text` and expects it back within a bounded wait.
bool Echoes(int fd, const std::string& text) {
  if (send(fd, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) {
    return false;
  }
  return ReadFor(fd, absl::Seconds(10), text.size()) == text;
}

RuleSpec OnConnections(const std::string& id, int from, int to, ActionKind kind) {
  RuleSpec rule;
  rule.id = id;
  rule.from = from;
  rule.to = to;
  rule.action.kind = kind;
  return rule;
}

uint64_t Applied(const RuleEngine& engine, const std::string& id) {
  for (const RuleStats& s : engine.Stats()) {
    if (s.id == id) return s.applied;
  }
  return 0;
}

// Two agents: replica 0's (outbound link 0 -> 1) and replica 1's (inbound).
struct TwoAgents {
  explicit TwoAgents(bool framed, int peer_port) {
    std::shared_ptr<const FrameFormat> format;
    if (framed) {
      auto compiled = FrameFormat::Compile(SixteenByteHeader());
      format = std::make_shared<const FrameFormat>(*std::move(compiled));
      for (RuleEngine* e : {&engine0, &engine1}) e->SetFrameFormat(format);
    }
    runtime0 = std::make_shared<TcpLinkRuntime>(std::make_shared<ProxyRuntime>(&engine0, nullptr),
                                                format);
    runtime1 = std::make_shared<TcpLinkRuntime>(std::make_shared<ProxyRuntime>(&engine1, nullptr),
                                                format);
    auto in = TcpInbound::Start(runtime1, "127.0.0.1:0");
    EXPECT_TRUE(in.ok()) << in.status();
    inbound = *std::move(in);
    auto out = TcpOutbound::Start(runtime0, {0, 1}, "127.0.0.1:0",
                                  absl::StrCat("127.0.0.1:", inbound->port()),
                                  absl::StrCat("127.0.0.1:", peer_port));
    EXPECT_TRUE(out.ok()) << out.status();
    outbound = *std::move(out);
  }
  ~TwoAgents() {
    outbound.reset();
    inbound.reset();
    runtime0.reset();
    runtime1.reset();
  }

  RuleEngine engine0, engine1;
  std::shared_ptr<TcpLinkRuntime> runtime0, runtime1;
  std::unique_ptr<TcpInbound> inbound;
  std::unique_ptr<TcpOutbound> outbound;
};

RuleSpec DropKinds(const std::string& id, int from, int to, std::vector<std::string> kinds) {
  RuleSpec rule;
  rule.id = id;
  rule.from = from;
  rule.to = to;
  rule.kinds = std::move(kinds);
  rule.action.kind = ActionKind::kDrop;
  return rule;
}

TEST(TcpLinkTest, PassesBothDirectionsUnchangedWithoutRules) {
  EchoPeer peer;
  TwoAgents agents(/*framed=*/true, peer.port());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  const std::string stream = MakeFrame(3, "p1") + MakeFrame(4, "c1") + MakeFrame(3, "p2");
  // In pieces that cut frames anywhere, as TCP may deliver them.
  for (size_t at = 0; at < stream.size(); at += 7) {
    send(fd, stream.data() + at, std::min<size_t>(7, stream.size() - at), MSG_NOSIGNAL);
  }
  EXPECT_EQ(ReadFor(fd, absl::Seconds(10), stream.size()), stream);
  EXPECT_EQ(peer.received(), stream);
  close(fd);
  EXPECT_EQ(agents.runtime0->Stats().frames, 3u);  // the sender's agent saw its three
  EXPECT_EQ(agents.runtime1->Stats().frames, 3u);  // and the peer's its echoes
}

TEST(TcpLinkTest, EachAgentsRulesActOnWhatItsReplicaSends) {
  EchoPeer peer;
  TwoAgents agents(/*framed=*/true, peer.port());
  // Replica 0's commits never reach 1; 1's prepares never come back to 0.
  ASSERT_TRUE(agents.engine0.Install(DropKinds("no-commits", 0, 1, {"commit"})).ok());
  ASSERT_TRUE(agents.engine1.Install(DropKinds("no-prepares", 1, 0, {"prepare"})).ok());
  // A rule for the other direction placed at the wrong agent never matches.
  ASSERT_TRUE(agents.engine0.Install(DropKinds("wrong-agent", 1, 0, {"commit"})).ok());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  const std::string p1 = MakeFrame(3, "p1"), c1 = MakeFrame(4, "c1"), p2 = MakeFrame(3, "p2"),
                    c2 = MakeFrame(4, "c2");
  const std::string sent = p1 + c1 + p2 + c2;
  send(fd, sent.data(), sent.size(), MSG_NOSIGNAL);
  // 1 receives the prepares and echoes them; they do not come back.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (peer.received().size() < (p1 + p2).size() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(peer.received(), p1 + p2);
  EXPECT_EQ(ReadFor(fd, absl::Milliseconds(500), 1), "");
  close(fd);
  std::vector<RuleStats> stats0 = agents.engine0.Stats();
  ASSERT_EQ(stats0.size(), 2u);
  EXPECT_EQ(stats0[0].applied, 2u);  // two commits dropped
  EXPECT_EQ(stats0[1].matched, 0u);  // link 1 -> 0 is not agent 0's
  std::vector<RuleStats> stats1 = agents.engine1.Stats();
  ASSERT_EQ(stats1.size(), 1u);
  EXPECT_EQ(stats1[0].applied, 2u);
}

TEST(TcpLinkTest, DelaysAnUnframedStreamWithoutReorderingIt) {
  EchoPeer peer;
  TwoAgents agents(/*framed=*/false, peer.port());
  RuleSpec slow;
  slow.id = "slow";
  slow.from = 0;
  slow.action.kind = ActionKind::kDelay;
  slow.action.delay = absl::Milliseconds(300);
  slow.action.jitter = absl::Milliseconds(200);
  ASSERT_TRUE(agents.engine0.Install(slow).ok());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  std::string sent;
  const absl::Time start = absl::Now();
  for (int i = 0; i < 20; ++i) {
    const std::string chunk = absl::StrCat("chunk-", i, ";");
    sent += chunk;
    send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(ReadFor(fd, absl::Seconds(10), sent.size()), sent);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  close(fd);
}

TEST(TcpLinkTest, AStreamThatStopsParsingPassesOnRawAndIsCounted) {
  EchoPeer peer;
  TwoAgents agents(/*framed=*/true, peer.port());
  ASSERT_TRUE(agents.engine0.Install(DropKinds("no-commits", 0, 1, {"commit"})).ok());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  const std::string good = MakeFrame(3, "p1");
  const std::string garbage = "GET / HTTP/1.1\r\n\r\n" + MakeFrame(4, "c1");
  const std::string sent = good + garbage;
  send(fd, sent.data(), sent.size(), MSG_NOSIGNAL);
  // After the garbage nothing is cut any more: the commit behind it passes.
  EXPECT_EQ(ReadFor(fd, absl::Seconds(10), sent.size()), sent);
  EXPECT_EQ(agents.runtime0->Stats().unparsed_bytes, garbage.size());
  close(fd);
}

TEST(TcpLinkTest, ADestinationThatRefusesClosesTheDiallersConnection) {
  int port = 0;
  const int closed = ListenAny(&port);
  close(closed);  // nothing listens there now
  TwoAgents agents(/*framed=*/false, port);
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  char c;
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 10000), 1);
  EXPECT_LE(recv(fd, &c, 1, 0), 0);
  close(fd);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (agents.runtime1->Stats().refused == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(agents.runtime1->Stats().refused, 1u);
}

TEST(TcpLinkTest, ACutClosesLiveConnectionsBothWaysAndLaterOnesWork) {
  EchoServer peer;
  TwoAgents agents(/*framed=*/false, peer.port());
  const int live = DialPort(agents.outbound->port());
  ASSERT_GE(live, 0);
  ASSERT_TRUE(Echoes(live, "before"));
  ASSERT_TRUE(agents.engine0.Install(OnConnections("cut", 0, 1, ActionKind::kCut)).ok());
  EXPECT_EQ(EndingOf(live), 0) << "the dialler reads a FIN";
  EXPECT_EQ(peer.AwaitEndings(1), std::vector<int>{0}) << "and so does the peer";
  EXPECT_EQ(Applied(agents.engine0, "cut"), 1u);
  close(live);
  // The cut acted once: a new connection works while the rule stays.
  const int later = DialPort(agents.outbound->port());
  ASSERT_GE(later, 0);
  EXPECT_TRUE(Echoes(later, "after"));
  EXPECT_EQ(Applied(agents.engine0, "cut"), 1u);
  close(later);
}

TEST(TcpLinkTest, AResetGivesBothEndsECONNRESET) {
  EchoServer peer;
  TwoAgents agents(/*framed=*/true, peer.port());
  const int live = DialPort(agents.outbound->port());
  ASSERT_GE(live, 0);
  ASSERT_TRUE(Echoes(live, MakeFrame(3, "p1")));
  // At the peer's agent, on what the peer answers: the same connection.
  ASSERT_TRUE(agents.engine1.Install(OnConnections("reset", 1, 0, ActionKind::kReset)).ok());
  EXPECT_EQ(EndingOf(live), ECONNRESET) << "the reset crossed the dialler's agent as a reset";
  EXPECT_EQ(peer.AwaitEndings(1), std::vector<int>{ECONNRESET});
  EXPECT_EQ(Applied(agents.engine1, "reset"), 1u);
  close(live);
}

TEST(TcpLinkTest, RefusedConnectionsAreResetAtOnceWhileLiveOnesPassUntilTheRuleGoes) {
  EchoServer peer;
  TwoAgents agents(/*framed=*/false, peer.port());
  const int live = DialPort(agents.outbound->port());
  ASSERT_GE(live, 0);
  ASSERT_TRUE(Echoes(live, "first"));
  ASSERT_TRUE(agents.engine0.Install(OnConnections("refuse", 0, 1, ActionKind::kRefuse)).ok());
  const int refused = DialPort(agents.outbound->port());
  ASSERT_GE(refused, 0) << "the proxy accepts, then resets";
  EXPECT_EQ(EndingOf(refused), ECONNRESET);
  close(refused);
  EXPECT_TRUE(Echoes(live, "still")) << "a live connection is not refused";
  EXPECT_EQ(peer.accepted(), 1) << "a refused connection never reaches the peer";
  EXPECT_EQ(Applied(agents.engine0, "refuse"), 1u);
  ASSERT_TRUE(agents.engine0.Remove("refuse").ok());
  const int healed = DialPort(agents.outbound->port());
  ASSERT_GE(healed, 0);
  EXPECT_TRUE(Echoes(healed, "healed"));
  close(healed);
  close(live);
}

TEST(TcpLinkTest, AConnectionTheAcceptorsAgentRefusesIsResetForTheDialler) {
  EchoServer peer;
  TwoAgents agents(/*framed=*/false, peer.port());
  // Replica 1 would answer on this connection: its agent refuses it.
  ASSERT_TRUE(agents.engine1.Install(OnConnections("refuse", 1, 0, ActionKind::kRefuse)).ok());
  const int refused = DialPort(agents.outbound->port());
  ASSERT_GE(refused, 0);
  EXPECT_EQ(EndingOf(refused), ECONNRESET);
  close(refused);
  EXPECT_EQ(peer.accepted(), 0);
  EXPECT_EQ(Applied(agents.engine1, "refuse"), 1u);
}

TEST(TcpLinkTest, PacingCapsThroughputInOrderAndHealingLiftsIt) {
  EchoServer peer;
  TwoAgents agents(/*framed=*/false, peer.port());
  RuleSpec pace;
  pace.id = "pace";
  pace.from = 0;
  pace.action.kind = ActionKind::kPace;
  pace.action.bytes_per_second = 16 * 1024;
  ASSERT_TRUE(agents.engine0.Install(pace).ok());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  std::string sent(64 * 1024, '\0');
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>('a' + i * 7 % 26);
  absl::Time start = absl::Now();
  ASSERT_EQ(send(fd, sent.data(), sent.size(), MSG_NOSIGNAL), static_cast<ssize_t>(sent.size()));
  EXPECT_EQ(ReadFor(fd, absl::Seconds(9), sent.size()), sent);
  const absl::Duration paced = absl::Now() - start;
  EXPECT_GE(paced, absl::Seconds(3)) << "64 KiB at 16 KiB/s";
  EXPECT_LT(paced, absl::Seconds(8));
  EXPECT_GT(Applied(agents.engine0, "pace"), 0u);
  ASSERT_TRUE(agents.engine0.Remove("pace").ok());
  start = absl::Now();
  ASSERT_EQ(send(fd, sent.data(), sent.size(), MSG_NOSIGNAL), static_cast<ssize_t>(sent.size()));
  EXPECT_EQ(ReadFor(fd, absl::Seconds(9), sent.size()), sent);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  close(fd);
}

// The frames of a framed stream, cut by the format (the test fails if the
// stream does not cut into whole frames).
std::vector<std::string> Frames(const std::string& stream) {
  auto format = FrameFormat::Compile(SixteenByteHeader());
  std::vector<std::string> frames;
  absl::string_view rest = stream;
  while (!rest.empty()) {
    auto next = format->NextFrame(rest);
    EXPECT_TRUE(next.ok() && next->has_value()) << "not whole frames at byte "
                                                << stream.size() - rest.size();
    if (!next.ok() || !next->has_value()) break;
    frames.emplace_back(rest.substr(0, **next));
    rest.remove_prefix(**next);
  }
  return frames;
}

// Waits (bounded) until the peer has received `size` bytes.
std::string AwaitReceived(EchoPeer& peer, size_t size) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (peer.received().size() < size && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  return peer.received();
}

RuleSpec Rewrite(const std::string& id, const std::string& rewriter, RewriterParams params,
                 std::vector<std::string> kinds) {
  RuleSpec rule;
  rule.id = id;
  rule.from = 0;
  rule.kinds = std::move(kinds);
  rule.action.kind = ActionKind::kRewrite;
  rule.action.rewriter = rewriter;
  rule.action.params = std::move(params);
  return rule;
}

TEST(TcpLinkTest, CorruptedResealedFramesArriveValidWithAnotherPayload) {
  EchoPeer peer;
  TwoAgents agents(/*framed=*/true, peer.port());
  ASSERT_TRUE(agents.engine0
                  .Install(Rewrite("corrupt", "corrupt", {{"bytes", "2"}, {"seed", "5"}},
                                   {"prepare"}))
                  .ok());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  const std::string p1 = MakeFrame(3, "prepare-one"), c1 = MakeFrame(4, "commit-one");
  const std::string sent = p1 + c1;
  send(fd, sent.data(), sent.size(), MSG_NOSIGNAL);
  const std::vector<std::string> got = Frames(AwaitReceived(peer, sent.size()));
  close(fd);
  ASSERT_EQ(got.size(), 2u);
  auto format = FrameFormat::Compile(SixteenByteHeader());
  EXPECT_NE(got[0], p1);
  EXPECT_EQ(got[0].size(), p1.size());
  EXPECT_TRUE(format->ChecksumValid(got[0])) << "resealed";
  EXPECT_EQ(format->KindOf(got[0]), "prepare");
  EXPECT_EQ(got[1], c1) << "commits are not the rule's";
}

TEST(TcpLinkTest, CorruptedFramesWithoutResealFailTheirChecksum) {
  EchoPeer peer;
  TwoAgents agents(/*framed=*/true, peer.port());
  ASSERT_TRUE(
      agents.engine0.Install(Rewrite("corrupt", "corrupt", {{"reseal", "false"}}, {})).ok());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  const std::string p1 = MakeFrame(3, "prepare-one");
  send(fd, p1.data(), p1.size(), MSG_NOSIGNAL);
  const std::vector<std::string> got = Frames(AwaitReceived(peer, p1.size()));
  close(fd);
  ASSERT_EQ(got.size(), 1u);
  auto format = FrameFormat::Compile(SixteenByteHeader());
  EXPECT_NE(got[0], p1);
  EXPECT_FALSE(format->ChecksumValid(got[0]));
}

TEST(TcpLinkTest, ReplayedFramesArriveAgainWholeBetweenFrames) {
  EchoPeer peer;
  TwoAgents agents(/*framed=*/true, peer.port());
  // Every frame carries the oldest recorded one not replayed yet.
  ASSERT_TRUE(agents.engine0.Install(Rewrite("replay", "replay", {{"after", "0s"}}, {})).ok());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  const std::string p1 = MakeFrame(3, "prepare-one"), c1 = MakeFrame(4, "commit-one"),
                    p2 = MakeFrame(3, "prepare-two");
  const std::string sent = p1 + c1 + p2;
  send(fd, sent.data(), sent.size(), MSG_NOSIGNAL);
  const std::vector<std::string> got =
      Frames(AwaitReceived(peer, sent.size() + p1.size() + c1.size()));
  close(fd);
  EXPECT_EQ(got, (std::vector<std::string>{p1, c1, p1, p2, c1}));
}

TEST(TcpLinkTest, DuplicatedFramesFollowTheirOriginals) {
  EchoPeer peer;
  TwoAgents agents(/*framed=*/true, peer.port());
  RuleSpec twice;
  twice.id = "twice";
  twice.from = 0;
  twice.kinds = {"commit"};
  twice.action.kind = ActionKind::kDuplicate;
  ASSERT_TRUE(agents.engine0.Install(twice).ok());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  const std::string p1 = MakeFrame(3, "p1"), c1 = MakeFrame(4, "c1"), p2 = MakeFrame(3, "p2");
  const std::string sent = p1 + c1 + p2;
  send(fd, sent.data(), sent.size(), MSG_NOSIGNAL);
  const std::vector<std::string> got = Frames(AwaitReceived(peer, sent.size() + c1.size()));
  close(fd);
  EXPECT_EQ(got, (std::vector<std::string>{p1, c1, c1, p2}));
}

TEST(TcpLinkTest, TrafficIsCountedPerLinkAndKind) {
  EchoPeer peer;
  TwoAgents agents(/*framed=*/true, peer.port());
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  const std::string p1 = MakeFrame(3, "p1"), c1 = MakeFrame(4, "c1-long"),
                    p2 = MakeFrame(3, "p2"), other = MakeFrame(9, "?");
  const std::string sent = p1 + c1 + p2 + other;
  send(fd, sent.data(), sent.size(), MSG_NOSIGNAL);
  EXPECT_EQ(ReadFor(fd, absl::Seconds(10), sent.size()), sent);
  close(fd);
  // The sender's agent counts link 0 -> 1, the peer's agent the echoes on 1 -> 0.
  for (const auto& [runtime, link] :
       {std::make_pair(agents.runtime0.get(), LinkId{0, 1}),
        std::make_pair(agents.runtime1.get(), LinkId{1, 0})}) {
    const std::vector<LinkTrafficStats> links = runtime->traffic().Snapshot();
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links[0].link, link);
    ASSERT_EQ(links[0].kinds.size(), 3u);
    EXPECT_EQ(links[0].kinds.at("prepare").frames, 2u);
    EXPECT_EQ(links[0].kinds.at("prepare").bytes, p1.size() + p2.size());
    EXPECT_EQ(links[0].kinds.at("commit").frames, 1u);
    EXPECT_EQ(links[0].kinds.at("commit").bytes, c1.size());
    EXPECT_EQ(links[0].kinds.at("type 9").frames, 1u);
    EXPECT_EQ(links[0].connections, 1u);
    EXPECT_EQ(links[0].unparsed_bytes, 0u);
  }
}

TEST(TcpLinkTest, UnframedReadsAndRefusedConnectionsAreCountedOnTheirLink) {
  {
    EchoPeer peer;
    TwoAgents agents(/*framed=*/false, peer.port());
    const int fd = DialPort(agents.outbound->port());
    ASSERT_GE(fd, 0);
    send(fd, "raw bytes", 9, MSG_NOSIGNAL);
    EXPECT_EQ(ReadFor(fd, absl::Seconds(10), 9), "raw bytes");
    close(fd);
    const std::vector<LinkTrafficStats> links = agents.runtime0->traffic().Snapshot();
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links[0].kinds.at("unframed").bytes, 9u);
  }
  int port = 0;
  const int closed = ListenAny(&port);
  close(closed);
  TwoAgents agents(/*framed=*/false, port);
  const int fd = DialPort(agents.outbound->port());
  ASSERT_GE(fd, 0);
  char c;
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 10000), 1);
  EXPECT_LE(recv(fd, &c, 1, 0), 0);
  close(fd);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (agents.runtime1->traffic().Snapshot().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const std::vector<LinkTrafficStats> links = agents.runtime1->traffic().Snapshot();
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].link, (LinkId{0, 1})) << "the dialler's link";
  EXPECT_EQ(links[0].refused, 1u);
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
