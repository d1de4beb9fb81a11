#include "harness/replay_command.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/exit_codes.h"
#include "harness/replay.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

constexpr char kUsage[] = "usage: turncoat replay RUN_DIR [--times=K] [--out=DIR]\n";

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

int RunReplay(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
              std::ostream& out, std::ostream& err) {
  std::string run_dir;
  std::string out_dir;
  int times = 1;
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--times=")) {
      if (!absl::SimpleAtoi(arg.substr(8), &times) || times < 1 || times > kMaxReplayTimes) {
        err << "turncoat replay: --times: '" << arg.substr(8) << "' is not a whole number from 1 to "
            << kMaxReplayTimes << "\n";
        return kExitBadInput;
      }
    } else if (absl::StartsWith(arg, "--out=")) {
      out_dir = arg.substr(6);
    } else if (absl::StartsWith(arg, "-")) {
      err << "turncoat replay: unknown option '" << arg << "'\n" << kUsage;
      return kExitBadInput;
    } else if (run_dir.empty()) {
      run_dir = arg;
    } else {
      err << "turncoat replay: one run directory at a time; got '" << run_dir << "' and '" << arg
          << "'\n" << kUsage;
      return kExitBadInput;
    }
  }
  if (run_dir.empty()) {
    err << "turncoat replay: no run directory given\n" << kUsage;
    return kExitBadInput;
  }

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
