// AgentServer: turncoat-agent's control API (proto/agent.proto) over gRPC.
//
// One agent per replica: it supervises the replica, tails its output for
// commits, runs one LinkProxy per outgoing link the controller opens, holds
// the fault rules and streams events (process, commit, message fate) to
// every Events subscriber.
//
// Security: the API listens on loopback unless TLS credentials are given;
// asking for any other address without them is an error.
//
// Thread-safe. Shutdown() (or the destructor) stops the API, the proxies,
// the observer and the replica, in that order.
#ifndef TURNCOAT_AGENTS_AGENT_SERVER_H_
#define TURNCOAT_AGENTS_AGENT_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace turncoat {
namespace agent {

struct AgentOptions {
  std::string listen = "127.0.0.1:0";
  // PEM files. Required for a non-loopback address; with a client CA the
  // controller must present a certificate it signed.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  uint64_t seed = 1;  // drives every random choice of the fault rules
};

class AgentServer {
 public:
  static absl::StatusOr<std::unique_ptr<AgentServer>> Start(const AgentOptions& options);
  ~AgentServer();

  int port() const;
  // Blocks until Shutdown() is called from another thread.
  void Wait();
  void Shutdown();

 private:
  struct Impl;
  explicit AgentServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for "127.0.0.1:…", "localhost:…" and "[::1]:…".
bool IsLoopbackAddress(const std::string& address);

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_AGENT_SERVER_H_
