// Subprocess: a child process that leads its own process group and cannot
// outlive the code that started it.
//
// turncoat starts replicas (and tests start whole clusters) that in turn may
// start helpers of their own. Signals therefore go to the child's whole
// process group, so a shell wrapper or a forked helper dies with the replica,
// and PR_SET_PDEATHSIG kills the child when its parent goes away, so a crashed
// harness or test leaves no replica behind. When the group leader exits, any
// process still in its group is killed before the leader is reaped: a group
// lives and dies with its leader. With SpawnOptions::signal_descendants, a
// descendant that left the group (setsid, as daemons do) is signalled on its
// own, along with the group, when found under the child at the time of a
// signal, and killed with the group when the child is reaped (DescendantsOf
// in common/process_table.h). One that left it and whose parent exited
// before any signal (a double fork) has been adopted by another process and
// is out of reach.
//
// Note that Linux delivers the parent-death signal when the *thread* that
// forked exits, not the process: spawn from a thread that lives as long as the
// child should (the main thread, or a long-lived supervisor thread).
//
// A child can instead talk to its parent over stdin and stdout (a helper
// process speaking a protocol, such as an external codec): they are then one
// end of a socket pair whose other end the Subprocess owns.
//
// A Subprocess is move-only and not thread-safe: one owner calls its methods.
// Destroying one whose child still runs kills the group and reaps the child.
#ifndef TURNCOAT_COMMON_SUBPROCESS_H_
#define TURNCOAT_COMMON_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/process_table.h"

namespace turncoat {

struct SpawnOptions {
  // Files that receive the child's stdout and stderr, created or truncated
  // (or appended to, see below). Empty means /dev/null. stdin is /dev/null
  // unless stdio_socket is set.
  std::string stdout_path;
  std::string stderr_path;
  // Open those files for appending instead of truncating them, so a restarted
  // child does not erase what its predecessor logged.
  bool append_output = false;
  // Connects the child's stdin and stdout both to one end of a new AF_UNIX
  // stream socket pair; Subprocess::stdio_fd() is the other end. A socket
  // rather than two pipes so the parent can write with send(MSG_NOSIGNAL):
  // a child that died cannot kill the parent with SIGPIPE, whatever the
  // process-wide SIGPIPE disposition. Excludes stdout_path.
  bool stdio_socket = false;
  // The child's working directory; empty keeps the parent's.
  std::string workdir;
  // Variables set in the child on top of the parent's environment.
  std::vector<std::pair<std::string, std::string>> env;
  // Signals reach the child's descendants that left its process group too,
  // and they are killed with the group: for a child that is not meant to
  // lead groups of its own (a replica). Off for one that does on purpose
  // (an agent's replica leads its own group, and the agent's orderly stop
  // must be what ends it), and it costs a read of /proc per signal.
  bool signal_descendants = false;
};

// How a child ended: exited with `code`, or killed by `signal` (then > 0).
struct ExitStatus {
  int code = 0;
  int signal = 0;

  bool success() const { return signal == 0 && code == 0; }
  std::string ToString() const;
};

class Subprocess {
 public:
  // Forks and executes argv[0] (searched in PATH) with `argv`. Fails if the
  // files cannot be opened or the program cannot be executed.
  static absl::StatusOr<Subprocess> Spawn(const std::vector<std::string>& argv,
                                          const SpawnOptions& options);

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  // The child's pid, which is also its process group id.
  pid_t pid() const { return pid_; }
  // The parent's end of the child's stdin and stdout when spawned with
  // stdio_socket, else -1. Owned by this object (close-on-exec, closed on
  // destruction); write with send(..., MSG_NOSIGNAL).
  int stdio_fd() const { return stdio_fd_; }
  // Shuts down the writing side of stdio_fd(), so the child reads end-of-file
  // on stdin; what it still prints can be read.
  absl::Status CloseStdin();
  // True until the child has been reaped by Wait, TryWait, Stop or Kill.
  bool running() const { return pid_ > 0 && !exit_.has_value(); }

  // Sends `sig` to every process in the child's group (and, with
  // signal_descendants, to its descendants that left the group).
  absl::Status Signal(int sig);
  // The exit status if the child has ended, std::nullopt if it still runs.
  absl::StatusOr<std::optional<ExitStatus>> TryWait();
  // Waits up to `timeout` for the child to end; DeadlineExceeded if it does
  // not.
  absl::StatusOr<ExitStatus> Wait(absl::Duration timeout = absl::InfiniteDuration());
  // SIGTERM to the group, then SIGKILL if the child has not ended after
  // `grace`.
  absl::StatusOr<ExitStatus> Stop(absl::Duration grace);
  // SIGKILL to the group, then waits for the child.
  absl::StatusOr<ExitStatus> Kill();

 private:
  Subprocess(pid_t pid, int stdio_fd, bool signal_descendants)
      : pid_(pid), stdio_fd_(stdio_fd), signal_descendants_(signal_descendants) {}
  // Reaps the child if it has ended, after killing what is left of its group.
  absl::StatusOr<std::optional<ExitStatus>> Reap(bool block);

  // Sends `sig` to the escaped descendants that still run.
  void KillEscaped(int sig);
  // Kills and reaps a running child, then closes stdio_fd_.
  void Release();

  pid_t pid_ = -1;
  int stdio_fd_ = -1;
  std::optional<ExitStatus> exit_;
  bool signal_descendants_ = false;
  // Descendants found outside the group when it was signalled; killed with it.
  std::vector<ProcessIdentity> escaped_;
};

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_SUBPROCESS_H_
