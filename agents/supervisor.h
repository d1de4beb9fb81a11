// Supervisor: runs one replica process for the agent — start, stop (SIGTERM
// then SIGKILL), kill, pause (SIGSTOP), resume, restart — and reports how it
// started and ended.
//
// The replica leads its own process group (common/subprocess.h), so signals
// reach whatever it forked, and it dies with the agent; what it forked that
// left the group (setsid) is signalled with it when found under it. Linux ties the
// parent-death signal to the forking *thread*, so every spawn happens on the
// supervisor's own long-lived thread; callers on gRPC threads post commands
// to it. stdout and stderr go to stdout.log and stderr.log in the workdir.
//
// Thread-safe; the event callback runs on the supervisor's thread.
#ifndef TURNCOAT_AGENTS_SUPERVISOR_H_
#define TURNCOAT_AGENTS_SUPERVISOR_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace turncoat {
namespace agent {

struct ReplicaCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string workdir;  // created if missing; stdout.log and stderr.log go here
  std::string cwd;      // the replica's working directory; empty: workdir
};

struct ProcessStatus {
  enum class Kind { kStarted, kExited, kPaused, kResumed };
  Kind kind = Kind::kStarted;
  int pid = 0;
  int exit_code = 0;
  int signal = 0;  // > 0 when killed by a signal
};

class Supervisor {
 public:
  explicit Supervisor(std::function<void(const ProcessStatus&)> on_event);
  // Kills the replica's group if it still runs.
  ~Supervisor();

  // Starts the replica; fails if one already runs. Returns its pid.
  absl::StatusOr<int> Start(ReplicaCommand command);
  // SIGTERM, then SIGKILL after `grace`; returns how it ended.
  absl::StatusOr<ProcessStatus> Stop(absl::Duration grace);
  absl::StatusOr<ProcessStatus> Kill();
  absl::Status Pause();
  absl::Status Resume();
  // Stops the running replica (if any) and starts the last command again.
  absl::StatusOr<int> Restart(absl::Duration grace);
  // The running replica's pid, 0 if none.
  int pid() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_SUPERVISOR_H_
