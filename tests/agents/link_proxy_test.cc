// Link proxy integration tests against a small echo service on loopback.
#include "agents/link_proxy.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "agents/message_archive.h"
#include "agents/message_codec.h"
#include "agents/rule_engine.h"
#include "gtest/gtest.h"
#include "tests/agents/echo_test.grpc.pb.h"

namespace turncoat {
namespace agent {
namespace {

using test::EchoReply;
using test::EchoRequest;

// The binary details of the "fail" status (a rich error model's payload),
// which gRPC carries in the grpc-status-details-bin trailer.
constexpr absl::string_view kErrorDetails("\0\xff details", 10);

// `size` printable bytes (a proto3 string must be UTF-8), different for
// each seed, so that a message cut, swapped or corrupted on the way shows.
std::string Filler(size_t size, uint32_t seed) {
  std::string out(size, ' ');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>('a' + (x >> 24) % 26);
  }
  return out;
}

// Raw HTTP/2, for what no gRPC client would send: frames built by hand
// (RFC 9113 section 4.1), header blocks of HPACK literals without indexing
// or Huffman coding (RFC 7541 section 6.2.2).
constexpr absl::string_view kPreface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
constexpr uint8_t kData = 0, kHeaders = 1, kRstStream = 3, kSettings = 4, kPing = 6,
                  kGoAway = 7;
constexpr uint8_t kEndStream = 0x1, kAck = 0x1, kEndHeaders = 0x4;

// A frame whose header declares `declared` bytes (default: the payload's).
std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, absl::string_view payload,
                  std::optional<uint32_t> declared = std::nullopt) {
  const uint32_t length = declared.value_or(static_cast<uint32_t>(payload.size()));
  std::string out;
  out.push_back(static_cast<char>(length >> 16));
  out.push_back(static_cast<char>(length >> 8));
  out.push_back(static_cast<char>(length));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>(stream >> shift));
  out.append(payload.data(), payload.size());
  return out;
}

std::string Literal(absl::string_view name, absl::string_view value) {
  return absl::StrCat(std::string(1, '\0'), std::string(1, static_cast<char>(name.size())), name,
                      std::string(1, static_cast<char>(value.size())), value);
}

// The header block of a gRPC request for `path`.
std::string RequestBlock(absl::string_view path) {
  return absl::StrCat(Literal(":method", "POST"), Literal(":scheme", "http"),
                      Literal(":path", path), Literal(":authority", "peer"),
                      Literal("content-type", "application/grpc"), Literal("te", "trailers"));
}

// A gRPC length prefix that declares `declared` bytes, then `body`.
std::string GrpcMessage(uint32_t declared, absl::string_view body) {
  std::string out(1, '\0');
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>(declared >> shift));
  out.append(body.data(), body.size());
  return out;
}

struct RawFrame {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t stream = 0;
};

// A TCP connection to a proxy's port that speaks whatever bytes a test
// gives it, as a Byzantine peer may.
class RawPeer {
 public:
  explicit RawPeer(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tick{0, 50 * 1000};  // reads wake up to check their deadline
    if (connected_) setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  }
  ~RawPeer() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }

  bool Send(absl::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // Reads frames for at most `limit`, until `done` holds for what arrived
  // or the proxy closes the connection. Returns whether `done` held.
  template <typename Done>
  bool ReadUntil(absl::Duration limit, Done done) {
    for (absl::Time end = absl::Now() + limit; absl::Now() < end;) {
      if (done()) return true;
      char buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        closed_ = true;
        break;
      }
      if (n > 0) bytes_.append(buf, static_cast<size_t>(n));
      Parse();
    }
    return done();
  }

  // Whether the proxy closed the connection within `limit`.
  bool AwaitClose(absl::Duration limit) {
    return ReadUntil(limit, [this] { return closed_; });
  }
  bool Got(uint8_t type, uint32_t stream = 0, uint8_t flags = 0) const {
    return std::any_of(frames_.begin(), frames_.end(), [&](const RawFrame& f) {
      return f.type == type && f.stream == stream && (f.flags & flags) == flags;
    });
  }
  bool closed() const { return closed_; }

 private:
  // Moves whole frames from bytes_ to frames_ (a server's preface is a
  // SETTINGS frame, so everything the proxy sends is frames).
  void Parse() {
    while (bytes_.size() >= 9) {
      const auto* b = reinterpret_cast<const uint8_t*>(bytes_.data());
      const size_t length = (size_t{b[0]} << 16) | (size_t{b[1]} << 8) | b[2];
      if (bytes_.size() < 9 + length) return;
      RawFrame frame;
      frame.type = b[3];
      frame.flags = b[4];
      frame.stream = ((uint32_t{b[5]} << 24) | (uint32_t{b[6]} << 16) | (uint32_t{b[7]} << 8) |
                      b[8]) & 0x7fffffffu;
      frames_.push_back(frame);
      bytes_.erase(0, 9 + length);
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string bytes_;
  std::vector<RawFrame> frames_;
};

class EchoService final : public test::Echo::Service {
 public:
  grpc::Status Unary(grpc::ServerContext* ctx, const EchoRequest* req,
                     EchoReply* reply) override {
    unary_calls.fetch_add(1);
    {
      absl::MutexLock lock(&mu);
      unary_seqs.push_back(req->seq());
    }
    auto it = ctx->client_metadata().find("x-token");
    if (it != ctx->client_metadata().end()) {
      ctx->AddInitialMetadata("x-echo", std::string(it->second.data(), it->second.size()));
    }
    ctx->AddTrailingMetadata("x-trailer", "t");
    if (req->text() == "fail") {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "asked to fail",
                          std::string(kErrorDetails));
    }
    if (req->text() == "slow") {
      {
        absl::MutexLock lock(&mu);
        slow_deadline = absl::FromChrono(ctx->deadline());
        slow_arrived = absl::Now();
      }
      // Bounded: returns once cancelled (the proxied deadline) or after 5 s.
      for (int i = 0; i < 500 && !ctx->IsCancelled(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (ctx->IsCancelled()) saw_cancel.store(true);
    }
    reply->set_text(req->text());
    reply->set_seq(req->seq());
    return grpc::Status::OK;
  }

  // Counts the requests and joins their texts. A request "stop" ends the
  // call there, while the caller may still be sending.
  grpc::Status Collect(grpc::ServerContext*, grpc::ServerReader<EchoRequest>* reader,
                       EchoReply* reply) override {
    EchoRequest req;
    int count = 0;
    std::string text;
    while (reader->Read(&req)) {
      ++count;
      text += req.text();
      if (req.text() == "stop") break;
    }
    reply->set_count(count);
    reply->set_text(text);
    return grpc::Status::OK;
  }

  grpc::Status Fanout(grpc::ServerContext*, const EchoRequest* req,
                      grpc::ServerWriter<EchoReply>* writer) override {
    for (int i = 0; i < req->count(); ++i) {
      EchoReply r;
      r.set_text(req->text());
      r.set_seq(i);
      if (!writer->Write(r)) break;
    }
    return grpc::Status::OK;
  }

  grpc::Status Chat(grpc::ServerContext*,
                    grpc::ServerReaderWriter<EchoReply, EchoRequest>* stream) override {
    EchoRequest req;
    while (stream->Read(&req)) {
      {
        absl::MutexLock lock(&mu);
        chat_seqs.push_back(req.seq());
      }
      EchoReply r;
      r.set_text(req.text());
      r.set_seq(req.seq());
      stream->Write(r);
    }
    return grpc::Status::OK;
  }

  std::atomic<int> unary_calls{0};
  std::atomic<bool> saw_cancel{false};
  absl::Mutex mu;
  std::vector<int> chat_seqs ABSL_GUARDED_BY(mu);
  std::vector<int> unary_seqs ABSL_GUARDED_BY(mu);
  absl::Time slow_deadline ABSL_GUARDED_BY(mu) = absl::InfiniteFuture();
  absl::Time slow_arrived ABSL_GUARDED_BY(mu) = absl::InfinitePast();
};

class LinkProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &backend_port_);
    builder.RegisterService(&service_);
    backend_ = builder.BuildAndStart();
    ASSERT_NE(backend_, nullptr);
    runtime_ = std::make_shared<ProxyRuntime>(&engine_, [this](const TraceRecord& r) {
      absl::MutexLock lock(&trace_mu_);
      traces_.push_back(r);
    });
    auto proxy = LinkProxy::Start(runtime_, {0, 1}, "127.0.0.1:0",
                                  "127.0.0.1:" + std::to_string(backend_port_));
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
    stub_ = test::Echo::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(proxy_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    stub_.reset();
    proxy_.reset();
    runtime_.reset();
    if (backend_) backend_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  }

  grpc::Status CallUnary(const std::string& text, EchoReply* reply,
                         absl::Duration timeout = absl::Seconds(5),
                         grpc::ClientContext* ctx = nullptr) {
    grpc::ClientContext local;
    if (ctx == nullptr) ctx = &local;
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    EchoRequest req;
    req.set_text(text);
    return stub_->Unary(ctx, req, reply);
  }

  // The destination goes away at once, as a crashed replica does.
  void StopBackend() {
    backend_->Shutdown(absl::ToChronoTime(absl::Now()));
    backend_.reset();
  }

  // A stub for the proxy on `port` (0: the fixture's) whose channel
  // reconnects after at most a second, as refbft's do.
  std::unique_ptr<test::Echo::Stub> QuickReconnectStub(int port = 0) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    return test::Echo::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port == 0 ? proxy_->port() : port),
        grpc::InsecureChannelCredentials(), args));
  }

  // Opens the proxy's connection to the destination, so that a test with a
  // short deadline measures the deadline, not how long a loaded machine
  // takes to connect.
  void WarmUp() {
    EchoReply reply;
    ASSERT_TRUE(CallUnary("warm", &reply).ok());
  }

  // Whether the destination's "slow" call saw its cancellation (waits up
  // to 2 s for it).
  bool DestinationSawCancel() {
    for (int i = 0; i < 200 && !service_.saw_cancel.load(); ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return service_.saw_cancel.load();
  }

  // Sends seqs 0..n-1 on one Chat stream; returns the reply seqs.
  std::vector<int> Chat(int n) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    auto stream = stub_->Chat(&ctx);
    for (int i = 0; i < n; ++i) {
      EchoRequest req;
      req.set_text("m");
      req.set_seq(i);
      EXPECT_TRUE(stream->Write(req));
    }
    stream->WritesDone();
    std::vector<int> got;
    EchoReply reply;
    while (stream->Read(&reply)) got.push_back(reply.seq());
    grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return got;
  }

  // Sends `requests` on one Chat stream from another thread while reading
  // the replies here: with large or many messages, writing all before
  // reading would fill the flow-control windows of both hops and stall.
  std::vector<EchoReply> ChatConcurrently(const std::vector<EchoRequest>& requests,
                                          absl::Duration timeout = absl::Seconds(20)) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    auto stream = stub_->Chat(&ctx);
    std::thread writer([&] {
      for (const EchoRequest& req : requests) {
        if (!stream->Write(req)) break;  // the call ended; Finish says why
      }
      stream->WritesDone();
    });
    std::vector<EchoReply> got;
    EchoReply reply;
    while (stream->Read(&reply)) got.push_back(reply);
    writer.join();
    grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return got;
  }

  // Starts a backend again on backend_port_ (a bounded retry, in case the
  // old listener's port is not free yet). Returns whether it is up.
  bool RestartBackend() {
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (attempt > 0) absl::SleepFor(absl::Milliseconds(100));
      int port = 0;
      grpc::ServerBuilder builder;
      builder.AddListeningPort("127.0.0.1:" + std::to_string(backend_port_),
                               grpc::InsecureServerCredentials(), &port);
      builder.RegisterService(&service_);
      std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
      if (server != nullptr && port == backend_port_) {
        backend_ = std::move(server);
        return true;
      }
      if (server != nullptr) server->Shutdown(absl::ToChronoTime(absl::Now()));
    }
    return false;
  }

  RuleSpec Rule(std::string id, ActionKind kind) {
    RuleSpec spec;
    spec.id = std::move(id);
    spec.action.kind = kind;
    return spec;
  }

  EchoService service_;
  int backend_port_ = 0;
  std::unique_ptr<grpc::Server> backend_;
  RuleEngine engine_;
  std::shared_ptr<ProxyRuntime> runtime_;
  std::unique_ptr<LinkProxy> proxy_;
  std::unique_ptr<test::Echo::Stub> stub_;
  absl::Mutex trace_mu_;
  std::vector<TraceRecord> traces_ ABSL_GUARDED_BY(trace_mu_);
};

TEST_F(LinkProxyTest, UnaryPassesMessagesMetadataAndTrailers) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-token", "abc");
  EchoReply reply;
  grpc::Status status = CallUnary("hello", &reply, absl::Seconds(5), &ctx);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "hello");
  auto echo = ctx.GetServerInitialMetadata().find("x-echo");
  ASSERT_NE(echo, ctx.GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(echo->second.data(), echo->second.size()), "abc");
  EXPECT_EQ(ctx.GetServerTrailingMetadata().count("x-trailer"), 1u);
}

// Each of this process's threads' scheduling: its policy and nice value,
// fields 41 and 19 of /proc/self/task/<tid>/stat.
struct ThreadScheduling {
  int policy = -1;
  int nice = 0;
};
std::vector<ThreadScheduling> ThreadsScheduling() {
  std::vector<ThreadScheduling> threads;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return threads;
  while (struct dirent* e = readdir(tasks)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(absl::StrCat("/proc/self/task/", e->d_name, "/stat"));
    std::string text;
    if (!std::getline(in, text)) continue;  // the thread has exited
    // The thread's name (field 2) is in parentheses and may hold spaces;
    // fields[0] is field 3.
    const std::vector<absl::string_view> fields = absl::StrSplit(
        absl::string_view(text).substr(text.rfind(')') + 1), ' ', absl::SkipEmpty());
    ThreadScheduling t;
    if (fields.size() > 38 && absl::SimpleAtoi(fields[38], &t.policy) &&
        absl::SimpleAtoi(fields[16], &t.nice)) {
      threads.push_back(t);
    }
  }
  closedir(tasks);
  return threads;
}

// Under load the loop forwards several messages per system call because it
// does not preempt the running thread when woken (see link_proxy.cc); no
// other thread of the process may change, and the loop keeps the nice
// value it was given, so that ping-pong calls are not delayed.
TEST_F(LinkProxyTest, LoopThreadAloneRunsUnderBatchPolicy) {
  EchoReply reply;
  ASSERT_TRUE(CallUnary("hello", &reply).ok());
  const std::vector<ThreadScheduling> threads = ThreadsScheduling();
  ASSERT_GT(threads.size(), 1u);
  int loops = 0, others_changed = 0;
  for (const ThreadScheduling& t : threads) {
    if (t.policy == SCHED_BATCH && t.nice == 0) {
      ++loops;
    } else if (t.policy != SCHED_OTHER || t.nice != 0) {
      ++others_changed;
    }
  }
  EXPECT_EQ(loops, 1);
  EXPECT_EQ(others_changed, 0);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

// The loop yields its core only while traffic is dense: never for one call
// at a time, soon on a fast stream, and no longer once calls go one at a
// time again.
TEST_F(LinkProxyTest, LoopYieldsOnlyWhileTrafficIsDense) {
  EchoReply reply;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(CallUnary("ping", &reply).ok());
  EXPECT_EQ(proxy_->yielded_turns(), 0u);

  grpc::ClientContext ctx;
  EchoRequest req;
  req.set_text("f");
  req.set_count(5000);
  auto reader = stub_->Fanout(&ctx, req);
  int n = 0;
  while (reader->Read(&reply)) ++n;
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(n, 5000);
  EXPECT_GT(proxy_->yielded_turns(), 0u);

  // A call is two turns (its request, its reply): back to sparse within 27
  // turns of one message.
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(CallUnary("ping", &reply).ok());
  const uint64_t yielded = proxy_->yielded_turns();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(CallUnary("ping", &reply).ok());
  EXPECT_EQ(proxy_->yielded_turns(), yielded);
}

TEST_F(LinkProxyTest, ErrorStatusPassesThrough) {
  EchoReply reply;
  grpc::Status status = CallUnary("fail", &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "asked to fail");
}

// A destination that never answers: the caller's 200 ms deadline must end
// the call in bounded time, and the destination must have been told the
// deadline, not merely cancelled.
TEST_F(LinkProxyTest, DeadlinePropagatesToTheDestination) {
  WarmUp();
  EchoReply reply;
  const absl::Time start = absl::Now();
  grpc::Status status = CallUnary("slow", &reply, absl::Milliseconds(200));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(DestinationSawCancel());
  absl::MutexLock lock(&service_.mu);
  ASSERT_NE(service_.slow_deadline, absl::InfiniteFuture());
  EXPECT_LE(service_.slow_deadline, start + absl::Milliseconds(250));
}

// The proxy leaves cancellation to its own handling rather than gRPC's
// propagation, so a caller's cancellation must still reach the destination
// well before the call's deadline would.
TEST_F(LinkProxyTest, CancellationReachesTheDestination) {
  WarmUp();
  grpc::ClientContext ctx;
  // Cancels once the destination has the call (bounded wait).
  std::thread canceller([this, &ctx] {
    for (int i = 0; i < 500; ++i) {
      {
        absl::MutexLock lock(&service_.mu);
        if (service_.slow_arrived != absl::InfinitePast()) break;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    ctx.TryCancel();
  });
  EchoReply reply;
  const absl::Time start = absl::Now();
  grpc::Status status = CallUnary("slow", &reply, absl::Seconds(10), &ctx);
  canceller.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(DestinationSawCancel());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(LinkProxyTest, ServerAndBidiStreamingPassInOrder) {
  grpc::ClientContext ctx;
  EchoRequest req;
  req.set_text("f");
  req.set_count(50);
  auto reader = stub_->Fanout(&ctx, req);
  EchoReply reply;
  int n = 0;
  while (reader->Read(&reply)) {
    EXPECT_EQ(reply.seq(), n);
    ++n;
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(n, 50);

  std::vector<int> want(100);
  for (int i = 0; i < 100; ++i) want[i] = i;
  EXPECT_EQ(Chat(100), want);
}

TEST_F(LinkProxyTest, DroppedRequestNeverReachesTheDestination) {
  RuleSpec drop = Rule("drop", ActionKind::kDrop);
  drop.method = "/turncoat.test.Echo/Unary";
  drop.direction = Direction::kRequest;
  ASSERT_TRUE(engine_.Install(drop).ok());
  EchoReply reply;
  EXPECT_FALSE(CallUnary("x", &reply, absl::Seconds(2)).ok());
  EXPECT_EQ(service_.unary_calls.load(), 0);
  // Other methods are untouched.
  EXPECT_EQ(Chat(3).size(), 3u);
}

TEST_F(LinkProxyTest, DelayShowsInLatency) {
  RuleSpec delay = Rule("delay", ActionKind::kDelay);
  delay.direction = Direction::kResponse;
  delay.action.delay = absl::Milliseconds(250);
  ASSERT_TRUE(engine_.Install(delay).ok());
  EchoReply reply;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(CallUnary("x", &reply).ok());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  EXPECT_EQ(reply.text(), "x");
}

TEST_F(LinkProxyTest, DuplicateAndHoldActOnStreamMessages) {
  RuleSpec dup = Rule("dup", ActionKind::kDuplicate);
  dup.direction = Direction::kRequest;
  ASSERT_TRUE(engine_.Install(dup).ok());
  EXPECT_EQ(Chat(5), (std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
  ASSERT_TRUE(engine_.Remove("dup").ok());

  RuleSpec hold = Rule("reverse", ActionKind::kHold);
  hold.direction = Direction::kRequest;
  hold.action.hold_count = 3;
  hold.action.hold_time = absl::Seconds(2);
  ASSERT_TRUE(engine_.Install(hold).ok());
  // Three held then released reversed; the 4th waits out the hold window.
  EXPECT_EQ(Chat(4), (std::vector<int>{2, 1, 0, 3}));
}

// A unary method carries one request per call: extra copies go to the
// destination as calls of their own, and the original still succeeds.
// Rules change while calls are in flight, as when a phase starts or heals
// under load: each request still reaches the destination exactly once, in
// one version or the other, never both.
TEST_F(LinkProxyTest, RuleChangesDuringTrafficDeliverEachRequestOnce) {
  auto codec = MessageCodec::Load({TURNCOAT_SOURCE_DIR}, {"tests/agents/echo_test.proto"});
  ASSERT_TRUE(codec.ok()) << codec.status();
  engine_.SetCodec(std::shared_ptr<const MessageCodec>(std::move(*codec)));
  RuleSpec rewrite = Rule("rewrite", ActionKind::kRewrite);
  rewrite.direction = Direction::kRequest;
  rewrite.action.rewriter = "set_field";
  rewrite.action.params = {{"path", "text"}, {"value", "rewritten"}};

  constexpr int kThreads = 4;
  constexpr int kCallsEach = 60;
  std::atomic<bool> done{false};
  std::atomic<int> changes{0};
  std::thread toggler([&] {
    // Bounded: at most 2000 changes, and it stops when the callers are done.
    for (int i = 0; i < 2000 && !done.load(); ++i) {
      RuleChange change;
      if (i % 2 == 0) {
        change.install.push_back({rewrite, ""});
      } else {
        change.remove.push_back("rewrite");
      }
      auto released = engine_.Change(std::move(change));
      ASSERT_TRUE(released.ok()) << released.status();
      changes.fetch_add(1);
      absl::SleepFor(absl::Microseconds(300));
    }
  });
  std::vector<std::thread> callers;
  std::atomic<int> calls{0};
  std::atomic<int> ok_calls{0};
  std::atomic<int> rewritten{0};
  // Until both versions were seen (on a busy machine the toggler may not
  // run for a while), within a bound.
  const auto both_seen = [&] {
    const int r = rewritten.load();
    return r > 0 && r < ok_calls.load();
  };
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach || (!both_seen() && i < 20 * kCallsEach); ++i) {
        calls.fetch_add(1);
        grpc::ClientContext ctx;
        ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
        EchoRequest req;
        req.set_text("original");
        req.set_seq(t * 100000 + i);
        EchoReply reply;
        if (stub_->Unary(&ctx, req, &reply).ok()) {
          ok_calls.fetch_add(1);
          if (reply.text() == "rewritten") rewritten.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& c : callers) c.join();
  done.store(true);
  toggler.join();

  EXPECT_EQ(ok_calls.load(), calls.load());
  EXPECT_GT(changes.load(), 10) << "the rules changed while calls were in flight";
  EXPECT_TRUE(both_seen()) << rewritten.load() << " of " << ok_calls.load() << " rewritten";
  std::vector<int> seqs;
  {
    absl::MutexLock lock(&service_.mu);
    seqs = service_.unary_seqs;
  }
  std::sort(seqs.begin(), seqs.end());
  EXPECT_EQ(std::adjacent_find(seqs.begin(), seqs.end()), seqs.end())
      << "a request reached the destination twice";
  EXPECT_EQ(seqs.size(), static_cast<size_t>(calls.load()));
}

TEST_F(LinkProxyTest, DuplicatedUnaryRequestsArriveAsSeparateCalls) {
  auto codec = MessageCodec::Load({TURNCOAT_SOURCE_DIR}, {"tests/agents/echo_test.proto"});
  ASSERT_TRUE(codec.ok()) << codec.status();
  engine_.SetCodec(std::shared_ptr<const MessageCodec>(std::move(*codec)));
  RuleSpec dup = Rule("dup", ActionKind::kDuplicate);
  dup.direction = Direction::kRequest;
  dup.action.duplicates = 2;
  ASSERT_TRUE(engine_.Install(dup).ok());
  EchoReply reply;
  ASSERT_TRUE(CallUnary("twice", &reply).ok());
  EXPECT_EQ(reply.text(), "twice");
  // The copies' calls are not awaited by the proxy; bounded wait for them.
  for (int i = 0; i < 200 && service_.unary_calls.load() < 3; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(service_.unary_calls.load(), 3);
}

TEST_F(LinkProxyTest, RewriterUsesDescriptorsLoadedAtRunTime) {
  auto codec = MessageCodec::Load({TURNCOAT_SOURCE_DIR}, {"tests/agents/echo_test.proto"});
  ASSERT_TRUE(codec.ok()) << codec.status();
  engine_.SetCodec(std::shared_ptr<const MessageCodec>(std::move(*codec)));
  RuleSpec rw = Rule("rewrite", ActionKind::kRewrite);
  rw.message_type = "turncoat.test.EchoRequest";
  rw.fields.push_back({"text", FieldMatch::Op::kEquals, {"honest"}, 0, 0});
  rw.action.rewriter = "set_field";
  rw.action.params = {{"path", "text"}, {"value", "forged"}};
  ASSERT_TRUE(engine_.Install(rw).ok());
  EchoReply reply;
  ASSERT_TRUE(CallUnary("honest", &reply).ok());
  EXPECT_EQ(reply.text(), "forged");
  ASSERT_TRUE(CallUnary("other", &reply).ok());
  EXPECT_EQ(reply.text(), "other");
  EXPECT_EQ(engine_.Stats()[0].applied, 1u);
}

TEST_F(LinkProxyTest, TracesEveryMessageWhenAskedTo) {
  runtime_->SetTraceSampling(1);
  EchoReply reply;
  ASSERT_TRUE(CallUnary("abc", &reply).ok());
  absl::MutexLock lock(&trace_mu_);
  ASSERT_EQ(traces_.size(), 2u);  // request and response
  EXPECT_EQ(traces_[0].method, "/turncoat.test.Echo/Unary");
  EXPECT_EQ(traces_[0].direction, Direction::kRequest);
  EXPECT_EQ(traces_[0].link, (LinkId{0, 1}));
  EXPECT_GT(traces_[0].bytes, 0u);
  EXPECT_EQ(traces_[1].direction, Direction::kResponse);
}

TEST_F(LinkProxyTest, ArchivesEveryRequestWithOrWithoutRules) {
  EchoReply reply;
  ASSERT_TRUE(CallUnary("before", &reply).ok());
  engine_.EnableArchive();
  MessageArchive* archive = engine_.Snapshot()->archive();
  ASSERT_NE(archive, nullptr);
  ASSERT_TRUE(CallUnary("no-rule", &reply).ok());  // the proxy's fast path
  RuleSpec delay = Rule("delay", ActionKind::kDelay);
  delay.direction = Direction::kResponse;
  ASSERT_TRUE(engine_.Install(delay).ok());
  ASSERT_TRUE(CallUnary("with-rule", &reply).ok());  // through the engine

  std::vector<std::string> texts;
  ArchiveQuery query;
  query.from = 0;
  query.to = 1;
  query.method = "/turncoat.test.Echo/Unary";
  const absl::Time now = absl::Now();
  while (std::optional<ArchivedMessage> m = archive->Oldest(query, now)) {
    EchoRequest request;
    ASSERT_TRUE(request.ParseFromString(m->bytes));
    texts.push_back(request.text());
    query.after = m->at;
  }
  // Requests only (no replies), and none from before the archive began.
  EXPECT_EQ(texts, (std::vector<std::string>{"no-rule", "with-rule"}));
}

TEST_F(LinkProxyTest, UnreachableDestinationIsUnavailable) {
  StopBackend();
  EchoReply reply;
  grpc::Status status = CallUnary("x", &reply, absl::Seconds(3));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

// Messages far beyond one HTTP/2 frame or flow-control window, in both
// directions, must arrive whole and unchanged: a transport that cuts,
// reorders or caps them breaks replicas that ship blocks or state.
TEST_F(LinkProxyTest, LargeMessagesPassBothWays) {
  // Under gRPC's default 4 MiB receive limit of this test's client and
  // backend, with room for the reply's other fields.
  const std::string big = Filler(3 << 20, 1);
  EchoReply reply;
  grpc::Status status = CallUnary(big, &reply, absl::Seconds(20));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text().size(), big.size());
  EXPECT_TRUE(reply.text() == big) << "the 3 MiB echo differs";

  constexpr int kMessages = 20;
  std::vector<EchoRequest> requests(kMessages);
  for (int i = 0; i < kMessages; ++i) {
    requests[i].set_text(Filler(256 << 10, 100 + i));
    requests[i].set_seq(i);
  }
  std::vector<EchoReply> replies = ChatConcurrently(requests);
  ASSERT_EQ(replies.size(), requests.size());
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_EQ(replies[i].seq(), i);
    EXPECT_TRUE(replies[i].text() == requests[i].text()) << "message " << i << " differs";
  }
}

// A Byzantine sender may declare, or send, a message of any size: past the
// proxy's limit the call ends as an over-limit server would end it, the
// bytes are not kept, and the link goes on working.
TEST_F(LinkProxyTest, AnOversizedMessageEndsItsCallAndTheLinkGoesOn) {
  EchoReply reply;
  const grpc::Status status =
      CallUnary(std::string(kMaxGrpcMessageBytes + (1 << 20), 'x'), &reply, absl::Seconds(20));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_NE(status.error_message().find("over the proxy's limit of 67108864"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(proxy_->oversized_messages(), 1u);

  ASSERT_TRUE(CallUnary("after", &reply).ok());
  EXPECT_EQ(reply.text(), "after");
  EXPECT_EQ(proxy_->oversized_messages(), 1u);
}

// One connection carries every call of a link: hundreds of calls and tens
// of streams in flight at once must each complete, with their own replies,
// none crossed with another's.
TEST_F(LinkProxyTest, ManyConcurrentCallsAllComplete) {
  constexpr int kUnary = 300;
  struct AsyncCall {
    grpc::ClientContext ctx;
    EchoReply reply;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<EchoReply>> reader;
  };
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<AsyncCall>> calls;
  // All are started before any completion is taken, so all are in flight.
  for (int i = 0; i < kUnary; ++i) {
    auto call = std::make_unique<AsyncCall>();
    call->ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    EchoRequest req;
    req.set_text(absl::StrCat("u", i));
    req.set_seq(i);
    call->reader = stub_->AsyncUnary(&call->ctx, req, &cq);
    call->reader->Finish(&call->reply, &call->status, reinterpret_cast<void*>(intptr_t{i}));
    calls.push_back(std::move(call));
  }
  // Bounded: every call has a deadline, so each tag comes back.
  std::vector<bool> completed(kUnary, false);
  for (int n = 0; n < kUnary; ++n) {
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    const int i = static_cast<int>(reinterpret_cast<intptr_t>(tag));
    ASSERT_TRUE(i >= 0 && i < kUnary && !completed[i]) << i;
    completed[i] = true;
    const AsyncCall& call = *calls[i];
    EXPECT_TRUE(call.status.ok()) << i << ": " << call.status.error_message();
    EXPECT_EQ(call.reply.seq(), i);
    EXPECT_EQ(call.reply.text(), absl::StrCat("u", i));
  }
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  std::vector<int> seqs;
  {
    absl::MutexLock lock(&service_.mu);
    seqs = service_.unary_seqs;
  }
  std::sort(seqs.begin(), seqs.end());
  std::vector<int> want(kUnary);
  for (int i = 0; i < kUnary; ++i) want[i] = i;
  EXPECT_EQ(seqs, want) << "each call reaches the destination exactly once";

  constexpr int kStreams = 20;
  constexpr int kPerStream = 50;
  std::vector<std::vector<EchoReply>> got(kStreams);
  std::vector<std::thread> streams;
  for (int s = 0; s < kStreams; ++s) {
    streams.emplace_back([&, s] {
      std::vector<EchoRequest> requests(kPerStream);
      for (int i = 0; i < kPerStream; ++i) {
        requests[i].set_text(absl::StrCat("s", s));
        requests[i].set_seq(s * 1000 + i);
      }
      got[s] = ChatConcurrently(requests);
    });
  }
  for (std::thread& t : streams) t.join();
  for (int s = 0; s < kStreams; ++s) {
    std::vector<int> seqs_got;
    for (const EchoReply& r : got[s]) {
      seqs_got.push_back(r.seq());
      EXPECT_EQ(r.text(), absl::StrCat("s", s)) << "a reply crossed to another stream";
    }
    std::vector<int> seqs_want(kPerStream);
    for (int i = 0; i < kPerStream; ++i) seqs_want[i] = s * 1000 + i;
    EXPECT_EQ(seqs_got, seqs_want) << "stream " << s;
  }
}

// A replica's channel to its proxy lives as long as the run, and each of
// its unary calls is an HTTP/2 stream of that one connection. nghttp2, as a
// server, keeps closed streams for RFC 7540 priorities up to the maximum of
// concurrent streams, which is unbounded unless announced: an hour-long soak
// grew every honest agent by about 26 MB. Calls after warm-up must leave
// the heap where it was.
TEST_F(LinkProxyTest, FinishedCallsLeaveNoMemoryBehind) {
  constexpr int kWarmUp = 500;
  constexpr int kCalls = 4000;
  EchoReply reply;
  for (int i = 0; i < kWarmUp; ++i) ASSERT_TRUE(CallUnary("warm", &reply).ok());
  const size_t before = mallinfo2().uordblks;
  for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(CallUnary("m", &reply).ok()) << i;
  const size_t after = mallinfo2().uordblks;
  // Kept streams cost some 300 bytes a call (1.2 MB here); allow 64.
  const double per_call = after > before ? static_cast<double>(after - before) / kCalls : 0;
  EXPECT_LT(per_call, 64) << "heap grew by " << after - before << " bytes over " << kCalls
                          << " finished calls";
}

// A crashed replica that restarts on its port must be reached again through
// the same proxy within seconds. While it is down the sender's channel
// reconnects on its own back-off, as it would to the replica directly; this
// one's is capped at a second, as refbft's is.
TEST_F(LinkProxyTest, DestinationRestartIsReachedAgain) {
  stub_ = QuickReconnectStub();
  EchoReply reply;
  ASSERT_TRUE(CallUnary("before", &reply).ok());
  StopBackend();
  grpc::Status down = CallUnary("down", &reply, absl::Seconds(3));
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();

  ASSERT_TRUE(RestartBackend()) << "port " << backend_port_ << " could not be bound again";
  const absl::Time restarted = absl::Now();
  grpc::Status status;
  int attempts = 0;
  while (attempts < 50) {
    ++attempts;
    status = CallUnary("after", &reply, absl::Seconds(1));
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(status.ok()) << attempts << " attempts, last: " << status.error_message();
  EXPECT_EQ(reply.text(), "after");
  // The sender's reconnect back-off is capped at a second; slack for a
  // loaded machine.
  EXPECT_LT(absl::Now() - restarted, absl::Seconds(5)) << attempts << " attempts";
}

// What refbft relies on at start-up: a call that may wait for its peer
// (wait_for_ready) and is sent before the peer listens reaches it once it
// does, as it would without the proxy.
TEST_F(LinkProxyTest, WaitForReadyCallReachesADestinationThatStartsLater) {
  StopBackend();
  auto proxy = LinkProxy::Start(runtime_, {0, 2}, "127.0.0.1:0",
                                "127.0.0.1:" + std::to_string(backend_port_));
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  std::unique_ptr<test::Echo::Stub> stub = QuickReconnectStub((*proxy)->port());
  std::thread starter([this] {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(RestartBackend());
  });
  grpc::ClientContext ctx;
  ctx.set_wait_for_ready(true);
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  EchoRequest req;
  req.set_text("early");
  EchoReply reply;
  grpc::Status status = stub->Unary(&ctx, req, &reply);
  starter.join();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "early");
}

// The same after a crash: the proxy's connection to the destination is
// lost while the sender's connection to the proxy is up and idle.
TEST_F(LinkProxyTest, WaitForReadyCallReachesARestartedDestination) {
  stub_ = QuickReconnectStub();
  EchoReply reply;
  ASSERT_TRUE(CallUnary("before", &reply).ok());
  StopBackend();
  absl::SleepFor(absl::Milliseconds(100));  // the proxy sees the connection close
  std::thread starter([this] {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(RestartBackend());
  });
  grpc::ClientContext ctx;
  ctx.set_wait_for_ready(true);
  grpc::Status status = CallUnary("after", &reply, absl::Seconds(10), &ctx);
  starter.join();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "after");
}

// A call that may not wait (gRPC's default) still fails at once while the
// destination is down, rather than at its deadline.
TEST_F(LinkProxyTest, FailFastCallFailsAtOnceWhileTheDestinationIsDown) {
  StopBackend();
  EchoReply reply;
  const absl::Time start = absl::Now();
  grpc::Status status = CallUnary("x", &reply, absl::Seconds(10));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// Client streaming: all requests reach the destination in order; and a
// destination that answers before the sender has half-closed must have its
// reply and status relayed at once, not after the sender finishes (which
// here it never does).
TEST_F(LinkProxyTest, ClientStreamingWithEarlyServerStatus) {
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    EchoReply reply;
    auto writer = stub_->Collect(&ctx, &reply);
    std::string want;
    for (int i = 0; i < 10; ++i) {
      EchoRequest req;
      req.set_text(std::to_string(i));
      want += req.text();
      EXPECT_TRUE(writer->Write(req));
    }
    EXPECT_TRUE(writer->WritesDone());
    grpc::Status status = writer->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(reply.count(), 10);
    EXPECT_EQ(reply.text(), want);
  }

  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  EchoReply reply;
  auto writer = stub_->Collect(&ctx, &reply);
  const absl::Time start = absl::Now();
  for (const char* text : {"a", "b", "stop"}) {
    EchoRequest req;
    req.set_text(text);
    EXPECT_TRUE(writer->Write(req));
  }
  // No WritesDone: the status must come on the destination's word alone.
  grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.count(), 3);
  EXPECT_EQ(reply.text(), "abstop");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

// Responses that are only a status: a stream with no messages either way
// ends OK, and an error keeps its code, message, binary details and
// trailing metadata (gRPC sends these as a trailers-only response).
TEST_F(LinkProxyTest, StatusWithoutMessagesPassesThrough) {
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    EchoRequest req;
    req.set_text("none");
    req.set_count(0);
    auto reader = stub_->Fanout(&ctx, req);
    EchoReply reply;
    EXPECT_FALSE(reader->Read(&reply));
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  EXPECT_TRUE(Chat(0).empty());

  grpc::ClientContext ctx;
  EchoReply reply;
  grpc::Status status = CallUnary("fail", &reply, absl::Seconds(5), &ctx);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "asked to fail");
  EXPECT_EQ(status.error_details(), kErrorDetails);
  auto trailer = ctx.GetServerTrailingMetadata().find("x-trailer");
  ASSERT_NE(trailer, ctx.GetServerTrailingMetadata().end());
  EXPECT_EQ(std::string(trailer->second.data(), trailer->second.size()), "t");
}

// A sender may compress some messages of a stream and not others (gRPC sends
// a message uncompressed when asked to, or when compressing does not pay).
// Messages the rules held leave with their own compressed flag; with another
// message's flag the destination cannot read them and fails the call.
TEST_F(LinkProxyTest, HeldMessagesKeepTheirOwnCompression) {
  RuleSpec hold = Rule("reverse", ActionKind::kHold);
  hold.direction = Direction::kRequest;
  hold.action.hold_count = 4;
  hold.action.hold_time = absl::Seconds(2);
  ASSERT_TRUE(engine_.Install(hold).ok());
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  auto stream = stub_->Chat(&ctx);
  for (int i = 0; i < 4; ++i) {
    EchoRequest req;
    req.set_text(std::string(512, static_cast<char>('a' + i)));
    req.set_seq(i);
    grpc::WriteOptions options;
    if (i % 2 == 1) options.set_no_compression();
    EXPECT_TRUE(stream->Write(req, options));
  }
  stream->WritesDone();
  std::vector<int> got;
  EchoReply reply;
  while (stream->Read(&reply)) {
    EXPECT_EQ(reply.text(), std::string(512, static_cast<char>('a' + reply.seq())));
    got.push_back(reply.seq());
  }
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(got, (std::vector<int>{3, 2, 1, 0}));
}

// Streams whose receiver stops reading hold back their own window at the
// proxy, not the connection's: the link's other calls go on. (Holding the
// connection's window too stalled every call of the link once about 16
// streams had stalled.)
TEST_F(LinkProxyTest, StalledStreamsDoNotBlockOtherCalls) {
  constexpr int kStalled = 24;
  EchoRequest req;
  req.set_text(Filler(64 << 10, 7));
  req.set_count(40);  // 2.5 MiB per stream, never read
  // A receiver whose gRPC takes no more than 64 KiB per stream ahead of its
  // application (by default it would buffer all 2.5 MiB and never stall).
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 << 10);
  auto slow = test::Echo::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(proxy_->port()), grpc::InsecureChannelCredentials(), args));
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<EchoReply>>> readers;
  for (int i = 0; i < kStalled; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    readers.push_back(slow->Fanout(contexts.back().get(), req));
  }
  absl::SleepFor(absl::Milliseconds(500));  // the streams fill their windows
  EchoReply reply;
  const absl::Time start = absl::Now();
  grpc::Status status = CallUnary("through", &reply, absl::Seconds(5));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "through");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  for (auto& ctx : contexts) ctx->TryCancel();
  for (auto& reader : readers) reader->Finish();
}

// A destination that never completes the TCP handshake (its accept queue is
// full, so the kernel drops the proxy's SYNs) fails calls UNAVAILABLE once
// the proxy's connect timeout passes, as a direct gRPC channel's would,
// rather than leaving each to its deadline.
TEST_F(LinkProxyTest, DestinationThatNeverAcceptsIsUnavailableAfterTheConnectTimeout) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 0), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::vector<int> fillers;  // never accepted: they fill the queue
  for (int i = 0; i < 2; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(fd);
  }
  absl::SleepFor(absl::Milliseconds(100));
  auto proxy = LinkProxy::Start(runtime_, {0, 2}, "127.0.0.1:0",
                                "127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto stub = test::Echo::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*proxy)->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  EchoRequest req;
  req.set_text("x");
  EchoReply reply;
  const absl::Time start = absl::Now();
  grpc::Status status = stub->Unary(&ctx, req, &reply);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_GE(took, absl::Seconds(4));
  EXPECT_LT(took, absl::Seconds(12));
  for (int fd : fillers) close(fd);
  close(listener);
}

// A peer that does not speak HTTP/2 at all: its connection is closed and
// counted; the link's other connections go on.
TEST_F(LinkProxyTest, AConnectionWithoutThePrefaceIsClosedAndCounted) {
  WarmUp();  // the destination's connection is open, so senders are answered
  RawPeer peer(proxy_->port());
  ASSERT_TRUE(peer.connected());
  ASSERT_TRUE(peer.Send("GET / HTTP/1.1\r\nHost: peer\r\n\r\n"));
  EXPECT_TRUE(peer.AwaitClose(absl::Seconds(5)));
  EXPECT_EQ(proxy_->malformed_connections(), 1u);

  EchoReply reply;
  ASSERT_TRUE(CallUnary("after", &reply).ok());
  EXPECT_EQ(reply.text(), "after");
  EXPECT_EQ(proxy_->malformed_connections(), 1u);
}

// Frames that break the protocol after a valid preface: each ends its own
// connection (GOAWAY, then close) and is counted, and calls on the link's
// other connections pass as before.
TEST_F(LinkProxyTest, MalformedFramesEndTheirConnectionAndTheLinkGoesOn) {
  WarmUp();
  const std::string settings = Frame(kSettings, 0, 0, "");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a frame longer than the proxy's maximum frame size",
       Frame(kData, 0, 1, std::string(64, 'x'), 1u << 20)},
      {"a SETTINGS frame whose length is not a multiple of 6", Frame(kSettings, 0, 0, "12345")},
      {"HEADERS whose HPACK block refers to index 0",
       Frame(kHeaders, kEndHeaders | kEndStream, 1, std::string(1, '\x80'))},
      {"HEADERS whose HPACK integer overflows",
       Frame(kHeaders, kEndHeaders, 1, std::string(8, '\xff'))},
      {"DATA on a stream that was never opened", Frame(kData, 0, 7, "abcd")},
      {"a PING of the wrong length", Frame(kPing, 0, 0, "123")},
  };
  uint64_t expected = 0;
  for (const auto& [what, frames] : cases) {
    SCOPED_TRACE(what);
    RawPeer peer(proxy_->port());
    ASSERT_TRUE(peer.connected());
    ASSERT_TRUE(peer.Send(absl::StrCat(kPreface, settings, frames)));
    EXPECT_TRUE(peer.AwaitClose(absl::Seconds(5)));
    EXPECT_TRUE(peer.Got(kGoAway));
    EXPECT_EQ(proxy_->malformed_connections(), ++expected);
    EchoReply reply;
    grpc::Status status = CallUnary(what, &reply);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(reply.text(), what);
  }
  EXPECT_EQ(service_.unary_calls.load(), 1 + static_cast<int>(cases.size()));
}

// A frame of a type HTTP/2 does not define is ignored, as RFC 9113 asks:
// the connection stays open and answers a PING after it.
TEST_F(LinkProxyTest, UnknownFrameTypesAreIgnored) {
  WarmUp();
  RawPeer peer(proxy_->port());
  ASSERT_TRUE(peer.connected());
  ASSERT_TRUE(peer.Send(absl::StrCat(kPreface, Frame(kSettings, 0, 0, ""),
                                     Frame(0xfa, 0xff, 0, "not a frame turncoat knows"),
                                     Frame(0xfb, 0, 3, std::string(100, '\0')),
                                     Frame(kPing, 0, 0, "12345678"))));
  EXPECT_TRUE(peer.ReadUntil(absl::Seconds(5), [&] { return peer.Got(kPing, 0, kAck); }));
  EXPECT_FALSE(peer.closed());
  EXPECT_EQ(proxy_->malformed_connections(), 0u);
}

// A gRPC length prefix that lies about its message: one that declares more
// than arrives before the stream ends delivers nothing (the destination's
// method never runs, the call still ends); one that declares more than the
// proxy keeps ends the call at once and is counted as oversized. Neither
// ends the connection.
TEST_F(LinkProxyTest, ALyingGrpcLengthPrefixDeliversNothingAndEndsOnlyItsCall) {
  WarmUp();
  const int before = service_.unary_calls.load();
  RawPeer peer(proxy_->port());
  ASSERT_TRUE(peer.connected());
  const std::string block = RequestBlock("/turncoat.test.Echo/Unary");
  ASSERT_TRUE(peer.Send(absl::StrCat(kPreface, Frame(kSettings, 0, 0, ""),
                                     Frame(kHeaders, kEndHeaders, 1, block),
                                     Frame(kData, kEndStream, 1, GrpcMessage(100, "abc")))));
  // The call ends: a status in trailers (or trailers only), or a reset.
  auto ended = [&](uint32_t stream) {
    return peer.Got(kHeaders, stream, kEndStream) || peer.Got(kRstStream, stream);
  };
  EXPECT_TRUE(peer.ReadUntil(absl::Seconds(5), [&] { return ended(1); }));

  ASSERT_TRUE(peer.Send(absl::StrCat(Frame(kHeaders, kEndHeaders, 3, block),
                                     Frame(kData, 0, 3, GrpcMessage(0x7fffffff, "abc")))));
  EXPECT_TRUE(peer.ReadUntil(absl::Seconds(5), [&] { return ended(3); }));
  EXPECT_EQ(proxy_->oversized_messages(), 1u);
  EXPECT_FALSE(peer.closed());
  EXPECT_EQ(service_.unary_calls.load(), before);
  EXPECT_EQ(proxy_->malformed_connections(), 0u);

  EchoReply reply;
  ASSERT_TRUE(CallUnary("after", &reply).ok());
  EXPECT_EQ(service_.unary_calls.load(), before + 1);
}

// Peers that stall mid-preface or mid-frame hold up neither the link's
// other calls nor the proxy's shutdown.
TEST_F(LinkProxyTest, StalledPartialFramesHoldNothingUp) {
  WarmUp();
  std::vector<std::unique_ptr<RawPeer>> peers;
  const std::string start = absl::StrCat(kPreface, Frame(kSettings, 0, 0, ""));
  for (const std::string& bytes :
       {std::string(), std::string(kPreface.substr(0, 10)), start + Frame(kHeaders, 0, 1, "").substr(0, 5),
        start + Frame(kHeaders, kEndHeaders, 1, RequestBlock("/turncoat.test.Echo/Unary")) +
            Frame(kData, 0, 1, GrpcMessage(100, "abc"))}) {
    peers.push_back(std::make_unique<RawPeer>(proxy_->port()));
    ASSERT_TRUE(peers.back()->connected());
    if (!bytes.empty()) {
      ASSERT_TRUE(peers.back()->Send(bytes));
    }
  }
  EchoReply reply;
  const absl::Time start_call = absl::Now();
  ASSERT_TRUE(CallUnary("through", &reply).ok());
  EXPECT_LT(absl::Now() - start_call, absl::Seconds(3));

  // The stalled peers still hold their connections open while it stops.
  const absl::Time stop = absl::Now();
  proxy_.reset();
  EXPECT_LT(absl::Now() - stop, absl::Seconds(3));
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
