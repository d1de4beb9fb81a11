#include "targets/tcpbft/stop_signal.h"

namespace tcpbft {
namespace {

volatile std::sig_atomic_t stop_requested = 0;

void RequestStop(int) { stop_requested = 1; }

}  // namespace

const volatile std::sig_atomic_t* InstallStopSignals() {
  struct sigaction action {};
  action.sa_handler = RequestStop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return &stop_requested;
}

}  // namespace tcpbft
