// proxy_bench: what a link proxy costs, next to direct gRPC and to nginx.
//
// One run measures the same echo service (bench/proxy_bench.proto, gRPC
// callback API, 127.0.0.1, ephemeral port) reached up to six ways:
//
//   direct        client -> echo
//   proxy         client -> LinkProxy, no rules (the fast path) -> echo
//   proxy-decode  client -> LinkProxy with one rule whose field predicate
//                 decodes every message, both directions, into a
//                 DynamicMessage from the .proto loaded at run time -> echo
//   proxy-archive client -> LinkProxy, no rules, keeping the run-long
//                 message archive (agents/message_archive.h) -> echo: what
//                 a plan that replays from far back costs every link
//                 (not in the default --modes)
//   nginx         client -> Debian's nginx, grpc_pass -> echo
//   nginx-batch   a second nginx, configured the same but with its
//                 workers switched to SCHED_BATCH, the policy the proxy's
//                 loops set for themselves: what that alone is worth (the
//                 proxy's yielding on dense traffic has no nginx setting)
//
// For each, and for 256 B and 4 KiB payloads:
//
//   unary  p50/p99:   one client, sequential calls (sync stub)
//   unary  tput:      --inflight concurrent calls (callback API), calls/s
//   stream p50/p99:   ping-pong on one bidi stream
//   stream tput:      one bidi stream with --inflight messages in flight,
//                     received msgs/s
//   hop CPU us/msg:   for each throughput figure, the user+system CPU of the
//                     middle hop's processes (the proxy child; nginx's
//                     workers) over the measured window, sampled from
//                     /proc/<pid>/stat at its start and end, per message
//                     forwarded (2 per call or echo: one each way)
//
// Each figure is taken over --seconds (after --warmup) per mode, split into
// --rounds short rounds in which the modes take turns (direct, proxy,
// proxy-decode, nginx, direct, ...), so that a slow spell of a shared
// machine skews every column alike rather than one.
//
// Why it is fair:
//  * nginx is a separate process, so the proxy is too, as in turncoat-agent
//    (this binary re-executed with --serve_proxy_to; --proxy_in_process
//    runs it inside the benchmark instead, for comparison). nginx gets one
//    worker per core (2); the proxy runs its design, one event-loop thread
//    per link (plus the rule engine's timer thread). Each mode's client
//    uses one connection, which nginx serves from one worker, so each
//    figure is one nginx worker against one proxy loop.
//  * nginx is configured the way one would deploy it: an upstream block
//    with `keepalive 64` (connections to the echo server are reused),
//    keepalive_requests raised on both sides (its default 1000 would make
//    it close connections every 1000 calls mid-measurement), no request
//    body limit (a gRPC stream is one request body), access log off.
//  * The client and echo server are the same code in every mode, so only
//    the middle hop differs. The echo server is a process of its own (this
//    binary re-executed with --serve_echo), as a replica's peer is:
//    sharing the client's process, its gRPC threads and the client's
//    contend, which capped 256 B streams below what a hop can carry
//    (--echo_in_process measures that way, for comparison with rounds
//    before the seventh). Each mode has its own channel (one HTTP/2
//    connection), opened and probed before measuring.
//
// Children (the echo server, the proxy and nginx) run in their own process
// groups and die with the benchmark: on return, on a fatal signal or Ctrl-C
// (the handler kills their groups), and if the benchmark is killed outright
// (PR_SET_PDEATHSIG; the echo and the proxy also exit when their stdin pipe
// closes).
//
//   proxy_bench [--seconds=3] [--warmup=0.5] [--rounds=6] [--inflight=64]
//               [--nginx=/usr/sbin/nginx] [--proxy_in_process] [--echo_in_process]
//               [--modes=direct,proxy,proxy-decode,proxy-archive,nginx,nginx-batch]
//               [--sizes=256,4096]
//               [--figures=unary-latency,unary-throughput,stream-latency,
//                          stream-throughput] [--keep_temp]
//
// Exits 0 when every figure was measured, whether or not the targets were
// met; 1 if something failed to run.
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agents/link_proxy.h"
#include "agents/message_codec.h"
#include "agents/rule_engine.h"
#include "bench/proxy_bench.grpc.pb.h"

ABSL_FLAG(double, seconds, 3.0, "measured seconds per figure");
ABSL_FLAG(double, warmup, 0.5, "unmeasured seconds before each figure");
ABSL_FLAG(int, rounds, 6, "rounds each figure is split into, modes taking turns");
ABSL_FLAG(int, inflight, 64, "concurrent calls / stream messages in flight for throughput");
ABSL_FLAG(std::string, nginx, "/usr/sbin/nginx", "nginx binary; skipped if absent");
ABSL_FLAG(bool, proxy_in_process, false,
          "run the link proxy inside the benchmark process instead of a child");
ABSL_FLAG(std::string, modes, "direct,proxy,proxy-decode,nginx,nginx-batch", "modes to run");
ABSL_FLAG(std::string, sizes, "256,4096", "payload sizes in bytes");
ABSL_FLAG(std::string, figures,
          "unary-latency,unary-throughput,stream-latency,stream-throughput",
          "which figures to measure (for profiling one of them)");
ABSL_FLAG(bool, keep_temp, false, "keep the temp dir (nginx config and logs)");
// Internal: the child process the benchmark starts for the proxy.
ABSL_FLAG(std::string, serve_proxy_to, "", "internal: serve a link proxy to this target");
ABSL_FLAG(bool, serve_proxy_decode, false, "internal: install the decoding rule");
ABSL_FLAG(bool, serve_proxy_archive, false, "internal: keep the run-long message archive");
ABSL_FLAG(bool, serve_echo, false, "internal: serve the echo service");
ABSL_FLAG(bool, echo_in_process, false,
          "run the echo server inside the benchmark (the client's) process");

namespace turncoat {
namespace bench {
namespace {

using agent::LinkProxy;
using agent::MessageCodec;
using agent::ProxyRuntime;
using agent::RuleEngine;
using agent::RuleSpec;

// ---------------------------------------------------------------------------
// Child processes. Their process-group ids, and the temp files to remove,
// live in fixed arrays so that a signal handler can clean up with
// async-signal-safe calls only.

constexpr int kMaxChildren = 8;
std::atomic<pid_t> g_child_groups[kMaxChildren];

constexpr int kMaxTempPaths = 32;
char g_temp_paths[kMaxTempPaths][256];  // files first, then directories
std::atomic<int> g_temp_path_count{0};

// Registers `path` for removal by the signal handler. Call in removal order.
void AddTempPath(const std::string& path) {
  const int i = g_temp_path_count.load();
  if (i >= kMaxTempPaths || path.size() >= sizeof(g_temp_paths[0])) return;
  std::memcpy(g_temp_paths[i], path.c_str(), path.size() + 1);
  g_temp_path_count.store(i + 1);
}

// SIGTERM to every child group (nginx's master then reaps its workers), up
// to 1 s to exit, then SIGKILL to the groups whose leader is still there.
void StopChildGroupsFromHandler() {
  bool gone[kMaxChildren] = {};
  pid_t pgids[kMaxChildren];
  for (int i = 0; i < kMaxChildren; ++i) {
    pgids[i] = g_child_groups[i].load();
    gone[i] = pgids[i] <= 0;
    if (!gone[i]) kill(-pgids[i], SIGTERM);
  }
  for (int round = 0; round < 100; ++round) {
    bool all = true;
    for (int i = 0; i < kMaxChildren; ++i) {
      if (!gone[i] && waitpid(pgids[i], nullptr, WNOHANG) == pgids[i]) gone[i] = true;
      all = all && gone[i];
    }
    if (all) break;
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    nanosleep(&ten_ms, nullptr);
  }
  for (int i = 0; i < kMaxChildren; ++i) {
    if (gone[i]) continue;
    kill(-pgids[i], SIGKILL);  // the leader is alive, so the group id is still ours
    waitpid(pgids[i], nullptr, 0);
  }
}

extern "C" void OnFatalSignal(int sig) {
  StopChildGroupsFromHandler();
  for (int i = 0; i < g_temp_path_count.load(); ++i) {
    if (unlink(g_temp_paths[i]) != 0) rmdir(g_temp_paths[i]);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void InstallSignalHandlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS,
                  SIGFPE, SIGILL}) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_handler = OnFatalSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(sig, &sa, nullptr);
  }
}

// A child in its own process group, stopped (the whole group) on
// destruction.
class Child {
 public:
  // Starts `argv`. `stdout_path` (if not empty) receives the child's stdout
  // and stderr; with `want_stdout_pipe` its stdout is a pipe read by
  // ReadLine() instead. The child's stdin is a pipe we hold, so it sees EOF
  // when we die. `death_signal` is what the kernel sends it then.
  static std::unique_ptr<Child> Spawn(const std::vector<std::string>& argv,
                                      const std::string& stdout_path,
                                      bool want_stdout_pipe, int death_signal,
                                      std::string* error) {
    int slot = -1;
    for (int i = 0; i < kMaxChildren && slot < 0; ++i) {
      if (g_child_groups[i].load() == 0) slot = i;
    }
    if (slot < 0) {
      *error = "too many children";
      return nullptr;
    }
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
    int out_fd = -1;
    auto close_all = [&] {
      for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], out_fd}) {
        if (fd >= 0) close(fd);
      }
    };
    if (pipe2(in_pipe, O_CLOEXEC) != 0 ||
        (want_stdout_pipe && pipe2(out_pipe, O_CLOEXEC) != 0)) {
      *error = absl::StrCat("pipe: ", std::strerror(errno));
      close_all();
      return nullptr;
    }
    if (!stdout_path.empty()) {
      out_fd = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    // Built before fork: between fork and exec only async-signal-safe calls.
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
      *error = absl::StrCat("fork: ", std::strerror(errno));
      close_all();
      return nullptr;
    }
    if (pid == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, death_signal);
      if (getppid() != parent) _exit(127);  // the parent died before prctl
      dup2(in_pipe[0], STDIN_FILENO);
      if (want_stdout_pipe) dup2(out_pipe[1], STDOUT_FILENO);
      else if (out_fd >= 0) dup2(out_fd, STDOUT_FILENO);
      if (out_fd >= 0) dup2(out_fd, STDERR_FILENO);
      execv(args[0], args.data());
      _exit(127);
    }
    setpgid(pid, pid);  // also here, so the group exists before we use it
    g_child_groups[slot].store(pid);
    close(in_pipe[0]);
    if (out_fd >= 0) close(out_fd);
    auto child = std::unique_ptr<Child>(new Child(pid, slot, in_pipe[1]));
    if (want_stdout_pipe) {
      close(out_pipe[1]);
      child->out_fd_ = out_pipe[0];
    }
    return child;
  }

  ~Child() { Stop(); }

  pid_t pid() const { return pid_; }

  // Whether the child has exited (reaps it).
  bool Exited() {
    if (reaped_) return true;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
    return reaped_;
  }

  // Reads one line of the child's stdout, waiting at most `timeout`.
  std::optional<std::string> ReadLine(absl::Duration timeout) {
    std::string line;
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline && line.size() < 256) {
      struct timeval tv = {0, 20000};
      fd_set fds;
      FD_ZERO(&fds);
      FD_SET(out_fd_, &fds);
      if (select(out_fd_ + 1, &fds, nullptr, nullptr, &tv) <= 0) {
        if (Exited()) return std::nullopt;
        continue;
      }
      char c;
      if (read(out_fd_, &c, 1) != 1) return std::nullopt;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return std::nullopt;
  }

  // SIGTERM to the group (nginx's master then waits for its workers), and
  // SIGKILL to the group if its leader has not exited after 2 s.
  void Stop() {
    if (pid_ <= 0) return;
    if (!Exited()) kill(-pid_, SIGTERM);
    for (int i = 0; i < 100 && !Exited(); ++i) absl::SleepFor(absl::Milliseconds(20));
    if (!reaped_) {
      kill(-pid_, SIGKILL);  // the leader is alive, so the group id is still ours
      waitpid(pid_, nullptr, 0);
    }
    reaped_ = true;
    g_child_groups[slot_].store(0);
    if (stdin_fd_ >= 0) close(stdin_fd_);
    if (out_fd_ >= 0) close(out_fd_);
    stdin_fd_ = out_fd_ = -1;
    pid_ = 0;
  }

 private:
  Child(pid_t pid, int slot, int stdin_fd) : pid_(pid), slot_(slot), stdin_fd_(stdin_fd) {}
  pid_t pid_;
  int slot_;
  int stdin_fd_;
  int out_fd_ = -1;
  bool reaped_ = false;
};

// ---------------------------------------------------------------------------
// The echo server.

// Echoes each stream message back, reading ahead of the writes (up to a
// bound) so that a pipelined client is not limited by one read-write round
// per message.
class StreamEcho : public grpc::ServerBidiReactor<Blob, Blob> {
 public:
  StreamEcho() { StartRead(&in_); }

  void OnReadDone(bool ok) override {
    bool write = false, read = false, finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) {
        reads_done_ = true;
        finish = !writing_ && queue_.empty() && !finished_;
        finished_ = finished_ || finish;
      } else {
        queue_.push_back(std::move(in_));
        if (!writing_) write = writing_ = true;
        read = queue_.size() < kMaxQueued;
        read_paused_ = !read;
      }
    }
    // Operations start outside the lock: their reactions take it.
    if (write) StartWrite(&queue_.front());
    if (read) StartRead(&in_);
    if (finish) Finish(grpc::Status::OK);
  }

  void OnWriteDone(bool ok) override {
    bool write = false, read = false, finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.pop_front();
      writing_ = false;
      if (!ok) {
        finish = !finished_;
        finished_ = true;
      } else if (!queue_.empty()) {
        write = writing_ = true;
      } else if (reads_done_ && !finished_) {
        finish = finished_ = true;
      }
      if (ok && read_paused_ && !reads_done_) {
        read_paused_ = false;
        read = true;
      }
    }
    // queue_.front() stays put while a write is in flight: only
    // OnWriteDone pops, and deque push_back keeps references valid.
    if (write) StartWrite(&queue_.front());
    if (read) StartRead(&in_);
    if (finish) Finish(grpc::Status::OK);
  }

  void OnDone() override { delete this; }

 private:
  static constexpr size_t kMaxQueued = 64;
  std::mutex mu_;
  Blob in_;
  std::deque<Blob> queue_;
  bool writing_ = false;
  bool reads_done_ = false;
  bool read_paused_ = false;
  bool finished_ = false;
};

class EchoService final : public Echo::CallbackService {
 public:
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, const Blob* request,
                                  Blob* reply) override {
    *reply = *request;
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerBidiReactor<Blob, Blob>* Stream(grpc::CallbackServerContext*) override {
    return new StreamEcho();
  }
};

// ---------------------------------------------------------------------------
// The proxy, in this process or as a child.

// Installs a rule that makes the engine decode every message in both
// directions (the field predicate needs the decoded message; the payload is
// always set, so it matches) and then passes it: the cost of a proxy whose
// rules look inside messages, without changing what reaches the echo.
absl::Status EnableDecoding(RuleEngine* engine) {
  auto codec = MessageCodec::Load({TURNCOAT_SOURCE_DIR}, {"bench/proxy_bench.proto"});
  if (!codec.ok()) return codec.status();
  engine->SetCodec(std::shared_ptr<const MessageCodec>(std::move(*codec)));
  RuleSpec rule;
  rule.id = "decode-every-message";
  rule.fields.push_back({"payload", agent::FieldMatch::Op::kPresent, {}, 0, 0});
  rule.action.kind = agent::ActionKind::kPass;
  return engine->Install(rule);
}

struct InProcessProxy {
  RuleEngine engine;
  std::shared_ptr<ProxyRuntime> runtime;
  std::unique_ptr<LinkProxy> proxy;
};

absl::StatusOr<std::unique_ptr<InProcessProxy>> StartInProcessProxy(
    const std::string& target, bool decode, bool archive) {
  auto p = std::make_unique<InProcessProxy>();
  if (decode) {
    if (absl::Status s = EnableDecoding(&p->engine); !s.ok()) return s;
  }
  if (archive) p->engine.EnableArchive();
  p->runtime = std::make_shared<ProxyRuntime>(&p->engine, nullptr);
  auto proxy = LinkProxy::Start(p->runtime, {0, 1}, "127.0.0.1:0", target);
  if (!proxy.ok()) return proxy.status();
  p->proxy = std::move(*proxy);
  return p;
}

// A child's serving loop: tells the benchmark `port` on stdout, then
// returns once stdin closes (the benchmark has gone).
void ServeUntilStdinCloses(int port) {
  std::printf("%d\n", port);
  std::fflush(stdout);
  char buf[64];
  while (read(STDIN_FILENO, buf, sizeof(buf)) > 0) {
  }
}

// The child: serves one proxy, prints its port, exits when stdin closes.
int ServeProxy(const std::string& target, bool decode, bool archive) {
  // As turncoat-agent does (agents/main.cc), so the child costs what the
  // agent's proxies cost.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto p = StartInProcessProxy(target, decode, archive);
  if (!p.ok()) {
    std::fprintf(stderr, "proxy child: %s\n", p.status().ToString().c_str());
    return 1;
  }
  ServeUntilStdinCloses((*p)->proxy->port());
  return 0;
}

// Serves `service` on an ephemeral loopback port, stored in `*port`.
std::unique_ptr<grpc::Server> StartEcho(EchoService* service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service);
  return builder.BuildAndStart();
}

// The child: serves the echo service, prints its port, exits when stdin
// closes.
int ServeEcho() {
  EchoService service;
  int port = 0;
  std::unique_ptr<grpc::Server> server = StartEcho(&service, &port);
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "echo child: cannot start the echo server\n");
    return 1;
  }
  ServeUntilStdinCloses(port);
  server->Shutdown(std::chrono::system_clock::now());
  return 0;
}

// Starts this binary as a serving child (`argv` after the binary) and reads
// the port it prints (ServeUntilStdinCloses). Null, with `*error` set, if it
// did not start or print one within 10 s (`*port` is then 0).
std::unique_ptr<Child> SpawnServer(const char* self, std::vector<std::string> argv, int* port,
                                   std::string* error) {
  argv.insert(argv.begin(), self);
  auto child = Child::Spawn(argv, "", /*want_stdout_pipe=*/true, SIGKILL, error);
  if (child == nullptr) return nullptr;
  std::optional<std::string> line = child->ReadLine(absl::Seconds(10));
  if (!line.has_value() || !absl::SimpleAtoi(*line, port)) {
    *error = "it printed no port within 10 s";
    *port = 0;
    return nullptr;
  }
  return child;
}

// ---------------------------------------------------------------------------
// nginx.

// A port that was free a moment ago (nginx cannot listen on port 0 and tell
// us which port it got).
int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// `dir` is the instance's own directory.
std::string NginxConfig(const std::string& dir, int listen_port, int echo_port,
                        int inflight) {
  // No `user` directive: started as root, nginx runs its workers as nobody
  // (the temp dir is made traversable for them); otherwise as us.
  return absl::StrFormat(R"(# Generated by proxy_bench.
worker_processes 2;  # one per core on the 2-core machine the target names
daemon off;
pid %1$s/nginx.pid;
error_log %1$s/error.log warn;

events {
  worker_connections 4096;
}

http {
  access_log off;
  client_body_temp_path %1$s/body;
  proxy_temp_path %1$s/proxy;
  fastcgi_temp_path %1$s/fastcgi;
  uwsgi_temp_path %1$s/uwsgi;
  scgi_temp_path %1$s/scgi;
  # The default (1000) closes a client connection every 1000 calls.
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  # A gRPC stream is one request body: without this nginx cuts streams
  # after 1 MiB.
  client_max_body_size 0;
  http2_max_concurrent_streams %4$d;

  upstream echo_backend {
    server 127.0.0.1:%3$d;
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }

  server {
    listen 127.0.0.1:%2$d http2;
    location / {
      grpc_pass grpc://echo_backend;
      grpc_read_timeout 60s;
      grpc_send_timeout 60s;
    }
  }
}
)",
                         dir, listen_port, echo_port, std::max(128, inflight));
}

struct Nginx {
  std::unique_ptr<Child> child;
  int port = 0;
  std::string version;
};

// Starts nginx on a fresh port (a few tries: the port may be taken between
// our probe and nginx's bind).
absl::StatusOr<Nginx> StartNginx(const std::string& binary, const std::string& dir,
                                 int echo_port, int inflight) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("mkdir ", dir, ": ", std::strerror(errno)));
  }
  chmod(dir.c_str(), 0755);  // nginx workers run as nobody when we are root
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    Nginx n;
    n.port = PickFreePort();
    const std::string conf = dir + "/nginx.conf";
    std::ofstream(conf) << NginxConfig(dir, n.port, echo_port, inflight);
    std::string error;
    n.child = Child::Spawn({binary, "-p", dir, "-c", conf, "-e", dir + "/error.log"},
                           dir + "/stdout.log", /*want_stdout_pipe=*/false, SIGTERM,
                           &error);
    if (n.child == nullptr) return absl::InternalError(error);
    for (int i = 0; i < 250 && !n.child->Exited() && !CanConnect(n.port); ++i) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    if (!n.child->Exited() && CanConnect(n.port)) return n;
    n.child->Stop();
    std::ifstream log(dir + "/error.log");
    std::stringstream text;
    text << log.rdbuf();
    last_error = text.str();
  }
  return absl::UnavailableError(absl::StrCat("nginx did not start:\n", last_error));
}

std::string NginxVersion(const std::string& binary, const std::string& dir) {
  std::string error;
  auto child = Child::Spawn({binary, "-v"}, dir + "/version.txt", false, SIGKILL, &error);
  if (child == nullptr) return "unknown";
  for (int i = 0; i < 250 && !child->Exited(); ++i) absl::SleepFor(absl::Milliseconds(20));
  child->Stop();
  std::ifstream in(dir + "/version.txt");
  std::string line;
  std::getline(in, line);
  return line;
}

// ---------------------------------------------------------------------------
// Measurements.

struct Figure {
  std::vector<int64_t> latencies_ns;  // sorted once complete
  uint64_t count = 0;                 // throughput: completions in `seconds`
  double seconds = 0;
  uint64_t errors = 0;
  std::string first_error;
  // Throughput: CPU seconds the middle hop spent over the same windows as
  // `count`, and in how many of the `rounds` merged it could be sampled.
  double hop_cpu_seconds = 0;
  int hop_cpu_rounds = 0;
  int rounds = 0;

  double Throughput() const { return seconds > 0 ? count / seconds : 0; }

  // The hop's CPU µs per message it forwarded (2 per completion: one each
  // way); nullopt unless every round was sampled.
  std::optional<double> HopCpuPerMessage() const {
    if (rounds == 0 || hop_cpu_rounds != rounds || count == 0) return std::nullopt;
    return hop_cpu_seconds * 1e6 / (2.0 * count);
  }

  // Adds one round's figure.
  void Merge(Figure part) {
    latencies_ns.insert(latencies_ns.end(), part.latencies_ns.begin(),
                        part.latencies_ns.end());
    count += part.count;
    seconds += part.seconds;
    if (errors == 0) first_error = part.first_error;
    errors += part.errors;
    hop_cpu_seconds += part.hop_cpu_seconds;
    hop_cpu_rounds += part.hop_cpu_rounds;
    ++rounds;
  }

  double Percentile(double p) const {
    if (latencies_ns.empty()) return 0;
    const size_t i =
        std::min(latencies_ns.size() - 1, static_cast<size_t>(p * latencies_ns.size()));
    return latencies_ns[i] / 1000.0;  // µs
  }
};

// One measurement: warm up until measure_from, measure until end.
struct Window {
  absl::Time measure_from;
  absl::Time end;
  double seconds() const { return absl::ToDoubleSeconds(end - measure_from); }
};

Window MakeWindow(absl::Duration warmup, absl::Duration run) {
  const absl::Time now = absl::Now();
  return {now + warmup, now + warmup + run};
}

// ---------------------------------------------------------------------------
// The middle hop's CPU, from /proc/<pid>/stat: utime + stime (fields 14 and
// 15) cover all threads of a process, in clock ticks.

// The processes of a middle hop: `pid` itself (the proxy child), or with
// `children` every process whose parent is `pid` (nginx's workers; the
// master, which only supervises them, is left out). pid 0: none to measure.
// `policy`, if set, is the scheduling policy its processes are switched to
// before each of the mode's rounds.
struct Hop {
  pid_t pid = 0;
  bool children = false;
  std::optional<int> policy;
};

struct ProcStat {
  pid_t ppid = 0;
  uint64_t cpu_ticks = 0;
};

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces.
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  const std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(text).substr(paren + 1), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  ProcStat st;
  uint64_t utime, stime;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[1], &st.ppid) ||
      !absl::SimpleAtoi(fields[11], &utime) || !absl::SimpleAtoi(fields[12], &stime)) {
    return std::nullopt;
  }
  st.cpu_ticks = utime + stime;
  return st;
}

// The numeric entries of a /proc directory: pids, or a process's tids.
std::vector<pid_t> ListIds(const std::string& path) {
  std::vector<pid_t> ids;
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return ids;
  while (struct dirent* e = readdir(d)) {
    pid_t id;
    if (absl::SimpleAtoi(e->d_name, &id)) ids.push_back(id);
  }
  closedir(d);
  return ids;
}

// CPU ticks so far of each process of `hop`; nullopt if it has none.
std::optional<std::map<pid_t, uint64_t>> SampleHopCpu(const Hop& hop) {
  std::map<pid_t, uint64_t> ticks;
  if (!hop.children) {
    std::optional<ProcStat> st = ReadProcStat(hop.pid);
    if (!st.has_value()) return std::nullopt;
    ticks[hop.pid] = st->cpu_ticks;
    return ticks;
  }
  for (pid_t pid : ListIds("/proc")) {
    std::optional<ProcStat> st = ReadProcStat(pid);
    if (st.has_value() && st->ppid == hop.pid) ticks[pid] = st->cpu_ticks;
  }
  if (ticks.empty()) return std::nullopt;
  return ticks;
}

// Switches every thread of the hop's processes to its policy.
absl::Status ApplyHopPolicy(const Hop& hop) {
  if (!hop.policy.has_value()) return absl::OkStatus();
  std::optional<std::map<pid_t, uint64_t>> procs = SampleHopCpu(hop);
  if (!procs.has_value()) return absl::NotFoundError("no processes found");
  const sched_param normal_priority{};
  for (const auto& [pid, ticks] : *procs) {
    for (pid_t tid : ListIds(absl::StrCat("/proc/", pid, "/task"))) {
      if (sched_setscheduler(tid, *hop.policy, &normal_priority) != 0) {
        const int err = errno;
        return absl::Status(absl::ErrnoToStatusCode(err),
                            absl::StrCat("sched_setscheduler(", tid, "): ", std::strerror(err)));
      }
    }
  }
  return absl::OkStatus();
}

// Samples the hop's CPU at the window's measure_from and end, from a thread
// of its own while the load runs, so that the CPU covers the interval in
// which the figure counts completions.
class HopCpuMeter {
 public:
  HopCpuMeter(const Hop& hop, const Window& w) {
    if (hop.pid <= 0) return;
    thread_ = std::thread([this, hop, w] {
      absl::SleepFor(w.measure_from - absl::Now());
      std::optional<std::map<pid_t, uint64_t>> start = SampleHopCpu(hop);
      absl::SleepFor(w.end - absl::Now());
      std::optional<std::map<pid_t, uint64_t>> end = SampleHopCpu(hop);
      if (!start.has_value() || !end.has_value()) return;
      uint64_t ticks = 0;
      for (const auto& [pid, before] : *start) {
        auto after = end->find(pid);
        if (after == end->end() || after->second < before) return;  // it exited
        ticks += after->second - before;
      }
      // A process that appeared during the window spent all its CPU in it.
      for (const auto& [pid, after] : *end) {
        if (start->count(pid) == 0) ticks += after;
      }
      seconds_ = static_cast<double>(ticks) / sysconf(_SC_CLK_TCK);
    });
  }
  ~HopCpuMeter() {
    if (thread_.joinable()) thread_.join();
  }

  // Waits for the end sample: the hop's CPU seconds over the window, or
  // nullopt if there is no hop or it could not be read.
  std::optional<double> Finish() {
    if (thread_.joinable()) thread_.join();
    return seconds_;
  }

 private:
  std::thread thread_;
  std::optional<double> seconds_;
};

Blob MakeBlob(size_t size) {
  Blob b;
  b.set_payload(std::string(size, 'x'));
  return b;
}

void NoteError(Figure* f, const grpc::Status& s) {
  if (f->errors++ == 0) f->first_error = absl::StrCat(s.error_code(), ": ", s.error_message());
}

// Sequential unary calls from one thread.
Figure UnaryLatency(Echo::Stub* stub, size_t size, const Window& w) {
  Figure f;
  Blob request = MakeBlob(size);
  for (uint64_t seq = 0; seq < 100'000'000; ++seq) {
    const absl::Time start = absl::Now();
    if (start >= w.end || f.errors > 100) break;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(start + absl::Seconds(10)));
    request.set_seq(seq);
    Blob reply;
    grpc::Status s = stub->Unary(&ctx, request, &reply);
    const absl::Time done = absl::Now();
    if (!s.ok()) {
      NoteError(&f, s);
      continue;
    }
    if (start >= w.measure_from) {
      f.latencies_ns.push_back(absl::ToInt64Nanoseconds(done - start));
    }
  }
  return f;
}

// `inflight` concurrent unary calls; each completion starts the next call.
class UnaryLoad {
 public:
  UnaryLoad(Echo::Stub* stub, size_t size, int inflight, const Window& window)
      : stub_(stub), window_(window), slots_(inflight) {
    for (Slot& s : slots_) s.request = MakeBlob(size);
  }

  Figure Run() {
    active_ = static_cast<int>(slots_.size());
    for (Slot& s : slots_) Issue(&s);
    std::unique_lock<std::mutex> lock(mu_);
    // Bounded: every call has a deadline shortly after the window.
    done_.wait_until(lock, absl::ToChronoTime(window_.end + absl::Seconds(15)),
                     [this] { return active_ == 0; });
    Figure f;
    f.errors = errors_;
    f.first_error = first_error_;
    if (active_ != 0) {
      f.errors += active_;
      if (f.first_error.empty()) f.first_error = "calls still in flight after the deadline";
    }
    f.count = completed_;
    f.seconds = window_.seconds();
    return f;
  }

  ~UnaryLoad() {
    // Run() returns once no call is active; nothing references us then.
  }

 private:
  struct Slot {
    std::unique_ptr<grpc::ClientContext> ctx;
    Blob request;
    Blob reply;
  };

  void Issue(Slot* s) {
    s->ctx = std::make_unique<grpc::ClientContext>();
    s->ctx->set_deadline(absl::ToChronoTime(window_.end + absl::Seconds(10)));
    s->reply.Clear();
    stub_->async()->Unary(s->ctx.get(), &s->request, &s->reply,
                          [this, s](grpc::Status status) { OnDone(s, status); });
  }

  void OnDone(Slot* s, const grpc::Status& status) {
    const absl::Time now = absl::Now();
    bool again;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!status.ok()) {
        if (errors_++ == 0) {
          first_error_ = absl::StrCat(status.error_code(), ": ", status.error_message());
        }
      } else if (now >= window_.measure_from && now < window_.end) {
        ++completed_;
      }
      again = now < window_.end && errors_ < 100;
      if (!again && --active_ == 0) done_.notify_all();
    }
    if (again) Issue(s);
  }

  Echo::Stub* const stub_;
  const Window window_;
  std::vector<Slot> slots_;
  std::mutex mu_;
  std::condition_variable done_;
  int active_ = 0;
  uint64_t completed_ = 0;
  uint64_t errors_ = 0;
  std::string first_error_;
};

// Ping-pong on one bidi stream.
Figure StreamLatency(Echo::Stub* stub, size_t size, const Window& w) {
  Figure f;
  Blob request = MakeBlob(size);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(w.end + absl::Seconds(10)));
  auto stream = stub->Stream(&ctx);
  Blob reply;
  for (uint64_t seq = 0; seq < 100'000'000; ++seq) {
    const absl::Time start = absl::Now();
    if (start >= w.end) break;
    request.set_seq(seq);
    if (!stream->Write(request) || !stream->Read(&reply)) break;
    const absl::Time done = absl::Now();
    if (start >= w.measure_from) {
      f.latencies_ns.push_back(absl::ToInt64Nanoseconds(done - start));
    }
  }
  stream->WritesDone();
  for (int i = 0; i < 1000 && stream->Read(&reply); ++i) {
  }
  grpc::Status s = stream->Finish();
  if (!s.ok()) NoteError(&f, s);
  return f;
}

// One bidi stream kept `inflight` messages ahead of the echoes.
class StreamLoad : public grpc::ClientBidiReactor<Blob, Blob> {
 public:
  StreamLoad(Echo::Stub* stub, size_t size, int inflight, const Window& window)
      : window_(window), inflight_(inflight), request_(MakeBlob(size)) {
    ctx_.set_deadline(absl::ToChronoTime(window_.end + absl::Seconds(10)));
    stub->async()->Stream(&ctx_, this);
  }

  Figure Run() {
    StartRead(&reply_);
    AddHold();  // released by the writer once it has half-closed
    {
      std::lock_guard<std::mutex> lock(mu_);
      write_busy_ = true;
      ++sent_;
    }
    StartWrite(&request_);
    StartCall();
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait_until(lock, absl::ToChronoTime(window_.end + absl::Seconds(15)),
                     [this] { return finished_; });
    Figure f;
    if (!finished_) {
      // Cannot happen with the deadline set; if it does, waiting on is
      // the only safe thing, since gRPC still references this reactor.
      done_.wait(lock, [this] { return finished_; });
    }
    if (!status_.ok()) NoteError(&f, status_);
    f.count = received_in_window_;
    f.seconds = window_.seconds();
    return f;
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The stream ended early (an error): stop writing so the hold goes.
      {
        std::lock_guard<std::mutex> lock(mu_);
        write_failed_ = true;
      }
      NextWrite(absl::Now());
      return;
    }
    const absl::Time now = absl::Now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++received_;
      if (now >= window_.measure_from && now < window_.end) ++received_in_window_;
    }
    NextWrite(now);
    StartRead(&reply_);
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      write_busy_ = false;
      if (!ok) write_failed_ = true;
    }
    NextWrite(absl::Now());
  }

  void OnDone(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    finished_ = true;
    done_.notify_all();
  }

 private:
  // Starts the next write, or the half-close once the window is over.
  void NextWrite(absl::Time now) {
    bool write = false, close = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (write_busy_ || closed_) return;
      if (now >= window_.end || write_failed_) {
        close = closed_ = true;
      } else if (sent_ - received_ < static_cast<uint64_t>(inflight_)) {
        write = write_busy_ = true;
        ++sent_;
      }
    }
    if (write) StartWrite(&request_);
    if (close) {
      StartWritesDone();
      RemoveHold();
    }
  }

  const Window window_;
  const int inflight_;
  grpc::ClientContext ctx_;
  Blob request_;  // the same bytes every time; one write in flight at once
  Blob reply_;
  std::mutex mu_;
  std::condition_variable done_;
  uint64_t sent_ = 0;
  uint64_t received_ = 0;
  uint64_t received_in_window_ = 0;
  bool write_busy_ = false;
  bool write_failed_ = false;
  bool closed_ = false;
  bool finished_ = false;
  grpc::Status status_;
};

// ---------------------------------------------------------------------------
// The run.

struct Mode {
  std::string name;
  int port = 0;
  std::unique_ptr<Echo::Stub> stub;
  Hop hop;  // whose CPU the throughput figures report; none for direct
};

enum class Kind { kUnary, kStream };
const char* KindName(Kind k) { return k == Kind::kUnary ? "unary" : "stream"; }

struct Row {
  Figure latency;
  Figure load;
};

std::unique_ptr<Echo::Stub> Connect(int port) {
  grpc::ChannelArguments args;
  // Each mode gets its own connection even if two target the same port.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return Echo::NewStub(grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                                 grpc::InsecureChannelCredentials(), args));
}

// One call, to check the path works before measuring it.
grpc::Status Probe(Echo::Stub* stub) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  ctx.set_wait_for_ready(true);
  Blob reply;
  return stub->Unary(&ctx, MakeBlob(16), &reply);
}

std::string Mark(bool met) { return met ? "met" : "NOT met"; }

int Run(const char* self) {
  InstallSignalHandlers();
  const std::vector<std::string> wanted = absl::StrSplit(absl::GetFlag(FLAGS_modes), ',');
  auto want = [&](const std::string& m) {
    return std::find(wanted.begin(), wanted.end(), m) != wanted.end();
  };
  std::vector<size_t> sizes;
  for (absl::string_view s : absl::StrSplit(absl::GetFlag(FLAGS_sizes), ',')) {
    size_t n;
    if (!absl::SimpleAtoi(s, &n) || n > (4u << 20)) {
      std::fprintf(stderr, "bad size '%s'\n", std::string(s).c_str());
      return 2;
    }
    sizes.push_back(n);
  }
  const int inflight = std::max(1, std::min(absl::GetFlag(FLAGS_inflight), 4096));

  char dir_template[] = "/tmp/proxy_bench.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = dir_template;
  chmod(dir.c_str(), 0755);  // nginx workers run as nobody when we are root
  // The signal handler removes these in order: each nginx instance's files
  // and temp dirs, its directory, then ours.
  for (const char* instance : {"nginx", "nginx-batch"}) {
    for (const char* name : {"nginx.conf", "nginx.pid", "error.log", "stdout.log", "body",
                             "proxy", "fastcgi", "uwsgi", "scgi"}) {
      AddTempPath(absl::StrCat(dir, "/", instance, "/", name));
    }
    AddTempPath(absl::StrCat(dir, "/", instance));
  }
  AddTempPath(dir + "/version.txt");
  AddTempPath(dir);
  struct CleanDir {
    std::string dir;
    ~CleanDir() {
      if (absl::GetFlag(FLAGS_keep_temp)) {
        std::printf("kept %s\n", dir.c_str());
        return;
      }
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } clean_dir{dir};

  EchoService service;
  int echo_port = 0;
  std::unique_ptr<grpc::Server> echo;
  std::vector<std::unique_ptr<Child>> children;
  std::string echo_error;
  if (absl::GetFlag(FLAGS_echo_in_process)) {
    echo = StartEcho(&service, &echo_port);
    if (echo == nullptr) echo_port = 0;
  } else {
    auto child = SpawnServer(self, {"--serve_echo"}, &echo_port, &echo_error);
    if (child != nullptr) children.push_back(std::move(child));
  }
  if (echo_port == 0) {
    std::fprintf(stderr, "cannot start the echo server. %s\n", echo_error.c_str());
    return 1;
  }
  const std::string echo_target = absl::StrCat("127.0.0.1:", echo_port);

  const bool in_process = absl::GetFlag(FLAGS_proxy_in_process);
  std::vector<std::unique_ptr<InProcessProxy>> local_proxies;
  std::vector<Mode> modes;
  bool failed = false;

  if (want("direct")) modes.push_back({"direct", echo_port, nullptr, Hop{}});
  for (const std::string name : {"proxy", "proxy-decode", "proxy-archive"}) {
    if (!want(name)) continue;
    const bool decode = name == "proxy-decode";
    const bool archive = name == "proxy-archive";
    int port = 0;
    Hop hop;  // none in process: its CPU cannot be told from the client's
    if (in_process) {
      auto p = StartInProcessProxy(echo_target, decode, archive);
      if (!p.ok()) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), p.status().ToString().c_str());
        return 1;
      }
      port = (*p)->proxy->port();
      local_proxies.push_back(std::move(*p));
    } else {
      std::string error;
      auto child = SpawnServer(self,
                               {absl::StrCat("--serve_proxy_to=", echo_target),
                                absl::StrCat("--serve_proxy_decode=", decode ? "true" : "false"),
                                absl::StrCat("--serve_proxy_archive=", archive ? "true" : "false")},
                               &port, &error);
      if (child == nullptr) {
        std::fprintf(stderr, "%s: the proxy process did not start. %s\n", name.c_str(),
                     error.c_str());
        return 1;
      }
      hop.pid = child->pid();
      children.push_back(std::move(child));
    }
    modes.push_back({name, port, nullptr, hop});
  }
  std::string nginx_note = "not run";
  if (want("nginx") || want("nginx-batch")) {
    const std::string binary = absl::GetFlag(FLAGS_nginx);
    if (access(binary.c_str(), X_OK) != 0) {
      nginx_note = absl::StrCat(binary, " not installed; nginx column skipped");
    } else {
      // Two instances, so that neither's workers ever have to be switched
      // back: `nginx` as deployed, `nginx-batch` with the policy the
      // proxy's loops set for themselves, SCHED_BATCH (set by us before
      // each round).
      const std::string version = NginxVersion(binary, dir);
      nginx_note = "failed to start, column skipped";
      for (const char* name : {"nginx", "nginx-batch"}) {
        if (!want(name)) continue;
        const bool batch = std::string(name) == "nginx-batch";
        auto n = StartNginx(binary, absl::StrCat(dir, "/", name), echo_port, inflight);
        if (!n.ok()) {
          std::fprintf(stderr, "%s failed to start, column skipped: %s\n", name,
                       std::string(n.status().message()).c_str());
          continue;
        }
        // `daemon off`: the child we spawned is the master; its children
        // are the workers.
        Hop hop{n->child->pid(), true, std::nullopt};
        if (batch) hop.policy = SCHED_BATCH;
        modes.push_back({name, n->port, nullptr, hop});
        children.push_back(std::move(n->child));
        nginx_note = absl::StrCat(version, ", 2 workers, upstream keepalive 64");
      }
    }
  }

  for (Mode& m : modes) {
    m.stub = Connect(m.port);
    grpc::Status s = Probe(m.stub.get());
    if (!s.ok()) {
      std::fprintf(stderr, "%s: probe failed: %s\n", m.name.c_str(),
                   s.error_message().c_str());
      return 1;
    }
  }

  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("proxy_bench: %ld cores, load average %.2f %.2f %.2f\n",
              sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
  std::printf("  proxy: %s; nginx: %s\n",
              in_process ? "in the benchmark process" : "separate process",
              nginx_note.c_str());
  const int rounds = std::max(1, std::min(absl::GetFlag(FLAGS_rounds), 100));
  std::printf(
      "  %.1f s per figure after %.1f s warm-up, in %d rounds; throughput with %d in "
      "flight\n\n",
      absl::GetFlag(FLAGS_seconds), absl::GetFlag(FLAGS_warmup), rounds, inflight);
  std::fflush(stdout);

  const bool partial = absl::GetFlag(FLAGS_figures) !=
                       "unary-latency,unary-throughput,stream-latency,stream-throughput";
  const absl::Duration round_run = absl::Seconds(absl::GetFlag(FLAGS_seconds)) / rounds;
  const absl::Duration round_warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup)) / rounds;
  // results[kind][size][mode]
  std::map<std::pair<Kind, size_t>, std::map<std::string, Row>> results;
  for (size_t size : sizes) {
    for (Kind kind : {Kind::kUnary, Kind::kStream}) {
      for (bool throughput : {false, true}) {
        const std::string figure =
            absl::StrCat(KindName(kind), throughput ? "-throughput" : "-latency");
        if (!absl::StrContains(absl::GetFlag(FLAGS_figures), figure)) continue;
        // Round-robin over the modes in short rounds, so that a slow spell
        // of the (shared) machine hits every mode about equally.
        for (int round = 0; round < rounds; ++round) {
          for (Mode& m : modes) {
            Row& row = results[{kind, size}][m.name];
            const Window w = MakeWindow(round_warmup, round_run);
            Echo::Stub* stub = m.stub.get();
            if (absl::Status s = ApplyHopPolicy(m.hop); !s.ok()) {
              std::fprintf(stderr, "%s: cannot set its processes' scheduling policy: %s\n",
                           m.name.c_str(), s.ToString().c_str());
              return 1;
            }
            if (throughput) {
              HopCpuMeter meter(m.hop, w);
              Figure f = kind == Kind::kUnary ? UnaryLoad(stub, size, inflight, w).Run()
                                              : StreamLoad(stub, size, inflight, w).Run();
              if (std::optional<double> cpu = meter.Finish()) {
                f.hop_cpu_seconds = *cpu;
                f.hop_cpu_rounds = 1;
              }
              row.load.Merge(std::move(f));
            } else if (kind == Kind::kUnary) {
              row.latency.Merge(UnaryLatency(stub, size, w));
            } else {
              row.latency.Merge(StreamLatency(stub, size, w));
            }
          }
        }
      }
    }
  }
  for (auto& [key, by_mode] : results) {
    for (auto& [mode, row] : by_mode) {
      std::sort(row.latency.latencies_ns.begin(), row.latency.latencies_ns.end());
    }
  }

  std::printf("%-13s %-7s %6s %10s %10s %14s %14s\n", "mode", "kind", "size", "p50 us",
              "p99 us", "throughput/s", "hop CPU us/msg");
  for (size_t size : sizes) {
    for (Kind kind : {Kind::kUnary, Kind::kStream}) {
      for (const Mode& m : modes) {
        const Row& row = results[{kind, size}][m.name];
        const std::optional<double> hop_cpu = row.load.HopCpuPerMessage();
        std::printf("%-13s %-7s %6zu %10.1f %10.1f %14.0f %14s\n", m.name.c_str(),
                    KindName(kind), size, row.latency.Percentile(0.5),
                    row.latency.Percentile(0.99), row.load.Throughput(),
                    hop_cpu.has_value() ? absl::StrFormat("%.1f", *hop_cpu).c_str() : "-");
        for (const Figure* f : {&row.latency, &row.load}) {
          if (f->errors > 0) {
            std::printf("  ! %llu failed calls, first: %s\n",
                        static_cast<unsigned long long>(f->errors), f->first_error.c_str());
            failed = true;
          }
        }
        if (!partial && (row.latency.latencies_ns.empty() || row.load.Throughput() <= 0)) {
          failed = true;
        }
      }
    }
  }

  // Ratios and targets, per (kind, size).
  auto has = [&](const std::string& m) {
    return std::any_of(modes.begin(), modes.end(), [&](const Mode& x) { return x.name == m; });
  };
  std::printf("\nratios (targets: proxy/direct p50 <= 1.8, proxy/nginx throughput >= 1.2)\n");
  // direct/nginx throughput is the ceiling: a middle hop that cost nothing
  // would reach direct's figure, so no proxy can beat nginx by more.
  // proxy/nginx-batch shows how much of the proxy's lead is its scheduling
  // policy (see the file header).
  std::printf("%-7s %6s %14s %14s %14s %14s %14s %14s %14s %14s\n", "kind", "size",
              "proxy/direct", "decode/direct", "nginx/direct", "proxy/nginx", "decode/nginx",
              "direct/nginx", "proxy/nginx", "proxy/nginx-");
  std::printf("%-7s %6s %14s %14s %14s %14s %14s %14s %14s %14s\n", "", "", "p50", "p50",
              "p50", "tput", "tput", "tput", "hop CPU", "batch tput");
  int p50_met = 0, p50_total = 0, tput_met = 0, tput_total = 0;
  for (size_t size : sizes) {
    for (Kind kind : {Kind::kUnary, Kind::kStream}) {
      auto& r = results[{kind, size}];
      auto p50_ratio = [&](const std::string& m) -> std::string {
        if (!has(m) || !has("direct")) return "-";
        const double d = r["direct"].latency.Percentile(0.5);
        return d > 0 ? absl::StrFormat("%.2f", r[m].latency.Percentile(0.5) / d) : "-";
      };
      auto tput_ratio = [&](const std::string& m, const std::string& base) -> std::string {
        if (!has(m) || !has(base)) return "-";
        const double n = r[base].load.Throughput();
        return n > 0 ? absl::StrFormat("%.2f", r[m].load.Throughput() / n) : "-";
      };
      auto hop_cpu_ratio = [&]() -> std::string {
        if (!has("proxy") || !has("nginx")) return "-";
        const std::optional<double> p = r["proxy"].load.HopCpuPerMessage();
        const std::optional<double> n = r["nginx"].load.HopCpuPerMessage();
        return p.has_value() && n.has_value() && *n > 0 ? absl::StrFormat("%.2f", *p / *n)
                                                         : "-";
      };
      std::printf("%-7s %6zu %14s %14s %14s %14s %14s %14s %14s %14s\n", KindName(kind), size,
                  p50_ratio("proxy").c_str(), p50_ratio("proxy-decode").c_str(),
                  p50_ratio("nginx").c_str(), tput_ratio("proxy", "nginx").c_str(),
                  tput_ratio("proxy-decode", "nginx").c_str(),
                  tput_ratio("direct", "nginx").c_str(), hop_cpu_ratio().c_str(),
                  tput_ratio("proxy", "nginx-batch").c_str());
      if (has("proxy") && has("direct") && r["direct"].latency.Percentile(0.5) > 0) {
        ++p50_total;
        p50_met += r["proxy"].latency.Percentile(0.5) <=
                   1.8 * r["direct"].latency.Percentile(0.5);
      }
      if (has("proxy") && has("nginx") && r["nginx"].load.Throughput() > 0) {
        ++tput_total;
        tput_met += r["proxy"].load.Throughput() >= 1.2 * r["nginx"].load.Throughput();
      }
    }
  }
  std::printf("\ntarget proxy/direct p50 <= 1.8:        %s (%d of %d kind/size pairs)\n",
              p50_total == 0 ? "not measured" : Mark(p50_met == p50_total).c_str(),
              p50_met, p50_total);
  std::printf("target proxy throughput >= 1.2x nginx: %s (%d of %d kind/size pairs)\n",
              tput_total == 0 ? "not measured" : Mark(tput_met == tput_total).c_str(),
              tput_met, tput_total);

  for (Mode& m : modes) m.stub.reset();
  children.clear();  // stops nginx, the proxy and the echo processes
  local_proxies.clear();
  if (echo != nullptr) echo->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  if (failed) {
    std::printf("\nsome measurements failed (see above)\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace turncoat

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "direct gRPC vs the link proxy (pass-through and decoding) vs nginx grpc_pass: "
      "p50/p99 latency and throughput, unary and streaming");
  absl::ParseCommandLine(argc, argv);
  const std::string proxy_target = absl::GetFlag(FLAGS_serve_proxy_to);
  if (!proxy_target.empty()) {
    return turncoat::bench::ServeProxy(proxy_target, absl::GetFlag(FLAGS_serve_proxy_decode),
                                       absl::GetFlag(FLAGS_serve_proxy_archive));
  }
  if (absl::GetFlag(FLAGS_serve_echo)) return turncoat::bench::ServeEcho();
  // Re-executed for the proxy child; /proc/self/exe survives a relative argv[0].
  return turncoat::bench::Run("/proc/self/exe");
}
