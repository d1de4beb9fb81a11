// `turncoat certs DIR [--hosts=H,...]`: makes what `turncoat run
// --agent-tls=DIR` needs for mutual TLS on the agents' control API
// (common/tls_certificates.h), in DIR (created if missing):
//   ca.pem, ca.key                 a certificate authority of its own
//   agent.pem, agent.key           the agents' server certificate, for the
//                                  hosts given plus 127.0.0.1 and localhost
//   controller.pem, controller.key the controller's client certificate
// Keys are mode 0600. It never overwrites: if any of the six files exists,
// it writes none and says which exist. It prints what it wrote and how to
// use it.
//
// Exit codes: 0 written; 2 on a bad command line, a host that is not a name
// or address, a file that exists or a DIR it cannot write; 3 when OpenSSL
// fails.
#ifndef TURNCOAT_HARNESS_COMMANDS_CERTS_COMMAND_H_
#define TURNCOAT_HARNESS_COMMANDS_CERTS_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "harness/commands/command_line.h"

namespace turncoat {

extern const CommandDoc kCertsCommand;

// The files `turncoat certs` writes, in the order it writes them.
const std::vector<std::string>& CertsFileNames();

int RunCerts(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_CERTS_COMMAND_H_
