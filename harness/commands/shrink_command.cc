#include "harness/commands/shrink_command.h"

#include <unistd.h>

#include <filesystem>
#include <optional>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/file_io.h"
#include "harness/commands/replay_command.h"
#include "harness/replay.h"
#include "harness/shrink.h"
#include "loaders/plan_loader.h"
#include "loaders/plan_writer.h"
#include "model/exit_codes.h"
#include "model/quantities.h"
#include "model/target_spec.h"
#include "nlohmann/json.hpp"

namespace turncoat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Start-up and teardown of one attempt before any has been measured.
constexpr absl::Duration kDefaultOverhead = absl::Seconds(10);
constexpr absl::Duration kLiveLineEvery = absl::Seconds(1);

json SizeJson(const PlanSize& s) {
  return {{"phases", s.phases},   {"phase_ms", s.phase_ms},       {"rounds", s.rounds},
          {"members", s.members}, {"duration_ms", s.duration_ms}, {"clients", s.clients},
          {"rate_milli", s.rate_milli}};
}

// How a plan fared over up to K attempts.
struct Trial {
  int attempts = 0;
  int reproduced = 0;
  int harness_failures = 0;
  bool bad_input = false;    // the cluster would not start as described
  bool interrupted = false;
  std::string error;         // of a bad input or the last harness failure
  json log = json::array();  // per attempt: its directory and outcome
};

class Shrinker {
 public:
  Shrinker(ShrinkArgs options, RecordedRun run, const std::atomic<bool>* interrupted,
           std::ostream& out)
      : o_(std::move(options)),
        run_(std::move(run)),
        interrupted_(interrupted),
        out_(out),
        live_(isatty(STDOUT_FILENO) != 0) {}

  int Run() {
    start_ = absl::Now();
    deadline_ = start_ + o_.budget;
    Plan original = run_.runnable.plan;
    // The run's seed, even one given with --seed, goes into every plan
    // written, so each runs as the original did without options.
    original.seed = run_.spec.seed;
    original_size_ = SizeOf(original);
    log_["run_dir"] = run_.run_dir;
    log_["plan"] = run_.spec.plan_path;
    log_["seed"] = run_.spec.seed;
    log_["replica_args"] = run_.spec.replica_args;
    log_["generated_by"] = original.generated_by;
    log_["original"] = {{"verdict", run_.findings.verdict},
                        {"violated", run_.findings.violated},
                        {"size", SizeJson(original_size_)}};
    log_["times"] = o_.times;
    log_["budget"] = absl::FormatDuration(o_.budget);
    log_["candidates"] = json::array();
    log_["steps"] = json::array();

    out_ << "shrinking " << run_.run_dir << " (" << DescribeFindings(run_.findings) << "; "
         << DescribeSize(original_size_) << ")\n";
    // The original needs one reproduction: it failed once already, and a
    // finding that comes back at all is worth shrinking.
    const Trial first = Try(original, "the original plan", /*need=*/1);
    if (first.interrupted) return Finish(kExitHarnessFailure, "interrupted");
    if (first.reproduced == 0) {
      if (first.bad_input) return Finish(kExitBadInput, first.error);
      if (first.harness_failures == first.attempts) {
        return Finish(kExitHarnessFailure,
                      absl::StrCat("every attempt of the original failed: ", first.error));
      }
      return Finish(kExitViolation,
                    absl::StrCat("the original did not reproduce in ", first.attempts,
                                 first.attempts == 1 ? " attempt" : " attempts",
                                 "; nothing to shrink against (docs/replay.md: a finding on a "
                                 "real network replays often, not always)"));
    }

    Plan current = original;
    std::string stop = "no smaller candidate reproduced";
    bool searching = true;
    while (searching) {
      searching = false;
      for (ShrinkCandidate& c : ShrinkCandidates(current)) {
        if (!Fits(c.plan, current)) {
          stop = "the budget left no room for another attempt";
          break;
        }
        // A strict majority of K: a candidate that fails only now and then
        // would let the search drift to plans that hardly reproduce
        // (docs/shrink.md).
        const Trial trial = Try(c.plan, c.step, /*need=*/o_.times / 2 + 1);
        if (trial.interrupted) return Finish(kExitHarnessFailure, "interrupted");
        if (trial.reproduced < o_.times / 2 + 1) continue;
        log_["steps"].push_back(c.step);
        current = std::move(c.plan);
        searching = true;
        break;
      }
    }
    // The K confirmation runs of the final plan, which the budget kept
    // room for; what they show is what shrunk.yaml promises.
    const Trial confirm = Try(current, "confirmation of the final plan", std::nullopt);
    if (confirm.interrupted) return Finish(kExitHarnessFailure, "interrupted");
    const std::string total = ReplayTotal(run_.findings, confirm.reproduced, confirm.attempts);
    if (absl::Status s = WriteShrunk(current, total); !s.ok()) {
      return Finish(kExitHarnessFailure, std::string(s.message()));
    }
    out_ << "shrunk: " << DescribeSize(original_size_) << " -> " << DescribeSize(SizeOf(current))
         << " in " << log_["steps"].size() << (log_["steps"].size() == 1 ? " step" : " steps")
         << "; final plan " << total << "\n"
         << "wrote " << o_.out_dir << "/shrunk.yaml\n";
    return Finish(kExitOk, stop);
  }

 private:
  absl::Duration Estimate(const Plan& plan) const {
    const absl::Duration overhead =
        measured_ == 0 ? kDefaultOverhead : overhead_sum_ / measured_;
    const absl::Duration warmup =
        plan.workload.rate_auto ? plan.workload.warmup : absl::ZeroDuration();
    return plan.duration + warmup + overhead;
  }

  // Whether one attempt of `candidate` still leaves room for confirming
  // whichever plan is final (the candidate or `current`) K times.
  bool Fits(const Plan& candidate, const Plan& current) const {
    const absl::Duration confirm =
        o_.times * std::max(Estimate(candidate), Estimate(current));
    return absl::Now() + Estimate(candidate) + confirm <= deadline_;
  }

  // Runs `plan` up to K times, logging it as one candidate. With `need`,
  // only until that many attempts reproduced or too few are left to get
  // there; without, all K.
  Trial Try(Plan plan, const std::string& step, std::optional<int> need) {
    const int number = ++candidates_;
    Trial trial;
    json entry = {{"number", number}, {"step", step}, {"size", SizeJson(SizeOf(plan))}};
    const std::string text = WritePlan(plan);
    const std::string file = absl::StrCat(o_.out_dir, "/candidates/", number, ".yaml");
    if (absl::Status s = WriteFiles({{file, text}}); !s.ok()) {
      trial.harness_failures = trial.attempts = 1;
      trial.error = std::string(s.message());
      entry["outcome"] = "harness failure";
      entry["detail"] = trial.error;
      Log(std::move(entry));
      return trial;
    }
    entry["plan"] = absl::StrCat("candidates/", number, ".yaml");
    // Loaded from the file just written, so each attempt's saved plan is
    // that file and `turncoat replay` of the attempt runs it.
    absl::StatusOr<Plan> loaded = ParsePlan(text, fs::absolute(file).string());
    absl::StatusOr<RunnablePlan> runnable =
        loaded.ok() ? CheckRunnablePlan(*std::move(loaded), run_.runnable.target, run_.spec.seed)
                    : absl::StatusOr<RunnablePlan>(loaded.status());
    if (!runnable.ok()) {
      trial.bad_input = true;
      trial.error = std::string(runnable.status().message());
      entry["outcome"] = "rejected";
      entry["detail"] = trial.error;
      Line(number, step, "rejected: " + trial.error);
      Log(std::move(entry));
      return trial;
    }
    RecordedRun candidate = run_;
    candidate.runnable = *std::move(runnable);
    for (int i = 1; i <= o_.times; ++i) {
      if (interrupted_ != nullptr && interrupted_->load()) {
        trial.interrupted = true;
        break;
      }
      Live(number, step, i);
      const std::string dir = absl::StrCat(o_.out_dir, "/attempts/", number, "-", i);
      const absl::Time began = absl::Now();
      absl::StatusOr<ReplayAttempt> attempt =
          ReplayOnce(candidate, dir, interrupted_, /*progress=*/false);
      ++trial.attempts;
      if (!attempt.ok()) {
        ++trial.harness_failures;
        trial.error = std::string(attempt.status().message());
        trial.log.push_back({{"run_dir", dir}, {"outcome", "harness failure"},
                             {"detail", trial.error}});
        continue;
      }
      json a = {{"run_dir", absl::StrCat("attempts/", number, "-", i)},
                {"verdict", attempt->findings.verdict},
                {"violated", attempt->findings.violated},
                {"summary", attempt->comparison.summary}};
      if (interrupted_ != nullptr && interrupted_->load()) {
        trial.interrupted = true;
        a["outcome"] = "interrupted";
        trial.log.push_back(std::move(a));
        break;
      }
      if (attempt->status == RunStatus::kBadInput) {
        trial.bad_input = true;
        trial.error = attempt->error;
        a["outcome"] = "bad input";
        a["detail"] = attempt->error;
        trial.log.push_back(std::move(a));
        break;
      }
      overhead_sum_ += std::max(absl::ZeroDuration(), absl::Now() - began - plan.duration);
      ++measured_;
      if (attempt->harness_failure()) {
        ++trial.harness_failures;
        trial.error = attempt->error;
        a["outcome"] = "harness failure";
        a["detail"] = attempt->error;
      } else if (attempt->comparison.reproduced) {
        ++trial.reproduced;
        a["outcome"] = "reproduced";
      } else {
        a["outcome"] = "not reproduced";
      }
      trial.log.push_back(std::move(a));
      const int left = o_.times - i;
      if (need && (trial.reproduced >= *need || trial.reproduced + left < *need)) break;
    }
    entry["attempts"] = trial.log;
    entry["reproduced"] = trial.reproduced;
    entry["outcome"] = trial.interrupted         ? "interrupted"
                       : trial.bad_input         ? "rejected"
                       : trial.reproduced > 0    ? "reproduced"
                       : trial.harness_failures == trial.attempts && trial.attempts > 0
                           ? "harness failure"
                           : "not reproduced";
    if (trial.bad_input) entry["detail"] = trial.error;
    Line(number, step,
         absl::StrCat(entry["outcome"].get<std::string>(), " (", trial.reproduced, " of ",
                      trial.attempts, ")"));
    Log(std::move(entry));
    return trial;
  }

  absl::Status WriteShrunk(const Plan& final_plan, const std::string& total) {
    Plan named = final_plan;
    if (!absl::EndsWith(named.name, "-shrunk")) named.name += "-shrunk";
    std::vector<std::string> header = {
        absl::StrCat("Shrunk by `turncoat shrink` from the run ", fs::absolute(run_.run_dir)
                                                                      .lexically_normal()
                                                                      .string()),
        absl::StrCat("  plan: ", run_.spec.plan_path, " (", run_.runnable.plan.name, "), seed ",
                     run_.spec.seed),
        absl::StrCat("  generator: ", run_.runnable.plan.generated_by.empty()
                                          ? "none (hand-written timeline)"
                                          : run_.runnable.plan.generated_by)};
    if (!run_.spec.replica_args.empty()) {
      header.push_back(
          absl::StrCat("  replica args: ", absl::StrJoin(run_.spec.replica_args, " ")));
    }
    header.push_back(absl::StrCat("  original: ", DescribeFindings(run_.findings), "; ",
                                  DescribeSize(original_size_)));
    header.push_back(absl::StrCat("  shrunk:   ", DescribeSize(SizeOf(final_plan))));
    const json& steps = log_["steps"];
    header.push_back(absl::StrCat("Steps (", steps.size(), "), each taken when the smaller plan "
                                  "reproduced in a majority of ", o_.times,
                                  " attempts; shrink.json has every candidate tried:"));
    for (size_t i = 0; i < steps.size(); ++i) {
      header.push_back(absl::StrCat("  ", i + 1, ". ", steps[i].get<std::string>()));
    }
    header.push_back(absl::StrCat("The final plan ", total, "."));
    std::string run_it = "turncoat run shrunk.yaml";
    for (const std::string& arg : run_.spec.replica_args) {
      run_it += " " + ShellCommand({absl::StrCat("--replica-arg=", arg)});
    }
    if (run_.spec.links.has_value()) {
      run_it += absl::StrCat(" --links=", LinkModeName(*run_.spec.links));
    }
    header.push_back(absl::StrCat("Run it: ", run_it));
    log_["final"] = {{"plan", "shrunk.yaml"},
                     {"size", SizeJson(SizeOf(final_plan))},
                     {"reproduced", total}};
    return WriteFiles({{absl::StrCat(o_.out_dir, "/shrunk.yaml"),
                        WritePlan(named, {absl::StrJoin(header, "\n"), ""})}});
  }

  void Live(int number, const std::string& step, int attempt) {
    if (!live_) return;
    const absl::Time now = absl::Now();
    if (now - last_live_ < kLiveLineEvery && attempt > 1) return;
    last_live_ = now;
    out_ << "\r\033[K#" << number << " " << step << ": attempt " << attempt << " of "
         << o_.times << " | " << log_["steps"].size() << " steps taken, "
         << absl::FormatDuration(absl::Trunc(deadline_ - now, absl::Seconds(1))) << " left"
         << std::flush;
  }

  void Line(int number, const std::string& step, const std::string& what) {
    if (live_) out_ << "\r\033[K";
    out_ << "#" << number << " " << step << ": " << what << "\n" << std::flush;
  }

  void Log(json entry) {
    log_["candidates"].push_back(std::move(entry));
    Publish();
  }

  void Publish() {
    log_["elapsed"] = absl::FormatDuration(absl::Trunc(absl::Now() - start_, absl::Seconds(1)));
    (void)WriteFileAtomically(absl::StrCat(o_.out_dir, "/shrink.json"), log_.dump(2) + "\n");
  }

  int Finish(int code, const std::string& why) {
    log_["exit_code"] = code;
    log_["stop_reason"] = why;
    Publish();
    if (code != kExitOk) out_ << "shrink: " << why << "\n";
    out_ << "log: " << o_.out_dir << "/shrink.json\n";
    return code;
  }

  const ShrinkArgs o_;
  const RecordedRun run_;
  const std::atomic<bool>* interrupted_;
  std::ostream& out_;
  const bool live_;
  json log_;
  PlanSize original_size_;
  int candidates_ = 0;
  absl::Time start_;
  absl::Time deadline_;
  absl::Time last_live_ = absl::InfinitePast();
  absl::Duration overhead_sum_;
  int measured_ = 0;
};

}  // namespace

const CommandDoc kShrinkCommand = {
    "shrink", "search for a smaller plan that still breaks what a failed run broke",
    "usage: turncoat shrink RUN_DIR [--times=K] [--budget=DURATION] [--out=DIR]\n",
    "turncoat shrink runs/crash --budget 10m"};

std::optional<int> ParseShrinkArgs(const std::vector<std::string>& args, ShrinkArgs* parsed,
                                   std::ostream& out, std::ostream& err) {
  std::unique_ptr<CLI::App> app = NewCommandApp(kShrinkCommand);
  std::string times, budget;
  app->add_option("RUN_DIR", parsed->run_dir, "a run directory of a run that broke an invariant")
      ->type_name("");
  app->add_option("--times", times,
                  absl::StrCat("attempts per candidate plan (default ", kDefaultShrinkTimes,
                               "); a candidate counts when a majority reproduce"))
      ->type_name("K");
  app->add_option("--budget", budget,
                  absl::StrCat("time for the whole search (default ",
                               absl::FormatDuration(kDefaultShrinkBudget), ")"))
      ->type_name("DURATION");
  app->add_option("--out", parsed->out_dir,
                  "where shrunk.yaml and the log go (default RUN_DIR/shrink)")
      ->type_name("DIR");
  if (std::optional<int> exit = ParseCommandLine(app.get(), kShrinkCommand, args, out, err)) {
    return exit;
  }
  if (!times.empty()) {
    absl::Status s = ParseWholeOption("--times", times, 1, kMaxReplayTimes, &parsed->times);
    if (!s.ok()) return BadCommandLine(kShrinkCommand, s.message(), err);
  }
  if (!budget.empty()) {
    absl::StatusOr<absl::Duration> d = ParseDuration(budget);
    if (!d.ok() || *d <= absl::ZeroDuration()) {
      return BadCommandLine(
          kShrinkCommand,
          absl::StrCat("--budget: '", budget, "' is not a positive duration; e.g. --budget=20m"),
          err);
    }
    parsed->budget = *d;
  }
  if (parsed->run_dir.empty()) return BadCommandLine(kShrinkCommand, "no run directory given", err);
  if (parsed->out_dir.empty()) parsed->out_dir = absl::StrCat(parsed->run_dir, "/shrink");
  return std::nullopt;
}

int RunShrink(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
              std::ostream& out, std::ostream& err) {
  ShrinkArgs options;
  if (std::optional<int> exit = ParseShrinkArgs(args, &options, out, err)) return *exit;
  absl::StatusOr<RecordedRun> run = LoadRecordedRun(options.run_dir);
  if (!run.ok()) {
    err << run.status().message() << "\n";
    return kExitBadInput;
  }
  if (run->findings.violated.empty()) {
    err << "turncoat shrink: " << options.run_dir << " broke no invariant (verdict "
        << run->findings.verdict << "): nothing to shrink; give a run that found a violation\n";
    return kExitBadInput;
  }
  const absl::Duration one = run->runnable.plan.duration + kDefaultOverhead;
  if (options.budget < (options.times + 1) * one) {
    err << "turncoat shrink: --budget=" << absl::FormatDuration(options.budget)
        << " cannot hold even the original's run and its " << options.times
        << " confirmation runs (about " << absl::FormatDuration(one)
        << " each); give at least --budget="
        << absl::FormatDuration(absl::Ceil((options.times + 1) * one, absl::Minutes(1)))
        << "\n";
    return kExitBadInput;
  }
  std::error_code ec;
  if (fs::exists(options.out_dir, ec) && !fs::is_empty(options.out_dir, ec)) {
    err << "turncoat shrink: " << options.out_dir
        << " exists and is not empty; choose another with --out\n";
    return kExitBadInput;
  }
  fs::create_directories(options.out_dir, ec);
  if (ec) {
    err << "turncoat shrink: cannot create " << options.out_dir << ": " << ec.message()
        << "; choose another with --out\n";
    return kExitBadInput;
  }
  for (const std::string& warning : run->warnings) out << "warning: " << warning << "\n";
  Shrinker shrinker(std::move(options), *std::move(run), interrupted, out);
  return shrinker.Run();
}

}  // namespace turncoat
