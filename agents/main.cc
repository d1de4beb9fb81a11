// turncoat-agent: one per replica. Serves the control API, prints
// "turncoat-agent listening on <port>" and runs until SIGTERM or SIGINT,
// then stops its replica and proxies.
//
//   turncoat-agent [--listen=127.0.0.1:0] [--port_file=F] [--seed=N]
//                  [--tls_cert=F --tls_key=F [--tls_client_ca=F]]
#include <signal.h>

#include <cstdio>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "agents/agent_server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "control API address");
ABSL_FLAG(std::string, port_file, "", "write the chosen control port here");
ABSL_FLAG(uint64_t, seed, 1, "seed of the fault rules' random choices");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate (required off loopback)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key (required off loopback)");
ABSL_FLAG(std::string, tls_client_ca, "", "PEM CA that client certificates must chain to");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil with mutex deadlock detection on; the link proxies
  // lock an absl::Mutex per message (the rule set's snapshot) and gRPC one
  // per call, and the bookkeeping cost the proxies about 7 % of their CPU
  // (bench/README.md). Set before any thread can hold a mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Signals are taken synchronously below; block them before any thread
  // starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  turncoat::agent::AgentOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  auto server = turncoat::agent::AgentServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "turncoat-agent: %s\n", server.status().ToString().c_str());
    return 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    // Written whole then renamed, so a reader never sees a partial number.
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << (*server)->port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  std::printf("turncoat-agent listening on %d\n", (*server)->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Shutdown();
  return 0;
}
