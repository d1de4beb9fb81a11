// ForEachInParallel: runs one blocking task per index on a bounded set of
// threads and waits for all of them.
//
// The controller talks to n agents through blocking gRPC calls; made one
// after another, a 31-replica cluster's start-up is hundreds of round trips
// in a row, each waiting on an agent that has its own core time to find.
// Made side by side, they overlap. Every task runs to its end even when
// another fails, so a caller never leaves half its agents mid-call, and the
// result is the failure of the lowest index, so that which one is reported
// does not depend on thread timing.
//
// The threads are short-lived: a task must not start a process that should
// outlive it (common/subprocess.h ties a child's life to the forking
// thread). Tasks run concurrently with each other and must be thread-safe
// together; the call itself is thread-safe.
#ifndef TURNCOAT_HARNESS_PARALLEL_H_
#define TURNCOAT_HARNESS_PARALLEL_H_

#include <cstddef>
#include <functional>

#include "absl/status/status.h"

namespace turncoat {

// Runs task(0) .. task(count - 1), at most `max_threads` at a time (at
// least one), and returns the status of the lowest index that failed, or OK.
absl::Status ForEachInParallel(size_t count, size_t max_threads,
                               const std::function<absl::Status(size_t)>& task);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_PARALLEL_H_
