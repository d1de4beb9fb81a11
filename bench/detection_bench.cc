// detection_bench: how fast generated campaigns find refbft's planted bugs,
// how many scenarios a night holds, and whether the correct refbft is ever
// accused — with no hand-written plan.
//
// For each planted bug it runs `turncoat campaign PLANS --budget=B --jobs=J
// --replica-arg=--bug=BUG` (PLANS: plans/generated, whose phases are drawn
// from each seed) and stops the campaign, as Ctrl-C would, once its
// summary.json shows a finding. It prints the time to the first finding (the
// campaign's own figure: from its start to the end of the scenario that
// found it), how many scenarios ran until then, which plan and seed, and the
// invariants broken. Then it runs the correct refbft over --correct seeds of
// every plan and prints its findings (the goal: none), inconclusive
// scenarios and the scenarios per hour of that campaign: its volume figure,
// with both cores busy.
//
//   detection_bench [--bugs=all] [--budget=10m] [--jobs=2] [--correct=100]
//                   [--plans=plans/generated] [--keep] [--turncoat=PATH]
//
// Exits 0 when every bug was found and the correct refbft never accused, 1
// otherwise, 2 on bad flags, 130 when interrupted.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/turncoat_runner.h"
#include "common/read_file.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, bugs, "all", "planted bugs to hunt, comma-separated, or all");
ABSL_FLAG(std::string, budget, "10m", "each bug's campaign budget, as turncoat campaign takes it");
ABSL_FLAG(int, jobs, 2, "scenarios at once (--jobs of the campaigns)");
ABSL_FLAG(int, correct, 100, "seeds of every plan run against the correct refbft; 0: none");
ABSL_FLAG(std::string, plans, TURNCOAT_SOURCE_DIR "/plans/generated", "the campaigns' plans");
ABSL_FLAG(bool, keep, false, "keep the temporary directory with every campaign");
ABSL_FLAG(std::string, turncoat, TURNCOAT_BINARY, "the turncoat binary to run");

namespace turncoat {
namespace bench {
namespace {

// refbft's planted bugs (targets/refbft/README.md).
const char* const kBugs[] = {"skip-signature-check", "small-quorum",  "ignore-lock",
                             "no-view-change",       "double-commit", "count-duplicate-votes",
                             "no-timeout-backoff",   "qc-any-round",  "backoff-per-replica"};

std::atomic<bool> g_interrupted{false};

nlohmann::json ReadSummary(const std::string& dir) {
  const std::string text = Slurp(dir + "/summary.json");
  nlohmann::json summary = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return summary.is_discarded() ? nlohmann::json::object() : summary;
}

int64_t Findings(const nlohmann::json& summary) {
  int64_t findings = 0;
  if (!summary.contains("plans")) return 0;
  for (const auto& plan : summary["plans"]) findings += plan.value("findings", 0);
  return findings;
}

struct Campaign {
  nlohmann::json summary;
  double wall_seconds = 0;
  double other_cores = 0;
  bool ran = false;
};

// Runs one campaign into `dir`; with `stop_at_finding`, stops it as soon as
// its summary shows one.
Campaign RunCampaign(std::vector<std::string> argv, const std::string& dir,
                     absl::Duration timeout, bool stop_at_finding) {
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load()) {
      if (g_interrupted.load() || (stop_at_finding && Findings(ReadSummary(dir)) > 0)) {
        stop.store(true);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  argv.push_back("--out=" + dir);
  absl::StatusOr<TurncoatRun> run = RunTurncoat(argv, dir, timeout, stop);
  done.store(true);
  watcher.join();
  Campaign campaign;
  campaign.summary = ReadSummary(dir);
  campaign.ran = run.ok() || absl::IsCancelled(run.status());
  if (run.ok()) {
    campaign.wall_seconds = run->wall_seconds;
    campaign.other_cores = run->other_cores;
  }
  if (!campaign.ran) std::printf("  campaign failed: %s\n", run.status().ToString().c_str());
  return campaign;
}

// The first scenario with a finding, in the order they ended.
const nlohmann::json* FirstFinding(const nlohmann::json& summary) {
  const nlohmann::json* first = nullptr;
  if (!summary.contains("scenarios")) return nullptr;
  for (const auto& s : summary["scenarios"]) {
    if (s.value("verdict", "") != "fail") continue;
    const double end = s.value("started_s", 0.0) + s.value("duration_s", 0.0);
    if (first == nullptr ||
        end < (*first).value("started_s", 0.0) + (*first).value("duration_s", 0.0)) {
      first = &s;
    }
  }
  return first;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage("detection_bench: time to first finding of generated campaigns");
  absl::ParseCommandLine(argc, argv);
  std::vector<std::string> bugs;
  if (absl::GetFlag(FLAGS_bugs) == "all") {
    bugs.assign(std::begin(kBugs), std::end(kBugs));
  } else {
    bugs = absl::StrSplit(absl::GetFlag(FLAGS_bugs), ',', absl::SkipEmpty());
  }
  absl::StatusOr<std::string> temp = StartBenchmark("detection_bench", &g_interrupted);
  if (!temp.ok()) {
    std::fprintf(stderr, "%s\n", temp.status().ToString().c_str());
    return 1;
  }
  const std::string binary = absl::GetFlag(FLAGS_turncoat);
  const std::string jobs = absl::StrCat("--jobs=", absl::GetFlag(FLAGS_jobs));
  bool ok = true;
  std::printf("generated campaigns over %s, budget %s per bug, %s\n\n",
              absl::GetFlag(FLAGS_plans).c_str(), absl::GetFlag(FLAGS_budget).c_str(),
              jobs.c_str());
  std::printf("| bug | found | time to first finding | scenarios run | by | violated | load |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const std::string& bug : bugs) {
    if (g_interrupted.load()) break;
    const std::string dir = absl::StrCat(*temp, "/bug-", bug);
    const Campaign c = RunCampaign(
        {binary, "campaign", absl::GetFlag(FLAGS_plans),
         "--budget=" + absl::GetFlag(FLAGS_budget), jobs, "--replica-arg=--bug=" + bug},
        dir, absl::Hours(4), /*stop_at_finding=*/true);
    const nlohmann::json* first = FirstFinding(c.summary);
    const int64_t scenarios =
        c.summary.contains("totals") ? c.summary["totals"].value("scenarios", 0) : 0;
    if (first == nullptr) {
      ok = false;
      std::printf("| %s | **no** | - | %lld | - | - | %.0f |\n", bug.c_str(),
                  static_cast<long long>(scenarios), LoadAverage());
    } else {
      const double at = first->value("started_s", 0.0) + first->value("duration_s", 0.0);
      std::vector<std::string> violated = first->value("violated", std::vector<std::string>{});
      std::printf("| %s | yes | %.0f s | %lld | %s seed %lld | %s | %.0f |\n", bug.c_str(), at,
                  static_cast<long long>(scenarios), first->value("plan", "").c_str(),
                  static_cast<long long>(first->value("seed", 0)),
                  absl::StrJoin(violated, ", ").c_str(), LoadAverage());
    }
    std::fflush(stdout);
  }
  const int correct = absl::GetFlag(FLAGS_correct);
  if (correct > 0 && !g_interrupted.load()) {
    const std::string dir = *temp + "/correct";
    const Campaign c =
        RunCampaign({binary, "campaign", absl::GetFlag(FLAGS_plans),
                     absl::StrCat("--seeds=1..", correct), jobs},
                    dir, absl::Hours(12), /*stop_at_finding=*/false);
    const nlohmann::json totals = c.summary.value("totals", nlohmann::json::object());
    const int64_t scenarios = totals.value("scenarios", 0);
    const int64_t findings = Findings(c.summary);
    const double elapsed = c.summary.value("elapsed_s", c.wall_seconds);
    std::printf("\ncorrect refbft: %lld scenarios, %lld findings, %lld inconclusive, %lld "
                "harness errors, in %.0f s: %.0f scenarios per hour (%.0f per 8 h night) with "
                "--jobs=%d; other cores %.2f, load %.0f\n",
                static_cast<long long>(scenarios), static_cast<long long>(findings),
                static_cast<long long>(totals.value("inconclusive", 0)),
                static_cast<long long>(totals.value("error", 0)), elapsed,
                elapsed > 0 ? scenarios * 3600.0 / elapsed : 0.0,
                elapsed > 0 ? scenarios * 8 * 3600.0 / elapsed : 0.0, absl::GetFlag(FLAGS_jobs),
                c.other_cores, LoadAverage());
    if (findings > 0 || !c.ran) ok = false;
    if (findings > 0 && c.summary.contains("scenarios")) {
      for (const auto& s : c.summary["scenarios"]) {
        if (s.value("verdict", "") == "fail") {
          std::printf("  accused: %s seed %lld: %s (%s)\n", s.value("plan", "").c_str(),
                      static_cast<long long>(s.value("seed", 0)),
                      absl::StrJoin(s.value("violated", std::vector<std::string>{}), ", ").c_str(),
                      s.value("run_dir", "").c_str());
        }
      }
    }
  }
  return FinishBenchmark(*temp, ok, absl::GetFlag(FLAGS_keep) || !ok, g_interrupted.load());
}

}  // namespace
}  // namespace bench
}  // namespace turncoat

int main(int argc, char** argv) { return turncoat::bench::Main(argc, argv); }
