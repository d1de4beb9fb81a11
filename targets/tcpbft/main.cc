// tcpbft: a PBFT replica over plain TCP with its own framing, a test target
// for turncoat's TCP links (README.md).
//
//   tcpbft --config FILE
//
// Exit status: 0 after SIGTERM or SIGINT, 2 for a bad command line or
// config, 1 if it cannot listen.
#include <cstdio>
#include <cstring>
#include <string>

#include "targets/tcpbft/config.h"
#include "targets/tcpbft/node.h"
#include "targets/tcpbft/stop_signal.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "--config") != 0) {
    std::fprintf(stderr, "usage: tcpbft --config FILE\n");
    return 2;
  }
  absl::StatusOr<tcpbft::Config> config = tcpbft::LoadReplicaConfig(argv[2]);
  if (!config.ok()) {
    std::fprintf(stderr, "tcpbft: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  const volatile std::sig_atomic_t* stop = tcpbft::InstallStopSignals();
  tcpbft::Node node(*std::move(config));
  if (absl::Status status = node.Run(stop); !status.ok()) {
    std::fprintf(stderr, "tcpbft: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
