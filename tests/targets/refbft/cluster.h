// LocalCluster: n refbft processes on 127.0.0.1, for integration tests and
// benchmarks of the real binary.
//
// Start() generates keys with `refbft keygen`, picks free ports, spawns every
// replica in its own process group (see common/subprocess.h, so none outlives
// the cluster or the test binary) and waits until each serves gRPC. Values are
// submitted over the Client API; commits are read back from each replica's
// stdout file, the same JSON lines turncoat's observer reads.
//
// Submit() may be called from several threads at once. Every other method
// must be called from the thread that called Start(): Linux kills the
// replicas when that thread exits (PR_SET_PDEATHSIG).
#ifndef TURNCOAT_TESTS_TARGETS_REFBFT_CLUSTER_H_
#define TURNCOAT_TESTS_TARGETS_REFBFT_CLUSTER_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace refbft {

// The refbft binary this fixture was built against.
std::string RefbftBinary();

struct ClusterOptions {
  int n = 4;
  // Extra flags for every replica, e.g. "--bug=double-commit".
  std::vector<std::string> flags;
  // Short, so that tests of a failed leader finish quickly.
  int view_timeout_ms = 300;
  // How long Start() and Restart() wait for a replica to serve.
  absl::Duration startup_timeout = absl::Seconds(15);
};

// One line of a replica's commit log.
struct Commit {
  uint32_t replica = 0;
  uint64_t seq = 0;
  uint64_t height = 0;
  uint64_t view = 0;
  std::string value;  // the raw bytes, decoded from the JSON string
};

// Parses {"replica":..,"seq":..,"height":..,"view":..,"value":".."}; the value's
// code points U+0000..U+00FF map back to one byte each.
absl::StatusOr<Commit> ParseCommitLine(absl::string_view line);

// Reads a growing commit log incrementally. Thread-compatible.
class CommitLogReader {
 public:
  explicit CommitLogReader(std::string path) : path_(std::move(path)) {}
  // The commits completed since the last call. A line still being written
  // (no newline yet) is kept for the next call.
  absl::StatusOr<std::vector<Commit>> ReadNew();

 private:
  std::string path_;
  uint64_t offset_ = 0;
  std::string partial_;
};

class LocalCluster {
 public:
  static absl::StatusOr<std::unique_ptr<LocalCluster>> Start(ClusterOptions options);
  // Stops every replica (SIGTERM, then SIGKILL) and removes the directory,
  // unless TURNCOAT_KEEP_CLUSTER_DIR is set (to read the logs of a failure).
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  int n() const { return options_.n; }
  const std::string& dir() const { return dir_; }

  // Submits `value` at `replica`: the replica's accepted flag, or the RPC's
  // error (UNAVAILABLE when the replica is down).
  absl::StatusOr<bool> Submit(int replica, const std::string& value,
                              absl::Duration timeout = absl::Seconds(2));
  // Submits at the running replicas in turn.
  absl::StatusOr<bool> Submit(const std::string& value);

  // Everything `replica` has committed since it was last (re)started.
  absl::StatusOr<std::vector<Commit>> Commits(int replica);
  // Polls until `replica` has committed at least `count` values.
  absl::Status WaitForCommits(int replica, size_t count, absl::Duration timeout);
  // Polls until `replica` has committed every value in `values`.
  absl::Status WaitForValues(int replica, const std::vector<std::string>& values,
                             absl::Duration timeout);

  // SIGKILLs `replica`'s process group.
  absl::Status Kill(int replica);
  // Starts `replica` again on the same port, with an empty commit log.
  absl::Status Restart(int replica);
  // False once the replica has been killed or has exited by itself.
  bool running(int replica);

  // Every replica process this cluster has started, killed ones included.
  const std::vector<pid_t>& pids() const { return pids_; }
  std::string stdout_path(int replica) const;
  std::string stderr_path(int replica) const;
  // The tail of every replica's stderr, for failure messages.
  std::string DescribeLogs() const;

 private:
  struct Member;
  explicit LocalCluster(ClusterOptions options);
  absl::Status Init();
  absl::Status Spawn(int replica);
  absl::Status WaitUntilServing(int replica, absl::Time deadline);

  ClusterOptions options_;
  std::string dir_;
  std::vector<std::unique_ptr<Member>> members_;
  std::vector<pid_t> pids_;
  std::atomic<uint64_t> next_replica_{0};
};

}  // namespace refbft

#endif  // TURNCOAT_TESTS_TARGETS_REFBFT_CLUSTER_H_
