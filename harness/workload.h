// WorkloadRunner: the clients of a run, submitting values to the replicas.
//
// `clients` client threads together submit `rate` values per second over a
// target's client method (a unary gRPC call described by the target file's
// ClientSpec), and report every attempt to the controller's history as a
// Submit event right before the call and an Ack event when it completes. It
// behaves like a simple open-loop BFT client:
//
// * Pacing. Client c sends its k-th scheduled value at
//   start + c/rate + k*clients/rate, so the clients interleave into one evenly
//   paced stream. A client has at most one value in flight: if its previous
//   value is still being submitted when the next is due, the next goes out
//   the moment it finishes, and slots missed meanwhile are dropped rather than
//   sent in a burst. A slow cluster therefore gets fewer values, never a
//   backlog; `submitted()` tells how many it got.
// * Values. The k-th value of client c is WorkloadValue(seed, c, k,
//   value_bytes): unique in the run, the same for the same seed, printable
//   ASCII (so every target's text encoding carries it unchanged).
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
// Thread-safety: Start, Stop and submitted may be called from any thread.
// The clock and the sink are called from the client threads concurrently and
// must be thread-safe.
#ifndef TURNCOAT_HARNESS_WORKLOAD_H_
#define TURNCOAT_HARNESS_WORKLOAD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "harness/history.h"
#include "harness/plan.h"
#include "harness/proto_schema.h"
#include "harness/target_spec.h"

namespace turncoat {

struct WorkloadOptions {
  Workload workload;                   // rate, clients, value_bytes
  std::vector<std::string> addresses;  // replica i's client address host:port; index = id
  uint64_t seed = 0;
  absl::Duration call_timeout = absl::Seconds(1);  // deadline of each attempt
};

// The k-th value client `client` submits in a run with `seed`:
// "tc<seed>-c<client>-<k>-" padded with pseudo-random letters and digits
// (drawn from seed, client and k only) to exactly `value_bytes` bytes. A
// value_bytes shorter than that prefix yields the prefix alone: uniqueness
// wins over length.
std::string WorkloadValue(uint64_t seed, int client, int64_t k, int value_bytes);

class WorkloadRunner {
 public:
  // Checks `client` against `schema` (method, request type, value and
  // accepted fields) and `options`, and opens one channel per replica; no
  // call is made before Start. `schema` must outlive the runner. `clock`
  // returns the time since the run started (the controller's clock, which
  // stamps every event); `sink` receives the Submit and Ack events.
  static absl::StatusOr<std::unique_ptr<WorkloadRunner>> Create(
      const ClientSpec& client, const ProtoSchema& schema, WorkloadOptions options,
      std::function<absl::Duration()> clock, std::function<void(Event)> sink);

  WorkloadRunner(const WorkloadRunner&) = delete;
  WorkloadRunner& operator=(const WorkloadRunner&) = delete;
  ~WorkloadRunner();  // Stop()s

  // Starts the clients; the schedule's time 0 is clock() now. Call once; a
  // call after the first, or after Stop, does nothing.
  void Start();

  // Stops submitting: no new value and no new retry starts. Waits for the
  // calls in flight, which their deadline bounds, and records their Acks, so
  // it returns within about call_timeout. Idempotent.
  void Stop();

  // Values submitted so far (first attempts; retries do not count).
  int64_t submitted() const;

 private:
  struct Impl;
  explicit WorkloadRunner(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_WORKLOAD_H_
