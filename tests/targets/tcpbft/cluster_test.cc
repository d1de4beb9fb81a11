// The tcpbft and tcpbft-client binaries as processes on 127.0.0.1: a cluster
// agrees and survives its leader's crash; the handshake refuses a peer
// reached through a relay on a port of its own; a partition into halves
// stops the correct build and splits the one with bug small-quorum.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/ports.h"
#include "common/read_file.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "tests/targets/tcpbft/cluster_spec.h"

namespace tcpbft {
namespace {

using turncoat::Subprocess;

// Generous: the machine running the tests is shared and loaded.
constexpr absl::Duration kWait = absl::Seconds(60);

template <typename Pred>
bool WaitFor(Pred pred, absl::Duration limit = kWait) {
  for (absl::Time end = absl::Now() + limit; absl::Now() < end; absl::SleepFor(absl::Milliseconds(50))) {
    if (pred()) return true;
  }
  return pred();
}

// Four replicas in their own processes, each config written to a file.
class Cluster {
 public:
  explicit Cluster(int clients = 1) : spec_(4, 1, Ports(), clients) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tcpbft_cluster.XXXXXX").string();
    dir_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
    spec_.view_change_timeout_ms = 500;
    spec_.checkpoint_interval = 8;
  }
  ~Cluster() {
    replicas_.clear();
    clients_.clear();
    if (!dir_.empty() && std::getenv("TURNCOAT_KEEP_CLUSTER_DIR") == nullptr) {
      std::filesystem::remove_all(dir_);
    }
  }

  ClusterSpec& spec() { return spec_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Starts every replica; `listed[i]`, when given, is what replica i's config
  // lists as the replicas' addresses.
  void Start(const std::vector<std::vector<std::string>>& listed = {}) {
    for (int i = 0; i < spec_.n; ++i) {
      const std::string config = Path(absl::StrCat("r", i, ".json"));
      std::ofstream(config) << spec_.ReplicaJson(i, listed.empty() ? std::vector<std::string>{} : listed[i]);
      turncoat::SpawnOptions options;
      options.stdout_path = Path(absl::StrCat("r", i, ".out"));
      options.stderr_path = Path(absl::StrCat("r", i, ".err"));
      absl::StatusOr<Subprocess> process = Subprocess::Spawn({TCPBFT_BINARY, "--config", config}, options);
      ASSERT_TRUE(process.ok()) << process.status();
      replicas_.push_back(std::make_unique<Subprocess>(*std::move(process)));
    }
    for (int i = 0; i < spec_.n; ++i) {
      ASSERT_TRUE(WaitFor([&] { return absl::StrContains(Out(i), absl::StrCat("tcpbft replica r", i, " ready")); }))
          << Err(i);
    }
  }

  // Starts every client.
  void StartClients() {
    for (size_t c = 0; c < spec_.client_seeds.size(); ++c) {
      const std::string config = Path(absl::StrCat("c", c, ".json"));
      std::ofstream(config) << spec_.ClientJson(c, 30000);
      turncoat::SpawnOptions options;
      options.stdio_socket = true;
      options.stderr_path = Path(absl::StrCat("c", c, ".err"));
      absl::StatusOr<Subprocess> process = Subprocess::Spawn({TCPBFT_CLIENT_BINARY, "--config", config}, options);
      ASSERT_TRUE(process.ok()) << process.status();
      clients_.push_back(Client{std::make_unique<Subprocess>(*std::move(process)), ""});
    }
  }

  void Put(const std::string& value, int client = 0) {
    const std::string line = absl::StrCat("put ", value, "\n");
    ASSERT_EQ(send(clients_[client].process->stdio_fd(), line.data(), line.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(line.size()));
  }

  // Client 0's next output line, or nullopt after `limit`.
  std::optional<std::string> ClientLine(absl::Duration limit = kWait) {
    Client& client = clients_[0];
    for (absl::Time end = absl::Now() + limit;;) {
      const size_t newline = client.out.find('\n');
      if (newline != std::string::npos) {
        std::string line = client.out.substr(0, newline);
        client.out.erase(0, newline + 1);
        return line;
      }
      const absl::Duration left = end - absl::Now();
      if (left <= absl::ZeroDuration()) return std::nullopt;
      pollfd fd{client.process->stdio_fd(), POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
      char buffer[4096];
      const ssize_t n = recv(client.process->stdio_fd(), buffer, sizeof(buffer), 0);
      if (n <= 0) return std::nullopt;
      client.out.append(buffer, n);
    }
  }

  // The values replica i printed as committed, checking they are numbered
  // 1, 2, 3, ...
  std::vector<std::string> Commits(int i) {
    std::vector<std::string> values;
    for (absl::string_view line : absl::StrSplit(Out(i), '\n')) {
      std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 2));
      if (parts.size() != 3 || parts[0] != "COMMIT") continue;
      uint64_t number = 0;
      EXPECT_TRUE(absl::SimpleAtoi(parts[1], &number) && number == values.size() + 1) << line;
      values.push_back(parts[2]);
    }
    return values;
  }

  void Kill(int i) { ASSERT_TRUE(replicas_[i]->Kill().ok()); }
  void Stop(int i) {
    absl::StatusOr<turncoat::ExitStatus> status = replicas_[i]->Stop(absl::Seconds(10));
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(status->success()) << status->ToString();
  }
  std::string Out(int i) const { return turncoat::Slurp(Path(absl::StrCat("r", i, ".out"))); }
  std::string Err(int i) const { return turncoat::Slurp(Path(absl::StrCat("r", i, ".err"))); }

 private:
  static std::vector<std::string> Ports() {
    std::vector<std::string> out;
    for (int i = 0; i < 4; ++i) out.push_back(absl::StrCat("127.0.0.1:", *turncoat::PickFreePort()));
    return out;
  }

  ClusterSpec spec_;
  std::string dir_;
  std::vector<std::unique_ptr<Subprocess>> replicas_;
  struct Client {
    std::unique_ptr<Subprocess> process;
    std::string out;
  };
  std::vector<Client> clients_;
};

TEST(TcpbftClusterTest, ReplicasAgreeAndReplaceACrashedLeader) {
  Cluster cluster;
  cluster.Start();
  cluster.StartClients();
  std::vector<std::string> values;
  for (int k = 0; k < 20; ++k) {
    values.push_back(absl::StrCat("value-", k));
    cluster.Put(values.back());
  }
  for (size_t k = 0; k < values.size(); ++k) {
    std::optional<std::string> line = cluster.ClientLine();
    ASSERT_TRUE(line.has_value()) << "no answer to request " << k << "\n" << cluster.Err(0);
    EXPECT_TRUE(absl::StartsWith(*line, "ok value-")) << *line;
  }
  ASSERT_TRUE(WaitFor([&] {
    for (int i = 0; i < 4; ++i) {
      if (cluster.Commits(i).size() < values.size()) return false;
    }
    return true;
  })) << cluster.Out(3);
  std::vector<std::string> first = cluster.Commits(0);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()),
            std::set<std::string>(values.begin(), values.end()));
  for (int i = 1; i < 4; ++i) EXPECT_EQ(cluster.Commits(i), first) << "replica " << i;

  cluster.Kill(0);  // the leader of view 0
  for (int k = 0; k < 5; ++k) {
    cluster.Put(absl::StrCat("after-", k));
    std::optional<std::string> line = cluster.ClientLine();
    ASSERT_TRUE(line.has_value()) << cluster.Err(1);
    EXPECT_EQ(*line, absl::StrCat("ok after-", k));
  }
  ASSERT_TRUE(WaitFor([&] {
    for (int i = 1; i < 4; ++i) {
      if (cluster.Commits(i).size() < values.size() + 5) return false;
    }
    return true;
  }));
  for (int i = 2; i < 4; ++i) EXPECT_EQ(cluster.Commits(i), cluster.Commits(1)) << "replica " << i;
  EXPECT_EQ(cluster.Commits(1).back(), "after-4");
  EXPECT_TRUE(absl::StrContains(cluster.Err(1), "r1: entered view 1, led by r1")) << cluster.Err(1);
  for (int i = 1; i < 4; ++i) cluster.Stop(i);  // SIGTERM: exit status 0
}

// A plain TCP relay on a port of its own, forwarding to `target`. It reads
// who opened each connection from its first frame (a HELLO's replica id or a
// REQUEST's client id, the first string of the body) and closes it unless
// `allow` accepts that id: a partition, when every config lists the relay as
// the replica's address.
class Relay {
 public:
  using Allow = std::function<bool(const std::string& source)>;

  explicit Relay(int target, Allow allow = nullptr)
      : target_(target), port_(*turncoat::PickFreePort()), allow_(std::move(allow)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr = Loopback(port_);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_fd_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Relay() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
  }
  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  struct Pipe {
    int in = -1, out = -1;
    bool identified = false;
    std::string head;  // bytes from `in` held until its sender is known
    bool closed = false;
  };

  static sockaddr_in Loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  // The first string of the first frame's body, once it has arrived.
  static std::optional<std::string> Source(const std::string& head) {
    constexpr size_t kAt = 16 + 1;  // header, then the body's type byte
    if (head.size() < kAt + 4) return std::nullopt;
    const auto* u = reinterpret_cast<const unsigned char*>(head.data() + kAt);
    const size_t length = (size_t{u[0]} << 24) | (size_t{u[1]} << 16) | (size_t{u[2]} << 8) | u[3];
    if (head.size() < kAt + 4 + length) return std::nullopt;
    return head.substr(kAt + 4, length);
  }

  // Moves what `from` has to `to`; false when the pipe should close.
  bool Forward(Pipe& pipe, bool inbound) {
    char buffer[4096];
    const ssize_t n = recv(inbound ? pipe.in : pipe.out, buffer, sizeof(buffer), 0);
    if (n <= 0) return false;
    if (inbound && !pipe.identified) {
      pipe.head.append(buffer, n);
      std::optional<std::string> source = Source(pipe.head);
      if (!source) return pipe.head.size() < 4096;
      if (allow_ && !allow_(*source)) return false;
      pipe.identified = true;
      return send(pipe.out, pipe.head.data(), pipe.head.size(), MSG_NOSIGNAL) ==
             static_cast<ssize_t>(pipe.head.size());
    }
    return send(inbound ? pipe.out : pipe.in, buffer, n, MSG_NOSIGNAL) == n;
  }

  void Serve() {
    std::vector<Pipe> pipes;
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (const Pipe& p : pipes) fds.push_back({p.in, POLLIN, 0}), fds.push_back({p.out, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      for (size_t k = 1; k < fds.size(); ++k) {
        Pipe& pipe = pipes[(k - 1) / 2];
        if (fds[k].revents != 0 && !pipe.closed && !Forward(pipe, k % 2 == 1)) {
          close(pipe.in), close(pipe.out);
          pipe.closed = true;
        }
      }
      pipes.erase(std::remove_if(pipes.begin(), pipes.end(), [](const Pipe& p) { return p.closed; }),
                  pipes.end());
      if (fds[0].revents & POLLIN) {
        const int in = accept(listen_fd_, nullptr, nullptr);
        const int out = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr = Loopback(target_);
        if (in >= 0 && connect(out, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
          pipes.emplace_back();
          pipes.back().in = in;
          pipes.back().out = out;
          ++connections_;
        } else {
          close(in), close(out);
        }
      }
    }
    for (const Pipe& p : pipes) close(p.in), close(p.out);
  }

  int target_, port_, listen_fd_;
  Allow allow_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST(TcpbftClusterTest, HandshakeRejectsAPeerReachedThroughARelay) {
  Cluster cluster;
  const int r1_port = std::stoi(cluster.spec().addresses[1].substr(10));
  Relay relay(r1_port);
  // r0 reaches r1 through the relay, as a per-port proxy would have it.
  std::vector<std::vector<std::string>> listed(4, cluster.spec().addresses);
  listed[0][1] = absl::StrCat("127.0.0.1:", relay.port());
  cluster.Start(listed);
  const std::string expected =
      absl::StrCat("r0: handshake rejected: dialled 127.0.0.1:", relay.port(),
                   " but 'r1' says it listens on ", cluster.spec().addresses[1]);
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(cluster.Err(0), expected); })) << cluster.Err(0);
  EXPECT_GE(relay.connections(), 1);
  // Direct links are unaffected: r0 still reached r2.
  EXPECT_TRUE(WaitFor([&] { return absl::StrContains(cluster.Err(0), "r0: connected to replica r2"); }))
      << cluster.Err(0);
  EXPECT_FALSE(absl::StrContains(cluster.Err(0), "r0: connected to replica r1")) << cluster.Err(0);
}

// Every config lists a relay as each replica's address (so the handshake
// passes), and the relays cut the cluster into {r0, r1, c0} and {r2, r3, c1}.
// Each client submits one value. What every replica committed while
// partitioned (until each has a commit, or `partition` ends), and with
// `heal`, after the partition healed (once each has both values, or the wait
// ends).
struct SplitBrainCommits {
  std::vector<std::vector<std::string>> during, after;
};

SplitBrainCommits SplitBrain(const std::string& bug, absl::Duration partition, bool heal) {
  Cluster cluster(/*clients=*/2);
  ClusterSpec& spec = cluster.spec();
  spec.bug = bug;
  spec.view_change_timeout_ms = 300;
  spec.listen = spec.addresses;
  std::atomic<bool> partitioned{true};
  auto left = [](const std::string& id) { return id == "r0" || id == "r1" || id == "c0"; };
  std::vector<std::unique_ptr<Relay>> relays;
  for (int i = 0; i < 4; ++i) {
    const bool relay_left = i < 2;
    relays.push_back(std::make_unique<Relay>(
        std::stoi(spec.listen[i].substr(10)),
        [&, relay_left](const std::string& id) { return !partitioned || left(id) == relay_left; }));
    spec.addresses[i] = absl::StrCat("127.0.0.1:", relays.back()->port());
  }
  cluster.Start();
  cluster.StartClients();
  cluster.Put("left", 0);
  cluster.Put("right", 1);
  auto snapshot = [&](size_t expected, absl::Duration limit) {
    WaitFor([&] {
      for (int i = 0; i < 4; ++i) {
        if (cluster.Commits(i).size() < expected) return false;
      }
      return true;
    }, limit);
    std::vector<std::vector<std::string>> commits;
    for (int i = 0; i < 4; ++i) commits.push_back(cluster.Commits(i));
    return commits;
  };
  SplitBrainCommits out;
  out.during = snapshot(1, partition);
  if (heal) {
    partitioned = false;
    out.after = snapshot(2, kWait);
  }
  return out;
}

TEST(TcpbftClusterTest, APartitionWithoutQuorumCommitsNothingUntilItHeals) {
  SplitBrainCommits commits = SplitBrain("none", absl::Seconds(4), /*heal=*/true);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(commits.during[i].empty()) << "replica " << i;
    EXPECT_EQ(commits.after[i].size(), 2u) << "replica " << i;
    EXPECT_EQ(commits.after[i], commits.after[0]) << "replica " << i;
  }
}

TEST(TcpbftClusterTest, SmallQuorumBugCommitsDifferentValuesInEachHalf) {
  SplitBrainCommits commits = SplitBrain("small-quorum", absl::Seconds(30), /*heal=*/false);
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(commits.during[i].empty()) << "replica " << i;
  EXPECT_EQ(commits.during[0][0], "left");
  EXPECT_EQ(commits.during[1][0], "left");
  EXPECT_EQ(commits.during[2][0], "right");
  EXPECT_EQ(commits.during[3][0], "right");
}

}  // namespace
}  // namespace tcpbft
