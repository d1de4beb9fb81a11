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
// reports and logs). Runs go through RunTurncoat (bench/turncoat_runner.h):
// nothing of a run outlives it or the benchmark.
//
//   transparency_bench [--rounds=3] [--targets=refbft,pbft] [--keep]
//                      [--turncoat=PATH] [--plans=DIR] [--run_timeout=300]
//
// Exits 0 when every run completed with verdict pass and a calibration,
// whatever the ratios (figures are recorded, not asserted); 1 if a run
// failed; 2 on bad flags; 130 when interrupted.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/turncoat_runner.h"
#include "common/read_file.h"
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

enum class Mode { kThrough, kDirect };

const char* ModeName(Mode mode) { return mode == Mode::kThrough ? "through" : "direct"; }

struct RunFigures {
  double commit_rate = 0;  // values/s
  double p50_ms = 0;
  double p99_ms = 0;
  // TurncoatRun's: cores busy with the run's processes and with the rest.
  double run_cores = 0;
  double other_cores = 0;
};

struct Pair {
  int round = 0;
  RunFigures through;
  RunFigures direct;
};

// `turncoat run PLAN --out=RUN_DIR [--direct-links]`, its stdout and stderr
// beside the run directory; the figures of its warm-up.
absl::StatusOr<RunFigures> RunOnce(const std::string& plan, const std::string& run_dir,
                                   Mode mode) {
  std::vector<std::string> argv = {absl::GetFlag(FLAGS_turncoat), "run", plan,
                                   absl::StrCat("--out=", run_dir)};
  if (mode == Mode::kDirect) argv.push_back("--direct-links");
  absl::StatusOr<TurncoatRun> run = RunTurncoat(
      argv, run_dir, absl::Seconds(absl::GetFlag(FLAGS_run_timeout)), g_interrupted);
  if (!run.ok()) return run.status();
  if (!run->exit.success()) {
    return absl::InternalError(absl::StrCat(
        "turncoat run ", run->exit.ToString(),
        " (0 expected: a fault-free run passes); its output:\n    ", Tail(run->stdout_path, 8),
        "\n    ", Tail(run->stderr_path, 8)));
  }
  RunFigures figures;
  figures.run_cores = run->run_cores;
  figures.other_cores = run->other_cores;
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
  absl::StatusOr<std::string> started = StartBenchmark("transparency_bench", &g_interrupted);
  if (!started.ok()) {
    std::fprintf(stderr, "transparency_bench: %s\n", std::string(started.status().message()).c_str());
    return 1;
  }
  const std::string temp_dir = *started;

  std::printf("transparency_bench: commit rate of a fault-free cluster through turncoat's link "
              "proxies vs direct links\nruns in %s\n",
              temp_dir.c_str());
  bool ok = true;
  for (const std::string& target : targets) {
    if (g_interrupted.load()) break;
    ok = MeasureTarget(target, temp_dir) && ok;
  }
  return FinishBenchmark(temp_dir, ok, absl::GetFlag(FLAGS_keep), g_interrupted.load());
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
