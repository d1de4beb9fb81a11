// Free TCP ports on the loopback interface, for tests and local clusters that
// need to tell a process its address before it starts.
//
// The port is free when PickFreePort returns, not reserved: another process
// may take it before the caller binds it. The kernel hands out ephemeral
// ports in rotation, so a port picked this way is rarely reused soon.
// Thread-safe.
#ifndef TURNCOAT_COMMON_PORTS_H_
#define TURNCOAT_COMMON_PORTS_H_

#include "absl/status/statusor.h"

namespace turncoat {

// A TCP port that was free on 127.0.0.1 a moment ago.
absl::StatusOr<int> PickFreePort();

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_PORTS_H_
