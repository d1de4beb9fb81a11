// startup_bench: how long turncoat takes to make a refbft cluster ready, and
// how the cluster then commits, for n = 4, 7, 16 and 31.
//
// For each n (f = (n-1)/3) and round it writes a fault-free plan (the smoke
// plan's workload, 50 values/s from 4 clients, commit_within 5 s, for
// --duration) and runs it with `turncoat run` (bench/turncoat_runner.h:
// nothing outlives a run). From the run's history.jsonl it reads, in
// seconds from the run's start:
//
//   ready     the cluster_ready event: agents, links and replicas up; the
//             plan's timeline and the liveness judgement count from here
//   starts    the first and last replica process start (before them: keys,
//             agents and links; after: replica start-up and readiness)
//   commit    the first commit at any replica, after ready
//
// and over the run from ready to its end: values committed at every
// replica per second, and values committed at all. It prints the verdict
// (a figure from a cluster that did not pass is marked) and the cores the
// run and the rest of the machine used.
//
//   startup_bench [--sizes=4,7,16,31] [--rounds=3] [--duration=20]
//                 [--keep] [--turncoat=PATH] [--run_timeout=300]
//
// Exits 0 when every run passed, 1 if one did not or failed to run, 2 on
// bad flags, 130 when interrupted.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/turncoat_runner.h"
#include "common/read_file.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, sizes, "4,7,16,31", "cluster sizes n to measure, comma-separated");
ABSL_FLAG(int, rounds, 3, "runs per cluster size");
ABSL_FLAG(int, duration, 20, "seconds each run lasts from ready (the smoke plan's 20)");
ABSL_FLAG(bool, keep, false, "keep the temporary directory with every run's reports");
ABSL_FLAG(std::string, turncoat, TURNCOAT_BINARY, "the turncoat binary to run");
ABSL_FLAG(int, run_timeout, 300, "seconds one `turncoat run` may take before it is stopped");

namespace turncoat {
namespace bench {
namespace {

std::atomic<bool> g_interrupted{false};

struct Figures {
  std::string verdict;
  double ready = -1;
  double first_start = -1;
  double last_start = -1;
  double first_commit = -1;  // after ready
  double commit_rate = 0;    // values at every replica per second from ready
  int64_t values_everywhere = 0;
  int64_t values_anywhere = 0;
  double run_cores = 0;
  double other_cores = 0;
};

std::string PlanText(int n, int duration) {
  return absl::StrCat(
      "# Written by startup_bench: the smoke plan at n = ", n, ".\n",
      "name: startup-", n, "\n",
      "target: ", TURNCOAT_SOURCE_DIR, "/targets/refbft.yaml\n",
      "replicas: ", n, "\n",
      "byzantine: []\n",
      "seed: 1\n",
      "duration: ", duration, "s\n",
      "workload: { rate: 50/s, clients: 4, value_bytes: 32 }\n",
      "timeline: []\n",
      "expect:\n",
      "  safety: [agreement, prefix, validity, integrity, no-honest-crash]\n",
      "  liveness: { commit_within: 5s }\n");
}

// Reads the figures out of a finished run's history.jsonl and report.json.
absl::Status ReadFigures(const std::string& run_dir, int n, Figures* f) {
  std::ifstream history(run_dir + "/history.jsonl");
  if (!history) return absl::NotFoundError(absl::StrCat(run_dir, "/history.jsonl is missing"));
  std::map<std::string, std::set<int>> committed_by;
  double end = -1;
  for (std::string line; std::getline(history, line);) {
    const nlohmann::json e = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!e.is_object() || !e.contains("type") || !e.contains("t_us")) continue;
    const std::string type = e["type"];
    const double t = e["t_us"].get<double>() / 1e6;
    if (type == "cluster_ready") f->ready = t;
    if (type == "run_end") end = t;
    if (type == "process_start") {
      if (f->first_start < 0) f->first_start = t;
      f->last_start = std::max(f->last_start, t);
    }
    if (type == "commit") {
      committed_by[e["value"].get<std::string>()].insert(e["replica"].get<int>());
      if (f->first_commit < 0 || t < f->first_commit) f->first_commit = t;
    }
  }
  if (f->first_commit >= 0 && f->ready >= 0) f->first_commit -= f->ready;
  f->values_anywhere = static_cast<int64_t>(committed_by.size());
  for (const auto& [value, replicas] : committed_by) {
    if (static_cast<int>(replicas.size()) == n) ++f->values_everywhere;
  }
  if (f->ready >= 0 && end > f->ready) {
    f->commit_rate = static_cast<double>(f->values_everywhere) / (end - f->ready);
  }
  const nlohmann::json report =
      nlohmann::json::parse(Slurp(run_dir + "/report.json"), nullptr, false);
  f->verdict = report.is_object() && report.contains("verdict") ? report["verdict"] : "no report";
  return absl::OkStatus();
}

absl::StatusOr<Figures> RunOnce(int n, int round, const std::string& temp_dir) {
  const std::string name = absl::StrCat("n", n, "-", round);
  const std::string plan = absl::StrCat(temp_dir, "/", name, ".yaml");
  std::ofstream(plan) << PlanText(n, absl::GetFlag(FLAGS_duration));
  const std::string run_dir = absl::StrCat(temp_dir, "/", name);
  absl::StatusOr<TurncoatRun> run =
      RunTurncoat({absl::GetFlag(FLAGS_turncoat), "run", plan, absl::StrCat("--out=", run_dir)},
                  run_dir, absl::Seconds(absl::GetFlag(FLAGS_run_timeout)), g_interrupted);
  if (!run.ok()) return run.status();
  Figures f;
  f.run_cores = run->run_cores;
  f.other_cores = run->other_cores;
  if (absl::Status s = ReadFigures(run_dir, n, &f); !s.ok()) {
    return absl::InternalError(absl::StrCat(s.message(), "; turncoat run ", run->exit.ToString(),
                                            ":\n    ", Tail(run->stderr_path, 8)));
  }
  return f;
}

void PrintHeader() {
  std::printf("  %3s %5s  %7s  %13s  %8s  %9s  %8s  %-12s %5s %5s\n", "n", "round", "ready s",
              "starts s", "commit s", "commits/s", "values", "verdict", "run", "other");
  std::fflush(stdout);
}

void PrintRow(int n, int round, const Figures& f) {
  std::printf("  %3d %5d  %7.2f  %5.2f-%6.2f  %8.2f  %9.1f  %8lld  %-12s %5.2f %5.2f\n", n,
              round, f.ready, f.first_start, f.last_start, f.first_commit, f.commit_rate,
              static_cast<long long>(f.values_everywhere), f.verdict.c_str(), f.run_cores,
              f.other_cores);
  std::fflush(stdout);
}

int Run() {
  std::vector<int> sizes;
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_sizes), ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(part, &n) || n < 1) {
      std::fprintf(stderr, "startup_bench: --sizes: '%s' is not a cluster size\n",
                   std::string(part).c_str());
      return 2;
    }
    sizes.push_back(n);
  }
  if (sizes.empty() || absl::GetFlag(FLAGS_rounds) < 1 || absl::GetFlag(FLAGS_duration) < 6) {
    std::fprintf(stderr,
                 "startup_bench: --sizes must name a size, --rounds be at least 1 and "
                 "--duration at least 6 (the plan's commit_within is 5 s)\n");
    return 2;
  }
  absl::StatusOr<std::string> started = StartBenchmark("startup_bench", &g_interrupted);
  if (!started.ok()) {
    std::fprintf(stderr, "startup_bench: %s\n", std::string(started.status().message()).c_str());
    return 1;
  }
  const std::string temp_dir = *started;

  std::printf("startup_bench: refbft cluster start-up and commit rate by n, %d s runs\n"
              "runs in %s; load average %.2f\n"
              "  times in seconds from the run's start; commit: first commit after ready; "
              "commits/s: values committed at every replica per second from ready; run/other: "
              "cores busy with the run / with everything else\n",
              absl::GetFlag(FLAGS_duration), temp_dir.c_str(), LoadAverage());
  PrintHeader();
  bool ok = true;
  for (int round = 1; round <= absl::GetFlag(FLAGS_rounds) && !g_interrupted.load(); ++round) {
    for (int n : sizes) {
      if (g_interrupted.load()) break;
      absl::StatusOr<Figures> f = RunOnce(n, round, temp_dir);
      if (!f.ok()) {
        if (!absl::IsCancelled(f.status())) {
          std::printf("  %3d %5d  FAILED: %s\n", n, round,
                      std::string(f.status().message()).c_str());
          ok = false;
        }
        continue;
      }
      ok = ok && f->verdict == "pass";
      PrintRow(n, round, *f);
    }
  }
  return FinishBenchmark(temp_dir, ok, absl::GetFlag(FLAGS_keep), g_interrupted.load());
}

}  // namespace
}  // namespace bench
}  // namespace turncoat

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "start-up time and commit rate of fault-free refbft clusters of several sizes under "
      "turncoat run");
  absl::ParseCommandLine(argc, argv);
  return turncoat::bench::Run();
}
