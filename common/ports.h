// Free TCP ports on the loopback interface, for tests and local clusters that
// need to tell a process its address before it starts.
//
// A picked port is leased to this process until it exits: no other turncoat
// process (a concurrent run, test or benchmark on the machine) picks it
// meanwhile. Without the lease two runs could pick the same port between one
// pick and the bind that follows it, and since gRPC servers bind with
// SO_REUSEPORT, two replicas of different clusters would then share one port
// and each other's traffic, silently. Leases are byte-range locks on one
// file, $TMPDIR/turncoat-ports.lock (/tmp by default), which the kernel
// releases when the process dies. Other programs are not excluded, but the
// port was free when picked. Ports are picked at random outside the kernel's
// ephemeral range, so that no listener on port 0 and no outgoing connection
// takes one between the pick and its bind. Thread-safe.
#ifndef TURNCOAT_COMMON_PORTS_H_
#define TURNCOAT_COMMON_PORTS_H_

#include "absl/status/statusor.h"

namespace turncoat {

// A TCP port that was free on 127.0.0.1 a moment ago, leased to this process.
absl::StatusOr<int> PickFreePort();

// Leases `port` to this process; false if this or another turncoat process
// already holds it.
bool LeasePort(int port);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_PORTS_H_
