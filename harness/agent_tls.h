// AgentTls: the certificates of `turncoat run --agent-tls=DIR`, with which the
// controller starts its agents serving their control API over mutual TLS
// and connects to them presenting its client certificate.
//
// DIR is what `turncoat certs DIR` writes: ca.pem (trusted by both sides),
// agent.pem and agent.key (each agent's server certificate, which must name
// 127.0.0.1, the address the controller dials), controller.pem and
// controller.key (the controller's client certificate). Load() reads the
// controller's three files and checks that the agent's two can be read, so
// that a wrong DIR is bad input before anything starts rather than agents
// that fail to come up.
//
// Immutable after Load(); safe to share between threads.
#ifndef TURNCOAT_HARNESS_AGENT_TLS_H_
#define TURNCOAT_HARNESS_AGENT_TLS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace turncoat {

struct AgentTls {
  // Reads DIR's files. A missing or unreadable one is an InvalidArgument
  // error naming it and the fix (`turncoat certs DIR`).
  static absl::StatusOr<AgentTls> Load(const std::string& dir);

  // The agent's flags, absolute paths (agents run in directories of their
  // own): --tls_cert, --tls_key, --tls_client_ca.
  std::vector<std::string> AgentFlags() const;

  // Absolute paths of the files the agent reads.
  std::string ca_path;
  std::string agent_cert_path;
  std::string agent_key_path;
  // PEM texts the controller presents and trusts.
  std::string ca_pem;
  std::string controller_cert_pem;
  std::string controller_key_pem;
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_AGENT_TLS_H_
