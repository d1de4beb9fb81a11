#include "agents/tcp_link.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netfilter_ipv4.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <list>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "agents/frame.h"
#include "agents/rule_engine.h"
#include "agents/socket_address.h"

namespace turncoat {
namespace agent {
namespace {

// A connection to the destination that does not open within this counts as
// unreachable: the dialler's connection is then closed, as a refused one.
constexpr absl::Duration kDialTimeout = absl::Seconds(5);
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxPreamble = 512;
constexpr char kPreambleTag[] = "turncoat-link";

absl::Status Errno(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

std::string AddressText(const sockaddr_in& addr) {
  char host[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &addr.sin_addr, host, sizeof(host));
  return absl::StrCat(host, ":", ntohs(addr.sin_port));
}

absl::StatusOr<int> Listen(const std::string& address) {
  auto addr = ResolveAddress(address);
  if (!addr.ok()) return addr.status();
  const int fd = socket(addr->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr->addr), addr->len) != 0 ||
      listen(fd, 128) != 0) {
    absl::Status s = Errno(absl::StrCat("listen on ", address));
    close(fd);
    return s;
  }
  return fd;
}

int PortOf(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

absl::StatusOr<int> Dial(const std::string& address) {
  auto addr = ResolveAddress(address);
  if (!addr.ok()) return addr.status();
  const int fd = socket(addr->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Errno("socket");
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr->addr), addr->len) != 0 &&
      errno != EINPROGRESS) {
    absl::Status s = Errno(absl::StrCat("connect to ", address));
    close(fd);
    return s;
  }
  pollfd p{fd, POLLOUT, 0};
  const int ready = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(kDialTimeout)));
  int error = 0;
  socklen_t len = sizeof(error);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (ready <= 0 || error != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat(
        "connect to ", address, ": ", ready <= 0 ? "timed out" : std::strerror(error)));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Sends everything unless `fd` fails or, while it waits for room, `wake`
// (an eventfd, or -1: none) becomes readable.
bool SendAll(int fd, absl::string_view bytes, int wake = -1) {
  while (!bytes.empty()) {
    const ssize_t n =
        send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | (wake >= 0 ? MSG_DONTWAIT : 0));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wake >= 0) {
      pollfd p[2] = {{fd, POLLOUT, 0}, {wake, POLLIN, 0}};
      if (poll(p, 2, -1) < 0 && errno != EINTR) return false;
      if (p[1].revents != 0) return false;
      continue;
    }
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Closes `fd` with a TCP RST instead of a FIN: the peer's next read or
// write fails with ECONNRESET.
void CloseWithReset(int fd) {
  const linger abort{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
  close(fd);
}

// The preamble line, read byte by byte so nothing of the stream after it
// is consumed.
absl::StatusOr<std::string> ReadPreamble(int fd) {
  std::string line;
  while (line.size() < kMaxPreamble) {
    char c;
    const ssize_t n = recv(fd, &c, 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("connection closed before its preamble");
    if (c == '\n') return line;
    line.push_back(c);
  }
  return absl::InvalidArgumentError("preamble too long");
}

std::string Preamble(LinkId link, const std::string& target) {
  return absl::StrCat(kPreambleTag, " ", link.from, " ", link.to, " ", target, "\n");
}

// A framed frame's kind for the traffic counts: its name, or its type's
// number when the framing names none.
std::string TrafficLabel(const FrameFormat& format, absl::string_view frame,
                         const std::string& kind) {
  if (!kind.empty()) return kind;
  const std::optional<uint64_t> type = format.TypeOf(frame);
  return type.has_value() ? absl::StrCat("type ", *type) : "untyped";
}

}  // namespace

// Sends one direction's surviving frames at their release times, in order of
// release (and of arrival among equal times). Unframed streams never
// reorder: a frame is released no earlier than the one before it.
class TimedWriter : public FrameSink {
 public:
  // A send waiting for room gives up once `wake` is readable (-1: never).
  TimedWriter(int fd, bool keep_order, int wake = -1)
      : fd_(fd), wake_(wake), keep_order_(keep_order) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~TimedWriter() override {
    Close();
    Join();
  }

  void Deliver(absl::Duration delay, std::string bytes, bool) override {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    absl::Time release = absl::Now() + std::max(delay, absl::ZeroDuration());
    if (keep_order_) release = std::max(release, last_release_);
    last_release_ = release;
    queue_.emplace(std::make_pair(release, sequence_++), std::move(bytes));
  }
  // From now on nothing overtakes: the stream is passed on raw.
  void KeepOrder() {
    absl::MutexLock lock(&mu_);
    keep_order_ = true;
  }
  // The source is done: close the destination's side once all is sent.
  void Finish() {
    absl::MutexLock lock(&mu_);
    finishing_ = true;
  }
  // Drops what is not sent yet; later deliveries are dropped too.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    queue_.clear();
  }
  // Returns once the thread has sent everything (after Finish) or stopped.
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  bool failed() const { return failed_.load(); }

 private:
  void Loop() {
    absl::MutexLock lock(&mu_);
    while (true) {
      const auto ready = [this] {
        mu_.AssertHeld();
        return closed_ || (finishing_ && queue_.empty()) ||
               (!queue_.empty() && queue_.begin()->first.first <= absl::Now());
      };
      const absl::Time wake = queue_.empty() ? absl::Now() + absl::Milliseconds(50)
                                             : queue_.begin()->first.first;
      mu_.AwaitWithDeadline(absl::Condition(&ready), wake);
      if (closed_) return;
      if (queue_.empty()) {
        if (finishing_) {
          shutdown(fd_, SHUT_WR);
          closed_ = true;
          return;
        }
        continue;
      }
      if (queue_.begin()->first.first > absl::Now()) continue;
      std::string bytes = std::move(queue_.begin()->second);
      queue_.erase(queue_.begin());
      mu_.Unlock();
      const bool sent = SendAll(fd_, bytes, wake_);
      mu_.Lock();
      if (!sent) {
        failed_ = true;
        closed_ = true;
        queue_.clear();
        return;
      }
    }
  }

  const int fd_;
  const int wake_;
  absl::Mutex mu_;
  std::map<std::pair<absl::Time, uint64_t>, std::string> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_release_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool keep_order_ ABSL_GUARDED_BY(mu_);
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

// One relayed connection: the dialler's socket and the one towards the
// destination. `setup` runs on the relay's own thread (dialling may take
// seconds) and says where the connection goes and which direction this
// agent's rules see; the destination is dialled only once the rules let
// the connection open (RuleEngine::Refuses).
class TcpRelay {
 public:
  struct Route {
    LinkId link;         // the link of the bytes the rules see
    bool rules_forward;  // true: the dialler's bytes; false: the answers
    // A connected socket towards the destination.
    std::function<absl::StatusOr<int>()> dial;
    // False: no rule here sees either direction (a gRPC link proxy
    // further on runs them).
    bool ruled = true;
  };
  using Setup = std::function<absl::StatusOr<Route>(int dialler)>;

  TcpRelay(TcpLinkRuntime* runtime, int dialler, Setup setup)
      : runtime_(runtime), wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), dialler_(dialler) {
    main_ = std::thread([this, setup = std::move(setup)] { Run(setup); });
  }
  ~TcpRelay() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      if (writer_ != nullptr) writer_->Close();
      for (int fd : {dialler_, upstream_}) {
        if (fd >= 0) shutdown(fd, SHUT_RDWR);
      }
    }
    if (main_.joinable()) main_.join();
    absl::MutexLock lock(&mu_);
    for (int fd : {dialler_, upstream_}) {
      if (fd >= 0) close(fd);
    }
    if (wake_ >= 0) close(wake_);
  }
  bool done() const { return done_.load(); }

  // The link whose bytes the rules see, once the connection is relayed.
  std::optional<LinkId> link() const {
    absl::MutexLock lock(&mu_);
    return link_;
  }

  // Ends a relayed connection on both sides, dropping what waits to be
  // sent: with a FIN each way, or (`reset`) with an RST each way, which the
  // agent at the other end passes on as an RST too. Returns false if the
  // connection was already ending.
  bool Cut(bool reset) {
    absl::MutexLock lock(&mu_);
    if (stopping_ || cut_ != Ending::kNone || upstream_ < 0) return false;
    cut_ = reset ? Ending::kReset : Ending::kClose;
    if (writer_ != nullptr) writer_->Close();  // none when no rule sees the bytes
    if (wake_ >= 0) {
      const uint64_t one = 1;
      (void)!write(wake_, &one, sizeof(one));
    }
    // A reset must send no FIN before its RST: shutting down only the
    // reading side wakes the readers without a packet; the sockets close
    // with the RST once the relay's threads let go of them.
    for (int fd : {dialler_, upstream_}) shutdown(fd, reset ? SHUT_RD : SHUT_RDWR);
    return true;
  }

 private:
  enum class Ending { kNone, kClose, kReset };

  bool resetting() const {
    absl::MutexLock lock(&mu_);
    return cut_ == Ending::kReset;
  }

  // The dialler's connection ends at once with an RST, as a refused
  // connect would (the replica's connect itself succeeded: the proxy
  // accepted it).
  void Refuse() {
    absl::MutexLock lock(&mu_);
    CloseWithReset(dialler_);
    dialler_ = -1;
  }

  void Run(const Setup& setup) {
    auto route = setup(dialler_);
    if (route.ok() && runtime_->proxy()->engine()->Refuses(route->link)) {
      Refuse();
      done_ = true;
      return;
    }
    absl::StatusOr<int> up =
        route.ok() ? route->dial() : absl::StatusOr<int>(route.status());
    if (!up.ok()) {
      ++runtime_->counters().refused;
      // Counted on the dialler's link, whichever direction the rules see.
      if (route.ok()) {
        runtime_->traffic().Refused(route->rules_forward
                                        ? route->link
                                        : LinkId{route->link.to, route->link.from});
      }
      // As a refused connection would be: the dialler sees it close.
      shutdown(dialler_, SHUT_RDWR);
      done_ = true;
      return;
    }
    ++runtime_->counters().connections;
    runtime_->traffic().Connection(route->link);
    const int ruled_in = route->rules_forward ? dialler_ : *up;
    const int ruled_out = route->rules_forward ? *up : dialler_;
    // None when no rule here sees the bytes.
    const std::shared_ptr<TimedWriter> writer =
        route->ruled
            ? std::make_shared<TimedWriter>(ruled_out, runtime_->format() == nullptr, wake_)
            : nullptr;
    {
      absl::MutexLock lock(&mu_);
      upstream_ = *up;
      writer_ = writer;
      link_ = route->link;
      if (stopping_) {
        shutdown(*up, SHUT_RDWR);
        if (writer != nullptr) writer->Close();
      }
    }
    std::thread raw([&] { PassRaw(ruled_out, ruled_in); });
    if (writer == nullptr) {
      PassRaw(ruled_in, ruled_out);
    } else {
      Ruled(ruled_in, route->link, writer);
      writer->Finish();
      writer->Join();
    }
    raw.join();
    if (resetting()) {
      absl::MutexLock lock(&mu_);
      CloseWithReset(dialler_);
      CloseWithReset(upstream_);
      dialler_ = upstream_ = -1;
    }
    done_ = true;
  }

  // A read that failed with ECONNRESET: the other side is reset too, so
  // a reset crosses both agents as one.
  void OnReadError() {
    if (errno == ECONNRESET) Cut(/*reset=*/true);
  }

  // The direction no rule here sees: bytes as they come.
  void PassRaw(int from, int to) {
    std::string buffer(kReadChunk, '\0');
    while (true) {
      const ssize_t n = recv(from, buffer.data(), buffer.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) OnReadError();
      if (n <= 0 ||
          !SendAll(to, absl::string_view(buffer.data(), static_cast<size_t>(n)), wake_)) {
        break;
      }
    }
    if (!resetting()) shutdown(to, SHUT_WR);
  }

  void Ruled(int from, LinkId link, const std::shared_ptr<TimedWriter>& writer) {
    const FrameFormat* format = runtime_->format();
    bool parsing = format != nullptr;
    std::string pending;
    std::string buffer(kReadChunk, '\0');
    while (true) {
      const ssize_t n = recv(from, buffer.data(), buffer.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) OnReadError();
      if (n <= 0 || writer->failed()) break;
      absl::string_view got(buffer.data(), static_cast<size_t>(n));
      if (!parsing) {
        if (format != nullptr) {
          runtime_->counters().unparsed_bytes += got.size();
          runtime_->traffic().Unparsed(link, got.size());
          writer->Deliver(absl::ZeroDuration(), std::string(got), false);
        } else {
          Process(link, std::string(got), "", kUnframedKind, writer);
        }
        continue;
      }
      pending.append(got.data(), got.size());
      size_t at = 0;
      while (true) {
        auto next = format->NextFrame(absl::string_view(pending).substr(at));
        if (!next.ok()) {
          // Not a stream turncoat can cut: the rest goes on as it is.
          parsing = false;
          writer->KeepOrder();
          runtime_->counters().unparsed_bytes += pending.size() - at;
          runtime_->traffic().Unparsed(link, pending.size() - at);
          writer->Deliver(absl::ZeroDuration(), pending.substr(at), false);
          at = pending.size();
          break;
        }
        if (!next->has_value()) break;
        std::string frame = pending.substr(at, **next);
        at += **next;
        const std::string kind = format->KindOf(frame);
        const std::string label = TrafficLabel(*format, frame, kind);
        Process(link, std::move(frame), kind, label, writer);
      }
      pending.erase(0, at);
    }
  }

  // `label` names the frame's kind in the traffic counts (link_traffic.h).
  void Process(LinkId link, std::string bytes, const std::string& kind, absl::string_view label,
               const std::shared_ptr<TimedWriter>& sink) {
    ++runtime_->counters().frames;
    runtime_->traffic().Frame(link, label, bytes.size());
    ProxyRuntime& proxy = *runtime_->proxy();
    const size_t size = bytes.size();
    Frame frame(proxy.NextFrameId(), link, "", Direction::kRequest, std::move(bytes), nullptr, sink);
    frame.set_kind(kind);
    Decision decision = proxy.engine()->Process(std::move(frame), absl::Now());
    if (decision.held) proxy.timers()->StartTicking();
    if (proxy.ShouldTrace()) {
      TraceRecord r;
      r.time = absl::Now();
      r.link = link;
      r.method = kind.empty() ? "tcp" : kind;
      r.bytes = size;
      r.action = decision.action;
      r.rule_id = decision.rule_id;
      proxy.Trace(r);
    }
    DeliverAll(std::move(decision.emits));
  }

  TcpLinkRuntime* const runtime_;
  // Set when a connection is cut: a send waiting for room gives up.
  const int wake_;
  mutable absl::Mutex mu_;
  // -1 once closed (or not dialled yet).
  int dialler_ ABSL_GUARDED_BY(mu_);
  int upstream_ ABSL_GUARDED_BY(mu_) = -1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Ending cut_ ABSL_GUARDED_BY(mu_) = Ending::kNone;
  std::optional<LinkId> link_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<TimedWriter> writer_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> done_{false};
  std::thread main_;
};

// The relays of one agent; finished ones are reaped as new ones come.
class TcpRelaySet {
 public:
  void Add(TcpLinkRuntime* runtime, int dialler, TcpRelay::Setup setup) {
    std::list<std::unique_ptr<TcpRelay>> finished;
    absl::MutexLock lock(&mu_);
    for (auto it = relays_.begin(); it != relays_.end();) {
      if ((*it)->done()) {
        finished.push_back(std::move(*it));
        it = relays_.erase(it);
      } else {
        ++it;
      }
    }
    relays_.push_back(std::make_unique<TcpRelay>(runtime, dialler, std::move(setup)));
  }
  // Cuts (or resets) every relayed connection on `rule`'s links, counting
  // each on the rule.
  void Cut(const FaultRule& rule) {
    const bool reset = rule.spec().action.kind == ActionKind::kReset;
    absl::MutexLock lock(&mu_);
    for (const auto& relay : relays_) {
      const std::optional<LinkId> link = relay->link();
      if (relay->done() || !link.has_value() || !rule.MatchesConnection(*link) || !rule.Roll()) {
        continue;
      }
      if (relay->Cut(reset)) rule.CountApplied();
    }
  }
  void Clear() {
    std::list<std::unique_ptr<TcpRelay>> all;
    {
      absl::MutexLock lock(&mu_);
      all.swap(relays_);
    }
  }

 private:
  absl::Mutex mu_;
  std::list<std::unique_ptr<TcpRelay>> relays_ ABSL_GUARDED_BY(mu_);
};

namespace {

// Accepts on `fd` until destroyed, handing each connection to `on_accept`.
class Acceptor {
 public:
  Acceptor(int fd, std::function<void(int)> on_accept) : fd_(fd) {
    if (pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
    thread_ = std::thread([this, on_accept = std::move(on_accept)] {
      while (true) {
        pollfd p[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) return;
        if (p[1].revents != 0) return;
        if ((p[0].revents & POLLIN) == 0) continue;
        const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) continue;
        const int one = 1;
        setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        on_accept(conn);
      }
    });
  }
  ~Acceptor() {
    if (wake_[1] >= 0) {
      const char c = 0;
      (void)!write(wake_[1], &c, 1);
    }
    if (thread_.joinable()) thread_.join();
    close(fd_);
    if (wake_[0] >= 0) close(wake_[0]);
    if (wake_[1] >= 0) close(wake_[1]);
  }
  int port() const { return PortOf(fd_); }

 private:
  const int fd_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

// Dials the destination's agent and tells it where the connection goes.
absl::StatusOr<int> DialThroughInbound(const std::string& inbound, LinkId link,
                                       const std::string& target) {
  auto fd = Dial(inbound);
  if (!fd.ok()) return fd.status();
  if (!SendAll(*fd, Preamble(link, target))) {
    close(*fd);
    return absl::UnavailableError(absl::StrCat("inbound proxy ", inbound, " closed"));
  }
  return fd;
}

}  // namespace

TcpLinkRuntime::TcpLinkRuntime(std::shared_ptr<ProxyRuntime> proxy,
                               std::shared_ptr<const FrameFormat> format)
    : proxy_(std::move(proxy)),
      format_(std::move(format)),
      relays_(std::make_unique<TcpRelaySet>()) {
  TcpRelaySet* relays = relays_.get();
  watcher_ = proxy_->engine()->WatchConnections(
      [relays](const FaultRule& rule) { relays->Cut(rule); });
}

TcpLinkRuntime::~TcpLinkRuntime() {
  proxy_->engine()->UnwatchConnections(watcher_);
  relays_->Clear();
}

TcpLinkStats TcpLinkRuntime::Stats() const {
  TcpLinkStats s;
  s.connections = counters_.connections.load();
  s.frames = counters_.frames.load();
  s.unparsed_bytes = counters_.unparsed_bytes.load();
  s.refused = counters_.refused.load();
  return s;
}

struct TcpInbound::Impl {
  std::shared_ptr<TcpLinkRuntime> runtime;
  std::unique_ptr<Acceptor> acceptor;
};

absl::StatusOr<std::unique_ptr<TcpInbound>> TcpInbound::Start(
    std::shared_ptr<TcpLinkRuntime> runtime, const std::string& listen) {
  auto fd = Listen(listen);
  if (!fd.ok()) return fd.status();
  auto impl = std::make_unique<Impl>();
  impl->runtime = std::move(runtime);
  TcpLinkRuntime* rt = impl->runtime.get();
  impl->acceptor = std::make_unique<Acceptor>(*fd, [rt](int conn) {
    rt->relays()->Add(rt, conn, [](int dialler) -> absl::StatusOr<TcpRelay::Route> {
      auto line = ReadPreamble(dialler);
      if (!line.ok()) return line.status();
      std::vector<std::string> parts = absl::StrSplit(*line, ' ');
      LinkId link;
      if (parts.size() != 4 || parts[0] != kPreambleTag || !absl::SimpleAtoi(parts[1], &link.from) ||
          !absl::SimpleAtoi(parts[2], &link.to)) {
        return absl::InvalidArgumentError("bad preamble");
      }
      // The answers travel from the destination (this agent's replica) back.
      return TcpRelay::Route{LinkId{link.to, link.from}, /*rules_forward=*/false,
                             [target = parts[3]] { return Dial(target); }};
    });
  });
  return std::unique_ptr<TcpInbound>(new TcpInbound(std::move(impl)));
}

TcpInbound::TcpInbound(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpInbound::~TcpInbound() { impl_->acceptor.reset(); }
int TcpInbound::port() const { return impl_->acceptor->port(); }

struct TcpOutbound::Impl {
  std::shared_ptr<TcpLinkRuntime> runtime;
  LinkId link;
  std::unique_ptr<Acceptor> acceptor;
};

absl::StatusOr<std::unique_ptr<TcpOutbound>> TcpOutbound::Start(
    std::shared_ptr<TcpLinkRuntime> runtime, LinkId link, const std::string& listen,
    const std::string& inbound, const std::string& target) {
  auto fd = Listen(listen);
  if (!fd.ok()) return fd.status();
  auto impl = std::make_unique<Impl>();
  impl->runtime = std::move(runtime);
  impl->link = link;
  TcpLinkRuntime* rt = impl->runtime.get();
  impl->acceptor = std::make_unique<Acceptor>(*fd, [rt, link, inbound, target](int conn) {
    rt->relays()->Add(rt, conn, [link, inbound, target](int) -> absl::StatusOr<TcpRelay::Route> {
      return TcpRelay::Route{link, /*rules_forward=*/true,
                             [=] { return DialThroughInbound(inbound, link, target); }};
    });
  });
  return std::unique_ptr<TcpOutbound>(new TcpOutbound(std::move(impl)));
}

TcpOutbound::TcpOutbound(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpOutbound::~TcpOutbound() { impl_->acceptor.reset(); }
int TcpOutbound::port() const { return impl_->acceptor->port(); }
LinkId TcpOutbound::link() const { return impl_->link; }

struct TcpInterceptor::Impl {
  std::shared_ptr<TcpLinkRuntime> runtime;
  std::unique_ptr<Acceptor> acceptor;
};

absl::StatusOr<std::unique_ptr<TcpInterceptor>> TcpInterceptor::Start(
    std::shared_ptr<TcpLinkRuntime> runtime, int from, const std::string& listen,
    std::map<std::string, Peer> peers) {
  auto fd = Listen(listen);
  if (!fd.ok()) return fd.status();
  auto impl = std::make_unique<Impl>();
  impl->runtime = std::move(runtime);
  TcpLinkRuntime* rt = impl->runtime.get();
  impl->acceptor = std::make_unique<Acceptor>(*fd, [rt, from, peers](int conn) {
    rt->relays()->Add(rt, conn, [from, peers](int dialler) -> absl::StatusOr<TcpRelay::Route> {
      sockaddr_in original{};
      socklen_t len = sizeof(original);
      if (getsockopt(dialler, SOL_IP, SO_ORIGINAL_DST, &original, &len) != 0) {
        return Errno("SO_ORIGINAL_DST");
      }
      char host[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &original.sin_addr, host, sizeof(host));
      auto it = peers.find(host);
      if (it == peers.end()) {
        return absl::NotFoundError(absl::StrCat(host, " is no replica's address"));
      }
      const LinkId link{from, it->second.index};
      if (!it->second.proxy.empty()) {
        return TcpRelay::Route{link, /*rules_forward=*/true,
                               [proxy = it->second.proxy] { return Dial(proxy); },
                               /*ruled=*/false};
      }
      const std::string target =
          it->second.target.empty() ? AddressText(original) : it->second.target;
      return TcpRelay::Route{link, /*rules_forward=*/true,
                             [inbound = it->second.inbound, link, target] {
                               return DialThroughInbound(inbound, link, target);
                             }};
    });
  });
  return std::unique_ptr<TcpInterceptor>(new TcpInterceptor(std::move(impl)));
}

TcpInterceptor::TcpInterceptor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpInterceptor::~TcpInterceptor() { impl_->acceptor.reset(); }
int TcpInterceptor::port() const { return impl_->acceptor->port(); }

}  // namespace agent
}  // namespace turncoat
