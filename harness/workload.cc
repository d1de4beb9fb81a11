#include "harness/workload.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <utility>

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
#include "harness/status_macros.h"

namespace turncoat {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// How long past its deadline an attempt may take before the client cancels
// it: gRPC's deadline timer fires late under load, and Stop()'s bound is
// call_timeout plus about this.
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

struct WorkloadRunner::Impl {
  WorkloadOptions options;
  std::function<absl::Duration()> clock;
  std::function<void(Event)> sink;
  std::string method;
  // Owns the dynamic types of the request and reply; their prototypes are
  // const and safe to New() from every client thread.
  google::protobuf::DynamicMessageFactory factory;
  const Message* request_prototype = nullptr;
  const Message* reply_prototype = nullptr;
  std::vector<const FieldDescriptor*> value_path;
  std::vector<const FieldDescriptor*> accepted_path;      // empty: an OK status accepts
  const FieldDescriptor* reply_error = nullptr;           // the reply's string `error`, if any
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;  // index = replica id
  absl::Duration interval;                                // between two values of one client

  absl::Notification stopping;
  std::atomic<int64_t> submitted{0};

  absl::Mutex mu;
  bool started ABSL_GUARDED_BY(mu) = false;
  std::vector<std::thread> threads ABSL_GUARDED_BY(mu);

  void RunClient(int client, absl::Duration t0);
  void SubmitValue(int client, int64_t k);
  // One call of `value` to `replica`; true if the replica answered (so the
  // value needs no further attempt).
  bool Attempt(int client, int replica, const std::string& value, const grpc::ByteBuffer& request);
  grpc::ByteBuffer Request(const std::string& value);
};

absl::StatusOr<std::unique_ptr<WorkloadRunner>> WorkloadRunner::Create(
    const ClientSpec& client, const ProtoSchema& schema, WorkloadOptions options,
    std::function<absl::Duration()> clock, std::function<void(Event)> sink) {
  const Workload& w = options.workload;
  if (!(w.rate > 0) || !std::isfinite(w.rate)) {
    return absl::InvalidArgumentError(
        absl::StrCat("workload rate must be a positive number of values per second, not ", w.rate));
  }
  if (w.clients < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("workload needs at least one client, not ", w.clients));
  }
  if (w.value_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("workload value_bytes must not be negative, not ", w.value_bytes));
  }
  if (options.addresses.empty()) {
    return absl::InvalidArgumentError("workload has no replica address to submit to");
  }
  if (options.call_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("workload call_timeout must be positive, not ",
                                                   absl::FormatDuration(options.call_timeout)));
  }
  if (!clock || !sink) {
    return absl::InvalidArgumentError("workload needs a clock and an event sink");
  }

  auto impl = std::make_unique<Impl>();
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
  TURNCOAT_ASSIGN_OR_RETURN(impl->value_path, ProtoSchema::ResolvePath(input, client.value_field));
  if (!ProtoSchema::IsBytesOrString(impl->value_path.back()) || ProtoSchema::AnyRepeated(impl->value_path)) {
    return absl::InvalidArgumentError(absl::StrCat("client value field '", client.value_field,
                                                   "' of ", input->full_name(),
                                                   " is not a singular bytes or string field"));
  }
  if (!client.accepted_field.empty()) {
    TURNCOAT_ASSIGN_OR_RETURN(impl->accepted_path,
                              ProtoSchema::ResolvePath(output, client.accepted_field));
    if (impl->accepted_path.back()->type() != FieldDescriptor::TYPE_BOOL ||
        ProtoSchema::AnyRepeated(impl->accepted_path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("client accepted field '", client.accepted_field, "' of ",
                       output->full_name(), " is not a singular bool field"));
    }
  }
  const FieldDescriptor* error = output->FindFieldByName("error");
  if (error != nullptr && error->type() == FieldDescriptor::TYPE_STRING && !error->is_repeated()) {
    impl->reply_error = error;
  }

  impl->request_prototype = impl->factory.GetPrototype(input);
  impl->reply_prototype = impl->factory.GetPrototype(output);
  impl->method = client.method;
  impl->interval = absl::Seconds(w.clients / w.rate);
  for (const std::string& address : options.addresses) {
    grpc::ChannelArguments args;
    // A replica that restarts is reached again within a second, not after
    // gRPC's default back-off of up to two minutes.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // Replicas listen on local addresses; an http_proxy in the environment
    // must not reroute the clients.
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    impl->stubs.push_back(std::make_unique<grpc::GenericStub>(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args)));
  }
  impl->options = std::move(options);
  impl->clock = std::move(clock);
  impl->sink = std::move(sink);
  return std::unique_ptr<WorkloadRunner>(new WorkloadRunner(std::move(impl)));
}

WorkloadRunner::WorkloadRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WorkloadRunner::~WorkloadRunner() { Stop(); }

void WorkloadRunner::Start() {
  absl::MutexLock lock(&impl_->mu);
  if (impl_->started || impl_->stopping.HasBeenNotified()) return;
  impl_->started = true;
  const absl::Duration t0 = impl_->clock();
  for (int c = 0; c < impl_->options.workload.clients; ++c) {
    impl_->threads.emplace_back([impl = impl_.get(), c, t0] { impl->RunClient(c, t0); });
  }
}

void WorkloadRunner::Stop() {
  absl::MutexLock lock(&impl_->mu);
  if (!impl_->stopping.HasBeenNotified()) impl_->stopping.Notify();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
}

int64_t WorkloadRunner::submitted() const { return impl_->submitted.load(); }

void WorkloadRunner::Impl::RunClient(int client, absl::Duration t0) {
  // Offsetting client c by c/rate interleaves the clients evenly.
  const absl::Duration start = t0 + client * interval / options.workload.clients;
  int64_t slot = 0;
  for (int64_t k = 0; !stopping.HasBeenNotified(); ++k) {
    const absl::Duration due = start + slot * interval;
    absl::Duration now = clock();
    if (due > now) {
      if (stopping.WaitForNotificationWithTimeout(due - now)) return;
      now = clock();
    }
    // Late by a whole interval or more (the previous value took that long,
    // or the thread woke late): send now and take the latest slot already
    // due, so the schedule resumes after now instead of bursting the slots
    // missed meanwhile.
    if (now >= start) {
      absl::Duration unused;
      slot = std::max(slot, absl::IDivDuration(now - start, interval, &unused));
    }
    SubmitValue(client, k);
    ++slot;
  }
}

grpc::ByteBuffer WorkloadRunner::Impl::Request(const std::string& value) {
  std::unique_ptr<Message> request(request_prototype->New());
  Message* parent = MutableParent(request.get(), value_path, &factory);
  parent->GetReflection()->SetString(parent, value_path.back(), value);
  grpc::Slice slice(request->SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

void WorkloadRunner::Impl::SubmitValue(int client, int64_t k) {
  const std::string value = WorkloadValue(options.seed, client, k, options.workload.value_bytes);
  const grpc::ByteBuffer request = Request(value);
  const int n = static_cast<int>(stubs.size());
  submitted.fetch_add(1);
  for (int i = 0; i < n; ++i) {
    if (i > 0 && stopping.HasBeenNotified()) return;
    const int replica = static_cast<int>((client + k + i) % n);
    if (Attempt(client, replica, value, request)) return;
  }
}

bool WorkloadRunner::Impl::Attempt(int client, int replica, const std::string& value,
                                   const grpc::ByteBuffer& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.call_timeout));
  grpc::ByteBuffer reply;
  grpc::Status status;
  absl::Duration acked_at;
  absl::Notification done;
  sink(Submit{clock(), client, replica, value});
  stubs[replica]->UnaryCall(&context, method, grpc::StubOptions(), &request, &reply,
                            [&](grpc::Status s) {
                              acked_at = clock();
                              status = std::move(s);
                              done.Notify();
                            });
  if (!done.WaitForNotificationWithTimeout(options.call_timeout + kCancelGrace)) {
    context.TryCancel();
    done.WaitForNotification();  // cancellation completes the call at once
  }

  Ack ack{acked_at, client, replica, value, /*accepted=*/false, /*error=*/""};
  if (!status.ok()) {
    // gRPC's codes are absl's, number for number.
    ack.error =
        absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                     ": ", status.error_message());
    sink(std::move(ack));
    return false;
  }
  if (accepted_path.empty()) {
    ack.accepted = true;
    sink(std::move(ack));
    return true;
  }
  std::unique_ptr<Message> parsed(reply_prototype->New());
  grpc::ProtoBufferReader reader(&reply);
  if (!parsed->ParseFromZeroCopyStream(&reader)) {
    ack.error = absl::StrCat("reply is not a valid ", reply_prototype->GetTypeName());
    sink(std::move(ack));
    return true;
  }
  const Message& parent = Parent(*parsed, accepted_path, &factory);
  ack.accepted = parent.GetReflection()->GetBool(parent, accepted_path.back());
  if (!ack.accepted) {
    ack.error = "not accepted";
    if (reply_error != nullptr) {
      const std::string text = parsed->GetReflection()->GetString(*parsed, reply_error);
      if (!text.empty()) absl::StrAppend(&ack.error, ": ", text);
    }
  }
  sink(std::move(ack));
  return true;
}

}  // namespace turncoat
