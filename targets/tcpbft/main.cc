// tcpbft: a PBFT replica over plain TCP with its own framing, a test target
// for turncoat's TCP links (README.md).
//
//   tcpbft --config FILE
//
// Exit status: 0 after SIGTERM or SIGINT, 2 for a bad command line or
// config, 1 if it cannot listen.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "targets/tcpbft/config.h"
#include "targets/tcpbft/node.h"

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void RequestStop(int) { stop_requested = 1; }

}  // namespace

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
  struct sigaction action {};
  action.sa_handler = RequestStop;  // no SA_RESTART: poll() returns at once
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  tcpbft::Node node(*std::move(config));
  absl::Status status = node.Run(&stop_requested);
  if (!status.ok()) {
    std::fprintf(stderr, "tcpbft: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
