// tcpbft-client: submits `put VALUE` lines from stdin to a tcpbft cluster and
// prints `ok VALUE` or `fail VALUE` per line (client.h, README.md).
//
//   tcpbft-client --config FILE
//
// Exit status: 0 once stdin has ended and every request is answered (or on
// SIGTERM), 2 for a bad command line or config.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "targets/tcpbft/client.h"
#include "targets/tcpbft/config.h"
#include "targets/tcpbft/stop_signal.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "--config") != 0) {
    std::fprintf(stderr, "usage: tcpbft-client --config FILE\n");
    return 2;
  }
  absl::StatusOr<tcpbft::Config> config = tcpbft::LoadClientConfig(argv[2]);
  if (!config.ok()) {
    std::fprintf(stderr, "tcpbft-client: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  const volatile std::sig_atomic_t* stop = tcpbft::InstallStopSignals();
  tcpbft::Client client(*std::move(config));
  if (absl::Status status = client.Run(STDIN_FILENO, stop); !status.ok()) {
    std::fprintf(stderr, "tcpbft-client: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
