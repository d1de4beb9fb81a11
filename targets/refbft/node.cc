#include "targets/refbft/node.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "targets/refbft/refbft.grpc.pb.h"

namespace refbft {
namespace {

constexpr int kMaxMessageBytes = 64 << 20;

void Log(uint32_t id, absl::string_view message) {
  std::fprintf(stderr, "%s refbft[%u] %.*s\n",
               absl::FormatTime("%H:%M:%E3S", absl::Now(), absl::LocalTimeZone()).c_str(), id,
               static_cast<int>(message.size()), message.data());
}

// The link to one peer. Completion callbacks of outgoing calls hold a
// shared_ptr to it, so it stays valid for calls that outlive the Node.
struct PeerLink {
  uint32_t id = 0;
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<Peer::Stub> stub;
  std::atomic<size_t> inflight{0};
  // Whether the last completed call succeeded; logged on change only, so a
  // dead peer costs one line rather than one per message.
  std::atomic<bool> reachable{true};
  uint64_t dropped = 0;  // loop thread only
};

// Everything one asynchronous Send needs until its callback runs.
struct OutgoingCall {
  grpc::ClientContext context;
  Envelope request;
  Ack response;
};

// The outgoing calls not yet completed, so that Shutdown can cancel them
// rather than wait out their deadlines. Shared with the completion callbacks.
class CallRegistry {
 public:
  uint64_t Add(std::weak_ptr<OutgoingCall> call) {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.emplace(next_id_, std::move(call));
    return next_id_++;
  }
  void Remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.erase(id);
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_.size();
  }
  void CancelAll() {
    std::vector<std::shared_ptr<OutgoingCall>> live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [id, weak] : calls_) {
        if (auto call = weak.lock()) live.push_back(std::move(call));
      }
    }
    // Outside the lock: gRPC may run the completion callback, which calls
    // Remove, inline from TryCancel.
    for (const auto& call : live) call->context.TryCancel();
  }

 private:
  mutable std::mutex mu_;
  uint64_t next_id_ = 0;                                               // guarded by mu_
  absl::flat_hash_map<uint64_t, std::weak_ptr<OutgoingCall>> calls_;  // guarded by mu_
};

struct SubmitEvent {
  std::string value;
  // Completes the RPC; called exactly once, on the loop thread or, when the
  // submit is refused before reaching it, on the handler's thread.
  std::function<void(bool accepted, const std::string& error)> reply;
};

using Event = std::variant<Envelope, SubmitEvent>;

}  // namespace

std::string CommitJsonLine(uint32_t replica, const CommitRecord& commit) {
  std::string value;
  value.reserve(commit.value.size() + 2);
  for (unsigned char c : commit.value) {
    if (c == '"' || c == '\\') {
      value.push_back('\\');
      value.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      value.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&value, "\\u%04x", c);
    }
  }
  return absl::StrCat("{\"replica\":", replica, ",\"seq\":", commit.seq,
                      ",\"height\":", commit.height, ",\"view\":", commit.view,
                      ",\"value\":\"", value, "\"}");
}

class Node::Impl : public Outbox {
 public:
  Impl(ReplicaConfig config, turncoat::Ed25519PrivateKey key,
       std::vector<turncoat::Ed25519PublicKey> keys, NodeOptions options)
      : id_(config.id),
        options_(std::move(options)),
        replica_(std::move(config), std::move(key), std::move(keys), this),
        peer_service_(this),
        client_service_(this) {}

  ~Impl() override { Shutdown(); }

  absl::Status Start() {
    for (const auto& [id, address] : options_.peers) {
      grpc::ChannelArguments args;
      // A restarted or healed peer is retried within a second rather than
      // after gRPC's default back-off of up to two minutes.
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
      args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
      // Replicas talk to each other (or to turncoat's link proxies) directly;
      // an http_proxy in the environment must not reroute them.
      args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
      auto link = std::make_shared<PeerLink>();
      link->id = id;
      link->address = address;
      link->channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
      link->stub = Peer::NewStub(link->channel);
      peers_.emplace(id, std::move(link));
    }

    grpc::ServerBuilder builder;
    builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(), &port_);
    builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
    builder.RegisterService(&peer_service_);
    builder.RegisterService(&client_service_);
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
    }
    loop_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

  int port() const { return port_; }

  void Shutdown() {
    std::lock_guard<std::mutex> once(shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    if (server_ != nullptr) {
      // The loop still runs here, so submits already accepted by a handler
      // get their answer before the server gives up on them.
      server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (loop_.joinable()) loop_.join();

    calls_->CancelAll();
    const absl::Time deadline = absl::Now() + options_.rpc_deadline;
    while (absl::Now() < deadline && calls_->size() > 0) absl::SleepFor(absl::Milliseconds(5));
  }

  // Outbox; called on the loop thread from inside replica_.
  void Send(uint32_t to, const Envelope& envelope) override {
    auto it = peers_.find(to);
    if (it == peers_.end()) return;
    std::shared_ptr<PeerLink> link = it->second;
    if (link->inflight.load() >= options_.max_inflight_per_peer) {
      // Logged at 1, 2, 4, 8, ... drops: visible, but never a flood.
      const uint64_t dropped = ++link->dropped;
      if ((dropped & (dropped - 1)) == 0) {
        Log(id_, absl::StrCat("dropped ", dropped, " messages to replica ", to, " (",
                              options_.max_inflight_per_peer, " calls in flight)"));
      }
      return;
    }
    ++link->inflight;
    auto call = std::make_shared<OutgoingCall>();
    call->request = envelope;
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_deadline));
    // Wait (up to the deadline) for a connection that is down or being
    // re-established instead of failing at once: replicas start and restart
    // at different times, and a message lost to that race is a message lost.
    call->context.set_wait_for_ready(true);
    const uint64_t call_id = calls_->Add(call);
    // The callback holds only shared state, never `this`: with a peer that
    // does not answer, it may run after Shutdown gave up waiting for it.
    link->stub->async()->Send(
        &call->context, &call->request, &call->response,
        [call, call_id, link, calls = calls_, self = id_](grpc::Status status) {
          const bool ok = status.ok();
          if (link->reachable.exchange(ok) != ok &&
              status.error_code() != grpc::StatusCode::CANCELLED) {
            Log(self, ok ? absl::StrCat("reached replica ", link->id, " at ", link->address)
                         : absl::StrCat("lost replica ", link->id, " at ", link->address, ": ",
                                        status.error_message()));
          }
          calls->Remove(call_id);
          --link->inflight;
        });
  }

  void Committed(const CommitRecord& commit) override {
    const std::string line = CommitJsonLine(id_, commit) + "\n";
    std::fwrite(line.data(), 1, line.size(), options_.commit_stream);
    std::fflush(options_.commit_stream);
  }

  // From RPC handler threads. False when the queue is full.
  bool Enqueue(Event event) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_ || queue_.size() >= options_.max_queued_events) return false;
      queue_.push_back(std::move(event));
    }
    cv_.notify_one();
    return true;
  }

 private:
  class PeerService final : public Peer::CallbackService {
   public:
    explicit PeerService(Impl* node) : node_(node) {}
    grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* context, const Envelope* request,
                                   Ack* response) override {
      grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
      // Delivery is best-effort either way; the status only tells the sender.
      reactor->Finish(node_->Enqueue(*request)
                          ? grpc::Status::OK
                          : grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "queue full"));
      return reactor;
    }

   private:
    Impl* node_;
  };

  class ClientService final : public Client::CallbackService {
   public:
    explicit ClientService(Impl* node) : node_(node) {}
    grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                     const SubmitRequest* request, SubmitReply* reply) override {
      grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
      // The reply is sent from the loop thread once the replica has decided,
      // instead of blocking this callback thread on a future.
      auto finish = [reactor, reply](bool accepted, const std::string& error) {
        reply->set_accepted(accepted);
        reply->set_error(error);
        reactor->Finish(grpc::Status::OK);
      };
      if (!node_->Enqueue(SubmitEvent{request->value(), finish})) {
        finish(false, "replica overloaded or shutting down");
      }
      return reactor;
    }

   private:
    Impl* node_;
  };

  void Handle(Event& event, absl::Time now) {
    if (auto* envelope = std::get_if<Envelope>(&event)) {
      replica_.HandleEnvelope(*envelope, now);
      return;
    }
    auto& submit = std::get<SubmitEvent>(event);
    const bool accepted = replica_.Submit(submit.value, now);
    submit.reply(accepted, accepted ? "" : "value already committed or pending");
  }

  void Run() {
    replica_.Start(absl::Now());
    std::deque<Event> batch;
    while (true) {
      const absl::Time deadline = replica_.NextDeadline();
      {
        std::unique_lock<std::mutex> lock(mu_);
        while (!stop_ && queue_.empty()) {
          const absl::Duration wait = deadline - absl::Now();
          if (wait <= absl::ZeroDuration()) break;
          // Capped so that an infinite deadline is never handed to the
          // condition variable.
          cv_.wait_for(lock, absl::ToChronoNanoseconds(std::min(wait, absl::Seconds(1))));
        }
        if (stop_) break;
        batch.swap(queue_);
      }
      for (Event& event : batch) Handle(event, absl::Now());
      batch.clear();
      const absl::Time now = absl::Now();
      if (now >= replica_.NextDeadline()) replica_.Tick(now);
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (Event& event : queue_) {
      if (auto* submit = std::get_if<SubmitEvent>(&event)) submit->reply(false, "shutting down");
    }
    queue_.clear();
  }

  const uint32_t id_;
  const NodeOptions options_;
  Replica replica_;  // loop thread only
  std::map<uint32_t, std::shared_ptr<PeerLink>> peers_;  // fixed after Start
  const std::shared_ptr<CallRegistry> calls_ = std::make_shared<CallRegistry>();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> queue_;  // guarded by mu_
  bool stop_ = false;        // guarded by mu_

  std::mutex shutdown_mu_;
  bool shut_down_ = false;  // guarded by shutdown_mu_

  PeerService peer_service_;
  ClientService client_service_;
  int port_ = 0;
  // Declared after the services it dispatches to, so it is destroyed first.
  std::unique_ptr<grpc::Server> server_;
  std::thread loop_;
};

absl::StatusOr<std::unique_ptr<Node>> Node::Start(ReplicaConfig config,
                                                  turncoat::Ed25519PrivateKey key,
                                                  std::vector<turncoat::Ed25519PublicKey> keys,
                                                  NodeOptions options) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(key), std::move(keys),
                                     std::move(options));
  if (absl::Status status = impl->Start(); !status.ok()) return status;
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Node::~Node() = default;

int Node::port() const { return impl_->port(); }

void Node::Shutdown() { impl_->Shutdown(); }

}  // namespace refbft
