#include "agents/link_proxy.h"

#include <deque>
#include <utility>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace turncoat {
namespace agent {
namespace {

// Messages queued per direction before the proxy stops reading from the
// sender: gRPC flow control then pushes back on it, as without a proxy.
constexpr size_t kMaxQueued = 16;

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

// What every call of one link shares.
struct LinkShared {
  std::shared_ptr<ProxyRuntime> runtime;
  LinkId link;
  std::unique_ptr<grpc::GenericStub> stub;
};

// One proxied call: a server-side reactor facing the sending replica and a
// client-side reactor facing the destination, pumping messages both ways.
//
// Locking: mu_ guards all state. gRPC operations are started outside it
// (Pump computes them, Run starts them), because gRPC may run reactions on
// other threads that take mu_. Two invariants keep operations legal:
// server operations are never started after Finish's OnDone (Finish waits
// until no server read start is in progress), and client operations never
// after RemoveHold (which waits likewise).
class ProxyCall : public std::enable_shared_from_this<ProxyCall> {
 public:
  ProxyCall(std::shared_ptr<LinkShared> link, grpc::GenericCallbackServerContext* ctx)
      : link_(std::move(link)), ctx_(ctx), server_(this), client_(this) {}

  // Wires both sides and starts the upstream call. Returns the reactor gRPC
  // drives for the server side; the call keeps itself alive until both sides
  // are done.
  grpc::ServerGenericBidiReactor* Begin() {
    self_ = shared_from_this();
    up_.sink = std::make_shared<Sink>(weak_from_this(), Direction::kRequest);
    down_.sink = std::make_shared<Sink>(weak_from_this(), Direction::kResponse);
    // Propagates the deadline and cancellation of the incoming call.
    client_ctx_ = grpc::ClientContext::FromCallbackServerContext(*ctx_);
    for (const auto& [key, value] : ctx_->client_metadata()) {
      if (Reserved(key)) continue;
      client_ctx_->AddMetadata(std::string(key.data(), key.size()),
                               std::string(value.data(), value.size()));
    }
    link_->stub->PrepareBidiStreamingCall(client_ctx_.get(), ctx_->method(),
                                          grpc::StubOptions(), &client_);
    client_.AddHold();
    client_.StartRead(&resp_buf_);
    client_.StartCall();
    server_.StartRead(&req_buf_);
    return &server_;
  }

 private:
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

  class ServerSide : public grpc::ServerGenericBidiReactor {
   public:
    explicit ServerSide(ProxyCall* call) : call_(call) {}
    void OnReadDone(bool ok) override { call_->OnSourceRead(Direction::kRequest, ok); }
    void OnWriteDone(bool ok) override { call_->OnWriteDone(Direction::kResponse, ok); }
    void OnCancel() override { call_->OnCancel(); }
    void OnDone() override { call_->OnServerDone(); }

   private:
    ProxyCall* call_;
  };

  class ClientSide : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit ClientSide(ProxyCall* call) : call_(call) {}
    void OnReadInitialMetadataDone(bool ok) override { call_->OnUpstreamMetadata(ok); }
    void OnReadDone(bool ok) override { call_->OnSourceRead(Direction::kResponse, ok); }
    void OnWriteDone(bool ok) override { call_->OnWriteDone(Direction::kRequest, ok); }
    void OnWritesDoneDone(bool) override {}
    void OnDone(const grpc::Status& status) override { call_->OnUpstreamDone(status); }

   private:
    ProxyCall* call_;
  };

  // Messages flowing one way: requests (to the destination) or responses.
  struct Lane {
    std::deque<grpc::ByteBuffer> queue;
    grpc::ByteBuffer writing;  // the message of the write in flight
    bool write_in_flight = false;
    int pending = 0;             // delayed or held frames not yet queued
    bool source_closed = false;  // no more messages will be read
    bool read_paused = false;
    std::shared_ptr<Sink> sink;
  };

  // gRPC operations to start once mu_ is released.
  struct Actions {
    bool up_write = false;
    bool writes_done = false;
    bool remove_hold = false;
    bool down_write = false;
    bool finish = false;
    grpc::Status status;
    bool read_requests = false;
    bool read_responses = false;
    std::shared_ptr<ProxyCall> release;  // dropped last, outside the lock
    bool Any() const {
      return up_write || writes_done || remove_hold || down_write || finish ||
             read_requests || read_responses;
    }
  };

  Lane& LaneOf(Direction d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return d == Direction::kRequest ? up_ : down_;
  }

  // Decides the next operations from the state.
  void Pump(Actions* a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // Requests to the destination. Once responses ended, the call is over
    // upstream: later requests have nowhere to go.
    if (down_.source_closed || upstream_write_failed_) up_.queue.clear();
    if (!hold_removed_ && !up_.write_in_flight && !down_.source_closed) {
      if (!up_.queue.empty() && !upstream_write_failed_) {
        up_.writing = std::move(up_.queue.front());
        up_.queue.pop_front();
        up_.write_in_flight = true;
        a->up_write = true;
      } else if (up_.queue.empty() && up_.source_closed && up_.pending == 0 &&
                 !writes_done_started_) {
        writes_done_started_ = true;
        ++client_starts_;
        a->writes_done = true;
      }
    }
    if (!hold_removed_ && down_.source_closed && !up_.write_in_flight &&
        client_starts_ == 0) {
      hold_removed_ = true;
      a->remove_hold = true;
    }
    if (down_.read_paused && down_.queue.size() < kMaxQueued && !hold_removed_) {
      down_.read_paused = false;
      ++client_starts_;
      a->read_responses = true;
    }

    // Responses to the sender, after the destination's initial metadata.
    if (cancelled_) down_.queue.clear();
    if (!finished_ && !down_.write_in_flight && (metadata_ready_ || cancelled_)) {
      if (!down_.queue.empty()) {
        down_.writing = std::move(down_.queue.front());
        down_.queue.pop_front();
        down_.write_in_flight = true;
        a->down_write = true;
      } else if ((cancelled_ || (upstream_done_ && down_.pending == 0)) &&
                 server_starts_ == 0) {
        finished_ = true;
        a->finish = true;
        a->status = cancelled_ ? grpc::Status(grpc::StatusCode::CANCELLED,
                                              "cancelled at the link proxy")
                               : upstream_status_;
      }
    }
    if (up_.read_paused && up_.queue.size() < kMaxQueued && !finished_) {
      up_.read_paused = false;
      ++server_starts_;
      a->read_requests = true;
    }
    if (server_done_ && client_done_ && self_) a->release = std::move(self_);
  }

  // Starts the operations Pump chose, then re-pumps for the starts that
  // were holding Finish or RemoveHold back.
  void Run(Actions a) {
    while (a.Any()) {
      if (a.up_write) client_.StartWrite(&up_.writing);
      if (a.writes_done) client_.StartWritesDone();
      if (a.read_responses) client_.StartRead(&resp_buf_);
      if (a.remove_hold) client_.RemoveHold();
      if (a.down_write) server_.StartWrite(&down_.writing);
      if (a.read_requests) server_.StartRead(&req_buf_);
      if (a.finish) server_.Finish(a.status);
      if (!(a.writes_done || a.read_responses || a.read_requests)) break;
      Actions next;
      {
        absl::MutexLock lock(&mu_);
        if (a.writes_done) --client_starts_;
        if (a.read_responses) --client_starts_;
        if (a.read_requests) --server_starts_;
        Pump(&next);
      }
      a = std::move(next);
    }
  }

  void Locked(const std::function<void(Actions*)>& change) {
    Actions a;
    {
      absl::MutexLock lock(&mu_);
      change(&a);
      Pump(&a);
    }
    Run(std::move(a));
  }

  // A message (or the end of messages) arrived from the sender (requests)
  // or from the destination (responses).
  void OnSourceRead(Direction d, bool ok) {
    if (!ok) {
      Locked([&](Actions*) {
        LaneOf(d).source_closed = true;
      });
      return;
    }
    grpc::ByteBuffer message;
    message.Swap(d == Direction::kRequest ? &req_buf_ : &resp_buf_);
    Process(d, std::move(message));
    Locked([&](Actions* a) {
      Lane& lane = LaneOf(d);
      const bool open = d == Direction::kRequest ? !finished_ : !hold_removed_;
      if (!open) return;
      if (lane.queue.size() >= kMaxQueued) {
        lane.read_paused = true;
      } else if (d == Direction::kRequest) {
        ++server_starts_;
        a->read_requests = true;
      } else {
        ++client_starts_;
        a->read_responses = true;
      }
    });
  }

  // Runs one message through the rules and sends what they decide.
  void Process(Direction d, grpc::ByteBuffer message) {
    ProxyRuntime& runtime = *link_->runtime;
    std::shared_ptr<const RuleSet> rules = runtime.engine()->Snapshot();
    const bool trace = runtime.ShouldTrace();
    if (rules->empty()) {
      if (trace) Record(d, message.Length(), ActionKind::kPass, "");
      Locked([&](Actions*) {
        if (!finished_) LaneOf(d).queue.push_back(std::move(message));
      });
      return;
    }
    std::string bytes = Flatten(message);
    const size_t size = bytes.size();
    std::shared_ptr<Sink> sink;
    {
      absl::MutexLock lock(&mu_);
      sink = LaneOf(d).sink;
    }
    Decision decision = runtime.engine()->Process(
        *rules,
        Frame(runtime.NextFrameId(), link_->link, ctx_->method(), d, std::move(bytes),
              rules->codec(), std::move(sink)),
        absl::Now());
    // Through Locked: another thread may already have released the frame
    // (pending went to -1), and reaching 0 here may allow a half-close.
    if (decision.held) Locked([&](Actions*) { ++LaneOf(d).pending; });
    if (trace) Record(d, size, decision.action, decision.rule_id);
    DeliverAll(std::move(decision.emits));
  }

  void Record(Direction d, size_t size, ActionKind action, const std::string& rule) {
    TraceRecord r;
    r.time = absl::Now();
    r.link = link_->link;
    r.method = ctx_->method();
    r.direction = d;
    r.bytes = size;
    r.action = action;
    r.rule_id = rule;
    link_->runtime->Trace(r);
  }

  void Deliver(Direction d, absl::Duration delay, std::string bytes, bool from_hold) {
    if (delay <= absl::ZeroDuration()) {
      Arrive(d, ToBuffer(bytes), from_hold ? 1 : 0);
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      ++LaneOf(d).pending;
    }
    link_->runtime->timers()->Schedule(
        absl::Now() + delay,
        [self = shared_from_this(), d, bytes = std::move(bytes), from_hold] {
          self->Arrive(d, ToBuffer(bytes), from_hold ? 2 : 1);
        });
  }

  // Queues a frame that survived the rules; `settles` pending frames it was.
  void Arrive(Direction d, grpc::ByteBuffer message, int settles) {
    Locked([&](Actions*) {
      Lane& lane = LaneOf(d);
      lane.pending -= settles;
      if (!finished_) lane.queue.push_back(std::move(message));
    });
  }

  void OnWriteDone(Direction d, bool ok) {
    Locked([&](Actions*) {
      LaneOf(d).write_in_flight = false;
      if (ok) return;
      if (d == Direction::kRequest) {
        upstream_write_failed_ = true;  // the destination's status will follow
      } else {
        cancelled_ = true;  // the sender is gone
      }
    });
    if (!ok && d == Direction::kResponse) client_ctx_->TryCancel();
  }

  void OnCancel() {
    Locked([&](Actions*) { cancelled_ = true; });
    client_ctx_->TryCancel();
  }

  void OnUpstreamMetadata(bool ok) {
    Locked([&](Actions*) {
      if (ok && !metadata_ready_ && !finished_) {
        for (const auto& [key, value] : client_ctx_->GetServerInitialMetadata()) {
          if (Reserved(key)) continue;
          ctx_->AddInitialMetadata(std::string(key.data(), key.size()),
                                   std::string(value.data(), value.size()));
        }
      }
      metadata_ready_ = true;
    });
  }

  void OnUpstreamDone(const grpc::Status& status) {
    Locked([&](Actions*) {
      if (!finished_) {
        for (const auto& [key, value] : client_ctx_->GetServerTrailingMetadata()) {
          if (Reserved(key)) continue;
          ctx_->AddTrailingMetadata(std::string(key.data(), key.size()),
                                    std::string(value.data(), value.size()));
        }
      }
      upstream_status_ = status;
      upstream_done_ = true;
      metadata_ready_ = true;
      client_done_ = true;
    });
  }

  void OnServerDone() {
    Locked([&](Actions*) { server_done_ = true; });
  }

  const std::shared_ptr<LinkShared> link_;
  grpc::GenericCallbackServerContext* const ctx_;
  std::unique_ptr<grpc::ClientContext> client_ctx_;
  ServerSide server_;
  ClientSide client_;
  grpc::ByteBuffer req_buf_;   // read target of the server side
  grpc::ByteBuffer resp_buf_;  // read target of the client side

  absl::Mutex mu_;
  std::shared_ptr<ProxyCall> self_;  // set by Begin, dropped when both sides are done
  Lane up_ ABSL_GUARDED_BY(mu_);
  Lane down_ ABSL_GUARDED_BY(mu_);
  int server_starts_ ABSL_GUARDED_BY(mu_) = 0;
  int client_starts_ ABSL_GUARDED_BY(mu_) = 0;
  bool writes_done_started_ ABSL_GUARDED_BY(mu_) = false;
  bool hold_removed_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_write_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool metadata_ready_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status upstream_status_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool server_done_ ABSL_GUARDED_BY(mu_) = false;
  bool client_done_ ABSL_GUARDED_BY(mu_) = false;
};

class ProxyService : public grpc::CallbackGenericService {
 public:
  explicit ProxyService(std::shared_ptr<LinkShared> link) : link_(std::move(link)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override {
    return std::make_shared<ProxyCall>(link_, ctx)->Begin();
  }

 private:
  std::shared_ptr<LinkShared> link_;
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
  std::unique_ptr<ProxyService> service;
  std::unique_ptr<grpc::Server> server;  // after service: destroyed first
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
  // the environment must not reroute loopback links.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  impl->shared->stub = std::make_unique<grpc::GenericStub>(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  impl->service = std::make_unique<ProxyService>(impl->shared);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &impl->port);
  builder.SetMaxReceiveMessageSize(-1);
  builder.RegisterCallbackGenericService(impl->service.get());
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return absl::UnavailableError(absl::StrCat("link ", link.from, "->", link.to,
                                               ": cannot listen on ", listen));
  }
  return std::unique_ptr<LinkProxy>(new LinkProxy(std::move(impl)));
}

LinkProxy::LinkProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LinkProxy::~LinkProxy() {
  // Calls still running after the grace period are cancelled; each then
  // finishes promptly (see ProxyCall::OnCancel).
  impl_->server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
  impl_->server.reset();
}

LinkId LinkProxy::link() const { return impl_->shared->link; }
int LinkProxy::port() const { return impl_->port; }
const std::string& LinkProxy::target() const { return impl_->target; }

}  // namespace agent
}  // namespace turncoat
