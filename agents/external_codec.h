// ExternalCodec: a system's own serialization, translated by a helper program.
//
// Payloads that are neither protobuf nor JSON are read and rewritten through
// an external codec command the target names: the agent starts it once and,
// over its stdin and stdout, asks it to turn the bytes of a named type into a
// JSON tree (Decode) and a possibly edited tree back into bytes (Encode), so
// adversaries can rewrite any wire format without recompiling turncoat. The
// protocol, for the authors of such commands, is docs/codec-protocol.md.
//
// Promises:
// - A call returns within three Options::timeout at most: one to wait for
//   its turn (other callers go first), one to restart the codec if that is
//   due, one for the codec's answer. Only the last counts against the
//   codec; giving up on the first leaves it alone.
// - A codec that hangs, dies or breaks the protocol never takes the agent
//   down: requests go out with send(MSG_NOSIGNAL) on a socket
//   (SpawnOptions::stdio_socket), so no SIGPIPE can fire, and malformed
//   answers are errors. Such a codec is killed (its whole process group) and
//   the next call starts a fresh one, which is greeted again.
// - After `max_failures` failed starts or calls in a row within
//   `failure_window`, calls fail at once for `cooldown` instead of
//   restarting the codec in a loop.
// - Every error names the command; errors about a codec that failed quote
//   what it printed (stdout garbage, or the last lines of its stderr log).
//
// Thread-safe: calls from many threads take turns on the one process. Every
// incarnation of the process is forked by a thread this object owns, which
// lives as long as it does, so the parent-death signal (common/subprocess.h)
// fires only when the agent itself dies, and callers may use any thread,
// short-lived ones included. Do not destroy it while calls are in progress.
#ifndef TURNCOAT_AGENTS_EXTERNAL_CODEC_H_
#define TURNCOAT_AGENTS_EXTERNAL_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "nlohmann/json.hpp"

namespace turncoat {
namespace agent {

class ExternalCodec {
 public:
  struct Options {
    // The command; argv[0] is searched in PATH.
    std::vector<std::string> argv;
    // Variables set on top of the agent's environment.
    std::vector<std::pair<std::string, std::string>> env;
    // Its working directory; empty keeps the agent's.
    std::string workdir;
    // Its stderr log, truncated at Start and appended to by restarts (each
    // restart adds a line saying why). Empty discards stderr, and with it
    // what errors could have quoted.
    std::string stderr_path;
    // Bounds the codec's answer to each request, the hello included.
    absl::Duration timeout = absl::Seconds(2);
    // The largest frame accepted in either direction.
    size_t max_frame_bytes = 16 << 20;
    // Restart policy; see the header comment.
    int max_failures = 5;
    absl::Duration failure_window = absl::Seconds(10);
    absl::Duration cooldown = absl::Seconds(10);
    // How long destruction waits for the codec to exit once its stdin has
    // closed, before killing it.
    absl::Duration exit_grace = absl::Milliseconds(500);
  };

  // Starts the codec and greets it. Fails (and leaves nothing running) if the
  // program cannot be started or does not answer the greeting correctly
  // within the timeout: Unavailable when it cannot start or exits,
  // DeadlineExceeded when it is silent, FailedPrecondition when it refuses
  // or speaks another protocol version, Internal when its answer is
  // malformed; InvalidArgument for unusable options.
  static absl::StatusOr<std::unique_ptr<ExternalCodec>> Start(Options options);

  // Closes the codec's stdin, waits up to exit_grace for it to exit, then
  // kills its process group.
  ~ExternalCodec();
  ExternalCodec(const ExternalCodec&) = delete;
  ExternalCodec& operator=(const ExternalCodec&) = delete;

  // `bytes` of type `type` (a name from the target file) as a JSON tree,
  // object members in the order the codec wrote them: a codec may encode
  // them in the order it gets them back, and a round trip must not reorder.
  // InvalidArgument when the codec says it cannot decode them (its reason is
  // quoted) or the request would exceed the frame limit; otherwise errors
  // as in the header comment: DeadlineExceeded (timed out, codec killed),
  // Unavailable (it exited, cannot be restarted, or is in its cooldown),
  // Internal (malformed answer, codec killed).
  absl::StatusOr<nlohmann::ordered_json> Decode(absl::string_view type, absl::string_view bytes);

  // `tree` serialized as type `type`. Errors as for Decode; InvalidArgument
  // also when the tree holds strings that are not UTF-8.
  absl::StatusOr<std::string> Encode(absl::string_view type, const nlohmann::ordered_json& tree);

  // The type names the codec listed when it was started (possibly none).
  const std::vector<std::string>& types() const { return types_; }

  // The command as errors quote it: argv joined by spaces.
  const std::string& command() const { return command_; }

 private:
  class Spawner;
  struct Answer;
  enum class Op { kDecode, kEncode };

  explicit ExternalCodec(Options options);

  // Waits for the call's turn and runs it. `body` is the request without its
  // id; `what` says what the call does, for errors.
  absl::StatusOr<Answer> Call(Op op, std::string body, absl::string_view what);
  // Runs a call whose turn it is: restarts the codec if due, sends the
  // request and checks the answer.
  absl::StatusOr<Answer> CallOnce(Op op, std::string request_tail, absl::string_view what);
  // Starts a process and greets it; on failure nothing is left running.
  absl::Status Launch(absl::Time deadline, bool first);
  // Sends one request frame and reads the one answer frame, whose id must
  // be `id` and whose "ok" must be a boolean.
  absl::StatusOr<nlohmann::ordered_json> Exchange(const std::string& request, int64_t id,
                                                  absl::string_view what, absl::Time deadline);
  // Describes a codec that stopped talking: how it exited, if it did.
  absl::Status Died(absl::string_view when);
  // Kills the process after a failure of `status`, adding what it printed
  // on stderr.
  absl::Status Abandon(absl::Status status);
  // Counts a failed start or call; may begin the cooldown.
  absl::Status Failed(absl::Status status);
  std::string StderrTail() const;
  std::string LogHint() const;
  absl::Status Named(const absl::Status& status) const;

  const Options options_;
  const std::string command_;
  std::vector<std::string> types_;  // set by Start, then constant
  std::unique_ptr<Spawner> spawner_;

  absl::Mutex mu_;
  bool idle_ ABSL_GUARDED_BY(mu_) = true;

  // Owned by the one call that turned idle_ false (and by Start and the
  // destructor, which run alone), so no lock guards them.
  std::optional<Subprocess> child_;
  int64_t next_id_ = 1;
  int64_t stderr_offset_ = 0;   // where the running incarnation's stderr begins
  std::string restart_reason_;  // why the last process was abandoned
  std::deque<absl::Time> failures_;
  absl::Time cooldown_until_ = absl::InfinitePast();
  std::string cooldown_reason_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_EXTERNAL_CODEC_H_
