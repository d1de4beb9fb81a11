#include "harness/agent_handle.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/subprocess.h"
#include "proto/agent.grpc.pb.h"

namespace turncoat {

namespace v1 = agent::v1;

class AgentHandle::Impl {
 public:
  Impl(int replica, AgentSpawnOptions options, Subprocess process)
      : replica_(replica),
        label_(options.label.empty() ? absl::StrCat("replica ", replica) : options.label),
        options_(std::move(options)),
        process_(std::move(process)) {}

  ~Impl() { Shutdown(absl::Seconds(5)); }

  // Starts connecting to the agent's control port; AwaitConnected() waits
  // for it, so that a cluster's agents are dialled at once.
  void Dial(int port) {
    port_ = port;
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (options_.tls != nullptr) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = options_.tls->ca_pem;
      ssl.pem_cert_chain = options_.tls->controller_cert_pem;
      ssl.pem_private_key = options_.tls->controller_key_pem;
      credentials = grpc::SslCredentials(ssl);
    }
    channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), credentials, args);
    channel_->GetState(/*try_to_connect=*/true);
  }

  absl::Status AwaitConnected() {
    if (!channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + options_.start_timeout))) {
      return absl::UnavailableError(
          absl::StrCat("agent of ", label_, " did not accept a connection on port ", port_));
    }
    stub_ = v1::Agent::NewStub(channel_);
    return absl::OkStatus();
  }

  // One blocking control call with the handle's deadline.
  template <typename Request, typename Reply, typename Method>
  absl::Status Call(absl::string_view name, Method method, const Request& request, Reply* reply) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout));
    const grpc::Status status = ((*stub_).*method)(&context, request, reply);
    if (status.ok()) return absl::OkStatus();
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("agent of ", label_, ": ", name, ": ",
                                     status.error_message()));
  }

  void StreamEvents(std::function<void(const v1::Event&)> sink) {
    events_thread_ = std::thread([this, sink = std::move(sink)] {
      v1::EventsRequest request;
      auto reader = stub_->Events(&events_context_, request);
      v1::Event event;
      while (reader->Read(&event)) sink(event);
      const grpc::Status status = reader->Finish();
      if (shut_down_) return;
      // The agent ends the stream only when it is told to stop: an end
      // before Shutdown means the agent, or the connection to it, is gone.
      std::lock_guard<std::mutex> lock(stream_mu_);
      stream_end_ = status.ok() ? std::string("its event stream ended")
                                : absl::StrCat("its event stream broke (",
                                               status.error_message(), ")");
    });
  }

  absl::Status CheckAlive() {
    if (shut_down_) return absl::OkStatus();
    std::string why;
    auto exited = process_.TryWait();
    if (!exited.ok()) {
      why = absl::StrCat("cannot be waited for (", exited.status().message(), ")");
    } else if (exited->has_value()) {
      why = (*exited)->ToString();
    } else {
      std::lock_guard<std::mutex> lock(stream_mu_);
      if (stream_end_.empty()) return absl::OkStatus();
      why = stream_end_;
    }
    return absl::UnavailableError(absl::StrCat("the agent of ", label_, " (pid ",
                                               process_.pid(), ") was lost: ", why, "; see ",
                                               options_.workdir, "/agent.stderr"));
  }

  void Shutdown(absl::Duration grace) {
    if (shut_down_) return;
    shut_down_ = true;
    if (process_.running()) process_.Stop(grace).IgnoreError();
    events_context_.TryCancel();
    if (events_thread_.joinable()) events_thread_.join();
  }

  const int replica_;
  const std::string label_;
  const AgentSpawnOptions options_;
  Subprocess process_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Agent::Stub> stub_;
  grpc::ClientContext events_context_;
  std::thread events_thread_;
  // Set by the owner before it cancels the stream, read by the stream's
  // thread.
  std::atomic<bool> shut_down_{false};
  std::mutex stream_mu_;
  std::string stream_end_;  // why the stream ended unasked; empty while open
};

namespace {

// An agent process between its fork and its first published port.
struct Starting {
  int replica = 0;
  const AgentSpawnOptions* options = nullptr;
  std::string label;
  std::string port_file;
  std::string stderr_path;
  std::optional<Subprocess> process;
  absl::Time deadline;
  int port = 0;
};

absl::StatusOr<Starting> Fork(int replica, const AgentSpawnOptions& options) {
  Starting agent;
  agent.replica = replica;
  agent.options = &options;
  agent.label = options.label.empty() ? absl::StrCat("replica ", replica) : options.label;
  agent.port_file = absl::StrCat(options.workdir, "/agent.port");
  agent.stderr_path = absl::StrCat(options.workdir, "/agent.stderr");
  SpawnOptions spawn;
  spawn.stdout_path = absl::StrCat(options.workdir, "/agent.stdout");
  spawn.stderr_path = agent.stderr_path;
  spawn.workdir = options.workdir;
  std::vector<std::string> argv = {options.binary, "--listen=127.0.0.1:0",
                                   absl::StrCat("--port_file=", agent.port_file),
                                   absl::StrCat("--seed=", options.seed)};
  if (options.tls != nullptr) {
    for (std::string& flag : options.tls->AgentFlags()) argv.push_back(std::move(flag));
  }
  auto process = Subprocess::Spawn(argv, spawn);
  if (!process.ok()) {
    return absl::Status(process.status().code(),
                        absl::StrCat("cannot start the agent of ", agent.label, " (",
                                     options.binary, "): ", process.status().message()));
  }
  agent.process = *std::move(process);
  agent.deadline = absl::Now() + options.start_timeout;
  return agent;
}

// Reads the agent's published port into agent->port if it is there yet.
// The agent writes its port file whole and renames it into place, so a file
// that exists holds the complete number.
absl::Status PollPort(Starting* agent) {
  std::ifstream in(agent->port_file);
  std::string text;
  if (in && std::getline(in, text) &&
      absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &agent->port)) {
    return absl::OkStatus();
  }
  agent->port = 0;
  auto exited = agent->process->TryWait();
  if (exited.ok() && exited->has_value()) {
    return absl::UnavailableError(absl::StrCat("the agent of ", agent->label, " exited (",
                                               (*exited)->ToString(), ") before listening; see ",
                                               agent->stderr_path));
  }
  if (absl::Now() > agent->deadline) {
    return absl::DeadlineExceededError(absl::StrCat(
        "the agent of ", agent->label, " did not publish its port within ",
        absl::FormatDuration(agent->options->start_timeout), "; see ", agent->stderr_path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::unique_ptr<AgentHandle>>> AgentHandle::SpawnAll(
    const std::vector<std::pair<int, AgentSpawnOptions>>& agents) {
  // On any failure the Subprocesses and Impls still held are destroyed on
  // the way out, which stops their agents.
  std::vector<Starting> starting;
  for (const auto& [replica, options] : agents) {
    auto agent = Fork(replica, options);
    if (!agent.ok()) return agent.status();
    starting.push_back(*std::move(agent));
  }
  for (size_t waiting = starting.size(); waiting > 0;) {
    waiting = 0;
    for (Starting& agent : starting) {
      if (agent.port != 0) continue;
      if (absl::Status s = PollPort(&agent); !s.ok()) return s;
      if (agent.port == 0) ++waiting;
    }
    if (waiting > 0) absl::SleepFor(absl::Milliseconds(10));
  }
  std::vector<std::unique_ptr<Impl>> impls;
  for (Starting& agent : starting) {
    impls.push_back(
        std::make_unique<Impl>(agent.replica, *agent.options, *std::move(agent.process)));
    impls.back()->Dial(agent.port);
  }
  std::vector<std::unique_ptr<AgentHandle>> handles;
  for (std::unique_ptr<Impl>& impl : impls) {
    if (absl::Status s = impl->AwaitConnected(); !s.ok()) return s;
    handles.push_back(std::unique_ptr<AgentHandle>(new AgentHandle(std::move(impl))));
  }
  return handles;
}

AgentHandle::AgentHandle(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AgentHandle::~AgentHandle() = default;

int AgentHandle::replica() const { return impl_->replica_; }

absl::Status AgentHandle::LoadTarget(const v1::LoadTargetRequest& request) {
  v1::Empty reply;
  return impl_->Call("LoadTarget", &v1::Agent::Stub::LoadTarget, request, &reply);
}

absl::Status AgentHandle::Observe(const v1::ObserveRequest& request) {
  v1::Empty reply;
  return impl_->Call("Observe", &v1::Agent::Stub::Observe, request, &reply);
}

absl::StatusOr<std::vector<int>> AgentHandle::OpenLinks(const std::vector<LinkOpening>& links) {
  v1::OpenLinksRequest request;
  for (const LinkOpening& opening : links) {
    v1::OpenLinkRequest* link = request.add_links();
    link->set_from(impl_->replica_);
    link->set_to(opening.to);
    link->set_target(opening.target);
    link->set_inbound(opening.inbound);
    link->set_listen("127.0.0.1:0");
  }
  v1::OpenLinksReply reply;
  if (absl::Status s = impl_->Call("OpenLinks", &v1::Agent::Stub::OpenLinks, request, &reply);
      !s.ok()) {
    return s;
  }
  if (reply.links_size() != request.links_size()) {
    return absl::InternalError(absl::StrCat("agent of ", impl_->label_, ": OpenLinks answered ",
                                            reply.links_size(), " ports for ",
                                            request.links_size(), " links"));
  }
  std::vector<int> ports;
  for (const v1::OpenLinkReply& link : reply.links()) ports.push_back(link.port());
  return ports;
}

absl::StatusOr<int> AgentHandle::OpenInbound() {
  v1::OpenLinkReply reply;
  if (absl::Status s = impl_->Call("OpenInbound", &v1::Agent::Stub::OpenInbound, v1::Empty(), &reply);
      !s.ok()) {
    return s;
  }
  return reply.port();
}

absl::StatusOr<int> AgentHandle::Intercept(const v1::InterceptRequest& request) {
  v1::OpenLinkReply reply;
  if (absl::Status s = impl_->Call("Intercept", &v1::Agent::Stub::Intercept, request, &reply);
      !s.ok()) {
    return s;
  }
  return reply.port();
}

absl::StatusOr<int> AgentHandle::StartReplica(const v1::StartReplicaRequest& request) {
  v1::ReplicaReply reply;
  if (absl::Status s = impl_->Call("StartReplica", &v1::Agent::Stub::StartReplica, request, &reply);
      !s.ok()) {
    return s;
  }
  return reply.pid();
}

absl::Status AgentHandle::StopReplica(absl::Duration grace) {
  v1::StopReplicaRequest request;
  request.set_grace_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(grace)));
  v1::ReplicaReply reply;
  return impl_->Call("StopReplica", &v1::Agent::Stub::StopReplica, request, &reply);
}

absl::Status AgentHandle::KillReplica() {
  v1::ReplicaReply reply;
  return impl_->Call("KillReplica", &v1::Agent::Stub::KillReplica, v1::Empty(), &reply);
}

absl::Status AgentHandle::RestartReplica() {
  v1::StopReplicaRequest request;
  request.set_grace_ms(1000);
  v1::ReplicaReply reply;
  return impl_->Call("RestartReplica", &v1::Agent::Stub::RestartReplica, request, &reply);
}

absl::Status AgentHandle::PauseReplica() {
  v1::Empty reply;
  return impl_->Call("PauseReplica", &v1::Agent::Stub::PauseReplica, v1::Empty(), &reply);
}

absl::Status AgentHandle::ResumeReplica() {
  v1::Empty reply;
  return impl_->Call("ResumeReplica", &v1::Agent::Stub::ResumeReplica, v1::Empty(), &reply);
}

absl::StatusOr<v1::RuleChangeReply> AgentHandle::ChangeRules(
    const v1::RuleChangeRequest& request) {
  v1::RuleChangeReply reply;
  if (absl::Status s = impl_->Call("ChangeRules", &v1::Agent::Stub::ChangeRules, request, &reply);
      !s.ok()) {
    return s;
  }
  return reply;
}

absl::StatusOr<v1::RuleStatsReply> AgentHandle::RuleStats() {
  v1::RuleStatsReply reply;
  if (absl::Status s =
          impl_->Call("GetRuleStats", &v1::Agent::Stub::GetRuleStats, v1::Empty(), &reply);
      !s.ok()) {
    return s;
  }
  return reply;
}

absl::Status AgentHandle::SetTrace(uint32_t sample_every) {
  v1::TraceRequest request;
  request.set_sample_every(sample_every);
  v1::Empty reply;
  return impl_->Call("SetTrace", &v1::Agent::Stub::SetTrace, request, &reply);
}

void AgentHandle::StreamEvents(std::function<void(const v1::Event&)> sink) {
  impl_->StreamEvents(std::move(sink));
}

absl::Status AgentHandle::CheckAlive() { return impl_->CheckAlive(); }

void AgentHandle::Shutdown(absl::Duration grace) { impl_->Shutdown(grace); }

}  // namespace turncoat
