#include "harness/workload.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <utility>
#include <variant>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "harness/pacer.h"
#include "harness/program_client.h"
#include "harness/submitter.h"
#include "model/status_macros.h"

namespace turncoat {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// How long past its deadline an attempt may take before the client cancels
// it: gRPC's deadline timer fires late under load, and Stop()'s bound is
// the deadline plus about this.
constexpr absl::Duration kCancelGrace = absl::Milliseconds(50);

// SplitMix64's finaliser: a bijective mix, so distinct inputs stay distinct.
uint64_t Mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The message holding the last field of `path`, created along the way.
Message* MutableParent(Message* m, const std::vector<const FieldDescriptor*>& path,
                       google::protobuf::MessageFactory* factory) {
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    m = m->GetReflection()->MutableMessage(m, path[i], factory);
  }
  return m;
}

// The message holding the last field of `path`; unset messages read as their
// defaults.
const Message& Parent(const Message& m, const std::vector<const FieldDescriptor*>& path,
                      google::protobuf::MessageFactory* factory) {
  const Message* at = &m;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    at = &at->GetReflection()->GetMessage(*at, path[i], factory);
  }
  return *at;
}

}  // namespace

std::string WorkloadValue(uint64_t seed, int client, int64_t k, int value_bytes) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string value = absl::StrCat("tc", seed, "-c", client, "-", k, "-");
  uint64_t state = Mix(Mix(Mix(seed) ^ static_cast<uint64_t>(client)) ^ static_cast<uint64_t>(k));
  while (value.size() < static_cast<size_t>(std::max(value_bytes, 0))) {
    state = Mix(state);
    value.push_back(kAlphabet[state % (sizeof(kAlphabet) - 1)]);
  }
  return value;
}

namespace {

// One unary gRPC call per attempt, to a replica's listen address.
class GrpcSubmitter final : public Submitter {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcSubmitter>> Create(
      const ClientSpec& client, const ProtoSchema& schema,
      const std::vector<std::string>& addresses, absl::Duration deadline,
      const absl::Notification* stopping, std::function<absl::Duration()> clock,
      std::function<void(Event)> sink);

  bool Submit(int client, int64_t seq, const std::string& value) override;

 private:
  GrpcSubmitter() = default;

  // One call of `value` to `replica`; true if the replica answered (so the
  // value needs no further attempt).
  bool Attempt(int client, int replica, const std::string& value, const grpc::ByteBuffer& request);
  grpc::ByteBuffer Request(const std::string& value);

  absl::Duration deadline_;
  const absl::Notification* stopping_ = nullptr;
  std::function<absl::Duration()> clock_;
  std::function<void(Event)> sink_;
  std::string method_;
  // Owns the dynamic types of the request and reply; their prototypes are
  // const and safe to New() from every client thread.
  google::protobuf::DynamicMessageFactory factory_;
  const Message* request_prototype_ = nullptr;
  const Message* reply_prototype_ = nullptr;
  std::vector<const FieldDescriptor*> value_path_;
  std::vector<const FieldDescriptor*> accepted_path_;      // empty: an OK status accepts
  const FieldDescriptor* reply_error_ = nullptr;           // the reply's string `error`, if any
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;  // index = replica id
};

absl::StatusOr<std::unique_ptr<GrpcSubmitter>> GrpcSubmitter::Create(
    const ClientSpec& client, const ProtoSchema& schema,
    const std::vector<std::string>& addresses, absl::Duration deadline,
    const absl::Notification* stopping, std::function<absl::Duration()> clock,
    std::function<void(Event)> sink) {
  if (addresses.empty()) {
    return absl::InvalidArgumentError("workload has no replica address to submit to");
  }
  std::unique_ptr<GrpcSubmitter> s(new GrpcSubmitter());
  TURNCOAT_ASSIGN_OR_RETURN(const google::protobuf::MethodDescriptor* method,
                            schema.FindMethod(client.method));
  if (method->client_streaming() || method->server_streaming()) {
    return absl::InvalidArgumentError(
        absl::StrCat(client.method, " is a streaming method; client submissions must be unary"));
  }
  const Descriptor* input = method->input_type();
  const Descriptor* output = method->output_type();
  if (!client.request_type.empty() && client.request_type != input->full_name()) {
    return absl::InvalidArgumentError(
        absl::StrCat(client.method, " takes ", input->full_name(), ", not ", client.request_type));
  }
  TURNCOAT_ASSIGN_OR_RETURN(s->value_path_, ProtoSchema::ResolvePath(input, client.value_field));
  if (!ProtoSchema::IsBytesOrString(s->value_path_.back()) ||
      ProtoSchema::AnyRepeated(s->value_path_)) {
    return absl::InvalidArgumentError(absl::StrCat("client value field '", client.value_field,
                                                   "' of ", input->full_name(),
                                                   " is not a singular bytes or string field"));
  }
  if (!client.accepted_field.empty()) {
    TURNCOAT_ASSIGN_OR_RETURN(s->accepted_path_,
                              ProtoSchema::ResolvePath(output, client.accepted_field));
    if (s->accepted_path_.back()->type() != FieldDescriptor::TYPE_BOOL ||
        ProtoSchema::AnyRepeated(s->accepted_path_)) {
      return absl::InvalidArgumentError(
          absl::StrCat("client accepted field '", client.accepted_field, "' of ",
                       output->full_name(), " is not a singular bool field"));
    }
  }
  const FieldDescriptor* error = output->FindFieldByName("error");
  if (error != nullptr && error->type() == FieldDescriptor::TYPE_STRING && !error->is_repeated()) {
    s->reply_error_ = error;
  }

  s->request_prototype_ = s->factory_.GetPrototype(input);
  s->reply_prototype_ = s->factory_.GetPrototype(output);
  s->method_ = client.method;
  for (const std::string& address : addresses) {
    grpc::ChannelArguments args;
    // A replica that restarts is reached again within a second, not after
    // gRPC's default back-off of up to two minutes.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // Replicas listen on local addresses; an http_proxy in the environment
    // must not reroute the clients.
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    s->stubs_.push_back(std::make_unique<grpc::GenericStub>(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args)));
  }
  s->deadline_ = deadline;
  s->stopping_ = stopping;
  s->clock_ = std::move(clock);
  s->sink_ = std::move(sink);
  return s;
}

grpc::ByteBuffer GrpcSubmitter::Request(const std::string& value) {
  std::unique_ptr<Message> request(request_prototype_->New());
  Message* parent = MutableParent(request.get(), value_path_, &factory_);
  parent->GetReflection()->SetString(parent, value_path_.back(), value);
  grpc::Slice slice(request->SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

bool GrpcSubmitter::Submit(int client, int64_t seq, const std::string& value) {
  const grpc::ByteBuffer request = Request(value);
  const int n = static_cast<int>(stubs_.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && stopping_->HasBeenNotified()) return false;
    const int replica = static_cast<int>((client + seq + i) % n);
    if (Attempt(client, replica, value, request)) return true;
  }
  return false;
}

bool GrpcSubmitter::Attempt(int client, int replica, const std::string& value,
                            const grpc::ByteBuffer& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  grpc::ByteBuffer reply;
  grpc::Status status;
  absl::Duration acked_at;
  absl::Notification done;
  sink_(turncoat::Submit{clock_(), client, replica, value});
  stubs_[replica]->UnaryCall(&context, method_, grpc::StubOptions(), &request, &reply,
                             [&](grpc::Status s) {
                               acked_at = clock_();
                               status = std::move(s);
                               done.Notify();
                             });
  if (!done.WaitForNotificationWithTimeout(deadline_ + kCancelGrace)) {
    context.TryCancel();
    done.WaitForNotification();  // cancellation completes the call at once
  }

  Ack ack{acked_at, client, replica, value, /*accepted=*/false, /*error=*/""};
  if (!status.ok()) {
    // gRPC's codes are absl's, number for number.
    ack.error =
        absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                     ": ", status.error_message());
    sink_(std::move(ack));
    return false;
  }
  if (accepted_path_.empty()) {
    ack.accepted = true;
    sink_(std::move(ack));
    return true;
  }
  std::unique_ptr<Message> parsed(reply_prototype_->New());
  grpc::ProtoBufferReader reader(&reply);
  if (!parsed->ParseFromZeroCopyStream(&reader)) {
    ack.error = absl::StrCat("reply is not a valid ", reply_prototype_->GetTypeName());
    sink_(std::move(ack));
    return true;
  }
  const Message& parent = Parent(*parsed, accepted_path_, &factory_);
  ack.accepted = parent.GetReflection()->GetBool(parent, accepted_path_.back());
  if (!ack.accepted) {
    ack.error = "not accepted";
    if (reply_error_ != nullptr) {
      const std::string text = parsed->GetReflection()->GetString(*parsed, reply_error_);
      if (!text.empty()) absl::StrAppend(&ack.error, ": ", text);
    }
  }
  sink_(std::move(ack));
  return true;
}

}  // namespace

struct WorkloadRunner::Impl {
  Workload workload;
  uint64_t seed = 0;
  int in_flight = 1;
  std::function<absl::Duration()> clock;
  std::function<void(Event)> sink;

  absl::Notification stopping;
  std::atomic<int64_t> submitted{0};
  std::atomic<int64_t> accepted{0};

  // The schedule. Slot threads wait on `pace_changed` for their next slot;
  // SetRate and Stop signal it.
  absl::Mutex pace_mu;
  absl::CondVar pace_changed;
  std::optional<double> rate ABSL_GUARDED_BY(pace_mu);  // unset: closed loop
  std::optional<Pacer> pacer ABSL_GUARDED_BY(pace_mu);  // set by Start
  std::vector<int64_t> next_seq ABSL_GUARDED_BY(pace_mu);  // index = client

  absl::Mutex mu;
  bool started ABSL_GUARDED_BY(mu) = false;
  std::vector<std::thread> threads ABSL_GUARDED_BY(mu);

  // Last, so that it goes first: it refers to the members above.
  std::unique_ptr<Submitter> submitter;

  // One of a client's in_flight slots: takes the client's next value when
  // it is due and submits it, until the workload stops.
  void RunSlot(int client);
  void Record(Event event);
};

absl::StatusOr<std::unique_ptr<WorkloadRunner>> WorkloadRunner::Create(
    const ClientSpec& client, const ProtoSchema& schema, WorkloadOptions options,
    std::function<absl::Duration()> clock, std::function<void(Event)> sink) {
  const Workload& w = options.workload;
  if (!options.closed_loop) TURNCOAT_RETURN_IF_ERROR(Pacer::CheckRate(w.rate));
  if (w.clients < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("workload needs at least one client, not ", w.clients));
  }
  if (w.value_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("workload value_bytes must not be negative, not ", w.value_bytes));
  }
  const absl::Duration deadline = options.call_timeout.value_or(client.deadline);
  if (deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("client deadline must be positive, not ",
                                                   absl::FormatDuration(deadline)));
  }
  if (client.in_flight < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "client in_flight must be at least 1 value per client, not ", client.in_flight));
  }
  if (!clock || !sink) {
    return absl::InvalidArgumentError("workload needs a clock and an event sink");
  }

  auto impl = std::make_unique<Impl>();
  impl->workload = w;
  impl->seed = options.seed;
  impl->in_flight = client.in_flight;
  impl->clock = std::move(clock);
  impl->sink = std::move(sink);
  {
    absl::MutexLock lock(&impl->pace_mu);
    if (!options.closed_loop) impl->rate = w.rate;
    impl->next_seq.assign(w.clients, 0);
  }
  auto record = [impl = impl.get()](Event e) { impl->Record(std::move(e)); };
  switch (client.kind) {
    case ClientSpec::Kind::kGrpc: {
      TURNCOAT_ASSIGN_OR_RETURN(impl->submitter,
                                GrpcSubmitter::Create(client, schema, options.addresses, deadline,
                                                      &impl->stopping, impl->clock, record));
      break;
    }
    case ClientSpec::Kind::kCommand: {
      if (options.programs.size() != static_cast<size_t>(w.clients)) {
        return absl::InvalidArgumentError(
            absl::StrCat("workload has ", w.clients, " clients but ", options.programs.size(),
                         " client programs; it needs one per client"));
      }
      ProgramClient::Options program_options;
      program_options.deadline = deadline;
      program_options.max_restarts = options.max_restarts;
      program_options.clock = impl->clock;
      program_options.sink = record;
      program_options.stopping = &impl->stopping;
      TURNCOAT_ASSIGN_OR_RETURN(impl->submitter,
                                ProgramClient::Create(client.command, std::move(options.programs),
                                                      std::move(program_options)));
      break;
    }
  }
  return std::unique_ptr<WorkloadRunner>(new WorkloadRunner(std::move(impl)));
}

WorkloadRunner::WorkloadRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WorkloadRunner::~WorkloadRunner() { Stop(); }

void WorkloadRunner::Start() {
  absl::MutexLock lock(&impl_->mu);
  if (impl_->started || impl_->stopping.HasBeenNotified()) return;
  impl_->started = true;
  {
    absl::MutexLock pace(&impl_->pace_mu);
    impl_->pacer.emplace(impl_->workload.clients, impl_->rate, impl_->clock());
  }
  impl_->submitter->Start();
  for (int c = 0; c < impl_->workload.clients; ++c) {
    for (int slot = 0; slot < impl_->in_flight; ++slot) {
      impl_->threads.emplace_back([impl = impl_.get(), c] { impl->RunSlot(c); });
    }
  }
}

absl::Status WorkloadRunner::SetRate(double rate) {
  absl::MutexLock lock(&impl_->pace_mu);
  TURNCOAT_RETURN_IF_ERROR(Pacer::CheckRate(rate));
  impl_->rate = rate;
  if (impl_->pacer.has_value()) {
    TURNCOAT_RETURN_IF_ERROR(impl_->pacer->SetRate(rate, impl_->clock()));
    impl_->pace_changed.SignalAll();
  }
  return absl::OkStatus();
}

void WorkloadRunner::Stop() {
  absl::MutexLock lock(&impl_->mu);
  if (!impl_->stopping.HasBeenNotified()) impl_->stopping.Notify();
  {
    absl::MutexLock pace(&impl_->pace_mu);
    impl_->pace_changed.SignalAll();
  }
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->submitter->Shutdown();
}

int64_t WorkloadRunner::submitted() const { return impl_->submitted.load(); }

int64_t WorkloadRunner::accepted() const { return impl_->accepted.load(); }

void WorkloadRunner::Impl::Record(Event event) {
  if (const auto* ack = std::get_if<Ack>(&event); ack != nullptr && ack->accepted) {
    accepted.fetch_add(1);
  }
  sink(std::move(event));
}

void WorkloadRunner::Impl::RunSlot(int client) {
  while (submitter->AwaitReady(client)) {
    int64_t seq = 0;
    bool closed_loop = false;
    absl::Duration started;
    {
      absl::MutexLock lock(&pace_mu);
      while (true) {
        if (stopping.HasBeenNotified()) return;
        started = clock();
        const absl::Duration due = pacer->NextDue(client);
        if (due <= started) break;
        pace_changed.WaitWithTimeout(&pace_mu, due - started);
      }
      pacer->Take(client, started);
      seq = next_seq[client]++;
      closed_loop = pacer->closed_loop();
    }
    submitted.fetch_add(1);
    const bool answered =
        submitter->Submit(client, seq, WorkloadValue(seed, client, seq, workload.value_bytes));
    if (closed_loop && !answered) {
      const absl::Duration pause = started + kClosedLoopRetryPause - clock();
      if (pause > absl::ZeroDuration() && stopping.WaitForNotificationWithTimeout(pause)) return;
    }
  }
}

}  // namespace turncoat
