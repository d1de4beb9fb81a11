// ProgramClient: turncoat's clients submitting values through the system's
// own client program (a target's `client.program`, CommandClientSpec), for
// systems whose clients sign requests, broadcast them to the replicas and
// wait for f+1 replies themselves. The program picks the replicas, so every
// Submit and Ack it records carries replica = kViaClientProgram (-1).
//
// Reading the program. Each line of its stdout is matched against the
// target's fail regex first, then its ack regex; a match whose `value` group
// names a value this client is waiting for settles that value: a fail match
// refuses it (accepted = false, error "refused: <line>"), an ack match
// accepts it. Every other line is only logged. Values are matched by value,
// not by order, so a program may answer out of order.
//
// Input `stdin`: one long-lived process per client, started by Start(), in
// its own process group. Each value is one line on its stdin (the rendered
// request plus '\n'); several may be outstanding. A value not settled
// within the deadline gets Ack accepted = false, error "DEADLINE_EXCEEDED:
// no acknowledgement within <deadline>". An ack line that arrives later is
// not recorded in the history (it stays in the stdout log): the history
// keeps one Ack per Submit, as a gRPC client's cancelled call has one, so
// the report's accepted/refused counts add up to the submissions and the
// liveness checker, which judges only accepted values, judges the value
// only if it was acknowledged within the deadline. If the program exits,
// the values it still held fail with error "client program exited with
// code N" (or "killed by signal S"), followed by its last stderr line, and
// it is started again after a pause, at most `max_restarts` times per run;
// then that client submits no more values and one error line on stderr
// says so.
//
// Input `args`: one process per value, argv = the program's command plus
// the rendered request arguments, stdin at end-of-file. The first matching
// line for this value settles it, whatever the exit status afterwards.
// Without one: a non-zero exit fails the value with its status and the last
// stderr line; exit 0 fails it too ("exited with code 0 without
// acknowledging the value"), because the target's ack regex, which it must
// have, is the program's contract for success and an exit status alone
// cannot tell an acknowledged value from a misread ack line. A process
// still running at the deadline has its process group killed; the value
// fails with DEADLINE_EXCEEDED unless it was already settled.
//
// Logs: `<log_dir>/client-<index>.stdout` holds every line the client's
// programs printed and `client-<index>.stderr` their stderr (in args mode
// each line prefixed with "[<seq>] ", the number of the value).
//
// Nothing outlives Shutdown() (or the destructor): it closes each stdin,
// waits briefly, then kills the process groups. Thread-safety: as Submitter
// (submitter.h); the clock and sink must be thread-safe.
#ifndef TURNCOAT_HARNESS_PROGRAM_CLIENT_H_
#define TURNCOAT_HARNESS_PROGRAM_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "harness/submitter.h"
#include "model/history.h"
#include "model/target_spec.h"

namespace turncoat {

// The `replica` of Submit and Ack events made through a client program.
inline constexpr int kViaClientProgram = -1;

// One turncoat client's program, as the controller rendered it.
struct ClientProgram {
  RenderedProcess process;  // argv, env, cwd, files written before it first starts
  std::string log_dir;      // receives client-<index>.stdout and .stderr; created if missing
  // The request for the client's value number `seq` (from 0): the one line
  // written to its stdin, or the arguments appended to its command.
  std::function<absl::StatusOr<std::vector<std::string>>(absl::string_view value, int64_t seq)>
      request;
};

class ProgramClient final : public Submitter {
 public:
  struct Options {
    absl::Duration deadline = absl::Seconds(1);    // for each value's acknowledgement
    int max_restarts = 3;                          // stdin input: per client and run
    std::function<absl::Duration()> clock;         // the run's clock, stamping events
    std::function<void(Event)> sink;               // receives Submit and Ack events
    const absl::Notification* stopping = nullptr;  // the workload stops submitting
  };

  // Checks `spec` and `programs` (client c runs programs[c]): the regular
  // expressions, that each command names an executable, that a request can
  // be rendered. Creates the log directories, writes each program's files
  // and opens its logs; starts nothing. `options.stopping` must outlive the
  // ProgramClient.
  static absl::StatusOr<std::unique_ptr<ProgramClient>> Create(const CommandClientSpec& spec,
                                                               std::vector<ClientProgram> programs,
                                                               Options options);

  ProgramClient(const ProgramClient&) = delete;
  ProgramClient& operator=(const ProgramClient&) = delete;
  ~ProgramClient() override;  // Shutdown()s

  void Start() override;
  bool AwaitReady(int client) override;
  bool Submit(int client, int64_t seq, const std::string& value) override;
  void Shutdown() override;

 private:
  struct Impl;
  explicit ProgramClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_PROGRAM_CLIENT_H_
