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
// ResourceExhausted, at once, when none is to be found: every port tried is
// in use or leased (the message names the range and what to do).
absl::StatusOr<int> PickFreePort();

// PickFreePort over the ports low..high only, for tests of a narrow range.
absl::StatusOr<int> PickFreePortIn(int low, int high);

// Whether some socket other than a closing connection holds 127.0.0.1:`port`
// now, so that a listener could not bind it: how a replica that did not
// start is told from one whose port a program outside turncoat took after
// it was picked (leases exclude only turncoat processes).
bool PortInUse(int port);

// Leases `port` to this process; false if this or another turncoat process
// already holds it.
bool LeasePort(int port);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_PORTS_H_
