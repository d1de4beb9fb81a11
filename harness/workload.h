// WorkloadRunner: the clients of a run, submitting values to the system
// under test.
//
// `clients` clients together submit `rate` values per second, each value
// recorded in the controller's history as a Submit event right before it
// leaves and an Ack event once it is settled. How a value is submitted
// depends on the target's ClientSpec::kind: a unary gRPC call to a
// replica's listen address (below), or the system's own client program
// (program_client.h), which picks the replicas itself and so records
// replica = kViaClientProgram (-1). It behaves like a simple open-loop BFT
// client:
//
// * Pacing (pacer.h). Client c's k-th slot falls at
//   start + c/rate + k*clients/rate, so the clients interleave into one
//   evenly paced stream. A client keeps at most ClientSpec::in_flight values
//   outstanding: while that many are, slots that fall due are dropped rather
//   than sent in a burst once one completes. A slow cluster therefore gets
//   fewer values, never a backlog; `submitted()` tells how many it got.
// * Closed loop and rate changes. With WorkloadOptions::closed_loop each
//   client sends its next value as soon as one of its in_flight slots frees,
//   unpaced, which measures what the system sustains (`accepted()` over
//   time); SetRate then paces the running clients without a restart or a
//   burst. In closed loop a value that fails without an answer holds its
//   slot for at least kClosedLoopRetryPause, so an unreachable system is not
//   flooded.
// * Deadline. Each value gets ClientSpec::deadline to be acknowledged.
// * Values. The k-th value of client c is WorkloadValue(seed, c, k,
//   value_bytes): unique in the run, the same for the same seed, printable
//   ASCII (so every target's text encoding carries it unchanged).
//
// Over gRPC:
// * Routing and retries. The k-th value of client c goes first to replica
//   (c + k) mod n. If the call fails (a non-OK status: replica down,
//   unreachable, deadline exceeded) the client tries the next replica, up to
//   n attempts for the value, each one its own Submit and Ack. A reply from a
//   reachable replica ends the attempts, whether it accepted the value or
//   refused it (a replica refuses a value it already holds, so asking another
//   would only duplicate it).
// * Acceptance. With ClientSpec::accepted_field set, the reply's bool field
//   decides; without it, an OK status means accepted. A refusal is recorded
//   with error "not accepted" (plus ": <text>" when the reply type has a
//   string field named `error` that is not empty); a failed call with the
//   gRPC status code and message.
//
// Threads: one per client and in-flight slot (clients * in_flight), each
// submitting one value at a time, plus what the client program needs.
//
// Thread-safety: Start, Stop, SetRate, submitted and accepted may be called
// from any thread. The clock and the sink are called from the client
// threads concurrently and must be thread-safe.
#ifndef TURNCOAT_HARNESS_WORKLOAD_H_
#define TURNCOAT_HARNESS_WORKLOAD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "harness/program_client.h"
#include "model/history.h"
#include "model/plan.h"
#include "model/proto_schema.h"
#include "model/target_spec.h"

namespace turncoat {

// In closed loop, the least time between the start of a value that failed
// without an answer from the system and the next value of its slot.
inline constexpr absl::Duration kClosedLoopRetryPause = absl::Milliseconds(100);

struct WorkloadOptions {
  Workload workload;  // rate (ignored in closed loop), clients, value_bytes
  uint64_t seed = 0;
  // Start closed loop instead of paced at workload.rate; SetRate paces.
  bool closed_loop = false;
  // Overrides ClientSpec::deadline when set.
  std::optional<absl::Duration> call_timeout;

  // ClientSpec::Kind::kGrpc: replica i's client address host:port; index = id.
  std::vector<std::string> addresses;

  // ClientSpec::Kind::kCommand: client c's program is programs[c], one per
  // client.
  std::vector<ClientProgram> programs;
  // kCommand with stdin input: how often one client's program is started
  // again after it exits during the run before that client gives up.
  int max_restarts = 3;
};

// The k-th value client `client` submits in a run with `seed`:
// "tc<seed>-c<client>-<k>-" padded with pseudo-random letters and digits
// (drawn from seed, client and k only) to exactly `value_bytes` bytes. A
// value_bytes shorter than that prefix yields the prefix alone: uniqueness
// wins over length.
std::string WorkloadValue(uint64_t seed, int client, int64_t k, int value_bytes);

class WorkloadRunner {
 public:
  // Checks `client` and `options`, and prepares the kind of client it names:
  // over gRPC, checks `client` against `schema` (method, request type, value
  // and accepted fields) and opens one channel per replica; with a client
  // program, checks the programs and writes their files (program_client.h).
  // Nothing is submitted and no process started before Start. `schema` must
  // outlive the runner. `clock` returns the time since the run started (the
  // controller's clock, which stamps every event); `sink` receives the
  // Submit and Ack events.
  static absl::StatusOr<std::unique_ptr<WorkloadRunner>> Create(
      const ClientSpec& client, const ProtoSchema& schema, WorkloadOptions options,
      std::function<absl::Duration()> clock, std::function<void(Event)> sink);

  WorkloadRunner(const WorkloadRunner&) = delete;
  WorkloadRunner& operator=(const WorkloadRunner&) = delete;
  ~WorkloadRunner();  // Stop()s

  // Starts the clients (and, with stdin input, their programs); the
  // schedule's time 0 is clock() now. Call once; a call after the first, or
  // after Stop, does nothing.
  void Start();

  // Paces the clients at `rate` values per second from now on, from closed
  // loop or another rate: each client's schedule restarts now, offset as at
  // Start. Values in flight are not disturbed. Before Start, sets the rate
  // Start begins with. InvalidArgument unless rate is positive and finite.
  absl::Status SetRate(double rate);

  // Stops submitting: no new value and no new retry starts. Waits for the
  // values in flight, which their deadline bounds, and records their Acks;
  // then closes the client programs' stdin, waits briefly and kills their
  // process groups. Returns within about the deadline plus half a second.
  // Idempotent.
  void Stop();

  // Values submitted so far (first attempts; retries do not count).
  int64_t submitted() const;
  // Acks that accepted a value, so far.
  int64_t accepted() const;

 private:
  struct Impl;
  explicit WorkloadRunner(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_WORKLOAD_H_
