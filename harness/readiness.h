// ReadinessProbe: whether a started replica is ready, as its target says
// (docs/target-format.md, `replica.ready`): its listen port accepts
// connections, a line of its output matches a regular expression, or its
// gRPC health service answers SERVING. "Port open" is not "ready" for many
// systems (a server listens before it has dialled its peers), which is why
// the target chooses.
//
// One probe per replica process; Poll() is cheap enough to call every few
// tens of milliseconds (a log probe reads only what was appended since the
// last call). Not thread-safe.
#ifndef TURNCOAT_HARNESS_READINESS_H_
#define TURNCOAT_HARNESS_READINESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "model/target_spec.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace turncoat {

class ReadinessProbe {
 public:
  // `listen` is the replica's host:port; `workdir` holds its stdout.log and
  // stderr.log. kFirstCommit probes are always ready here: the controller
  // waits for that commit itself.
  ReadinessProbe(const ReadySpec& spec, std::string listen, std::string workdir);
  ~ReadinessProbe();

  bool Poll();
  // What the probe waits for, for error messages: "port 127.0.0.1:4000 to
  // accept connections".
  std::string Describe() const;

 private:
  const ReadySpec spec_;
  const std::string listen_;
  const std::string log_;
  std::unique_ptr<re2::RE2> regex_;
  long long offset_ = 0;
  std::string partial_;
  bool ready_ = false;
};

// True once something accepts TCP connections on `address` (host:port).
bool PortOpen(const std::string& address);

// Asks grpc.health.v1.Health/Check on `address` about `service` ("" for the
// server as a whole); true iff it answers SERVING within `timeout`.
bool GrpcHealthServing(const std::string& address, const std::string& service,
                       absl::Duration timeout);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_READINESS_H_
