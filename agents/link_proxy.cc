#include "agents/link_proxy.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/alarm.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agents/message_codec.h"

namespace turncoat {
namespace agent {
namespace {

// Messages queued per direction before the proxy stops reading from the
// sender: gRPC flow control then pushes back on it, as without a proxy.
constexpr size_t kMaxQueued = 16;

// Calls the loop stands ready to accept at once; each accepted call is
// replaced right away, so this bounds only a burst of simultaneous arrivals.
constexpr int kAcceptsPosted = 32;

// Events the loop handles before running deferred work even if more events
// are ready, so that a busy loop never postpones writes for long. Under load
// a call's next event (the rest of its request, or the status after its
// response) sits behind a few events of every other call; a bound of 32
// flushed most calls before it came, which cost them two or three sends more
// and the proxy about 1.5x the CPU per call (bench/README.md). A bound in
// time instead fired whenever the loop's thread was preempted.
constexpr int kMaxEventsBeforeDeferred = 512;

// How long the destructor waits for cancelled calls to wind down.
constexpr absl::Duration kStopTimeout = absl::Seconds(5);

// Metadata gRPC itself sets on each hop; copying it would duplicate or
// contradict what the next hop's library writes.
bool Reserved(grpc::string_ref key) {
  absl::string_view k(key.data(), key.size());
  return absl::StartsWith(k, "grpc-") || absl::StartsWith(k, ":") ||
         k == "user-agent" || k == "content-type" || k == "te";
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// What a loop's completion queue hands back: a call's operation or a
// wake-up.
class Event {
 public:
  virtual void Proceed(bool ok) = 0;

 protected:
  ~Event() = default;
};

// An event loop: one completion queue, drained by one thread. Everything a
// call does runs here, so call state needs no lock.
//
// Work can be deferred until the events that are ready now have been
// handled. Calls start their writes that way: a unary request's headers,
// message and end of stream usually arrive together, and so do a response
// and its status; writing each as its event comes would cost a send (a
// system call and a wake-up of the peer) apiece, writing after the burst
// costs one.
class Loop {
 public:
  explicit Loop(std::unique_ptr<grpc::ServerCompletionQueue> cq) : cq_(std::move(cq)) {}

  grpc::ServerCompletionQueue* cq() const { return cq_.get(); }
  bool InLoop() const { return current_ == this; }
  // Once true, no operation may start on cq() (it is shut down).
  bool closed() const { return closed_flag_.load(std::memory_order_acquire); }

  // The thread body: runs events until Close() and the queue drains.
  void Run() {
    current_ = this;
    void* tag;
    bool ok;
    int burst = 0;
    for (;;) {
      if (deferred_.empty()) {
        burst = 0;
        if (!cq_->Next(&tag, &ok)) break;
        static_cast<Event*>(tag)->Proceed(ok);
        continue;
      }
      if (++burst > kMaxEventsBeforeDeferred) {
        RunDeferred();
        continue;
      }
      // Whatever is ready now (a zero deadline polls without waiting).
      const auto status = cq_->AsyncNext(&tag, &ok, gpr_time_0(GPR_CLOCK_MONOTONIC));
      if (status == grpc::CompletionQueue::SHUTDOWN) break;
      if (status == grpc::CompletionQueue::TIMEOUT) {
        RunDeferred();
      } else {
        static_cast<Event*>(tag)->Proceed(ok);
      }
    }
    deferred_.clear();
    current_ = nullptr;
  }

  // Loop thread only: runs `fn` here once the events ready now are handled.
  void Defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }

  // Runs `fn` on the loop thread: now when called there, else soon. After
  // Close() it is dropped (with what it captured).
  void Post(std::function<void()> fn) {
    if (InLoop()) {
      fn();
      return;
    }
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    inbox_.push_back(std::move(fn));
    if (wake_pending_) return;
    wake_pending_ = true;
    // A fresh alarm per wake-up: an alarm may not be re-armed from another
    // thread while the loop may still be handling its previous firing.
    // Set under mu_, so never after Close() has shut the queue down.
    auto* wake = new Wakeup(this);
    wake->alarm.Set(cq_.get(), gpr_now(GPR_CLOCK_MONOTONIC), static_cast<Event*>(wake));
  }

  // Stops accepting posts and shuts the queue down; Run() returns once the
  // events already queued are handled. No operation may start afterwards.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    closed_flag_.store(true, std::memory_order_release);
    inbox_.clear();
    cq_->Shutdown();
  }

 private:
  struct Wakeup final : Event {
    explicit Wakeup(Loop* loop) : loop(loop) {}
    void Proceed(bool) override {
      loop->RunInbox();
      delete this;
    }
    Loop* loop;
    grpc::Alarm alarm;
  };

  void RunDeferred() {
    std::vector<std::function<void()>> work;
    work.swap(deferred_);
    for (auto& fn : work) fn();
  }

  void RunInbox() {
    std::vector<std::function<void()>> work;
    {
      absl::MutexLock lock(&mu_);
      work.swap(inbox_);
      wake_pending_ = false;
    }
    for (auto& fn : work) fn();
  }

  static thread_local Loop* current_;
  const std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::vector<std::function<void()>> deferred_;  // loop thread only
  absl::Mutex mu_;
  std::vector<std::function<void()>> inbox_ ABSL_GUARDED_BY(mu_);
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> closed_flag_{false};  // closed_, readable without mu_
};

thread_local Loop* Loop::current_ = nullptr;

// What every call of one link shares.
struct LinkShared {
  std::shared_ptr<ProxyRuntime> runtime;
  LinkId link;
  std::unique_ptr<grpc::GenericStub> stub;
  grpc::AsyncGenericService service;
  std::atomic<bool> stopping{false};  // no new calls are accepted
  std::atomic<int> calls{0};          // ProxyCall objects alive
};

// A request the rules added to a unary call: a duplicate, a forged copy, a
// replay. A unary method carries exactly one request per call (a second one
// would fail the call, original included), so each extra request goes to the
// destination in a call of its own, with the original's metadata, on the same
// loop; nobody waits for its reply. It counts as one of the link's calls, so
// stopping the proxy waits for it, and its deadline bounds that wait.
class SideCall final : public Event {
 public:
  static void Start(const std::shared_ptr<LinkShared>& link, Loop* loop,
                    const grpc::GenericServerContext& original, const grpc::ByteBuffer& request) {
    auto* call = new SideCall(link);
    call->ctx_.set_deadline(absl::ToChronoTime(absl::Now() + kSideCallTimeout));
    for (const auto& [key, value] : original.client_metadata()) {
      if (Reserved(key)) continue;
      call->ctx_.AddMetadata(std::string(key.data(), key.size()),
                             std::string(value.data(), value.size()));
    }
    call->reader_ = link->stub->PrepareUnaryCall(&call->ctx_, original.method(), request, loop->cq());
    call->reader_->StartCall();
    call->reader_->Finish(&call->reply_, &call->status_, static_cast<Event*>(call));
  }

  void Proceed(bool) override { delete this; }

 private:
  static constexpr absl::Duration kSideCallTimeout = absl::Seconds(2);

  explicit SideCall(std::shared_ptr<LinkShared> link) : link_(std::move(link)) {
    link_->calls.fetch_add(1);
  }
  ~SideCall() { link_->calls.fetch_sub(1); }

  const std::shared_ptr<LinkShared> link_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader_;
  grpc::ByteBuffer reply_;
  grpc::Status status_;
};

// One proxied call: the server side facing the sending replica and the
// client side facing the destination, pumping messages both ways.
//
// All state is touched on the call's loop thread only; every gRPC operation
// completes there as an Event, and Pump() decides the next operations from
// the state. Frames the engine releases elsewhere come in through
// Loop::Post. The call keeps itself alive (self_) until no operation of
// either side is outstanding.
class ProxyCall : public std::enable_shared_from_this<ProxyCall> {
 public:
  ProxyCall(std::shared_ptr<LinkShared> link, std::shared_ptr<Loop> loop)
      : link_(std::move(link)), loop_(std::move(loop)), server_(&ctx_) {
    link_->calls.fetch_add(1);
    for (int i = 0; i < kOpCount; ++i) {
      ops_[i].call = this;
      ops_[i].op = static_cast<Op>(i);
    }
  }
  ~ProxyCall() { link_->calls.fetch_sub(1); }

  // Makes `loop` ready to accept one more call.
  static void Accept(const std::shared_ptr<LinkShared>& link,
                     const std::shared_ptr<Loop>& loop) {
    auto call = std::make_shared<ProxyCall>(link, loop);
    call->self_ = call;
    // Must precede the request. gRPC returns this tag only for calls that
    // started (see OnEvent(kNew)).
    call->ctx_.AsyncNotifyWhenDone(call->Tag(kDone));
    link->service.RequestCall(&call->ctx_, &call->server_, loop->cq(), loop->cq(),
                              call->Tag(kNew));
  }

 private:
  enum Op {
    kNew,           // the server matched a call to this object
    kDone,          // the server side is over (finished or cancelled)
    kServerRead,
    kServerWrite,
    kServerFinish,
    kStart,         // the client call's headers went out
    kMetadata,      // the destination's initial metadata arrived
    kClientRead,
    kClientWrite,   // a message or the half-close
    kClientFinish,  // the destination's status arrived
    kOpCount
  };

  struct OpTag final : Event {
    void Proceed(bool ok) override { call->OnEvent(op, ok); }
    ProxyCall* call = nullptr;
    Op op = kNew;
  };

  // Where the engine's emits for this call go; holds the call weakly so a
  // frame released after the call ended is simply discarded.
  class Sink : public FrameSink {
   public:
    Sink(std::weak_ptr<ProxyCall> call, Direction direction)
        : call_(std::move(call)), direction_(direction) {}
    void Deliver(absl::Duration delay, std::string bytes, bool from_hold) override {
      if (auto call = call_.lock()) {
        call->Deliver(direction_, delay, std::move(bytes), from_hold);
      }
    }

   private:
    std::weak_ptr<ProxyCall> call_;
    Direction direction_;
  };

  // Messages flowing one way: requests (to the destination) or responses.
  struct Lane {
    std::deque<grpc::ByteBuffer> queue;
    bool write_in_flight = false;
    bool read_in_flight = false;
    int pending = 0;             // delayed or held frames not yet queued
    bool source_closed = false;  // no more messages will be read
    std::shared_ptr<Sink> sink;
  };

  void* Tag(Op op) {
    ++outstanding_;
    return static_cast<Event*>(&ops_[op]);
  }

  Lane& LaneOf(Direction d) { return d == Direction::kRequest ? up_ : down_; }

  void OnEvent(Op op, bool ok) {
    --outstanding_;
    switch (op) {
      case kNew:
        if (!ok) {
          // Shutting down: the done tag will not come for a call that never
          // started.
          --outstanding_;
          break;
        }
        Begin();
        break;
      case kDone:
        // The only path by which the sender's cancellation, or its deadline
        // expiring here, reaches the destination (see Begin).
        if (ctx_.IsCancelled()) {
          cancelled_ = true;
          if (client_ctx_) client_ctx_->TryCancel();
        }
        break;
      case kServerRead:
        up_.read_in_flight = false;
        OnSourceRead(Direction::kRequest, ok);
        break;
      case kServerWrite:
        down_.write_in_flight = false;
        if (!ok) {
          cancelled_ = true;  // the sender is gone
          client_ctx_->TryCancel();
        }
        break;
      case kServerFinish:
        break;
      case kStart:
        started_ = true;
        if (!ok) upstream_write_failed_ = true;  // the status will say why
        break;
      case kMetadata:
        if (ok && !finished_) {
          for (const auto& [key, value] : client_ctx_->GetServerInitialMetadata()) {
            if (Reserved(key)) continue;
            ctx_.AddInitialMetadata(std::string(key.data(), key.size()),
                                    std::string(value.data(), value.size()));
          }
        }
        metadata_ready_ = true;
        break;
      case kClientRead:
        down_.read_in_flight = false;
        OnSourceRead(Direction::kResponse, ok);
        break;
      case kClientWrite:
        up_.write_in_flight = false;
        if (!ok) upstream_write_failed_ = true;  // the destination's status will follow
        break;
      case kClientFinish:
        if (!finished_) {
          for (const auto& [key, value] : client_ctx_->GetServerTrailingMetadata()) {
            if (Reserved(key)) continue;
            ctx_.AddTrailingMetadata(std::string(key.data(), key.size()),
                                     std::string(value.data(), value.size()));
          }
        }
        upstream_done_ = true;
        break;
      case kOpCount:
        break;
    }
    Pump();
  }

  // Wires both sides; the upstream call starts in the first Flush().
  void Begin() {
    if (!link_->stopping.load()) Accept(link_, loop_);  // take our place
    begun_ = true;
    // Propagates the deadline of the incoming call. Its cancellation reaches
    // the upstream call through kDone instead: gRPC's own propagation also
    // cancels every child when its parent ends normally, long after the
    // child finished, which cost a cancel batch down the whole filter stack
    // and an error status per call, about a tenth of the proxy's work
    // outside the kernel (bench/README.md).
    client_ctx_ = grpc::ClientContext::FromServerContext(
        ctx_, grpc::PropagationOptions().disable_cancellation_propagation());
    for (const auto& [key, value] : ctx_.client_metadata()) {
      if (Reserved(key)) continue;
      client_ctx_->AddMetadata(std::string(key.data(), key.size()),
                               std::string(value.data(), value.size()));
    }
    client_ = link_->stub->PrepareCall(client_ctx_.get(), ctx_.method(), loop_->cq());
  }

  // Starts the reads and the upstream status the state allows, and
  // schedules a Flush() for the writes. Operations complete only through
  // the loop, so this is not re-entered by the operations it starts.
  void Pump() {
    if (released_) return;
    // The queue is closed only if the destructor gave up waiting for this
    // call; then it is abandoned (the server's shutdown ends it).
    if (begun_ && !loop_->closed()) {
      if (down_.source_closed || upstream_write_failed_) {
        // Once responses ended, the call is over upstream: later requests
        // have nowhere to go.
        up_.queue.clear();
      }
      if (cancelled_ || finished_) down_.queue.clear();  // nobody to send them to
      if (metadata_ready_ && !down_.read_in_flight && !down_.source_closed &&
          down_.queue.size() < kMaxQueued) {
        down_.read_in_flight = true;
        client_->Read(&resp_buf_, Tag(kClientRead));
      }
      if (down_.source_closed && !client_finish_started_) {
        client_finish_started_ = true;
        client_->Finish(&upstream_status_, Tag(kClientFinish));
      }
      if (!up_.read_in_flight && !up_.source_closed && !finished_ && !cancelled_ &&
          up_.queue.size() < kMaxQueued) {
        up_.read_in_flight = true;
        server_.Read(&req_buf_, Tag(kServerRead));
      }
      if (!flush_scheduled_ && WantsFlush()) {
        flush_scheduled_ = true;
        loop_->Defer([self = shared_from_this()] {
          self->flush_scheduled_ = false;
          self->Flush();
        });
      }
    }
    if (outstanding_ == 0 && !flush_scheduled_) {
      // Nothing of either side is pending, so nothing will start again.
      released_ = true;
      std::shared_ptr<ProxyCall> self = std::move(self_);
    }
  }

  // Whether Flush() would start something (and so must be scheduled).
  bool WantsFlush() const {
    if (!call_started_ && !cancelled_ && !finished_) return true;
    const bool request_ready =
        !up_.queue.empty() || (up_.source_closed && up_.pending == 0);
    if (started_ && !up_.write_in_flight && !down_.source_closed &&
        !upstream_write_failed_ && !writes_done_started_ && request_ready) {
      return true;
    }
    const bool response_ready = !down_.queue.empty() || cancelled_ ||
                                (upstream_done_ && down_.pending == 0);
    return !finished_ && !down_.write_in_flight && (metadata_ready_ || cancelled_) &&
           response_ready;
  }

  // Starts the writes: the upstream call's headers, requests, responses and
  // the sender's status, merging what can go out together.
  void Flush() {
    if (released_) return;
    if (begun_ && !loop_->closed()) {
      if (!call_started_ && !cancelled_ && !finished_) {
        call_started_ = true;
        // When the first request (or the end of requests) is already here,
        // the headers wait for it and leave in the same write; otherwise
        // they leave now, since the destination may have to speak first.
        if (!up_.queue.empty() || (up_.source_closed && up_.pending == 0)) {
          client_ctx_->set_initial_metadata_corked(true);
          client_->StartCall(nullptr);  // corked: no operation, no tag
          started_ = true;
        } else {
          client_->StartCall(Tag(kStart));
        }
        client_->ReadInitialMetadata(Tag(kMetadata));
      }
      if (down_.source_closed || upstream_write_failed_) up_.queue.clear();
      // Writes share gRPC's operation slot with an uncorked start.
      if (started_ && !up_.write_in_flight && !down_.source_closed &&
          !upstream_write_failed_ && !writes_done_started_) {
        if (!up_.queue.empty()) {
          grpc::ByteBuffer message = std::move(up_.queue.front());
          up_.queue.pop_front();
          up_.write_in_flight = true;
          if (up_.queue.empty() && up_.source_closed && up_.pending == 0) {
            writes_done_started_ = true;  // the half-close rides along
            client_->WriteLast(message, grpc::WriteOptions(), Tag(kClientWrite));
          } else {
            client_->Write(message, Tag(kClientWrite));
          }
        } else if (up_.source_closed && up_.pending == 0) {
          writes_done_started_ = true;
          up_.write_in_flight = true;
          client_->WritesDone(Tag(kClientWrite));
        }
      }

      // Responses to the sender, after the destination's initial metadata.
      if (cancelled_ || finished_) down_.queue.clear();
      if (!finished_ && !down_.write_in_flight && (metadata_ready_ || cancelled_)) {
        const bool status_due = !cancelled_ && upstream_done_ && down_.pending == 0;
        if (!down_.queue.empty()) {
          grpc::ByteBuffer message = std::move(down_.queue.front());
          down_.queue.pop_front();
          if (down_.queue.empty() && status_due) {
            finished_ = true;  // the status rides along
            server_.WriteAndFinish(message, grpc::WriteOptions(), upstream_status_,
                                   Tag(kServerFinish));
          } else {
            down_.write_in_flight = true;
            server_.Write(message, Tag(kServerWrite));
          }
        } else if (cancelled_ || status_due) {
          finished_ = true;
          server_.Finish(cancelled_ ? grpc::Status(grpc::StatusCode::CANCELLED,
                                                   "cancelled at the link proxy")
                                    : upstream_status_,
                         Tag(kServerFinish));
        }
      }
    }
    Pump();
  }

  // A message (or the end of messages) arrived from the sender (requests)
  // or from the destination (responses).
  void OnSourceRead(Direction d, bool ok) {
    if (!ok) {
      LaneOf(d).source_closed = true;
      return;
    }
    grpc::ByteBuffer message;
    message.Swap(d == Direction::kRequest ? &req_buf_ : &resp_buf_);
    Process(d, std::move(message));
  }

  // Runs one message through the rules and queues what they decide.
  void Process(Direction d, grpc::ByteBuffer message) {
    ProxyRuntime& runtime = *link_->runtime;
    std::shared_ptr<const RuleSet> rules = runtime.engine()->Snapshot();
    const bool trace = runtime.ShouldTrace();
    if (rules->empty()) {
      if (trace) Record(d, message.Length(), ActionKind::kPass, "");
      if (!finished_) LaneOf(d).queue.push_back(std::move(message));
      return;
    }
    std::string bytes = Flatten(message);
    const size_t size = bytes.size();
    // Made on first use: calls that never meet a rule need no sink.
    Lane& lane = LaneOf(d);
    if (lane.sink == nullptr) lane.sink = std::make_shared<Sink>(weak_from_this(), d);
    Decision decision = runtime.engine()->Process(
        *rules,
        Frame(runtime.NextFrameId(), link_->link, ctx_.method(), d, std::move(bytes),
              rules->codec(), lane.sink),
        absl::Now());
    // Before delivering: the emits may release this very frame.
    if (decision.held) ++lane.pending;
    if (trace) Record(d, size, decision.action, decision.rule_id);
    DeliverAll(std::move(decision.emits));
  }

  void Record(Direction d, size_t size, ActionKind action, const std::string& rule) {
    TraceRecord r;
    r.time = absl::Now();
    r.link = link_->link;
    r.method = ctx_.method();
    r.direction = d;
    r.bytes = size;
    r.action = action;
    r.rule_id = rule;
    link_->runtime->Trace(r);
  }

  // From any thread: a frame the rules let through, now or after `delay`.
  void Deliver(Direction d, absl::Duration delay, std::string bytes, bool from_hold) {
    if (loop_->InLoop()) {  // the common case: the rules ran on this loop
      DeliverHere(d, delay, std::move(bytes), from_hold);
      return;
    }
    loop_->Post([self = shared_from_this(), d, delay, bytes = std::move(bytes),
                 from_hold]() mutable {
      self->DeliverHere(d, delay, std::move(bytes), from_hold);
    });
  }

  void DeliverHere(Direction d, absl::Duration delay, std::string bytes, bool from_hold) {
    if (released_) return;
    if (delay <= absl::ZeroDuration()) {
      Arrive(d, ToBuffer(bytes), from_hold ? 1 : 0);
      return;
    }
    ++LaneOf(d).pending;
    link_->runtime->timers()->Schedule(
        absl::Now() + delay,
        [weak = weak_from_this(), d, bytes = std::move(bytes), from_hold]() mutable {
          auto self = weak.lock();
          if (self == nullptr) return;
          Loop* loop = self->loop_.get();
          loop->Post([self = std::move(self), d, bytes = std::move(bytes), from_hold] {
            if (!self->released_) self->Arrive(d, ToBuffer(bytes), from_hold ? 2 : 1);
          });
        });
  }

  // Queues a frame that survived the rules; `settles` pending frames it was.
  void Arrive(Direction d, grpc::ByteBuffer message, int settles) {
    Lane& lane = LaneOf(d);
    lane.pending -= settles;
    if (d == Direction::kRequest && requests_arrived_++ > 0 && IsUnary()) {
      if (!loop_->closed() && !link_->stopping.load()) {
        SideCall::Start(link_, loop_.get(), ctx_, message);
      }
    } else if (!finished_) {
      lane.queue.push_back(std::move(message));
    }
    Pump();
  }

  // Only asked once a call has more than one request, which rules alone
  // cause; the target's schema says whether its method allows that.
  bool IsUnary() {
    if (!unary_.has_value()) {
      std::shared_ptr<const RuleSet> rules = link_->runtime->engine()->Snapshot();
      unary_ = rules->codec() != nullptr && rules->codec()->IsUnary(ctx_.method());
    }
    return *unary_;
  }

  const std::shared_ptr<LinkShared> link_;
  const std::shared_ptr<Loop> loop_;
  OpTag ops_[kOpCount];
  grpc::GenericServerContext ctx_;
  grpc::GenericServerAsyncReaderWriter server_;
  std::unique_ptr<grpc::ClientContext> client_ctx_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> client_;
  grpc::ByteBuffer req_buf_;   // read target of the server side
  grpc::ByteBuffer resp_buf_;  // read target of the client side
  int requests_arrived_ = 0;   // requests that survived the rules, so far
  std::optional<bool> unary_;  // the method's kind, once it matters

  std::shared_ptr<ProxyCall> self_;  // dropped once nothing is outstanding
  int outstanding_ = 0;              // operations started, not yet completed
  bool released_ = false;
  Lane up_;
  Lane down_;
  bool begun_ = false;
  bool flush_scheduled_ = false;
  bool call_started_ = false;  // StartCall issued
  bool started_ = false;       // writes may start (the start completed or is corked)
  bool writes_done_started_ = false;
  bool upstream_write_failed_ = false;
  bool metadata_ready_ = false;
  bool client_finish_started_ = false;
  bool upstream_done_ = false;
  grpc::Status upstream_status_;
  bool cancelled_ = false;
  bool finished_ = false;
};

}  // namespace

ProxyRuntime::ProxyRuntime(RuleEngine* engine, TraceFn trace)
    : engine_(engine),
      trace_(std::move(trace)),
      timers_([engine](absl::Time now) { DeliverAll(engine->ReleaseExpired(now)); }) {}

ProxyRuntime::~ProxyRuntime() = default;

struct LinkProxy::Impl {
  std::shared_ptr<LinkShared> shared;
  std::string target;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<Loop> loop;  // after server: destroyed after it
  std::thread thread;

  ~Impl() {
    if (server != nullptr) {
      shared->stopping.store(true);
      // Calls still running after the grace period are cancelled; each then
      // winds down on its loop, which keeps running meanwhile.
      server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
      // Bounded: cancellation reaches both sides of every call promptly.
      const absl::Time deadline = absl::Now() + kStopTimeout;
      while (shared->calls.load() > 0 && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(1));
      }
    }
    if (loop != nullptr) loop->Close();
    if (thread.joinable()) thread.join();
    server.reset();
  }
};

absl::StatusOr<std::unique_ptr<LinkProxy>> LinkProxy::Start(
    std::shared_ptr<ProxyRuntime> runtime, LinkId link, const std::string& listen,
    const std::string& target) {
  auto impl = std::make_unique<Impl>();
  impl->target = target;
  impl->shared = std::make_shared<LinkShared>();
  impl->shared->runtime = std::move(runtime);
  impl->shared->link = link;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  // One connection per link even when several links share a destination,
  // so faults on one link never queue behind another's traffic.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // A crashed replica that restarts must be reached again within a second,
  // not after gRPC's default back-off of up to two minutes; an http_proxy in
  // the environment must not reroute loopback links. The "min" back-off is
  // gRPC's shortest connection attempt: at 100 ms, a busy machine (load 20
  // on 2 cores) failed first calls with "timed out before receiving SETTINGS
  // frame"; a second, as the replicas' own channels use, does not.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  impl->shared->stub = std::make_unique<grpc::GenericStub>(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));

  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &impl->port);
  builder.SetMaxReceiveMessageSize(-1);
  builder.RegisterAsyncGenericService(&impl->shared->service);
  impl->loop = std::make_shared<Loop>(builder.AddCompletionQueue());
  impl->server = builder.BuildAndStart();
  if (impl->server != nullptr && impl->port != 0) {
    for (int i = 0; i < kAcceptsPosted; ++i) ProxyCall::Accept(impl->shared, impl->loop);
  }
  // Runs even on failure: Impl's destructor shuts the queue down and drains it.
  impl->thread = std::thread([loop = impl->loop] { loop->Run(); });
  if (impl->server == nullptr || impl->port == 0) {
    impl->server.reset();
    return absl::UnavailableError(absl::StrCat("link ", link.from, "->", link.to,
                                               ": cannot listen on ", listen));
  }
  return std::unique_ptr<LinkProxy>(new LinkProxy(std::move(impl)));
}

LinkProxy::LinkProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LinkProxy::~LinkProxy() = default;

LinkId LinkProxy::link() const { return impl_->shared->link; }
int LinkProxy::port() const { return impl_->port; }
const std::string& LinkProxy::target() const { return impl_->target; }

}  // namespace agent
}  // namespace turncoat
