#include "bench/turncoat_runner.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/process_table.h"
#include "common/read_file.h"

namespace turncoat {
namespace bench {
namespace {

namespace fs = std::filesystem;

// CPU seconds the whole machine has spent busy (every state but idle and
// iowait), from the first line of /proc/stat.
double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return static_cast<double>(user + nice + system + irq + softirq + steal) / sysconf(_SC_CLK_TCK);
}

// CPU seconds of this process's reaped descendants: a `turncoat run` counts
// once it has ended, with its agents, replicas and clients, each reaped by
// its parent.
double ChildrenSeconds() {
  struct rusage usage = {};
  getrusage(RUSAGE_CHILDREN, &usage);
  const auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::atomic<bool>* g_interrupted = nullptr;

void OnInterrupt(int) {
  if (g_interrupted != nullptr) g_interrupted->store(true);
}

}  // namespace

absl::StatusOr<std::string> StartBenchmark(const std::string& name,
                                           std::atomic<bool>* interrupted) {
  std::string dir = absl::StrCat("/tmp/", name, "_XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", std::strerror(errno)));
  }
  g_interrupted = interrupted;
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return dir;
}

std::string Tail(const std::string& path, size_t lines) {
  const std::vector<std::string> all =
      absl::StrSplit(absl::StripSuffix(Slurp(path), "\n"), '\n');
  const size_t from = all.size() > lines ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + from, all.end(), "\n    ");
}

double LoadAverage() {
  double load = -1;
  std::ifstream("/proc/loadavg") >> load;
  return load;
}

int FinishBenchmark(const std::string& temp_dir, bool ok, bool keep, bool interrupted) {
  std::printf("\nload average at the end %.2f\n", LoadAverage());
  if (interrupted) {
    std::printf("interrupted\n");
  } else if (!ok) {
    std::printf("some runs failed or did not pass (see above); their reports and logs are in %s\n",
                temp_dir.c_str());
    return 1;
  }
  if (keep) {
    std::printf("kept %s\n", temp_dir.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
  }
  return interrupted ? 130 : 0;
}

absl::StatusOr<TurncoatRun> RunTurncoat(const std::vector<std::string>& argv,
                                        const std::string& run_dir, absl::Duration timeout,
                                        const std::atomic<bool>& interrupted) {
  TurncoatRun run;
  run.stdout_path = run_dir + ".stdout";
  run.stderr_path = run_dir + ".stderr";
  SpawnOptions options;
  options.stdout_path = run.stdout_path;
  options.stderr_path = run.stderr_path;
  const absl::Time started = absl::Now();
  const double busy_before = MachineBusySeconds();
  const double children_before = ChildrenSeconds();
  absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, options);
  if (!process.ok()) return process.status();

  const absl::Time deadline = started + timeout;
  std::optional<ExitStatus> exit;
  while (!exit.has_value()) {
    if (interrupted.load() || absl::Now() > deadline) {
      // turncoat stops its cluster on SIGTERM and still writes its reports.
      process->Stop(absl::Seconds(30)).IgnoreError();
      return interrupted.load()
                 ? absl::CancelledError("interrupted")
                 : absl::DeadlineExceededError(absl::StrCat(
                       "turncoat run took more than ", absl::FormatDuration(timeout),
                       " and was stopped; raise --run_timeout if the machine is that slow"));
    }
    absl::StatusOr<std::optional<ExitStatus>> done = process->TryWait();
    if (!done.ok()) return done.status();
    exit = *done;
    if (!exit.has_value()) absl::SleepFor(absl::Milliseconds(100));
  }
  run.exit = *exit;
  run.wall_seconds = absl::ToDoubleSeconds(absl::Now() - started);
  const double run_cpu = ChildrenSeconds() - children_before;
  run.run_cores = run_cpu / run.wall_seconds;
  run.other_cores =
      std::max(0.0, MachineBusySeconds() - busy_before - run_cpu) / run.wall_seconds;
  const std::vector<int> left = ProcessesMentioning(run_dir);
  if (!left.empty()) {
    return absl::InternalError(absl::StrCat("processes of the run outlived it: pids ",
                                            absl::StrJoin(left, ", ")));
  }
  return run;
}

}  // namespace bench
}  // namespace turncoat
