// WorkloadRunner against in-process fake refbft replicas on 127.0.0.1.
#include "harness/workload.h"

#include <cctype>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "targets/refbft/refbft.grpc.pb.h"
#include "tests/harness/event_recorder.h"

namespace turncoat {
namespace {

// refbft's client API, reduced to what the workload sees: a new value is
// accepted, a repeat refused (as a replica refuses a value it already holds),
// or, in kHang mode, no answer until the client gives up.
class FakeReplica final : public refbft::Client::Service {
 public:
  enum class Mode { kAccept, kHang };

  explicit FakeReplica(Mode mode = Mode::kAccept) : mode_(mode) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~FakeReplica() override { Crash(); }

  bool ok() const { return server_ != nullptr && port_ != 0; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  // Stops serving at once, cancelling calls in flight: the port refuses
  // connections from now on.
  void Crash() {
    if (server_ == nullptr) return;
    server_->Shutdown(absl::ToChronoTime(absl::Now()));
    server_->Wait();
    server_.reset();
  }

  std::vector<std::string> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }

  // Answers the next call after `delay`.
  void DelayNextCall(absl::Duration delay) {
    absl::MutexLock lock(&mu_);
    delay_ = delay;
  }

  // Answers every call after `delay`.
  void DelayEveryCall(absl::Duration delay) {
    absl::MutexLock lock(&mu_);
    every_delay_ = delay;
  }

  grpc::Status Submit(grpc::ServerContext* context, const refbft::SubmitRequest* request,
                      refbft::SubmitReply* reply) override {
    if (mode_ == Mode::kHang) {
      // The client's deadline and Crash() both cancel the call; the bound
      // lies well past the deadline so that the client's own deadline, not
      // this answer, ends the call.
      const absl::Time give_up = absl::FromChrono(context->deadline()) + absl::Seconds(5);
      while (!context->IsCancelled() && absl::Now() < give_up) {
        absl::SleepFor(absl::Milliseconds(5));
      }
      return grpc::Status(grpc::StatusCode::CANCELLED, "gave up");
    }
    absl::Duration delay;
    {
      absl::MutexLock lock(&mu_);
      delay = std::exchange(delay_, absl::ZeroDuration()) + every_delay_;
    }
    absl::SleepFor(delay);
    absl::MutexLock lock(&mu_);
    received_.push_back(request->value());
    const bool fresh = seen_.insert(request->value()).second;
    reply->set_accepted(fresh);
    if (!fresh) reply->set_error("already pending");
    return grpc::Status::OK;
  }

 private:
  const Mode mode_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  absl::Mutex mu_;
  std::vector<std::string> received_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> seen_ ABSL_GUARDED_BY(mu_);
  absl::Duration delay_ ABSL_GUARDED_BY(mu_);
  absl::Duration every_delay_ ABSL_GUARDED_BY(mu_);
};

// A cluster of fake replicas, replica i at addresses()[i].
class FakeCluster {
 public:
  explicit FakeCluster(int n, FakeReplica::Mode mode = FakeReplica::Mode::kAccept) {
    for (int i = 0; i < n; ++i) replicas_.push_back(std::make_unique<FakeReplica>(mode));
  }
  bool ok() const {
    for (const auto& r : replicas_) {
      if (!r->ok()) return false;
    }
    return true;
  }
  std::vector<std::string> addresses() const {
    std::vector<std::string> out;
    for (const auto& r : replicas_) out.push_back(r->address());
    return out;
  }
  FakeReplica& operator[](int i) { return *replicas_[i]; }

 private:
  std::vector<std::unique_ptr<FakeReplica>> replicas_;
};

ClientSpec RefbftClient() {
  ClientSpec c;
  c.method = "/refbft.Client/Submit";
  c.request_type = "refbft.SubmitRequest";
  c.value_field = "value";
  c.accepted_field = "accepted";
  return c;
}

class WorkloadRunnerTest : public testing::Test {
 protected:
  void SetUp() override {
    const std::string targets = std::string(TURNCOAT_SOURCE_DIR) + "/targets";
    absl::StatusOr<std::unique_ptr<ProtoSchema>> schema =
        ProtoSchema::Load({targets}, {targets + "/refbft/refbft.proto"});
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = std::move(*schema);
  }

  std::unique_ptr<WorkloadRunner> MakeRunner(const std::vector<std::string>& addresses,
                                             Workload workload, uint64_t seed, Recorder* recorder,
                                             absl::Duration deadline = absl::Seconds(1),
                                             ClientSpec client = RefbftClient()) {
    WorkloadOptions options;
    options.workload = workload;
    options.addresses = addresses;
    options.seed = seed;
    client.deadline = deadline;
    return MakeRunner(client, std::move(options), recorder);
  }

  std::unique_ptr<WorkloadRunner> MakeRunner(const ClientSpec& client, WorkloadOptions options,
                                             Recorder* recorder) {
    absl::StatusOr<std::unique_ptr<WorkloadRunner>> runner = WorkloadRunner::Create(
        client, *schema_, std::move(options), recorder->clock(), recorder->sink());
    EXPECT_TRUE(runner.ok()) << runner.status();
    return runner.ok() ? std::move(*runner) : nullptr;
  }

  absl::Status CreateStatus(const ClientSpec& client, WorkloadOptions options) {
    Recorder recorder;
    return WorkloadRunner::Create(client, *schema_, std::move(options), recorder.clock(),
                                  recorder.sink())
        .status();
  }

  std::unique_ptr<ProtoSchema> schema_;
};

Workload MakeWorkload(double rate, int clients, int value_bytes) {
  Workload w;
  w.rate = rate;
  w.clients = clients;
  w.value_bytes = value_bytes;
  return w;
}

TEST(WorkloadValueTest, UniqueExactLengthPrintableAndDeterministic) {
  std::set<std::string> values;
  for (int client = 0; client < 4; ++client) {
    for (int64_t k = 0; k < 500; ++k) {
      const std::string v = WorkloadValue(7, client, k, 32);
      ASSERT_EQ(v.size(), 32u) << v;
      for (char ch : v) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-') << v;
      EXPECT_EQ(v, WorkloadValue(7, client, k, 32));
      values.insert(v);
    }
  }
  EXPECT_EQ(values.size(), 2000u);
  EXPECT_TRUE(absl::StartsWith(WorkloadValue(7, 3, 12, 32), "tc7-c3-12-"));
  // The padding comes from the seed too, not only the prefix.
  EXPECT_NE(WorkloadValue(7, 0, 0, 32).substr(8), WorkloadValue(8, 0, 0, 32).substr(8));
  EXPECT_NE(WorkloadValue(7, 0, 1, 32).substr(8), WorkloadValue(7, 0, 2, 32).substr(8));
  // Too short for the unique prefix: the prefix alone.
  EXPECT_EQ(WorkloadValue(7, 3, 12, 4), "tc7-c3-12-");
}

TEST_F(WorkloadRunnerTest, MeetsTheRateEvenlyAcrossClients) {
  FakeCluster cluster(4);
  ASSERT_TRUE(cluster.ok());
  Recorder recorder;
  auto runner = MakeRunner(cluster.addresses(), MakeWorkload(50, 4, 32), 1, &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  absl::SleepFor(absl::Seconds(2));
  runner->Stop();

  // 50/s for 2 s, within 20%.
  EXPECT_GE(runner->submitted(), 80);
  EXPECT_LE(runner->submitted(), 120);
  const std::vector<Submit> submits = recorder.submits();
  EXPECT_EQ(static_cast<int64_t>(submits.size()), runner->submitted());  // no retries needed
  // Paced, not bursty: each second gets its share, and so does each client.
  int first_second = 0;
  for (const Submit& s : submits) first_second += s.t < absl::Seconds(1);
  EXPECT_GE(first_second, 40);
  EXPECT_LE(first_second, 60);
  const auto per_client = recorder.first_attempts();
  ASSERT_EQ(per_client.size(), 4u);
  for (const auto& [client, list] : per_client) {
    EXPECT_GE(list.size(), 20u) << "client " << client;
    EXPECT_LE(list.size(), 30u) << "client " << client;
  }
  for (const Ack& a : recorder.acks()) EXPECT_TRUE(a.accepted) << a.value << ": " << a.error;
  EXPECT_EQ(recorder.acks().size(), submits.size());
}

TEST_F(WorkloadRunnerTest, LateClientCatchesUpWithoutABurst) {
  FakeCluster cluster(1);
  ASSERT_TRUE(cluster.ok());
  cluster[0].DelayNextCall(absl::Milliseconds(300));  // six slots of 50 ms
  Recorder recorder;
  auto runner = MakeRunner(cluster.addresses(), MakeWorkload(20, 1, 16), 2, &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  absl::SleepFor(absl::Milliseconds(600));
  runner->Stop();

  // The slow first call is followed by one immediate send and then the
  // schedule, not by the five slots missed meanwhile in a burst: no three
  // sends within one 50 ms interval (less a margin for a preempted thread).
  const std::vector<Submit> submits = recorder.submits();
  ASSERT_GE(submits.size(), 3u);
  EXPECT_GE(submits[1].t - submits[0].t, absl::Milliseconds(290));
  for (size_t i = 2; i < submits.size(); ++i) {
    EXPECT_GE(submits[i].t - submits[i - 2].t, absl::Milliseconds(25)) << "burst at " << i;
  }
}

TEST_F(WorkloadRunnerTest, SameSeedSameValuesOnTheSameFirstReplicas) {
  constexpr int kN = 3;
  constexpr int kBytes = 24;
  std::map<int, std::vector<Submit>> runs[2];
  for (auto& run : runs) {
    FakeCluster cluster(kN);
    ASSERT_TRUE(cluster.ok());
    Recorder recorder;
    auto runner = MakeRunner(cluster.addresses(), MakeWorkload(40, 2, kBytes), 11, &recorder);
    ASSERT_NE(runner, nullptr);
    runner->Start();
    absl::SleepFor(absl::Milliseconds(600));
    runner->Stop();
    run = recorder.first_attempts();

    std::set<std::string> received;
    for (int i = 0; i < kN; ++i) {
      for (const std::string& v : cluster[i].received()) {
        EXPECT_TRUE(received.insert(v).second) << "submitted twice: " << v;
        EXPECT_EQ(v.size(), static_cast<size_t>(kBytes)) << v;
      }
    }
    EXPECT_EQ(static_cast<int64_t>(received.size()), runner->submitted());
  }

  for (int client = 0; client < 2; ++client) {
    const std::vector<Submit>& a = runs[0][client];
    const std::vector<Submit>& b = runs[1][client];
    ASSERT_GE(a.size(), 3u);
    ASSERT_GE(b.size(), 3u);
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].value, WorkloadValue(11, client, k, kBytes));
      // The k-th value of client c goes first to replica (c + k) mod n.
      EXPECT_EQ(a[k].replica, static_cast<int>((client + k) % kN)) << a[k].value;
      if (k < b.size()) {
        EXPECT_EQ(a[k].value, b[k].value);
        EXPECT_EQ(a[k].replica, b[k].replica);
      }
    }
  }
}

TEST_F(WorkloadRunnerTest, FailedCallIsRetriedAtTheNextReplica) {
  constexpr int kN = 3;
  FakeCluster cluster(kN);
  ASSERT_TRUE(cluster.ok());
  Recorder recorder;
  auto runner = MakeRunner(cluster.addresses(), MakeWorkload(40, 2, 32), 3, &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  absl::SleepFor(absl::Milliseconds(500));
  cluster[1].Crash();
  const absl::Duration crashed = recorder.now();
  absl::SleepFor(absl::Seconds(1));
  const absl::Duration stopped = recorder.now();
  runner->Stop();

  int retried = 0;
  for (const auto& [value, events] : recorder.by_value()) {
    ASSERT_GE(events.size(), 2u) << value;
    const auto* first = std::get_if<Submit>(&events[0]);
    ASSERT_NE(first, nullptr) << value;
    if (first->replica != 1) {
      // Replicas 0 and 2 stayed up: one attempt, accepted.
      EXPECT_EQ(events.size(), 2u) << value;
      continue;
    }
    // In flight at the crash, or at Stop (which cancels the retry): either
    // outcome.
    if (first->t < crashed || first->t > stopped - absl::Milliseconds(100)) continue;
    // Submit to 1, failed Ack from 1, Submit to 2, accepted Ack from 2.
    ASSERT_EQ(events.size(), 4u) << value;
    const auto* failed = std::get_if<Ack>(&events[1]);
    const auto* retry = std::get_if<Submit>(&events[2]);
    const auto* accepted = std::get_if<Ack>(&events[3]);
    ASSERT_TRUE(failed != nullptr && retry != nullptr && accepted != nullptr) << value;
    EXPECT_EQ(failed->replica, 1);
    EXPECT_FALSE(failed->accepted);
    EXPECT_TRUE(absl::StartsWith(failed->error, "UNAVAILABLE: ")) << failed->error;
    EXPECT_EQ(retry->replica, 2);
    EXPECT_EQ(retry->client, first->client);
    EXPECT_GE(retry->t, failed->t);
    EXPECT_EQ(accepted->replica, 2);
    EXPECT_TRUE(accepted->accepted) << accepted->error;
    ++retried;
  }
  // A third of about 40 values after the crash went first to replica 1.
  EXPECT_GE(retried, 8);
  // Submitted counts values, not attempts.
  EXPECT_EQ(static_cast<int64_t>(recorder.by_value().size()), runner->submitted());
}

TEST_F(WorkloadRunnerTest, GivesUpAfterOneAttemptPerReplica) {
  constexpr int kN = 3;
  FakeCluster cluster(kN);
  ASSERT_TRUE(cluster.ok());
  for (int i = 0; i < kN; ++i) cluster[i].Crash();
  Recorder recorder;
  auto runner = MakeRunner(cluster.addresses(), MakeWorkload(20, 1, 16), 5, &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  absl::SleepFor(absl::Milliseconds(300));
  runner->Stop();

  ASSERT_GE(runner->submitted(), 2);
  for (const auto& [value, events] : recorder.by_value()) {
    // The last value may have been cut short by Stop().
    if (events.size() < 2 * kN) continue;
    ASSERT_EQ(events.size(), 2u * kN) << value;
    const auto* first = std::get_if<Submit>(&events[0]);
    ASSERT_NE(first, nullptr);
    for (int i = 0; i < kN; ++i) {
      const auto* s = std::get_if<Submit>(&events[2 * i]);
      const auto* a = std::get_if<Ack>(&events[2 * i + 1]);
      ASSERT_TRUE(s != nullptr && a != nullptr) << value;
      EXPECT_EQ(s->replica, (first->replica + i) % kN);
      EXPECT_EQ(a->replica, s->replica);
      EXPECT_FALSE(a->accepted);
    }
  }
  // Every value but possibly the last got all n attempts.
  int complete = 0;
  for (const auto& [value, events] : recorder.by_value()) complete += events.size() == 2 * kN;
  EXPECT_GE(complete, runner->submitted() - 1);
}

TEST_F(WorkloadRunnerTest, StopReturnsPromptlyAndAcksCallsInFlight) {
  FakeCluster cluster(2, FakeReplica::Mode::kHang);
  ASSERT_TRUE(cluster.ok());
  Recorder recorder;
  const absl::Duration timeout = absl::Milliseconds(800);
  auto runner = MakeRunner(cluster.addresses(), MakeWorkload(100, 4, 16), 9, &recorder, timeout);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  // Stop once every client has its first call in flight (40 ms on an idle
  // machine), well before their deadline.
  for (int i = 0; i < 100 && recorder.submits().size() < 4; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(recorder.submits().size(), 4u);
  const absl::Time stop_at = absl::Now();
  runner->Stop();
  const absl::Duration took = absl::Now() - stop_at;
  EXPECT_LE(took, timeout + absl::Milliseconds(150));
  runner->Stop();  // idempotent, and immediate the second time
  EXPECT_LE(absl::Now() - stop_at, took + absl::Milliseconds(50));

  // One value per client, stuck until its deadline, then acked; Stop
  // prevented the retry.
  const std::vector<Submit> submits = recorder.submits();
  const std::vector<Ack> acks = recorder.acks();
  EXPECT_EQ(runner->submitted(), 4);
  ASSERT_EQ(submits.size(), 4u);
  ASSERT_EQ(acks.size(), 4u);
  std::set<std::string> acked;
  for (const Ack& a : acks) {
    EXPECT_FALSE(a.accepted);
    EXPECT_TRUE(absl::StartsWith(a.error, "DEADLINE_EXCEEDED: ")) << a.error;
    acked.insert(a.value);
  }
  for (const Submit& s : submits) EXPECT_EQ(acked.count(s.value), 1u) << s.value;

  // Nothing runs after Stop: no more events.
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(recorder.events().size(), 8u);
}

TEST_F(WorkloadRunnerTest, RefusalIsRecordedAndNotRetried) {
  FakeCluster cluster(3);
  ASSERT_TRUE(cluster.ok());
  std::set<std::string> held;
  {
    Recorder first;
    auto runner = MakeRunner(cluster.addresses(), MakeWorkload(40, 2, 20), 21, &first);
    ASSERT_NE(runner, nullptr);
    runner->Start();
    absl::SleepFor(absl::Milliseconds(500));
    runner->Stop();
    for (const auto& [value, events] : first.by_value()) held.insert(value);
  }
  // The same seed again: the same values, which the cluster already holds.
  Recorder recorder;
  auto runner = MakeRunner(cluster.addresses(), MakeWorkload(40, 2, 20), 21, &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  absl::SleepFor(absl::Milliseconds(250));
  runner->Stop();

  int refused = 0;
  for (const auto& [value, events] : recorder.by_value()) {
    if (held.count(value) == 0) continue;  // beyond what the first run reached
    ASSERT_EQ(events.size(), 2u) << value << " was retried";
    const auto* ack = std::get_if<Ack>(&events[1]);
    ASSERT_NE(ack, nullptr);
    EXPECT_FALSE(ack->accepted);
    EXPECT_EQ(ack->error, "not accepted: already pending");
    ++refused;
  }
  EXPECT_GE(refused, 4);
}

TEST_F(WorkloadRunnerTest, WithoutAnAcceptedFieldAnOkStatusAccepts) {
  FakeCluster cluster(2);
  ASSERT_TRUE(cluster.ok());
  ClientSpec client = RefbftClient();
  client.accepted_field.clear();
  Recorder recorder;
  auto runner = MakeRunner(cluster.addresses(), MakeWorkload(40, 1, 20), 4, &recorder,
                           absl::Seconds(1), client);
  ASSERT_NE(runner, nullptr);
  // Give the fakes every value first, so that each reply says accepted=false.
  std::vector<std::unique_ptr<refbft::Client::Stub>> stubs;
  for (const std::string& address : cluster.addresses()) {
    stubs.push_back(
        refbft::Client::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
  }
  for (int64_t k = 0; k < 100; ++k) {
    grpc::ClientContext context;
    refbft::SubmitRequest request;
    refbft::SubmitReply reply;
    request.set_value(WorkloadValue(4, 0, k, 20));
    ASSERT_TRUE(stubs[k % 2]->Submit(&context, request, &reply).ok());
  }
  runner->Start();
  absl::SleepFor(absl::Milliseconds(300));
  runner->Stop();

  const std::vector<Ack> acks = recorder.acks();
  ASSERT_GE(acks.size(), 3u);
  for (const Ack& a : acks) {
    EXPECT_TRUE(a.accepted);
    EXPECT_EQ(a.error, "");
  }
}

TEST_F(WorkloadRunnerTest, KeepsUpToInFlightCallsOutstandingAndDropsTheSlotsMissed) {
  for (int in_flight : {1, 3}) {
    SCOPED_TRACE(absl::StrCat("in_flight ", in_flight));
    FakeCluster cluster(1);
    ASSERT_TRUE(cluster.ok());
    cluster[0].DelayEveryCall(absl::Milliseconds(200));
    ClientSpec client = RefbftClient();
    client.in_flight = in_flight;
    WorkloadOptions options;
    options.workload = MakeWorkload(50, 1, 16);
    options.addresses = cluster.addresses();
    Recorder recorder;
    auto runner = MakeRunner(client, options, &recorder);
    ASSERT_NE(runner, nullptr);
    runner->Start();
    absl::SleepFor(absl::Seconds(1));
    const int64_t slow = runner->submitted();
    const absl::Duration fast_from = recorder.now();
    cluster[0].DelayEveryCall(absl::ZeroDuration());
    absl::SleepFor(absl::Milliseconds(700));
    runner->Stop();

    // Each call takes 200 ms, so a client gets about in_flight values per
    // 200 ms, far below the 50/s asked for.
    EXPECT_EQ(recorder.max_outstanding()[0], in_flight);
    EXPECT_GE(slow, 4 * in_flight);
    EXPECT_LE(slow, 6 * in_flight + 1);
    // The slots missed meanwhile were dropped, not sent once the calls
    // turned fast: 50/s again, 35 in 0.7 s, less the slots (up to 10) that
    // pass while a call made just before the switch still takes its 200 ms.
    int fast = 0;
    for (const Submit& s : recorder.submits()) fast += s.t >= fast_from;
    EXPECT_GE(fast, 22);
    EXPECT_LE(fast, 40);
    EXPECT_EQ(runner->accepted(), runner->submitted());
    for (const Ack& a : recorder.acks()) EXPECT_TRUE(a.accepted) << a.error;
  }
}

TEST_F(WorkloadRunnerTest, DeadlineComesFromTheClientSpec) {
  FakeCluster cluster(1, FakeReplica::Mode::kHang);
  ASSERT_TRUE(cluster.ok());
  ClientSpec client = RefbftClient();
  client.deadline = absl::Milliseconds(300);
  WorkloadOptions options;
  options.workload = MakeWorkload(10, 1, 16);
  options.addresses = cluster.addresses();
  Recorder recorder;
  auto runner = MakeRunner(client, options, &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  for (int i = 0; i < 200 && recorder.acks().empty(); ++i) absl::SleepFor(absl::Milliseconds(10));
  runner->Stop();

  const std::vector<Submit> submits = recorder.submits();
  const std::vector<Ack> acks = recorder.acks();
  ASSERT_FALSE(acks.empty());
  EXPECT_TRUE(absl::StartsWith(acks[0].error, "DEADLINE_EXCEEDED: ")) << acks[0].error;
  EXPECT_GE(acks[0].t - submits[0].t, absl::Milliseconds(290));
  EXPECT_LE(acks[0].t - submits[0].t, absl::Milliseconds(700));
}

TEST_F(WorkloadRunnerTest, ClosedLoopRunsAsFastAsRepliesComeThenSetRatePaces) {
  FakeCluster cluster(2);
  ASSERT_TRUE(cluster.ok());
  cluster[0].DelayEveryCall(absl::Milliseconds(20));
  cluster[1].DelayEveryCall(absl::Milliseconds(20));
  ClientSpec client = RefbftClient();
  client.in_flight = 2;
  WorkloadOptions options;
  options.workload = MakeWorkload(1, 2, 16);  // the rate is not used in closed loop
  options.addresses = cluster.addresses();
  options.closed_loop = true;
  Recorder recorder;
  auto runner = MakeRunner(client, options, &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  absl::SleepFor(absl::Milliseconds(500));
  // Four slots, each a value per 20 ms: about 100 in 0.5 s, where the rate
  // would have allowed one.
  const int64_t closed = runner->submitted();
  EXPECT_GE(closed, 40);
  ASSERT_TRUE(runner->SetRate(20).ok());
  const absl::Duration switched = recorder.now();
  absl::SleepFor(absl::Seconds(1));
  runner->Stop();

  int after = 0;
  for (const Submit& s : recorder.submits()) after += s.t > switched;
  EXPECT_GE(after, 14);
  EXPECT_LE(after, 26);
}

TEST_F(WorkloadRunnerTest, ClosedLoopDoesNotFloodAnUnreachableCluster) {
  FakeCluster cluster(2);
  ASSERT_TRUE(cluster.ok());
  cluster[0].Crash();
  cluster[1].Crash();
  WorkloadOptions options;
  options.workload = MakeWorkload(1, 1, 16);
  options.addresses = cluster.addresses();
  options.closed_loop = true;
  Recorder recorder;
  auto runner = MakeRunner(RefbftClient(), options, &recorder);
  ASSERT_NE(runner, nullptr);
  runner->Start();
  absl::SleepFor(absl::Milliseconds(500));
  runner->Stop();

  // Every attempt fails at once; each value still holds its slot for
  // kClosedLoopRetryPause, so about five values in 0.5 s, not thousands.
  EXPECT_GE(runner->submitted(), 3);
  EXPECT_LE(runner->submitted(), 6);
  for (const Ack& a : recorder.acks()) {
    EXPECT_TRUE(absl::StartsWith(a.error, "UNAVAILABLE")) << a.error;
  }
}

TEST_F(WorkloadRunnerTest, CreateRejectsWhatCannotWork) {
  WorkloadOptions good;
  good.workload = MakeWorkload(10, 1, 8);
  good.addresses = {"127.0.0.1:1"};
  ASSERT_TRUE(CreateStatus(RefbftClient(), good).ok());

  ClientSpec client = RefbftClient();
  client.method = "/refbft.Client/Nope";
  EXPECT_TRUE(absl::StrContains(CreateStatus(client, good).message(), "has no method 'Nope'"));

  client = RefbftClient();
  client.request_type = "refbft.Envelope";
  EXPECT_EQ(CreateStatus(client, good).message(),
            "/refbft.Client/Submit takes refbft.SubmitRequest, not refbft.Envelope");

  client = RefbftClient();
  client.accepted_field = "error";
  EXPECT_TRUE(absl::StrContains(CreateStatus(client, good).message(),
                                "'error' of refbft.SubmitReply is not a singular bool field"));

  client = RefbftClient();
  client.value_field = "nope";
  EXPECT_TRUE(absl::StrContains(CreateStatus(client, good).message(), "has no field 'nope'"));

  WorkloadOptions bad = good;
  bad.addresses.clear();
  EXPECT_EQ(CreateStatus(RefbftClient(), bad).message(),
            "workload has no replica address to submit to");
  bad = good;
  bad.workload.rate = 0;
  EXPECT_TRUE(absl::StrContains(CreateStatus(RefbftClient(), bad).message(), "rate must be"));
  bad = good;
  bad.workload.clients = 0;
  EXPECT_TRUE(
      absl::StrContains(CreateStatus(RefbftClient(), bad).message(), "at least one client"));
  bad = good;
  bad.workload.rate = 0;
  bad.closed_loop = true;
  EXPECT_TRUE(CreateStatus(RefbftClient(), bad).ok()) << "closed loop needs no rate";

  client = RefbftClient();
  client.in_flight = 0;
  EXPECT_TRUE(
      absl::StrContains(CreateStatus(client, good).message(), "in_flight must be at least 1"));
  client = RefbftClient();
  client.deadline = absl::ZeroDuration();
  EXPECT_TRUE(absl::StrContains(CreateStatus(client, good).message(), "deadline must be positive"));
  client = RefbftClient();
  client.kind = ClientSpec::Kind::kCommand;
  EXPECT_EQ(CreateStatus(client, good).message(),
            "workload has 1 clients but 0 client programs; it needs one per client");
}

TEST_F(WorkloadRunnerTest, SetRateRejectsWhatIsNotARate) {
  WorkloadOptions options;
  options.workload = MakeWorkload(10, 1, 8);
  options.addresses = {"127.0.0.1:1"};
  Recorder recorder;
  auto runner = MakeRunner(RefbftClient(), options, &recorder);
  ASSERT_NE(runner, nullptr);
  EXPECT_EQ(runner->SetRate(0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runner->SetRate(-1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runner->SetRate(std::numeric_limits<double>::infinity()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(runner->SetRate(5).ok());
}

}  // namespace
}  // namespace turncoat
