// tcpbft: a PBFT replica over plain TCP with its own framing, a test target
// for turncoat's TCP links (README.md).
//
//   tcpbft --config FILE [--bug=NAME]
//
// --bug overrides the config's `bug`, so that one target file serves the
// correct build and the planted bug (turncoat's --replica-arg=--bug=...).
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
  constexpr char kBugFlag[] = "--bug=";
  const bool bug_flag = argc == 4 && std::strncmp(argv[3], kBugFlag, sizeof(kBugFlag) - 1) == 0;
  if ((argc != 3 && !bug_flag) || std::strcmp(argv[1], "--config") != 0) {
    std::fprintf(stderr, "usage: tcpbft --config FILE [--bug=none|small-quorum]\n");
    return 2;
  }
  absl::StatusOr<tcpbft::Config> config = tcpbft::LoadReplicaConfig(argv[2]);
  if (!config.ok()) {
    std::fprintf(stderr, "tcpbft: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  if (bug_flag) {
    const std::string bug = argv[3] + sizeof(kBugFlag) - 1;
    if (bug == "small-quorum") {
      config->bug = tcpbft::Bug::kSmallQuorum;
    } else if (bug == "none") {
      config->bug = tcpbft::Bug::kNone;
    } else {
      std::fprintf(stderr, "tcpbft: unknown bug '%s'; expected none or small-quorum\n", bug.c_str());
      return 2;
    }
  }
  const volatile std::sig_atomic_t* stop = tcpbft::InstallStopSignals();
  tcpbft::Node node(*std::move(config));
  if (absl::Status status = node.Run(stop); !status.ok()) {
    std::fprintf(stderr, "tcpbft: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
