// RunTurncoat: one `turncoat run` as a benchmark measures it.
//
// Benchmarks that judge turncoat as a user gets it spawn the real binary and
// read its reports. This runs one such command in its own process group
// (common/subprocess.h: it dies with the benchmark, and its agents and
// replicas with it), stops it the way Ctrl-C would when the benchmark is
// interrupted or the run overstays its timeout (so it still tears its
// cluster down), and checks afterwards that no process naming the run
// directory is left. It also says how busy the machine was meanwhile: the
// cores the run's own processes kept busy and the cores everything else
// used, since on a shared machine a figure means little without that.
//
// Not thread-safe: the CPU accounting reads this process's reaped
// children, so one run at a time.
#ifndef TURNCOAT_BENCH_TURNCOAT_RUNNER_H_
#define TURNCOAT_BENCH_TURNCOAT_RUNNER_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/subprocess.h"

namespace turncoat {
namespace bench {

struct TurncoatRun {
  ExitStatus exit;
  double wall_seconds = 0;
  // Cores busy on average over the run: with the run's own processes, and
  // with everything else on the machine. The load average cannot tell the
  // two apart: a run's own cluster keeps it at 10 or more.
  double run_cores = 0;
  double other_cores = 0;
  // Where its stdout and stderr went: beside the run directory.
  std::string stdout_path;
  std::string stderr_path;
};

// Runs `argv` (a `turncoat run ... --out=run_dir` command line). Fails if
// it cannot start, overstays `timeout` (error names the --run_timeout flag)
// or is interrupted (CancelledError), or leaves a process behind; a run
// that ends with any exit status is a result.
absl::StatusOr<TurncoatRun> RunTurncoat(const std::vector<std::string>& argv,
                                        const std::string& run_dir, absl::Duration timeout,
                                        const std::atomic<bool>& interrupted);

// The start of a benchmark: a new temporary directory /tmp/<name>_XXXXXX
// for its runs, and SIGINT and SIGTERM set to raise `*interrupted` (which
// must live as long as the process) instead of killing it, so that the run
// in progress is stopped and torn down properly.
absl::StatusOr<std::string> StartBenchmark(const std::string& name,
                                           std::atomic<bool>* interrupted);

// The end of a benchmark that ran its runs under `temp_dir`: prints the
// load average and what became of the directory (removed, unless `keep` or
// a run failed: then its reports and logs stay) and returns the exit code,
// 130 when interrupted, 1 when not `ok`, else 0.
int FinishBenchmark(const std::string& temp_dir, bool ok, bool keep, bool interrupted);

// The last `lines` lines of a file, indented, for an error message.
std::string Tail(const std::string& path, size_t lines);
// The 1-minute load average, -1 if unknown.
double LoadAverage();

}  // namespace bench
}  // namespace turncoat

#endif  // TURNCOAT_BENCH_TURNCOAT_RUNNER_H_
