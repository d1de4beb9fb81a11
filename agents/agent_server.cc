#include "agents/agent_server.h"

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "agents/control_specs.h"
#include "agents/link_proxy.h"
#include "agents/message_codec.h"
#include "agents/message_model.h"
#include "agents/observer.h"
#include "agents/rule_engine.h"
#include "agents/supervisor.h"
#include "agents/tcp_link.h"
#include "common/signing_key.h"
#include "google/protobuf/descriptor.h"
#include "proto/agent.grpc.pb.h"

namespace turncoat {
namespace agent {
namespace {

namespace v1 = ::turncoat::agent::v1;

// Events kept per subscriber that has not read them yet; past it the oldest
// go, so a stalled controller cannot exhaust the agent's memory.
constexpr size_t kMaxBacklog = 100000;

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

// Fans events out to every Events() stream.
class EventHub {
 public:
  struct Subscriber {
    std::deque<v1::Event> queue;
    uint64_t dropped = 0;
  };

  std::shared_ptr<Subscriber> Subscribe() {
    absl::MutexLock lock(&mu_);
    auto s = std::make_shared<Subscriber>();
    subscribers_.push_back(s);
    return s;
  }
  void Unsubscribe(const std::shared_ptr<Subscriber>& s) {
    absl::MutexLock lock(&mu_);
    subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), s),
                       subscribers_.end());
  }
  void Publish(v1::Event event) {
    event.set_time_unix_micros(NowMicros());
    absl::MutexLock lock(&mu_);
    for (auto& s : subscribers_) {
      if (s->queue.size() >= kMaxBacklog) {
        s->queue.pop_front();
        ++s->dropped;
      }
      s->queue.push_back(event);
    }
    cv_.SignalAll();
  }
  // Waits up to `timeout` for events of `s`; moves them to `out`.
  void Take(const std::shared_ptr<Subscriber>& s, absl::Duration timeout,
            std::deque<v1::Event>* out) {
    absl::MutexLock lock(&mu_);
    if (s->queue.empty()) cv_.WaitWithTimeout(&mu_, timeout);
    out->swap(s->queue);
  }

 private:
  absl::Mutex mu_;
  absl::CondVar cv_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
};

void ToProto(const RuleStats& s, v1::RuleStat* out) {
  out->set_id(s.id);
  out->set_matched(s.matched);
  out->set_applied(s.applied);
  out->set_rewrite_errors(s.rewrite_errors);
  out->set_unchanged(s.unchanged);
  out->set_hold_overflows(s.hold_overflows);
  out->set_held_now(s.held_now);
  out->mutable_rewriter_counters()->insert(s.rewriter_counters.begin(),
                                           s.rewriter_counters.end());
}

void ToProto(const LinkTrafficStats& s, v1::LinkTraffic* out) {
  out->set_from(s.link.from);
  out->set_to(s.link.to);
  for (const auto& [kind, counts] : s.kinds) {
    v1::KindTraffic* k = out->add_kinds();
    k->set_kind(kind);
    k->set_frames(counts.frames);
    k->set_bytes(counts.bytes);
  }
  out->set_unparsed_bytes(s.unparsed_bytes);
  out->set_connections(s.connections);
  out->set_refused(s.refused);
}

absl::Duration Grace(const v1::StopReplicaRequest& r) {
  return absl::Milliseconds(r.grace_ms() == 0 ? 2000 : r.grace_ms());
}

void FillExit(const ProcessStatus& s, v1::ReplicaReply* reply) {
  reply->set_exit_code(s.exit_code);
  reply->set_signal(s.signal);
}

}  // namespace

bool IsLoopbackAddress(const std::string& address) {
  return absl::StartsWith(address, "127.0.0.1:") || absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:");
}

struct AgentServer::Impl final : public v1::Agent::Service {
  AgentOptions options;
  EventHub hub;
  RuleEngine engine;
  std::shared_ptr<ProxyRuntime> runtime;
  Supervisor supervisor;
  absl::Notification shutting_down;

  absl::Mutex mu;
  std::map<std::pair<int, int>, std::unique_ptr<LinkProxy>> links ABSL_GUARDED_BY(mu);
  // Targets on TCP (agents/tcp_link.h): their framing, the proxies' shared
  // state (made on first use), the inbound proxy, the links on ports of
  // their own, the transparent listener.
  struct TcpSide {
    std::shared_ptr<const FrameFormat> framing;
    std::shared_ptr<TcpLinkRuntime> runtime;
    std::unique_ptr<TcpInbound> inbound;
    std::map<std::pair<int, int>, std::unique_ptr<TcpOutbound>> links;
    std::unique_ptr<TcpInterceptor> interceptor;
    // Stops the proxies before the state they share.
    void Close() {
      links.clear();
      interceptor.reset();
      inbound.reset();
      runtime.reset();
    }
  };
  TcpSide tcp ABSL_GUARDED_BY(mu);
  std::optional<CommitRule> commit_rule ABSL_GUARDED_BY(mu);
  v1::ObserveRequest observe ABSL_GUARDED_BY(mu);
  std::string workdir ABSL_GUARDED_BY(mu);
  std::unique_ptr<Observer> observer ABSL_GUARDED_BY(mu);

  std::unique_ptr<grpc::Server> server;
  int port = 0;

  explicit Impl(const AgentOptions& o)
      : options(o),
        engine(EngineOptions{o.seed, 10000}),
        runtime(std::make_shared<ProxyRuntime>(&engine,
                                               [this](const TraceRecord& r) { OnTrace(r); })),
        supervisor([this](const ProcessStatus& s) { OnProcess(s); }) {}

  void OnTrace(const TraceRecord& r) {
    v1::Event e;
    v1::MessageEvent* m = e.mutable_message();
    m->set_from(r.link.from);
    m->set_to(r.link.to);
    m->set_method(r.method);
    m->set_direction(r.direction == Direction::kRequest ? v1::REQUEST : v1::RESPONSE);
    m->set_bytes(r.bytes);
    m->set_action(std::string(ActionName(r.action)));
    m->set_rule_id(r.rule_id);
    hub.Publish(std::move(e));
  }

  void OnProcess(const ProcessStatus& s) {
    v1::Event e;
    v1::ProcessEvent* p = e.mutable_process();
    p->set_kind(static_cast<v1::ProcessEvent::Kind>(s.kind));
    p->set_pid(s.pid);
    p->set_exit_code(s.exit_code);
    p->set_signal(s.signal);
    hub.Publish(std::move(e));
  }

  // (Re)starts tailing the replica's output from its beginning.
  absl::Status RestartObserver() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    observer.reset();
    if (!commit_rule.has_value()) return absl::OkStatus();
    auto parser = CommitParser::Create(*commit_rule);
    if (!parser.ok()) return parser.status();
    const std::string dir = workdir.empty() ? "." : workdir;
    std::string path;
    switch (observe.stream()) {
      case v1::ObserveRequest::STDERR: path = dir + "/stderr.log"; break;
      case v1::ObserveRequest::FILE:
        path = absl::StartsWith(observe.path(), "/") ? observe.path()
                                                     : dir + "/" + observe.path();
        break;
      default: path = dir + "/stdout.log"; break;
    }
    observer = std::make_unique<Observer>(std::move(path), std::move(*parser),
                                          [this](const Commit& c) {
                                            v1::Event e;
                                            e.mutable_commit()->set_seq(c.seq);
                                            e.mutable_commit()->set_value(c.value);
                                            e.mutable_commit()->set_line(c.line);
                                            hub.Publish(std::move(e));
                                          });
    return absl::OkStatus();
  }

  grpc::Status StartReplica(grpc::ServerContext*, const v1::StartReplicaRequest* req,
                            v1::ReplicaReply* reply) override {
    ReplicaCommand cmd;
    cmd.argv.assign(req->argv().begin(), req->argv().end());
    cmd.env.insert(req->env().begin(), req->env().end());
    cmd.workdir = req->workdir();
    cmd.cwd = req->cwd();
    {
      // The observer starts first so that it reads the fresh log from 0.
      absl::MutexLock lock(&mu);
      workdir = req->workdir();
      if (absl::Status s = RestartObserver(); !s.ok()) return ToGrpc(s);
    }
    auto pid = supervisor.Start(std::move(cmd));
    if (!pid.ok()) return ToGrpc(pid.status());
    reply->set_pid(*pid);
    return grpc::Status::OK;
  }

  grpc::Status StopReplica(grpc::ServerContext*, const v1::StopReplicaRequest* req,
                           v1::ReplicaReply* reply) override {
    auto s = supervisor.Stop(Grace(*req));
    if (!s.ok()) return ToGrpc(s.status());
    FillExit(*s, reply);
    return grpc::Status::OK;
  }

  grpc::Status KillReplica(grpc::ServerContext*, const v1::Empty*,
                           v1::ReplicaReply* reply) override {
    auto s = supervisor.Kill();
    if (!s.ok()) return ToGrpc(s.status());
    FillExit(*s, reply);
    return grpc::Status::OK;
  }

  grpc::Status PauseReplica(grpc::ServerContext*, const v1::Empty*, v1::Empty*) override {
    return ToGrpc(supervisor.Pause());
  }

  grpc::Status ResumeReplica(grpc::ServerContext*, const v1::Empty*, v1::Empty*) override {
    return ToGrpc(supervisor.Resume());
  }

  grpc::Status RestartReplica(grpc::ServerContext*, const v1::StopReplicaRequest* req,
                              v1::ReplicaReply* reply) override {
    if (supervisor.pid() != 0) {
      auto stopped = supervisor.Stop(Grace(*req));
      if (!stopped.ok()) return ToGrpc(stopped.status());
    }
    {
      absl::MutexLock lock(&mu);
      if (absl::Status s = RestartObserver(); !s.ok()) return ToGrpc(s);
    }
    auto pid = supervisor.Restart(Grace(*req));
    if (!pid.ok()) return ToGrpc(pid.status());
    reply->set_pid(*pid);
    return grpc::Status::OK;
  }

  grpc::Status Observe(grpc::ServerContext*, const v1::ObserveRequest* req,
                       v1::Empty*) override {
    CommitRule rule{req->json_seq(), req->json_value(), req->regex()};
    if (auto p = CommitParser::Create(rule); !p.ok()) return ToGrpc(p.status());
    absl::MutexLock lock(&mu);
    commit_rule = rule;
    observe = *req;
    // Before StartReplica there is nothing to tail yet.
    if (supervisor.pid() != 0) return ToGrpc(RestartObserver());
    return grpc::Status::OK;
  }

  grpc::Status OpenLink(grpc::ServerContext*, const v1::OpenLinkRequest* req,
                        v1::OpenLinkReply* reply) override {
    v1::OpenLinksReply replies;
    const grpc::Status status = StartLinks({*req}, &replies);
    if (status.ok()) *reply = replies.links(0);
    return status;
  }

  grpc::Status OpenLinks(grpc::ServerContext*, const v1::OpenLinksRequest* req,
                         v1::OpenLinksReply* reply) override {
    return StartLinks({req->links().begin(), req->links().end()}, reply);
  }

  // Opens every link of `requests` or, if one cannot open, none: the
  // proxies started before the failure are stopped again.
  grpc::Status StartLinks(const std::vector<v1::OpenLinkRequest>& requests,
                          v1::OpenLinksReply* reply) {
    std::set<std::pair<int, int>> asked;
    for (const v1::OpenLinkRequest& req : requests) {
      const std::string listen = req.listen().empty() ? "127.0.0.1:0" : req.listen();
      if (!IsLoopbackAddress(listen)) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            absl::StrCat("link ", req.from(), "->", req.to(),
                                         ": link proxies listen on loopback only; got ", listen));
      }
      if (!asked.insert({req.from(), req.to()}).second) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            absl::StrCat("link ", req.from(), "->", req.to(),
                                         " is asked for twice in one call"));
      }
    }
    // Stopped outside the lock.
    std::vector<std::unique_ptr<LinkProxy>> undone;
    std::vector<std::unique_ptr<TcpOutbound>> undone_tcp;
    absl::Status failed;
    {
      absl::MutexLock lock(&mu);
      for (const v1::OpenLinkRequest& req : requests) {
        if (links.count({req.from(), req.to()}) != 0 ||
            tcp.links.count({req.from(), req.to()}) != 0) {
          return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                              absl::StrCat("link ", req.from(), "->", req.to(), " is open"));
        }
      }
      // Each reply port in the request's order, whichever kind of link.
      std::vector<std::unique_ptr<LinkProxy>> started;
      std::vector<std::unique_ptr<TcpOutbound>> started_tcp;
      std::vector<int> ports;
      for (const v1::OpenLinkRequest& req : requests) {
        const std::string listen = req.listen().empty() ? "127.0.0.1:0" : req.listen();
        const LinkId link{req.from(), req.to()};
        if (!req.inbound().empty()) {
          auto proxy = TcpOutbound::Start(TcpRuntime(), link, listen, req.inbound(), req.target());
          if (!proxy.ok()) {
            failed = proxy.status();
            break;
          }
          ports.push_back((*proxy)->port());
          started_tcp.push_back(*std::move(proxy));
          continue;
        }
        auto proxy = LinkProxy::Start(runtime, link, listen, req.target());
        if (!proxy.ok()) {
          failed = proxy.status();
          break;
        }
        ports.push_back((*proxy)->port());
        started.push_back(*std::move(proxy));
      }
      if (failed.ok()) {
        for (int port : ports) reply->add_links()->set_port(port);
        for (std::unique_ptr<LinkProxy>& proxy : started) {
          links[{proxy->link().from, proxy->link().to}] = std::move(proxy);
        }
        for (std::unique_ptr<TcpOutbound>& proxy : started_tcp) {
          tcp.links[{proxy->link().from, proxy->link().to}] = std::move(proxy);
        }
      } else {
        undone = std::move(started);
        undone_tcp = std::move(started_tcp);
      }
    }
    undone.clear();
    undone_tcp.clear();
    return ToGrpc(failed);
  }

  std::shared_ptr<TcpLinkRuntime> TcpRuntime() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (tcp.runtime == nullptr) tcp.runtime = std::make_shared<TcpLinkRuntime>(runtime, tcp.framing);
    return tcp.runtime;
  }

  grpc::Status OpenInbound(grpc::ServerContext*, const v1::Empty*,
                           v1::OpenLinkReply* reply) override {
    absl::MutexLock lock(&mu);
    if (tcp.inbound == nullptr) {
      auto inbound = TcpInbound::Start(TcpRuntime(), "127.0.0.1:0");
      if (!inbound.ok()) return ToGrpc(inbound.status());
      tcp.inbound = *std::move(inbound);
    }
    reply->set_port(tcp.inbound->port());
    return grpc::Status::OK;
  }

  grpc::Status Intercept(grpc::ServerContext*, const v1::InterceptRequest* req,
                         v1::OpenLinkReply* reply) override {
    std::map<std::string, TcpInterceptor::Peer> peers;
    for (const auto& [address, peer] : req->peers()) {
      peers[address] =
          TcpInterceptor::Peer{peer.index(), peer.inbound(), peer.target(), peer.proxy()};
    }
    absl::MutexLock lock(&mu);
    if (tcp.interceptor != nullptr) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "this agent already intercepts");
    }
    auto interceptor = TcpInterceptor::Start(TcpRuntime(), req->from(), req->listen(), std::move(peers));
    if (!interceptor.ok()) return ToGrpc(interceptor.status());
    tcp.interceptor = *std::move(interceptor);
    reply->set_port(tcp.interceptor->port());
    return grpc::Status::OK;
  }

  grpc::Status CloseLink(grpc::ServerContext*, const v1::CloseLinkRequest* req,
                         v1::Empty*) override {
    std::unique_ptr<LinkProxy> closing;
    std::unique_ptr<TcpOutbound> closing_tcp;
    {
      absl::MutexLock lock(&mu);
      auto tcp_it = tcp.links.find({req->from(), req->to()});
      if (tcp_it != tcp.links.end()) {
        closing_tcp = std::move(tcp_it->second);
        tcp.links.erase(tcp_it);
        return grpc::Status::OK;
      }
      auto it = links.find({req->from(), req->to()});
      if (it == links.end()) {
        return grpc::Status(grpc::StatusCode::NOT_FOUND,
                            absl::StrCat("no link ", req->from(), "->", req->to()));
      }
      closing = std::move(it->second);
      links.erase(it);
    }
    return grpc::Status::OK;  // `closing` shuts down outside the lock
  }

  grpc::Status LoadTarget(grpc::ServerContext*, const v1::LoadTargetRequest* req,
                          v1::Empty*) override {
    auto loaded = agent::LoadTarget(*req, /*start_codecs=*/true);
    if (!loaded.ok()) return ToGrpc(loaded.status());
    engine.SetCodec(loaded->schema, loaded->model);
    if (loaded->framing != nullptr) {
      engine.SetFrameFormat(loaded->framing);
      absl::MutexLock lock(&mu);
      if (tcp.runtime != nullptr) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            "load the target before opening TCP links: their framing comes from it");
      }
      tcp.framing = loaded->framing;
    }
    engine.TrackRounds(req->track_rounds());
    if (req->archive()) engine.EnableArchive();
    return grpc::Status::OK;
  }

  grpc::Status InstallRule(grpc::ServerContext*, const v1::Rule* req, v1::Empty*) override {
    auto spec = ToRuleSpec(*req);
    if (!spec.ok()) return ToGrpc(spec.status());
    return ToGrpc(engine.Install(std::move(*spec), req->before()));
  }

  grpc::Status RemoveRule(grpc::ServerContext*, const v1::RemoveRuleRequest* req,
                          v1::Empty*) override {
    auto released = engine.Remove(req->id());
    if (!released.ok()) return ToGrpc(released.status());
    DeliverAll(std::move(*released));
    return grpc::Status::OK;
  }

  grpc::Status ChangeRules(grpc::ServerContext*, const v1::RuleChangeRequest* req,
                           v1::RuleChangeReply* reply) override {
    RuleChange change;
    change.remove.assign(req->remove().begin(), req->remove().end());
    for (const v1::Rule& rule : req->install()) {
      auto spec = ToRuleSpec(rule);
      if (!spec.ok()) return ToGrpc(spec.status());
      change.install.push_back({*std::move(spec), rule.before()});
    }
    std::vector<RuleStats> removed;
    auto released = engine.Change(std::move(change), &removed);
    if (!released.ok()) return ToGrpc(released.status());
    DeliverAll(std::move(*released));
    for (const RuleStats& s : removed) ToProto(s, reply->add_removed());
    return grpc::Status::OK;
  }

  grpc::Status ClearRules(grpc::ServerContext*, const v1::Empty*, v1::Empty*) override {
    DeliverAll(engine.Clear());
    return grpc::Status::OK;
  }

  grpc::Status GetRuleStats(grpc::ServerContext*, const v1::Empty*,
                            v1::RuleStatsReply* reply) override {
    for (const RuleStats& s : engine.Stats()) ToProto(s, reply->add_stats());
    if (std::optional<int64_t> round = engine.MaxRound()) {
      reply->set_round_seen(true);
      reply->set_max_round(*round);
    }
    std::shared_ptr<TcpLinkRuntime> tcp_runtime;
    {
      absl::MutexLock lock(&mu);
      tcp_runtime = tcp.runtime;
      // Only the links that rejected something, so that an honest gRPC
      // cluster's report keeps no traffic section.
      for (const auto& [key, proxy] : links) {
        const uint64_t malformed = proxy->malformed_connections();
        const uint64_t oversized = proxy->oversized_messages();
        if (malformed == 0 && oversized == 0) continue;
        v1::LinkTraffic* out = reply->add_traffic();
        out->set_from(proxy->link().from);
        out->set_to(proxy->link().to);
        out->set_malformed_connections(malformed);
        out->set_oversized_messages(oversized);
      }
    }
    if (tcp_runtime != nullptr) {
      for (const LinkTrafficStats& s : tcp_runtime->traffic().Snapshot()) {
        ToProto(s, reply->add_traffic());
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status SetTrace(grpc::ServerContext*, const v1::TraceRequest* req,
                        v1::Empty*) override {
    runtime->SetTraceSampling(req->sample_every());
    return grpc::Status::OK;
  }

  grpc::Status Events(grpc::ServerContext* ctx, const v1::EventsRequest*,
                      grpc::ServerWriter<v1::Event>* writer) override {
    auto sub = hub.Subscribe();
    std::deque<v1::Event> batch;
    while (!ctx->IsCancelled() && !shutting_down.HasBeenNotified()) {
      hub.Take(sub, absl::Milliseconds(100), &batch);
      bool ok = true;
      for (const v1::Event& e : batch) {
        if (!(ok = writer->Write(e))) break;
      }
      batch.clear();
      if (!ok) break;
    }
    hub.Unsubscribe(sub);
    return grpc::Status::OK;
  }
};

absl::StatusOr<std::unique_ptr<AgentServer>> AgentServer::Start(const AgentOptions& options) {
  std::shared_ptr<grpc::ServerCredentials> creds;
  // Checked first: half a TLS configuration must not fall back to plaintext
  // (a client CA alone would otherwise be ignored on loopback).
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("TLS needs both a certificate and a key file");
  }
  if (!options.tls_client_ca.empty() && options.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "a client CA for TLS needs a certificate and a key file as well");
  }
  if (!options.tls_cert.empty()) {
    auto cert = ReadFile(options.tls_cert);
    auto key = ReadFile(options.tls_key);
    if (!cert.ok()) return cert.status();
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    if (!options.tls_client_ca.empty()) {
      auto ca = ReadFile(options.tls_client_ca);
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    creds = grpc::SslServerCredentials(ssl);
  } else if (!IsLoopbackAddress(options.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the control API may listen on ", options.listen,
        " only with TLS: pass --tls_cert and --tls_key (or listen on 127.0.0.1)"));
  } else {
    creds = grpc::InsecureServerCredentials();
  }
  auto impl = std::make_unique<Impl>(options);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, creds, &impl->port);
  builder.RegisterService(impl.get());
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen));
  }
  return std::unique_ptr<AgentServer>(new AgentServer(std::move(impl)));
}

AgentServer::AgentServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AgentServer::~AgentServer() { Shutdown(); }

int AgentServer::port() const { return impl_->port; }

void AgentServer::Wait() { impl_->shutting_down.WaitForNotification(); }

void AgentServer::Shutdown() {
  if (impl_->server == nullptr) return;
  if (!impl_->shutting_down.HasBeenNotified()) impl_->shutting_down.Notify();
  impl_->server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  impl_->server.reset();
  std::map<std::pair<int, int>, std::unique_ptr<LinkProxy>> links;
  Impl::TcpSide tcp;
  {
    absl::MutexLock lock(&impl_->mu);
    links.swap(impl_->links);
    std::swap(tcp, impl_->tcp);
    impl_->observer.reset();
  }
  links.clear();
  tcp.Close();
  if (impl_->supervisor.pid() != 0) impl_->supervisor.Kill().IgnoreError();
}

}  // namespace agent
}  // namespace turncoat
