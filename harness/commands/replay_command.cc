#include "harness/commands/replay_command.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/replay.h"
#include "model/exit_codes.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

// The first i after every replay-<i> already in `dir`, so replaying twice
// keeps the earlier attempts.
int NextAttempt(const std::string& dir) {
  int last = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    int i = 0;
    if (absl::StartsWith(name, "replay-") && absl::SimpleAtoi(name.substr(7), &i)) {
      last = std::max(last, i);
    }
  }
  return last + 1;
}

}  // namespace

const CommandDoc kReplayCommand = {
    "replay", "run a finished run again, exactly; say whether the same invariants break",
    "usage: turncoat replay RUN_DIR [--times=K] [--out=DIR]\n",
    "turncoat replay runs/crash --times 3"};

std::optional<int> ParseReplayArgs(const std::vector<std::string>& args, ReplayArgs* parsed,
                                   std::ostream& out, std::ostream& err) {
  std::unique_ptr<CLI::App> app = NewCommandApp(kReplayCommand);
  std::string times;
  app->add_option("RUN_DIR", parsed->run_dir, "a run directory `turncoat run` wrote")
      ->type_name("");
  app->add_option("--times", times,
                  absl::StrCat("run it K times (default 1, at most ", kMaxReplayTimes, ")"))
      ->type_name("K");
  app->add_option("--out", parsed->out,
                  "where the attempts' run directories go (default RUN_DIR), as replay-<i>")
      ->type_name("DIR");
  if (std::optional<int> exit = ParseCommandLine(app.get(), kReplayCommand, args, out, err)) {
    return exit;
  }
  if (!times.empty()) {
    absl::Status s = ParseWholeOption("--times", times, 1, kMaxReplayTimes, &parsed->times);
    if (!s.ok()) return BadCommandLine(kReplayCommand, s.message(), err);
  }
  if (parsed->run_dir.empty()) return BadCommandLine(kReplayCommand, "no run directory given", err);
  return std::nullopt;
}

int RunReplay(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
              std::ostream& out, std::ostream& err) {
  ReplayArgs parsed;
  if (std::optional<int> exit = ParseReplayArgs(args, &parsed, out, err)) return *exit;
  const std::string& run_dir = parsed.run_dir;
  std::string out_dir = parsed.out;
  const int times = parsed.times;
  absl::StatusOr<RecordedRun> run = LoadRecordedRun(run_dir);
  if (!run.ok()) {
    err << run.status().message() << "\n";
    return kExitBadInput;
  }
  for (const std::string& warning : run->warnings) out << "warning: " << warning << "\n";
  out << "replaying: " << ShellCommand(ReplayArgv(run->spec)) << "\n"
      << "original:  " << DescribeFindings(run->findings) << "\n";
  if (out_dir.empty()) out_dir = run_dir;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    err << "turncoat replay: cannot create " << out_dir << ": " << ec.message()
        << "; choose another with --out\n";
    return kExitBadInput;
  }

  const int first = NextAttempt(out_dir);
  int reproduced = 0;
  int not_reproduced = 0;
  int harness_failures = 0;
  for (int i = 0; i < times; ++i) {
    if (interrupted != nullptr && interrupted->load()) {
      err << "turncoat replay: interrupted\n";
      return kExitHarnessFailure;
    }
    const std::string attempt_dir = absl::StrCat(out_dir, "/replay-", first + i);
    out << "replay " << i + 1 << " of " << times << " ... " << std::flush;
    absl::StatusOr<ReplayAttempt> attempt =
        ReplayOnce(*run, attempt_dir, interrupted, isatty(STDERR_FILENO) != 0);
    if (!attempt.ok()) {
      out << "\n";
      err << "turncoat replay: " << attempt.status().message() << "\n";
      return kExitBadInput;
    }
    if (attempt->status == RunStatus::kBadInput) {
      out << "\n";
      err << "turncoat replay: " << attempt->error << "\n";
      return kExitBadInput;
    }
    if (attempt->harness_failure()) {
      ++harness_failures;
      out << "harness failure: " << attempt->error;
    } else if (attempt->comparison.reproduced) {
      ++reproduced;
      out << attempt->comparison.summary;
    } else {
      ++not_reproduced;
      out << attempt->comparison.summary;
    }
    out << " (" << attempt->run_dir << ")\n";
  }
  out << ReplayTotal(run->findings, reproduced, times) << "\n";
  if (interrupted != nullptr && interrupted->load()) return kExitHarnessFailure;
  if (not_reproduced > 0) return kExitViolation;
  return harness_failures > 0 ? kExitHarnessFailure : kExitOk;
}

}  // namespace turncoat
