#include "agents/link_proxy.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "agents/burst_gauge.h"
#include "agents/grpc_deframer.h"
#include "agents/message_codec.h"
#include "agents/socket_address.h"
#include "common/ports.h"

namespace turncoat {
namespace agent {
namespace {

// Messages queued per call and direction before the proxy stops returning
// the stream's flow-control window to the sender: HTTP/2 flow control then
// pushes back on that call, as without a proxy.
constexpr size_t kMaxQueued = 16;

// What the proxy lets a peer send before it returns window. gRPC's own
// default (64 KiB per connection) would let 64 calls of 4 KiB in flight wait
// on window updates. A stream's window, returned only as its messages leave
// (kMaxQueued), bounds what one call can make the proxy hold.
constexpr int32_t kStreamWindow = 1 << 20;
constexpr int32_t kConnectionWindow = 16 << 20;

// Bytes read per system call, and reads per readiness event, so that one busy
// connection does not starve the link's others.
constexpr size_t kReadSize = 64 * 1024;
constexpr int kReadsPerEvent = 16;
// Bytes of frames gathered before a send.
constexpr size_t kMaxGather = 1 << 20;
// Passes of flushing per loop turn: a flush on one connection can make work
// for another (returned window, a reset).
constexpr int kFlushPasses = 8;

// How long a closing proxy lets running calls finish before resetting them.
constexpr absl::Duration kStopGrace = absl::Milliseconds(500);

// A request the rules added to a unary call goes in a call of its own (see
// Call::Arrive); nobody waits for its reply, so its deadline is the proxy's:
// told to the destination, and enforced here too.
constexpr char kSideCallTimeout[] = "2S";
constexpr absl::Duration kSideCallDeadline = absl::Seconds(2);

// How long a connection to the destination may take to open; then the calls
// waiting for it fail UNAVAILABLE, as with gRPC's own connect timeout. A
// loopback destination answers at once; this bounds a remote one that drops
// the connection attempt silently.
constexpr absl::Duration kConnectTimeout = absl::Seconds(5);
// Sender connections held unanswered while the destination's connection
// opens; beyond this many, new ones are closed at once.
constexpr size_t kMaxHeld = 64;

constexpr char kGrpcUnavailable[] = "14";
constexpr char kGrpcResourceExhausted[] = "8";
constexpr char kGrpcInternal[] = "13";

using Headers = std::vector<std::pair<std::string, std::string>>;

std::vector<nghttp2_nv> ToNv(const Headers& headers) {
  std::vector<nghttp2_nv> nv;
  nv.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    nv.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                  reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                  value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  return nv;
}

Headers StatusHeaders(const char* code, const std::string& message, bool with_response) {
  Headers h;
  if (with_response) {
    h.emplace_back(":status", "200");
    h.emplace_back("content-type", "application/grpc");
  }
  h.emplace_back("grpc-status", code);
  h.emplace_back("grpc-message", message);
  return h;
}


std::string Errno(int err) { return std::strerror(err); }

void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

class Core;
class Call;

// One HTTP/2 connection: from the sending replica (downstream, the proxy is
// the server) or to the destination (upstream, the proxy is the client).
struct Conn {
  Core* core = nullptr;
  bool upstream = false;
  int fd = -1;
  nghttp2_session* session = nullptr;
  bool connecting = false;  // upstream: the TCP connect is in progress
  bool draining = false;    // upstream: the destination said GOAWAY
  bool dead = false;
  bool malformed = false;  // the peer broke HTTP/2: the connection ends, counted once
  bool dirty = false;      // has frames to send, or bytes waiting for the socket
  bool out_armed = false;  // waits for the socket to take more
  std::string out;
  size_t out_sent = 0;
};

// Where the engine's emits for one call direction go; holds the call weakly
// so a frame released after the call ended is simply discarded.
class Sink : public FrameSink {
 public:
  Sink(std::weak_ptr<Call> call, Direction direction, uint8_t flags)
      : call_(std::move(call)), direction_(direction), flags_(flags) {}
  void Deliver(absl::Duration delay, std::string bytes, bool from_hold) override;

 private:
  std::weak_ptr<Call> call_;
  Direction direction_;
  uint8_t flags_;  // the message's prefix flags (compressed or not), kept for its copies
};

// Messages flowing one way: requests (to the destination) or responses.
struct Lane {
  std::deque<std::string> queue;  // framed messages the other side has not taken
  size_t front_taken = 0;         // bytes of queue.front() already taken
  GrpcDeframer deframer;         // holds the start of a message still arriving
  size_t unconsumed = 0;          // bytes received, stream window not yet returned
  bool discarding = false;        // an oversized message ended the call: drop the rest
  int pending = 0;                // delayed or held messages not yet queued
  bool source_closed = false;     // no more messages will arrive
  bool deferred = false;          // the data provider waits to be resumed
  std::shared_ptr<Sink> sinks[2];  // by the compressed flag of the message
};

// The proxy of one link: a listener, the connections from the sender, the
// connection to the destination, and the calls between them, all driven by
// one thread (Run). Everything but Post() and calls() is loop-thread only.
class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(std::shared_ptr<ProxyRuntime> runtime, LinkId link, std::string target);
  ~Core();

  absl::Status Listen(const std::string& listen);
  int port() const { return port_; }
  const std::string& target() const { return target_; }
  LinkId link() const { return link_; }
  ProxyRuntime& runtime() { return *runtime_; }
  int calls() const { return calls_count_.load(); }
  std::atomic<int>& calls_count() { return calls_count_; }

  void Run();
  bool InLoop() const { return current_ == this; }
  // Runs `fn` on the loop thread: now when called there, else soon. After
  // Quit it is dropped (with what it captured).
  void Post(std::function<void()> fn);

  void StopAccepting();
  void Quit();
  bool stopping() const { return stopping_; }

  void Add(std::shared_ptr<Call> call);
  // Queues `call` for the destination connection (connecting if needed).
  void StartUpstream(Call* call);
  void Unwait(Call* call);
  void MarkDirty(Conn* conn);
  // Forgets `call` at the end of this loop turn.
  void Release(Call* call) { released_.push_back(call); }
  // One whole message arrived, either way, on any call.
  void CountMessage() { ++messages_this_turn_; }
  uint64_t yielded_turns() const { return yielded_turns_.load(std::memory_order_relaxed); }
  void CountOversized() { oversized_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t oversized() const { return oversized_.load(std::memory_order_relaxed); }
  // `conn`'s peer broke the protocol, so the connection ends.
  void CountMalformed(Conn* conn) {
    if (conn->malformed) return;
    conn->malformed = true;
    malformed_.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t malformed() const { return malformed_.load(std::memory_order_relaxed); }

 private:
  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                      void* user);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t len, void* user);
  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                           void* user);
  static int OnFrameNotSend(nghttp2_session*, const nghttp2_frame* frame, int, void* user);
  static int OnFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user);

  Conn* NewConn(int fd, bool upstream);
  void StartSession(Conn* conn);
  void Accept();
  void Connect();
  void Connected(Conn* conn);
  // The destination cannot be reached, or its connection was lost.
  void Unreachable(const std::string& why);
  // Asks every sender to take its next calls to a new connection. Streams
  // from `unsent` calls are declared unprocessed, which the sender's gRPC
  // retries by itself.
  void GoAwaySenders(const std::vector<Call*>& unsent = {});
  void CloseHeld();
  void OnEvent(Conn* conn, uint32_t events);
  void Read(Conn* conn);
  void Flush(Conn* conn);
  void FlushDirty();
  void ArmOut(Conn* conn, bool on);
  // Closes `conn`; its calls learn that their side is gone.
  void Close(Conn* conn, const std::string& why);
  void RunInbox();

  static thread_local Core* current_;
  const std::shared_ptr<ProxyRuntime> runtime_;
  const LinkId link_;
  const std::string target_;
  int port_ = 0;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int listen_fd_ = -1;
  // Distinct addresses that tag the wake-up and listener in epoll.
  char wake_tag_ = 0;
  char listen_tag_ = 0;
  nghttp2_session_callbacks* callbacks_ = nullptr;
  nghttp2_option* options_ = nullptr;

  std::unordered_map<Conn*, std::unique_ptr<Conn>> conns_;
  std::vector<std::unique_ptr<Conn>> graveyard_;  // closed this turn
  Conn* upstream_ = nullptr;                      // where new calls go
  absl::Time connect_deadline_;                   // while upstream_ is connecting
  std::vector<Call*> waiting_;                    // for upstream_ to connect
  std::vector<int> held_;  // sender connections accepted, unanswered until upstream_ opens
  std::unordered_map<Call*, std::shared_ptr<Call>> calls_;
  std::vector<Call*> released_;
  std::vector<Conn*> dirty_;
  std::atomic<int> calls_count_{0};
  bool stopping_ = false;
  bool quit_ = false;
  int messages_this_turn_ = 0;
  BurstGauge gauge_;
  std::atomic<uint64_t> yielded_turns_{0};
  std::atomic<uint64_t> oversized_{0};
  std::atomic<uint64_t> malformed_{0};
  std::vector<char> read_buf_ = std::vector<char>(kReadSize);

  absl::Mutex mu_;
  std::vector<std::function<void()>> inbox_ ABSL_GUARDED_BY(mu_);
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

thread_local Core* Core::current_ = nullptr;

// One proxied call: a stream from the sender and a stream to the
// destination, pumping messages both ways through the rules. A side call
// (a unary request the rules added) has no sender stream.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(std::shared_ptr<Core> core, Conn* down, int32_t down_id)
      : core_(std::move(core)), down_(down), down_id_(down_id), down_open_(down != nullptr) {
    core_->calls_count().fetch_add(1);
  }
  ~Call() { core_->calls_count().fetch_sub(1); }

  // A copy of `original`'s request for a call of its own.
  static std::shared_ptr<Call> Side(const Call& original, std::string framed) {
    auto call = std::make_shared<Call>(original.core_, nullptr, 0);
    for (const auto& header : original.request_headers_) {
      if (header.first != "grpc-timeout") call->request_headers_.push_back(header);
    }
    call->request_headers_.emplace_back("grpc-timeout", kSideCallTimeout);
    call->method_ = original.method_;
    call->lanes_[0].queue.push_back(std::move(framed));
    call->lanes_[0].source_closed = true;
    return call;
  }

  Conn* down() const { return down_; }
  int32_t down_id() const { return down_id_; }
  Conn* up() const { return up_; }
  int32_t up_id() const { return up_id_; }
  void set_waiting(bool waiting) { waiting_ = waiting; }

  void OnRequestHeader(std::string name, std::string value) {
    if (name == ":path") method_ = value;
    request_headers_.emplace_back(std::move(name), std::move(value));
  }

  void OnRequestHeadersDone(bool end_stream) {
    if (end_stream) lanes_[0].source_closed = true;
    core_->StartUpstream(this);
  }

  // Opens the stream to the destination on `conn`; false if the connection
  // takes no more streams.
  bool Submit(Conn* conn) {
    const std::vector<nghttp2_nv> nv = ToNv(request_headers_);
    nghttp2_data_provider provider;
    provider.source.ptr = this;
    provider.read_callback = &Call::ReadRequests;
    const int32_t id =
        nghttp2_submit_request(conn->session, nullptr, nv.data(), nv.size(), &provider, this);
    if (id < 0) return false;
    up_ = conn;
    up_id_ = id;
    up_open_ = true;
    core_->MarkDirty(conn);
    return true;
  }

  void OnResponseHeader(bool trailer, std::string name, std::string value) {
    (trailer ? trailers_ : response_headers_).emplace_back(std::move(name), std::move(value));
  }

  void OnResponseHeadersDone(bool trailer, bool end_stream) {
    if (trailer || end_stream) {
      lanes_[1].source_closed = true;
      EndUpstream();
    }
    // Ending the stream at once makes it trailers-only: the status travels
    // in the response headers.
    if (!trailer && !side_()) Respond(response_headers_, /*with_data=*/!end_stream);
    Resume(Direction::kResponse);
    Resume(Direction::kRequest);  // the destination is done listening
  }

  void OnSourceEnd(Direction d) {
    Lane& lane = LaneOf(d);
    lane.source_closed = true;
    if (d == Direction::kResponse) EndUpstream();
    Resume(d);
  }

  void OnData(Direction d, const uint8_t* data, size_t len) {
    Lane& lane = LaneOf(d);
    lane.unconsumed += len;
    if (!lane.discarding) {
      lane.deframer.Feed(absl::string_view(reinterpret_cast<const char*>(data), len),
                         [&](std::string framed) { Take(d, std::move(framed)); });
      if (lane.deframer.declared() > kMaxGrpcMessageBytes + kGrpcPrefix) OnOversized(d);
    }
    ReturnWindow(d);
  }

  // A message over kMaxGrpcMessageBytes: the call ends as a server over its
  // receive limit would end it, and nothing more of the lane is kept.
  void OnOversized(Direction d) {
    Lane& lane = LaneOf(d);
    const size_t declared = lane.deframer.declared();
    lane.discarding = true;
    lane.deframer = GrpcDeframer();
    core_->CountOversized();
    lanes_[0].queue.clear();
    if (up_open_) ResetUpstream(NGHTTP2_CANCEL);
    if (!upstream_ended_) {
      upstream_ended_ = true;
      Fail(kGrpcResourceExhausted,
           absl::StrCat("link proxy ", core_->link().from, "->", core_->link().to, ": a ",
                        d == Direction::kRequest ? "request" : "response", " of ", declared,
                        " bytes is over the proxy's limit of ", kMaxGrpcMessageBytes));
    }
    MaybeRelease();
  }

  // The sender's stream closed: the call ended, or the sender cancelled it.
  void OnDownstreamClosed() {
    if (!down_open_) return;
    down_open_ = false;
    lanes_[0].unconsumed = 0;
    down_ = nullptr;
    lanes_[0].queue.clear();
    lanes_[1].queue.clear();
    if (waiting_) core_->Unwait(this);
    if (up_open_) {
      // The sender cancelled (or its deadline passed): so must the call to
      // the destination, which is how the destination learns of it.
      ResetUpstream(upstream_ended_ ? uint32_t{NGHTTP2_NO_ERROR} : uint32_t{NGHTTP2_CANCEL});
    }
    MaybeRelease();
  }

  // The destination's stream closed; `error_code` says how.
  void OnUpstreamClosed(uint32_t error_code) {
    if (!up_open_) return;
    up_open_ = false;
    lanes_[1].unconsumed = 0;
    lanes_[0].queue.clear();
    if (!upstream_ended_) {
      // Reset by the destination, or refused unprocessed (a GOAWAY): the
      // sender sees the same reset, so its gRPC retries a refused call as it
      // would without the proxy.
      upstream_ended_ = true;
      ResetDownstream(error_code == NGHTTP2_NO_ERROR ? uint32_t{NGHTTP2_INTERNAL_ERROR} : error_code);
    }
    MaybeRelease();
  }

  // The connection to the destination failed or was lost.
  void OnUpstreamLost(const std::string& why) {
    waiting_ = false;
    up_open_ = false;
    up_ = nullptr;
    lanes_[1].unconsumed = 0;
    lanes_[0].queue.clear();
    // A status the destination already sent stands.
    if (!upstream_ended_) {
      upstream_ended_ = true;
      Fail(absl::StrCat("link proxy ", core_->link().from, "->", core_->link().to, ": ", why));
    }
    MaybeRelease();
  }

  // The destination could not be reached before this call left the proxy.
  // The sender's stream is refused (it never reached a server), which the
  // sender's gRPC retries by itself on a new connection (the proxy has
  // sent GOAWAY); that connection is answered only once the destination
  // is reachable, so the sender's own wait_for_ready decides whether the
  // call waits for it or fails, as without the proxy.
  void OnUnreached(const std::string& why) {
    if (side_()) {
      OnUpstreamLost(why);
      return;
    }
    waiting_ = false;
    upstream_ended_ = true;
    lanes_[0].queue.clear();
    ResetDownstream(NGHTTP2_REFUSED_STREAM);
    MaybeRelease();
  }

  // The connection from the sender is gone.
  void OnDownstreamLost() {
    lanes_[0].unconsumed = 0;
    OnDownstreamClosed();
  }

  // Ends the call after `timeout` if it is still running: for a side call,
  // which no sender will cancel.
  void ExpireAfter(absl::Duration timeout) {
    core_->runtime().timers()->Schedule(absl::Now() + timeout, [weak = weak_from_this()] {
      auto self = weak.lock();
      if (self == nullptr) return;
      Core* core = self->core_.get();
      core->Post([self = std::move(self)] {
        if (self->released_) return;
        if (self->waiting_) self->core_->Unwait(self.get());
        if (self->up_open_) self->ResetUpstream(NGHTTP2_CANCEL);  // the close follows
        self->MaybeRelease();
      });
    });
  }

  // At Quit: resets both streams, and forgets both connections.
  void Abandon() {
    if (down_open_ && down_ != nullptr && !down_->dead) {
      if (!response_started_) {
        // Not begun: the sender's gRPC sees UNAVAILABLE, as from a server
        // that went away, and may try elsewhere.
        Respond(StatusHeaders(kGrpcUnavailable, "link proxy closed", true), false);
      } else {
        nghttp2_submit_rst_stream(down_->session, NGHTTP2_FLAG_NONE, down_id_, NGHTTP2_CANCEL);
      }
    }
    if (up_open_ && up_ != nullptr && !up_->dead) {
      nghttp2_submit_rst_stream(up_->session, NGHTTP2_FLAG_NONE, up_id_, NGHTTP2_CANCEL);
    }
    down_open_ = up_open_ = waiting_ = false;
    released_ = true;
  }

  // From any thread: a message the rules let through, now or after `delay`.
  void Deliver(Direction d, uint8_t flags, absl::Duration delay, std::string bytes,
               bool from_hold) {
    if (core_->InLoop()) {  // the common case: the rules ran on this loop
      DeliverHere(d, flags, delay, std::move(bytes), from_hold);
      return;
    }
    core_->Post([self = shared_from_this(), d, flags, delay, bytes = std::move(bytes),
                 from_hold]() mutable {
      self->DeliverHere(d, flags, delay, std::move(bytes), from_hold);
    });
  }

 private:
  bool side_() const { return down_id_ == 0; }

  // The destination sent its status: requests still queued or arriving have
  // nowhere to go, and the sender's window must not wait on them.
  void EndUpstream() {
    upstream_ended_ = true;
    lanes_[0].queue.clear();
    lanes_[0].front_taken = 0;
    ReturnWindow(Direction::kRequest);
  }
  Lane& LaneOf(Direction d) { return lanes_[d == Direction::kRequest ? 0 : 1]; }

  // Whether messages going `d` have nowhere to go any more.
  bool Discarding(Direction d) const {
    if (d == Direction::kRequest) return upstream_ended_;
    return side_() || !down_open_ || response_done_;
  }

  // Returns the window of what was received going `d`, unless enough is
  // queued that the sender should wait.
  void ReturnWindow(Direction d) {
    Lane& lane = LaneOf(d);
    Conn* source = d == Direction::kRequest ? down_ : up_;
    const int32_t id = d == Direction::kRequest ? down_id_ : up_id_;
    if (lane.unconsumed == 0 || lane.queue.size() >= kMaxQueued) return;
    if (source == nullptr || source->dead) return;
    nghttp2_session_consume_stream(source->session, id, lane.unconsumed);
    lane.unconsumed = 0;
    core_->MarkDirty(source);
  }

  // A whole framed message arrived going `d`.
  void Take(Direction d, std::string framed) {
    core_->CountMessage();
    if (Discarding(d)) return;
    Lane& lane = LaneOf(d);
    ProxyRuntime& runtime = core_->runtime();
    std::shared_ptr<const RuleSet> rules = runtime.engine()->Snapshot();
    const bool trace = runtime.ShouldTrace();
    const size_t size = framed.size() - kGrpcPrefix;
    if (rules->empty() && !rules->track_rounds()) {
      // The engine archives what it processes; what skips it is archived
      // here, without building a frame.
      if (rules->archive() != nullptr && d == Direction::kRequest) {
        rules->archive()->Record(core_->link(), method_, absl::Now(),
                                 absl::string_view(framed).substr(kGrpcPrefix), std::nullopt);
      }
      if (trace) Record(d, size, ActionKind::kPass, "");
      lane.queue.push_back(std::move(framed));
      Resume(d);
      return;
    }
    // Made on first use: calls that never meet a rule need no sink. A sender
    // may compress some messages and not others; copies keep their own flag.
    const uint8_t flags = static_cast<uint8_t>(framed[0]) & 1;
    std::shared_ptr<Sink>& sink = lane.sinks[flags];
    if (sink == nullptr) sink = std::make_shared<Sink>(weak_from_this(), d, flags);
    Decision decision = runtime.engine()->Process(
        *rules,
        agent::Frame(runtime.NextFrameId(), core_->link(), method_, d, framed.substr(kGrpcPrefix),
                     rules->codec(), sink, rules->model()),
        absl::Now());
    // Before delivering: the emits may release this very frame.
    if (decision.held) {
      ++lane.pending;
      runtime.timers()->StartTicking();  // its hold window must be flushed
    }
    if (trace) Record(d, size, decision.action, decision.rule_id);
    DeliverAll(std::move(decision.emits));
  }

  void Record(Direction d, size_t size, ActionKind action, const std::string& rule) {
    TraceRecord r;
    r.time = absl::Now();
    r.link = core_->link();
    r.method = method_;
    r.direction = d;
    r.bytes = size;
    r.action = action;
    r.rule_id = rule;
    core_->runtime().Trace(r);
  }

  void DeliverHere(Direction d, uint8_t flags, absl::Duration delay, std::string bytes,
                   bool from_hold) {
    if (released_) return;
    if (delay <= absl::ZeroDuration()) {
      Arrive(d, flags, bytes, from_hold ? 1 : 0);
      return;
    }
    ++LaneOf(d).pending;
    core_->runtime().timers()->Schedule(
        absl::Now() + delay,
        [weak = weak_from_this(), d, flags, bytes = std::move(bytes), from_hold]() mutable {
          auto self = weak.lock();
          if (self == nullptr) return;
          Core* core = self->core_.get();
          core->Post([self = std::move(self), d, flags, bytes = std::move(bytes), from_hold] {
            if (!self->released_) self->Arrive(d, flags, bytes, from_hold ? 2 : 1);
          });
        });
  }

  // Queues a message that survived the rules; `settles` pending ones it was.
  void Arrive(Direction d, uint8_t flags, const std::string& message, int settles) {
    Lane& lane = LaneOf(d);
    lane.pending -= settles;
    std::string framed = FrameGrpcMessage(message, flags);
    if (d == Direction::kRequest && requests_arrived_++ > 0 && IsUnary()) {
      // A unary method carries exactly one request per call (a second one
      // would fail the call, original included), so each extra request goes
      // to the destination in a call of its own, with the original's
      // metadata.
      if (!core_->stopping()) {
        std::shared_ptr<Call> side = Side(*this, std::move(framed));
        side->ExpireAfter(kSideCallDeadline);
        Call* raw = side.get();
        core_->Add(std::move(side));
        core_->StartUpstream(raw);
      }
    } else if (!Discarding(d)) {
      lane.queue.push_back(std::move(framed));
    }
    Resume(d);
  }

  // Only asked once a call has more than one request, which rules alone
  // cause; the target's schema says whether its method allows that.
  bool IsUnary() {
    if (!unary_.has_value()) {
      std::shared_ptr<const RuleSet> rules = core_->runtime().engine()->Snapshot();
      unary_ = rules->codec() != nullptr && rules->codec()->IsUnary(method_);
    }
    return *unary_;
  }

  // Lets the stream that carries `d` take what is queued (or end).
  void Resume(Direction d) {
    Lane& lane = LaneOf(d);
    if (!lane.deferred) return;
    Conn* sink = d == Direction::kRequest ? up_ : down_;
    const bool open = d == Direction::kRequest ? up_open_ : (down_open_ && !response_done_);
    if (!open || sink == nullptr || sink->dead) return;
    lane.deferred = false;
    nghttp2_session_resume_data(sink->session, d == Direction::kRequest ? up_id_ : down_id_);
    core_->MarkDirty(sink);
  }

  void Respond(const Headers& headers, bool with_data) {
    if (!down_open_ || response_started_ || down_ == nullptr || down_->dead) return;
    response_started_ = true;
    const std::vector<nghttp2_nv> nv = ToNv(headers);
    if (with_data) {
      nghttp2_data_provider provider;
      provider.source.ptr = this;
      provider.read_callback = &Call::ReadResponses;
      nghttp2_submit_response(down_->session, down_id_, nv.data(), nv.size(), &provider);
    } else {
      response_done_ = true;
      nghttp2_submit_response(down_->session, down_id_, nv.data(), nv.size(), nullptr);
    }
    core_->MarkDirty(down_);
  }

  // Ends the sender's call with UNAVAILABLE (or `code`): after the responses already
  // queued when it has begun, else at once.
  void Fail(const std::string& why) { Fail(kGrpcUnavailable, why); }
  void Fail(const char* code, const std::string& why) {
    if (!response_started_) {
      Respond(StatusHeaders(code, why, true), false);
      return;
    }
    trailers_ = StatusHeaders(code, why, false);
    lanes_[1].source_closed = true;
    Resume(Direction::kResponse);
  }

  void ResetDownstream(uint32_t code) {
    lanes_[1].queue.clear();
    if (!down_open_ || response_done_ || down_ == nullptr || down_->dead) return;
    response_done_ = true;
    nghttp2_submit_rst_stream(down_->session, NGHTTP2_FLAG_NONE, down_id_, code);
    core_->MarkDirty(down_);
  }

  void ResetUpstream(uint32_t code) {
    if (up_ == nullptr || up_->dead) return;
    nghttp2_submit_rst_stream(up_->session, NGHTTP2_FLAG_NONE, up_id_, code);
    core_->MarkDirty(up_);
  }

  void MaybeRelease() {
    if (released_ || down_open_ || up_open_ || waiting_) return;
    released_ = true;
    core_->Release(this);
  }

  // Copies queued bytes of `lane` into a DATA frame of at most `length`.
  size_t TakeQueued(Lane& lane, uint8_t* buf, size_t length) {
    size_t copied = 0;
    while (copied < length && !lane.queue.empty()) {
      const std::string& front = lane.queue.front();
      const size_t n = std::min(length - copied, front.size() - lane.front_taken);
      std::memcpy(buf + copied, front.data() + lane.front_taken, n);
      copied += n;
      lane.front_taken += n;
      if (lane.front_taken == front.size()) {
        lane.queue.pop_front();
        lane.front_taken = 0;
      }
    }
    return copied;
  }

  static ssize_t ReadRequests(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                              uint32_t* flags, nghttp2_data_source* source, void*) {
    auto* call = static_cast<Call*>(source->ptr);
    Lane& lane = call->lanes_[0];
    const size_t copied = call->TakeQueued(lane, buf, length);
    call->ReturnWindow(Direction::kRequest);
    if (lane.queue.empty() &&
        ((lane.source_closed && lane.pending == 0) || call->upstream_ended_)) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(copied);
    }
    if (copied == 0) {
      lane.deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<ssize_t>(copied);
  }

  static ssize_t ReadResponses(nghttp2_session* session, int32_t stream_id, uint8_t* buf,
                               size_t length, uint32_t* flags, nghttp2_data_source* source,
                               void*) {
    auto* call = static_cast<Call*>(source->ptr);
    Lane& lane = call->lanes_[1];
    const size_t copied = call->TakeQueued(lane, buf, length);
    call->ReturnWindow(Direction::kResponse);
    if (lane.queue.empty() && lane.source_closed && lane.pending == 0) {
      // The status goes in trailers after the last message.
      *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
      if (call->trailers_.empty()) {
        call->trailers_ = StatusHeaders(kGrpcInternal, "destination sent no status", false);
      }
      const std::vector<nghttp2_nv> nv = ToNv(call->trailers_);
      nghttp2_submit_trailer(session, stream_id, nv.data(), nv.size());
      call->response_done_ = true;
      return static_cast<ssize_t>(copied);
    }
    if (copied == 0) {
      lane.deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<ssize_t>(copied);
  }

  const std::shared_ptr<Core> core_;
  Conn* down_;  // null for a side call, and once the sender's side is gone
  const int32_t down_id_;
  bool down_open_;
  Conn* up_ = nullptr;
  int32_t up_id_ = 0;
  bool up_open_ = false;
  bool waiting_ = false;  // for the destination connection
  std::string method_;
  Headers request_headers_;
  Headers response_headers_;
  Headers trailers_;
  Lane lanes_[2];                  // requests, responses
  bool response_started_ = false;  // the sender has (or will get) response headers
  bool response_done_ = false;     // the sender's stream is ended from our side
  bool upstream_ended_ = false;    // the destination sent its status, or failed
  bool released_ = false;
  int requests_arrived_ = 0;  // requests that survived the rules, so far
  std::optional<bool> unary_;
};

void Sink::Deliver(absl::Duration delay, std::string bytes, bool from_hold) {
  if (auto call = call_.lock()) {
    call->Deliver(direction_, flags_, delay, std::move(bytes), from_hold);
  }
}

Core::Core(std::shared_ptr<ProxyRuntime> runtime, LinkId link, std::string target)
    : runtime_(std::move(runtime)), link_(link), target_(std::move(target)) {
  nghttp2_session_callbacks_new(&callbacks_);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks_, &Core::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks_, &Core::OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks_, &Core::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks_, &Core::OnDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks_, &Core::OnStreamClose);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks_, &Core::OnFrameNotSend);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks_, &Core::OnFrameSend);
  nghttp2_option_new(&options_);
  // Window is returned as the other side takes what arrived (Lane).
  nghttp2_option_set_no_auto_window_update(options_, 1);
  // A server session otherwise keeps every closed stream for RFC 7540
  // priorities (bounded only by a SETTINGS_MAX_CONCURRENT_STREAMS we do not
  // send): one per finished call, for as long as the sender's connection
  // lives, which is the whole run. The proxy forwards no priorities.
  nghttp2_option_set_no_closed_streams(options_, 1);
}

Core::~Core() {
  for (int fd : held_) close(fd);
  for (auto& [raw, conn] : conns_) {
    if (conn->session != nullptr) nghttp2_session_del(conn->session);
    if (conn->fd >= 0) close(conn->fd);
  }
  if (listen_fd_ >= 0) close(listen_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  nghttp2_option_del(options_);
  nghttp2_session_callbacks_del(callbacks_);
}

absl::Status Core::Listen(const std::string& listen) {
  const std::string where = absl::StrCat("link ", link_.from, "->", link_.to, ": ");
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return absl::InternalError(absl::StrCat(where, "cannot create an event loop: ", Errno(errno)));
  }
  absl::StatusOr<SocketAddress> target = ResolveAddress(target_);
  if (!target.ok()) return absl::InvalidArgumentError(absl::StrCat(where, target.status().message()));
  absl::StatusOr<SocketAddress> address = ResolveAddress(listen);
  if (!address.ok()) return absl::InvalidArgumentError(absl::StrCat(where, address.status().message()));
  auto* port = address->addr.ss_family == AF_INET6
                   ? &reinterpret_cast<sockaddr_in6*>(&address->addr)->sin6_port
                   : &reinterpret_cast<sockaddr_in*>(&address->addr)->sin_port;
  if (*port == 0) {
    // A leased port rather than the kernel's choice, which could be one that
    // a replica about to start was given (common/ports.h).
    absl::StatusOr<int> picked = PickFreePort();
    if (!picked.ok()) return absl::UnavailableError(absl::StrCat(where, picked.status().message()));
    *port = htons(static_cast<uint16_t>(*picked));
  }
  listen_fd_ = socket(address->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (listen_fd_ < 0 ||
      setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address->addr), address->len) != 0 ||
      ::listen(listen_fd_, SOMAXCONN) != 0) {
    return absl::UnavailableError(
        absl::StrCat(where, "cannot listen on ", listen, ": ", Errno(errno)));
  }
  port_ = ntohs(*port);  // never 0 here: port 0 was replaced by a leased one
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &wake_tag_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  ev.data.ptr = &listen_tag_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  return absl::OkStatus();
}

void Core::Run() {
  current_ = this;
  // A woken loop does not preempt the thread running (under load, a
  // replica's): it runs when a core is idle or that thread's slice ends, by
  // when more messages have often arrived, so one recv and one send carry
  // several. Best effort: the proxy works the same if the policy cannot be
  // set. It is per thread: the agent's other threads keep their own.
  sched_param normal_priority{};
  sched_setscheduler(0, SCHED_BATCH, &normal_priority);
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  while (!quit_) {
    gauge_.AddTurn(messages_this_turn_);  // a turn that moved none does not count
    messages_this_turn_ = 0;
    // While traffic is dense, the loop lets the endpoints it just fed run
    // before it looks for more (when a core is free, sched_yield returns at
    // once), so that more messages gather per turn: on a 2-core machine this
    // about halved the loop's CPU per 256 B stream message and raised the
    // stream's rate with it. Ping-pong traffic never counts as dense, so it
    // never waits (bench/README.md, ninth round).
    if (gauge_.dense() && dirty_.empty()) {
      sched_yield();
      yielded_turns_.fetch_add(1, std::memory_order_relaxed);
    }
    int timeout_ms = -1;
    if (!dirty_.empty()) {
      timeout_ms = 0;
    } else if (upstream_ != nullptr && upstream_->connecting) {
      timeout_ms = static_cast<int>(
          absl::ToInt64Milliseconds(connect_deadline_ - absl::Now()) + 1);
      timeout_ms = std::max(timeout_ms, 0);
    }
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n && !quit_; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &wake_tag_) {
        uint64_t count;
        while (read(wake_fd_, &count, sizeof count) > 0) {
        }
        RunInbox();
      } else if (tag == &listen_tag_) {
        Accept();
      } else {
        OnEvent(static_cast<Conn*>(tag), events[i].events);
      }
    }
    if (quit_) break;
    if (upstream_ != nullptr && upstream_->connecting && absl::Now() >= connect_deadline_) {
      Close(upstream_, absl::StrCat("cannot reach ", target_, ": no connection after ",
                                    absl::FormatDuration(kConnectTimeout)));
    }
    FlushDirty();
    for (Call* call : released_) calls_.erase(call);
    released_.clear();
    graveyard_.clear();
  }
  current_ = nullptr;
}

void Core::Post(std::function<void()> fn) {
  if (InLoop()) {
    fn();
    return;
  }
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  inbox_.push_back(std::move(fn));
  if (wake_pending_) return;
  wake_pending_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t w = write(wake_fd_, &one, sizeof one);
}

void Core::RunInbox() {
  std::vector<std::function<void()>> work;
  {
    absl::MutexLock lock(&mu_);
    work.swap(inbox_);
    wake_pending_ = false;
  }
  for (auto& fn : work) fn();
}

void Core::StopAccepting() {
  stopping_ = true;
  if (listen_fd_ >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    close(listen_fd_);
    listen_fd_ = -1;
  }
  // The sender's gRPC then takes new calls elsewhere (here: nowhere, so they
  // fail UNAVAILABLE) while the running ones finish.
  CloseHeld();
  GoAwaySenders();
  FlushDirty();
}

void Core::GoAwaySenders(const std::vector<Call*>& unsent) {
  for (auto& [raw, conn] : conns_) {
    if (conn->upstream || conn->dead) continue;
    int32_t last = nghttp2_session_get_last_proc_stream_id(conn->session);
    for (Call* call : unsent) {
      if (call->down() == conn.get()) last = std::min(last, call->down_id() - 2);
    }
    nghttp2_submit_goaway(conn->session, NGHTTP2_FLAG_NONE, std::max(last, 0),
                          NGHTTP2_NO_ERROR, nullptr, 0);
    MarkDirty(conn.get());
  }
}

void Core::CloseHeld() {
  for (int fd : held_) close(fd);
  held_.clear();
}

void Core::Quit() {
  for (auto& [raw, call] : calls_) call->Abandon();
  // Best effort: the resets go out if the sockets take them now. Flush may
  // close a connection, which moves it out of conns_.
  std::vector<Conn*> open;
  for (auto& [raw, conn] : conns_) open.push_back(raw);
  for (Conn* conn : open) {
    if (!conn->dead && !conn->connecting) Flush(conn);
  }
  for (auto& [raw, conn] : conns_) {
    if (conn->fd >= 0) close(conn->fd);
    conn->fd = -1;
    if (conn->session != nullptr) nghttp2_session_del(conn->session);
    conn->session = nullptr;
  }
  conns_.clear();
  graveyard_.clear();
  CloseHeld();
  upstream_ = nullptr;
  waiting_.clear();
  calls_.clear();  // breaks the calls' references to this core
  released_.clear();
  dirty_.clear();
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    inbox_.clear();
  }
  quit_ = true;
}

void Core::Add(std::shared_ptr<Call> call) {
  Call* raw = call.get();
  calls_.emplace(raw, std::move(call));
}

void Core::StartUpstream(Call* call) {
  if (upstream_ != nullptr && !upstream_->connecting && !upstream_->draining &&
      call->Submit(upstream_)) {
    return;
  }
  if (upstream_ != nullptr && !upstream_->connecting) {
    upstream_->draining = true;  // out of stream ids: a new connection
    upstream_ = nullptr;
  }
  call->set_waiting(true);
  waiting_.push_back(call);
  if (upstream_ == nullptr) Connect();
}

void Core::Unwait(Call* call) {
  call->set_waiting(false);
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), call), waiting_.end());
}

void Core::MarkDirty(Conn* conn) {
  if (conn->dirty || conn->dead) return;
  conn->dirty = true;
  dirty_.push_back(conn);
}

Conn* Core::NewConn(int fd, bool upstream) {
  auto conn = std::make_unique<Conn>();
  conn->core = this;
  conn->fd = fd;
  conn->upstream = upstream;
  Conn* raw = conn.get();
  conns_.emplace(raw, std::move(conn));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = raw;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  return raw;
}

void Core::StartSession(Conn* conn) {
  if (conn->upstream) {
    nghttp2_session_client_new2(&conn->session, callbacks_, conn, options_);
  } else {
    nghttp2_session_server_new2(&conn->session, callbacks_, conn, options_);
  }
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(kStreamWindow)}};
  nghttp2_submit_settings(conn->session, NGHTTP2_FLAG_NONE, settings, 1);
  nghttp2_session_set_local_window_size(conn->session, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
  MarkDirty(conn);
}

void Core::Accept() {
  // Bounded: the backlog holds finitely many connections.
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    NoDelay(fd);
    if (upstream_ != nullptr && !upstream_->connecting) {
      StartSession(NewConn(fd, /*upstream=*/false));
      continue;
    }
    // The sender's gRPC counts its connection ready only once the server's
    // SETTINGS arrive, so it is held unanswered until the destination's
    // connection opens, and closed if that fails: the sender then sees the
    // destination's state as its own (waiting or failing its calls by
    // their wait_for_ready, and reconnecting on its own back-off) rather
    // than a ready connection whose every call fails.
    if (held_.size() >= kMaxHeld) {
      close(fd);
      continue;
    }
    held_.push_back(fd);
    if (upstream_ == nullptr) Connect();
  }
}

void Core::Connect() {
  const std::string cannot = absl::StrCat("cannot reach ", target_, ": ");
  absl::StatusOr<SocketAddress> address = ResolveAddress(target_);
  int fd = -1;
  int err = 0;
  if (address.ok()) {
    fd = socket(address->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      err = errno;
    } else {
      NoDelay(fd);
      if (connect(fd, reinterpret_cast<const sockaddr*>(&address->addr), address->len) != 0 &&
          errno != EINPROGRESS) {
        err = errno;
        close(fd);
        fd = -1;
      }
    }
  }
  if (fd < 0) {
    Unreachable(cannot + (address.ok() ? Errno(err) : std::string(address.status().message())));
    return;
  }
  Conn* conn = NewConn(fd, /*upstream=*/true);
  conn->connecting = true;
  connect_deadline_ = absl::Now() + kConnectTimeout;
  upstream_ = conn;
  ArmOut(conn, true);  // writable once connected
}

void Core::Connected(Conn* conn) {
  conn->connecting = false;
  ArmOut(conn, false);
  StartSession(conn);
  std::vector<int> held;
  held.swap(held_);
  for (int fd : held) StartSession(NewConn(fd, /*upstream=*/false));
  std::vector<Call*> ready;
  ready.swap(waiting_);
  for (Call* call : ready) {
    call->set_waiting(false);
    StartUpstream(call);
  }
}

void Core::OnEvent(Conn* conn, uint32_t events) {
  if (conn->dead) return;
  if (conn->connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      Close(conn, absl::StrCat("cannot reach ", target_, ": ", Errno(err)));
    } else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
      Connected(conn);
    }
    return;
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) Read(conn);
  if (!conn->dead && (events & EPOLLOUT)) MarkDirty(conn);
}

void Core::Read(Conn* conn) {
  for (int i = 0; i < kReadsPerEvent; ++i) {
    const ssize_t n = recv(conn->fd, read_buf_.data(), read_buf_.size(), 0);
    if (n == 0) {
      Close(conn, conn->upstream ? "the destination closed the connection" : "");
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      Close(conn, absl::StrCat("connection to ", target_, " failed: ", Errno(errno)));
      return;
    }
    const ssize_t used = nghttp2_session_mem_recv(
        conn->session, reinterpret_cast<const uint8_t*>(read_buf_.data()), n);
    if (used < 0) {
      // Not HTTP/2 at all (a bad preface), or a flood nghttp2 refuses.
      CountMalformed(conn);
      Close(conn, absl::StrCat("HTTP/2 error: ", nghttp2_strerror(static_cast<int>(used))));
      return;
    }
    if (static_cast<size_t>(n) < read_buf_.size()) break;
  }
  MarkDirty(conn);
}

void Core::FlushDirty() {
  for (int pass = 0; pass < kFlushPasses && !dirty_.empty(); ++pass) {
    std::vector<Conn*> conns;
    conns.swap(dirty_);
    for (Conn* conn : conns) {
      conn->dirty = false;
      if (!conn->dead && !conn->connecting) Flush(conn);
    }
  }
}

void Core::Flush(Conn* conn) {
  for (;;) {
    if (conn->out_sent == conn->out.size()) {
      conn->out.clear();
      conn->out_sent = 0;
    }
    while (conn->out.size() - conn->out_sent < kMaxGather) {
      const uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(conn->session, &data);
      if (n < 0) {
        Close(conn, absl::StrCat("HTTP/2 error: ", nghttp2_strerror(static_cast<int>(n))));
        return;
      }
      if (n == 0) break;
      conn->out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    if (conn->out_sent == conn->out.size()) break;
    const ssize_t w = send(conn->fd, conn->out.data() + conn->out_sent,
                           conn->out.size() - conn->out_sent, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        ArmOut(conn, true);
        return;
      }
      Close(conn, absl::StrCat("connection to ", target_, " failed: ", Errno(errno)));
      return;
    }
    conn->out_sent += static_cast<size_t>(w);
    if (conn->out_sent < conn->out.size()) {
      ArmOut(conn, true);
      return;
    }
  }
  ArmOut(conn, false);
  if (!nghttp2_session_want_read(conn->session) && !nghttp2_session_want_write(conn->session)) {
    Close(conn, "the connection ended");
  }
}

void Core::ArmOut(Conn* conn, bool on) {
  if (conn->out_armed == on) return;
  conn->out_armed = on;
  epoll_event ev{};
  ev.events = on ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  ev.data.ptr = conn;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn->fd, &ev);
}

void Core::Close(Conn* conn, const std::string& why) {
  if (conn->dead) return;
  conn->dead = true;
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), conn), dirty_.end());
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn->fd, nullptr);
  close(conn->fd);
  conn->fd = -1;
  const bool lost_destination = conn == upstream_;
  if (lost_destination) upstream_ = nullptr;
  for (auto& [raw, call] : calls_) {
    if (call->down() == conn) call->OnDownstreamLost();
    if (call->up() == conn) call->OnUpstreamLost(why);
  }
  if (lost_destination) Unreachable(why);
  if (conn->session != nullptr) nghttp2_session_del(conn->session);
  conn->session = nullptr;
  auto it = conns_.find(conn);
  graveyard_.push_back(std::move(it->second));  // events of this turn may still name it
  conns_.erase(it);
}

void Core::Unreachable(const std::string& why) {
  CloseHeld();
  std::vector<Call*> unreached;
  unreached.swap(waiting_);
  if (!stopping_) GoAwaySenders(unreached);
  for (Call* call : unreached) call->OnUnreached(why);
}

int Core::OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  auto* conn = static_cast<Conn*>(user);
  if (conn->upstream || frame->hd.type != NGHTTP2_HEADERS ||
      frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
    return 0;
  }
  Core* core = conn->core;
  auto call = std::make_shared<Call>(core->shared_from_this(), conn, frame->hd.stream_id);
  nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, call.get());
  core->Add(std::move(call));
  return 0;
}

int Core::OnHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                   size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                   void* user) {
  auto* conn = static_cast<Conn*>(user);
  auto* call =
      static_cast<Call*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (call == nullptr || frame->hd.type != NGHTTP2_HEADERS) return 0;
  std::string n(reinterpret_cast<const char*>(name), namelen);
  std::string v(reinterpret_cast<const char*>(value), valuelen);
  if (!conn->upstream) {
    // gRPC requests carry no trailers.
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) call->OnRequestHeader(std::move(n), std::move(v));
  } else {
    call->OnResponseHeader(frame->headers.cat == NGHTTP2_HCAT_HEADERS, std::move(n),
                           std::move(v));
  }
  return 0;
}

int Core::OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  auto* conn = static_cast<Conn*>(user);
  if (frame->hd.type == NGHTTP2_GOAWAY && conn->upstream) {
    // Calls already on this connection finish; new ones open another.
    conn->draining = true;
    if (conn->core->upstream_ == conn) conn->core->upstream_ = nullptr;
    return 0;
  }
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  auto* call =
      static_cast<Call*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (call == nullptr) return 0;
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  const Direction d = conn->upstream ? Direction::kResponse : Direction::kRequest;
  if (frame->hd.type == NGHTTP2_DATA) {
    if (end_stream) call->OnSourceEnd(d);
    return 0;
  }
  if (!conn->upstream) {
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      call->OnRequestHeadersDone(end_stream);
    } else if (end_stream) {
      call->OnSourceEnd(d);
    }
    return 0;
  }
  call->OnResponseHeadersDone(frame->headers.cat == NGHTTP2_HCAT_HEADERS, end_stream);
  return 0;
}

int Core::OnDataChunk(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data,
                      size_t len, void* user) {
  auto* conn = static_cast<Conn*>(user);
  // The connection's window comes back at once, as gRPC does; only the
  // stream's waits for the other side (Lane), so a few slow streams cannot
  // stall every call of the link.
  nghttp2_session_consume_connection(session, len);
  auto* call = static_cast<Call*>(nghttp2_session_get_stream_user_data(session, stream_id));
  if (call == nullptr) return 0;
  call->OnData(conn->upstream ? Direction::kResponse : Direction::kRequest, data, len);
  return 0;
}

int Core::OnFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  // nghttp2 answers a connection error of the peer's (a malformed frame,
  // broken header compression) with a GOAWAY that names it, then ends the
  // connection once it is sent; the proxy's own GOAWAYs say NO_ERROR.
  if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR) {
    auto* conn = static_cast<Conn*>(user);
    conn->core->CountMalformed(conn);
  }
  return 0;
}

int Core::OnStreamClose(nghttp2_session* session, int32_t stream_id, uint32_t error_code,
                        void* user) {
  auto* conn = static_cast<Conn*>(user);
  auto* call = static_cast<Call*>(nghttp2_session_get_stream_user_data(session, stream_id));
  if (call == nullptr) return 0;
  if (conn->upstream) {
    call->OnUpstreamClosed(error_code);
  } else {
    call->OnDownstreamClosed();
  }
  return 0;
}

int Core::OnFrameNotSend(nghttp2_session*, const nghttp2_frame* frame, int, void* user) {
  auto* conn = static_cast<Conn*>(user);
  if (!conn->upstream || frame->hd.type != NGHTTP2_HEADERS ||
      frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
    return 0;
  }
  // The destination's connection took no more streams (it is going away):
  // the call never reached it, which its sender may retry.
  for (auto& [raw, call] : conn->core->calls_) {
    if (call->up() == conn && call->up_id() == frame->hd.stream_id) {
      call->OnUpstreamClosed(NGHTTP2_REFUSED_STREAM);
      break;
    }
  }
  return 0;
}

}  // namespace

ProxyRuntime::ProxyRuntime(RuleEngine* engine, TraceFn trace)
    : engine_(engine),
      trace_(std::move(trace)),
      timers_([engine](absl::Time now) {
        DeliverAll(engine->ReleaseExpired(now));
        return engine->held() > 0;
      }) {}

ProxyRuntime::~ProxyRuntime() = default;

struct LinkProxy::Impl {
  std::shared_ptr<Core> core;
  std::thread thread;

  ~Impl() {
    if (!thread.joinable()) return;
    core->Post([core = core.get()] { core->StopAccepting(); });
    // Bounded: running calls get the grace period, then are reset.
    const absl::Time deadline = absl::Now() + kStopGrace;
    while (core->calls() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    core->Post([core = core.get()] { core->Quit(); });
    thread.join();
  }
};

absl::StatusOr<std::unique_ptr<LinkProxy>> LinkProxy::Start(
    std::shared_ptr<ProxyRuntime> runtime, LinkId link, const std::string& listen,
    const std::string& target) {
  auto impl = std::make_unique<Impl>();
  impl->core = std::make_shared<Core>(std::move(runtime), link, target);
  if (absl::Status listening = impl->core->Listen(listen); !listening.ok()) return listening;
  impl->thread = std::thread([core = impl->core] { core->Run(); });
  return std::unique_ptr<LinkProxy>(new LinkProxy(std::move(impl)));
}

LinkProxy::LinkProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LinkProxy::~LinkProxy() = default;

LinkId LinkProxy::link() const { return impl_->core->link(); }
int LinkProxy::port() const { return impl_->core->port(); }
uint64_t LinkProxy::yielded_turns() const { return impl_->core->yielded_turns(); }
uint64_t LinkProxy::oversized_messages() const { return impl_->core->oversized(); }
uint64_t LinkProxy::malformed_connections() const { return impl_->core->malformed(); }
const std::string& LinkProxy::target() const { return impl_->core->target(); }

}  // namespace agent
}  // namespace turncoat
