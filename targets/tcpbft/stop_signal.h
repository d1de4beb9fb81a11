// SIGTERM and SIGINT as a flag a poll loop checks, for both tcpbft binaries.
// The handlers are installed without SA_RESTART, so a blocked poll() returns
// at once; SIGPIPE is ignored (sockets are written with MSG_NOSIGNAL anyway).
#ifndef TURNCOAT_TARGETS_TCPBFT_STOP_SIGNAL_H_
#define TURNCOAT_TARGETS_TCPBFT_STOP_SIGNAL_H_

#include <csignal>

namespace tcpbft {

// Installs the handlers; the flag becomes non-zero on the first signal.
const volatile std::sig_atomic_t* InstallStopSignals();

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_STOP_SIGNAL_H_
