// transparency_bench: what turncoat's link proxies cost a fault-free cluster.
//
// turncoat puts a proxy on every directed link between replicas. A harness
// that slows the system it tests changes what it finds, so this benchmark
// runs each shipped target's benchmark plan (bench/plans/<target>.yaml: no
// faults, `rate: auto`) twice per round with `turncoat run`:
//
//   through   as turncoat always runs it, every peer link through a proxy
//   direct    with --direct-links: the same agents, replicas and workload,
//             the replicas dialling each other's real listen addresses
//
// and compares the commit rate the closed-loop warm-up measures
// (report.json `run.calibration.commit_rate_per_s`, the saturated
// throughput the clients get) and its p50 commit latency. The two runs of a
// round go back to back, the first of them alternating from round to round,
// so that a busy spell of the shared machine hits both modes alike.
//
// It only spawns `turncoat run` (common/subprocess.h) and reads the reports:
// what it measures is exactly what a user's run gets. Every run directory
// lives under one temporary directory, printed at the start and removed at
// the end unless --keep is given or a run failed (then it is kept, for its
// reports and logs). Each `turncoat run` leads its own process group and
// dies with the benchmark (PR_SET_PDEATHSIG), and its agents and replicas
// with it; on Ctrl-C the benchmark stops the run in progress the way
// turncoat's own Ctrl-C does, so it tears its cluster down. After each run
// it checks that no process naming the run directory is left.
//
//   transparency_bench [--rounds=3] [--targets=refbft,pbft] [--keep]
//                      [--turncoat=PATH] [--plans=DIR] [--run_timeout=300]
//
// Exits 0 when every run completed with verdict pass and a calibration,
// whatever the ratios (figures are recorded, not asserted); 1 if a run
// failed; 2 on bad flags; 130 when interrupted.
#include <signal.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(int, rounds, 3, "rounds per target; each runs the plan through the proxies and direct");
ABSL_FLAG(std::string, targets, "refbft,pbft",
          "targets to measure, each by its plan <plans>/<target>.yaml");
ABSL_FLAG(bool, keep, false, "keep the temporary directory with every run's reports");
ABSL_FLAG(std::string, turncoat, TURNCOAT_BINARY, "the turncoat binary to run");
ABSL_FLAG(std::string, plans, TURNCOAT_SOURCE_DIR "/bench/plans", "directory of the plans");
ABSL_FLAG(int, run_timeout, 300, "seconds one `turncoat run` may take before it is stopped");

namespace turncoat {
namespace bench {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_interrupted{false};

void OnInterrupt(int) { g_interrupted.store(true); }

enum class Mode { kThrough, kDirect };

const char* ModeName(Mode mode) { return mode == Mode::kThrough ? "through" : "direct"; }

struct RunFigures {
  double commit_rate = 0;  // values/s
  double p50_ms = 0;
  double p99_ms = 0;
  // Cores busy on average over the whole `turncoat run`: with the run's own
  // processes, and with everything else on the machine. The load average
  // cannot tell the two apart: a run's own cluster keeps it at 10 or more.
  double run_cores = 0;
  double other_cores = 0;
};

struct Pair {
  int round = 0;
  RunFigures through;
  RunFigures direct;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last `lines` lines of a file, for an error message.
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

// Pids of live processes whose command line mentions `needle` (every agent
// and replica of a run names its run directory).
std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = Slurp(entry.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos && std::stoi(name) != getpid()) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

// `turncoat run PLAN --out=RUN_DIR [--direct-links]`, its stdout and stderr
// beside the run directory; the figures of its warm-up.
absl::StatusOr<RunFigures> RunOnce(const std::string& plan, const std::string& run_dir,
                                   Mode mode) {
  std::vector<std::string> argv = {absl::GetFlag(FLAGS_turncoat), "run", plan,
                                   absl::StrCat("--out=", run_dir)};
  if (mode == Mode::kDirect) argv.push_back("--direct-links");
  SpawnOptions options;
  options.stdout_path = run_dir + ".stdout";
  options.stderr_path = run_dir + ".stderr";
  RunFigures figures;
  const absl::Time started = absl::Now();
  const double busy_before = MachineBusySeconds();
  const double children_before = ChildrenSeconds();
  absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, options);
  if (!process.ok()) return process.status();

  const absl::Time deadline = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_run_timeout));
  std::optional<ExitStatus> exit;
  while (!exit.has_value()) {
    if (g_interrupted.load() || absl::Now() > deadline) {
      // turncoat stops its cluster on SIGTERM and still writes its reports.
      process->Stop(absl::Seconds(30)).IgnoreError();
      return g_interrupted.load()
                 ? absl::CancelledError("interrupted")
                 : absl::DeadlineExceededError(absl::StrCat(
                       "turncoat run took more than ", absl::GetFlag(FLAGS_run_timeout),
                       " s and was stopped; raise --run_timeout if the machine is that slow"));
    }
    absl::StatusOr<std::optional<ExitStatus>> done = process->TryWait();
    if (!done.ok()) return done.status();
    exit = *done;
    if (!exit.has_value()) absl::SleepFor(absl::Milliseconds(100));
  }
  const double wall = absl::ToDoubleSeconds(absl::Now() - started);
  const double run_cpu = ChildrenSeconds() - children_before;
  figures.run_cores = run_cpu / wall;
  figures.other_cores = std::max(0.0, MachineBusySeconds() - busy_before - run_cpu) / wall;
  const std::vector<int> left = ProcessesMentioning(run_dir);
  if (!left.empty()) {
    return absl::InternalError(absl::StrCat("processes of the run outlived it: pids ",
                                            absl::StrJoin(left, ", ")));
  }
  if (!exit->success()) {
    return absl::InternalError(absl::StrCat(
        "turncoat run ", exit->ToString(), " (0 expected: a fault-free run passes); its output:\n    ",
        Tail(options.stdout_path, 8), "\n    ", Tail(options.stderr_path, 8)));
  }
  nlohmann::json report;
  try {
    report = nlohmann::json::parse(Slurp(run_dir + "/report.json"));
    const nlohmann::json& calibration = report.at("run").at("calibration");
    figures.commit_rate = calibration.at("commit_rate_per_s").get<double>();
    figures.p50_ms = calibration.at("latency_p50_ms").get<double>();
    figures.p99_ms = calibration.at("latency_p99_ms").get<double>();
  } catch (const nlohmann::json::exception& e) {
    return absl::InternalError(absl::StrCat(
        run_dir, "/report.json has no run.calibration figures (", e.what(),
        "); the plan must say `rate: auto`"));
  }
  return figures;
}

struct Summary {
  double mean = 0;
  double min = 0;
  double max = 0;
};

template <typename Get>
Summary Summarize(const std::vector<Pair>& pairs, Get get) {
  Summary s;
  if (pairs.empty()) return s;
  s.min = s.max = get(pairs.front());
  for (const Pair& pair : pairs) {
    const double v = get(pair);
    s.mean += v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  s.mean /= pairs.size();
  return s;
}

void PrintRun(int round, Mode mode, const RunFigures& f) {
  std::printf("  %5d  %-7s  %10.1f  %8.1f  %8.1f  %9.2f  %11.2f\n", round, ModeName(mode),
              f.commit_rate, f.p50_ms, f.p99_ms, f.run_cores, f.other_cores);
  std::fflush(stdout);
}

// Runs `target`'s plan for every round; false if a run failed. Complete
// pairs are summarized even then.
bool MeasureTarget(const std::string& target, const std::string& temp_dir) {
  const std::string plan = absl::StrCat(absl::GetFlag(FLAGS_plans), "/", target, ".yaml");
  const int rounds = absl::GetFlag(FLAGS_rounds);
  std::printf("\n%s: %s, %d rounds, load average %.2f\n", target.c_str(), plan.c_str(), rounds,
              LoadAverage());
  std::printf("  %5s  %-7s  %10s  %8s  %8s  %9s  %11s\n", "round", "mode", "commits/s", "p50 ms",
              "p99 ms", "run cores", "other cores");
  std::fflush(stdout);
  std::vector<Pair> pairs;
  bool ok = true;
  for (int round = 1; round <= rounds && !g_interrupted.load(); ++round) {
    // Odd rounds go through the proxies first, even ones direct first.
    const Mode order[2] = {round % 2 == 1 ? Mode::kThrough : Mode::kDirect,
                           round % 2 == 1 ? Mode::kDirect : Mode::kThrough};
    Pair pair;
    pair.round = round;
    bool complete = true;
    for (Mode mode : order) {
      const std::string run_dir =
          absl::StrCat(temp_dir, "/", target, "-", round, "-", ModeName(mode));
      absl::StatusOr<RunFigures> figures = RunOnce(plan, run_dir, mode);
      if (!figures.ok()) {
        if (!absl::IsCancelled(figures.status())) {
          std::printf("  %5d  %-7s  FAILED: %s\n", round, ModeName(mode),
                      std::string(figures.status().message()).c_str());
          ok = false;
        }
        complete = false;
        break;
      }
      PrintRun(round, mode, *figures);
      (mode == Mode::kThrough ? pair.through : pair.direct) = *figures;
    }
    if (complete) pairs.push_back(pair);
  }
  if (pairs.empty()) return ok;

  std::printf("  %-7s  %28s  %28s\n", "", "commits/s mean (min-max)", "p50 ms mean (min-max)");
  for (Mode mode : {Mode::kThrough, Mode::kDirect}) {
    const auto of = [mode](const Pair& p) -> const RunFigures& {
      return mode == Mode::kThrough ? p.through : p.direct;
    };
    const Summary rate = Summarize(pairs, [&](const Pair& p) { return of(p).commit_rate; });
    const Summary p50 = Summarize(pairs, [&](const Pair& p) { return of(p).p50_ms; });
    std::printf("  %-7s  %10.1f (%7.1f-%7.1f)  %10.1f (%7.1f-%7.1f)\n", ModeName(mode), rate.mean,
                rate.min, rate.max, p50.mean, p50.min, p50.max);
  }
  const Summary through = Summarize(pairs, [](const Pair& p) { return p.through.commit_rate; });
  const Summary direct = Summarize(pairs, [](const Pair& p) { return p.direct.commit_rate; });
  const auto ratio = [](const Pair& p) { return p.through.commit_rate / p.direct.commit_rate; };
  const Pair& worst = *std::min_element(
      pairs.begin(), pairs.end(), [&](const Pair& a, const Pair& b) { return ratio(a) < ratio(b); });
  const Summary p50_through = Summarize(pairs, [](const Pair& p) { return p.through.p50_ms; });
  const Summary p50_direct = Summarize(pairs, [](const Pair& p) { return p.direct.p50_ms; });
  std::printf(
      "  through/direct commit rate: %.3f (of the means); worst pair %.3f (round %d)\n"
      "  through/direct p50 latency: %.3f (of the means)\n",
      through.mean / direct.mean, ratio(worst), worst.round, p50_through.mean / p50_direct.mean);
  std::fflush(stdout);
  return ok;
}

int Run() {
  const std::vector<std::string> targets =
      absl::StrSplit(absl::GetFlag(FLAGS_targets), ',', absl::SkipEmpty());
  if (absl::GetFlag(FLAGS_rounds) < 1 || targets.empty()) {
    std::fprintf(stderr, "transparency_bench: --rounds must be at least 1 and --targets name one\n");
    return 2;
  }
  for (const std::string& target : targets) {
    const std::string plan = absl::StrCat(absl::GetFlag(FLAGS_plans), "/", target, ".yaml");
    if (!fs::exists(plan)) {
      std::fprintf(stderr, "transparency_bench: no plan %s for target '%s'; see --plans\n",
                   plan.c_str(), target.c_str());
      return 2;
    }
  }
  char tmpl[] = "/tmp/transparency_bench_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("transparency_bench: mkdtemp");
    return 1;
  }
  const std::string temp_dir = tmpl;
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  std::printf("transparency_bench: commit rate of a fault-free cluster through turncoat's link "
              "proxies vs direct links\nruns in %s\n",
              temp_dir.c_str());
  bool ok = true;
  for (const std::string& target : targets) {
    if (g_interrupted.load()) break;
    ok = MeasureTarget(target, temp_dir) && ok;
  }
  std::printf("\nload average at the end %.2f\n", LoadAverage());
  if (g_interrupted.load()) {
    std::printf("interrupted\n");
  } else if (!ok) {
    std::printf("some runs failed (see above); their reports and logs are in %s\n",
                temp_dir.c_str());
    return 1;
  }
  if (absl::GetFlag(FLAGS_keep)) {
    std::printf("kept %s\n", temp_dir.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
  }
  return g_interrupted.load() ? 130 : 0;
}

}  // namespace
}  // namespace bench
}  // namespace turncoat

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "commit rate of each shipped target's fault-free cluster through turncoat's link proxies "
      "vs with direct links, R rounds of back-to-back pairs");
  absl::ParseCommandLine(argc, argv);
  return turncoat::bench::Run();
}
