// LinkProxy: a generic gRPC proxy for one directed link i->j.
//
// Replica i dials the proxy's port instead of j's address, so the proxy knows
// the link from the port alone. The proxy speaks HTTP/2 (nghttp2) on both
// hops and moves gRPC's framing itself: every method is proxied (unary and
// client, server and bidi streaming); headers (metadata, the deadline as
// grpc-timeout), trailers (status, details), cancellation (RST_STREAM) and a
// destination's refusal pass through as they are, so the sender's gRPC sees
// what it would see without the proxy, including transparent retries of a
// refused call. So does the destination's reachability: a sender's
// connection is answered only once the destination's is open (and closed
// if that fails), and when the destination is lost the senders get GOAWAY,
// with calls that never left the proxy declared unprocessed; the sender's
// wait_for_ready and reconnect back-off then act as without the proxy.
// Each gRPC message, in both directions, goes through the agent's
// RuleEngine, which decodes it only when a rule needs the fields;
// compressed messages pass the rules as their compressed bytes.
//
// Threading: each proxy runs one event loop (epoll, one thread) that owns
// its sockets and both sides of every call, so a call's steps run without
// locks, and what is ready in one turn of the loop leaves in one send per
// connection, across calls. An agent runs one proxy per link, so its links
// use the cores in parallel. The loop thread runs under SCHED_BATCH, and
// while its traffic is dense (BurstGauge) it yields its core between turns,
// so that messages gather and one system call moves several; ping-pong
// traffic never waits for it. Messages the engine releases on other threads
// (delays, hold windows, rule removal) are posted to the loop. Flow control
// is end to end per stream: the proxy returns a stream's HTTP/2 window only
// while fewer than 16 of its messages wait for the other side (a
// connection's window comes back at once, as gRPC's does). Calls the proxy
// makes itself (extra unary requests) end after 2 s; a connection to the
// destination that does not open within 5 s counts as unreachable.
//
// A gRPC message longer than kMaxGrpcMessageBytes, declared or arrived,
// ends its call as a server over its receive limit would (the sender sees
// RESOURCE_EXHAUSTED, the destination's stream is cancelled) and is not
// kept: a Byzantine sender cannot make its agent buffer without bound.
// A peer that breaks HTTP/2 itself loses its own connection (GOAWAY with the
// error, then close; counted); one that stalls mid-frame holds only its own
// connection, which the loop never waits on.
//
// ProxyRuntime is what an agent's proxies share: the engine, the timer thread
// that sends delayed frames and flushes hold windows, and the trace hook.
// Both classes are thread-safe. A LinkProxy's destructor stops accepting
// calls, gives running ones 500 ms, then resets them and returns.
#ifndef TURNCOAT_AGENTS_LINK_PROXY_H_
#define TURNCOAT_AGENTS_LINK_PROXY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agents/rule_engine.h"
#include "agents/timer_queue.h"

namespace turncoat {
namespace agent {

// The fate of one message, for reports.
struct TraceRecord {
  absl::Time time;
  LinkId link;
  std::string method;
  Direction direction = Direction::kRequest;
  size_t bytes = 0;
  ActionKind action = ActionKind::kPass;
  std::string rule_id;  // empty: no rule matched
};
using TraceFn = std::function<void(const TraceRecord&)>;

// 64 MiB: sixteen times gRPC's default receive limit.
inline constexpr size_t kMaxGrpcMessageBytes = size_t{64} << 20;

class ProxyRuntime {
 public:
  // `engine` must outlive the runtime. `trace` may be null.
  ProxyRuntime(RuleEngine* engine, TraceFn trace);
  ~ProxyRuntime();

  RuleEngine* engine() const { return engine_; }
  TimerQueue* timers() { return &timers_; }

  // Records one message in `every_n` (1: all, 0: none).
  void SetTraceSampling(uint32_t every_n) { trace_every_.store(every_n); }
  // Whether to trace the next message, by the sampling rate.
  bool ShouldTrace() {
    const uint32_t every = trace_every_.load(std::memory_order_relaxed);
    return trace_ && every != 0 &&
           trace_count_.fetch_add(1, std::memory_order_relaxed) % every == 0;
  }
  void Trace(const TraceRecord& record) { trace_(record); }
  uint64_t NextFrameId() { return frame_ids_.fetch_add(1, std::memory_order_relaxed); }

 private:
  RuleEngine* const engine_;
  const TraceFn trace_;
  std::atomic<uint32_t> trace_every_{0};
  std::atomic<uint64_t> trace_count_{0};
  std::atomic<uint64_t> frame_ids_{1};
  TimerQueue timers_;  // last: its thread uses the members above
};

class LinkProxy {
 public:
  // Listens on `listen` ("127.0.0.1:0" picks a port) and forwards to
  // `target` ("127.0.0.1:7001").
  static absl::StatusOr<std::unique_ptr<LinkProxy>> Start(
      std::shared_ptr<ProxyRuntime> runtime, LinkId link, const std::string& listen,
      const std::string& target);
  ~LinkProxy();

  LinkId link() const;
  int port() const;
  const std::string& target() const;
  // Turns in which the loop gave up its core to let dense traffic gather
  // (link_proxy.cc says why); never for ping-pong traffic. For tests and
  // diagnostics.
  uint64_t yielded_turns() const;
  // Calls ended because a message exceeded kMaxGrpcMessageBytes.
  uint64_t oversized_messages() const;
  // Connections, from the sender or to the destination, ended because the
  // peer broke HTTP/2 (a bad preface, a malformed or misplaced frame, broken
  // header compression): nghttp2 answers with GOAWAY and the proxy closes
  // that connection alone.
  uint64_t malformed_connections() const;

 private:
  struct Impl;
  explicit LinkProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_LINK_PROXY_H_
