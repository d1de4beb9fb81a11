#include "harness/matrix_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "harness/controller.h"
#include "harness/exit_codes.h"
#include "harness/matrix.h"
#include "harness/run_command.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

constexpr char kUsage[] =
    "usage: turncoat matrix PLAN_OR_DIR... --variant=NAME[=ARGS]... [--out=DIR] [--seed=N] "
    "[--first-finding]\n";

const char* OutcomeName(RunStatus status) {
  switch (status) {
    case RunStatus::kPass:
      return "pass";
    case RunStatus::kViolation:
      return "violation";
    case RunStatus::kBadInput:
      return "bad-input";
    case RunStatus::kHarnessError:
      return "harness-error";
    case RunStatus::kInconclusive:
      return "inconclusive";
  }
  return "harness-error";
}

}  // namespace

int RunMatrix(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
              std::ostream& out, std::ostream& err) {
  std::vector<std::string> paths;
  std::vector<MatrixVariant> variants;
  std::string out_dir;
  std::optional<uint64_t> seed;
  bool first_finding = false;
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--variant=")) {
      std::vector<std::string> parts = absl::StrSplit(arg.substr(10), absl::MaxSplits('=', 1));
      MatrixVariant v;
      v.name = parts[0];
      if (parts.size() > 1) {
        v.replica_args = absl::StrSplit(parts[1], ' ', absl::SkipEmpty());
      }
      if (v.name.empty()) {
        err << "turncoat matrix: --variant needs a name, e.g. --variant=correct or "
               "--variant=small-quorum=--bug=small-quorum\n";
        return kExitBadInput;
      }
      variants.push_back(std::move(v));
    } else if (absl::StartsWith(arg, "--out=")) {
      out_dir = arg.substr(6);
    } else if (absl::StartsWith(arg, "--seed=")) {
      uint64_t s = 0;
      if (!absl::SimpleAtoi(arg.substr(7), &s)) {
        err << "turncoat matrix: --seed: '" << arg.substr(7) << "' is not a non-negative integer\n";
        return kExitBadInput;
      }
      seed = s;
    } else if (arg == "--first-finding") {
      first_finding = true;
    } else if (absl::StartsWith(arg, "-")) {
      err << "turncoat matrix: unknown option '" << arg << "'\n" << kUsage;
      return kExitBadInput;
    } else {
      paths.push_back(arg);
    }
  }
  if (paths.empty() || variants.empty()) {
    err << "turncoat matrix: give at least one plan (or directory) and one --variant\n" << kUsage;
    return kExitBadInput;
  }

  // Every plan is loaded before anything runs, so a typo in the last one
  // does not surface an hour in.
  absl::StatusOr<std::vector<std::string>> files = PlanFiles(paths);
  if (!files.ok()) {
    err << "turncoat matrix: " << files.status().message() << "\n";
    return kExitBadInput;
  }
  std::vector<RunnablePlan> plans;
  std::vector<std::string> names;
  for (const std::string& file : *files) {
    absl::StatusOr<RunnablePlan> loaded = LoadRunnablePlan(file, seed);
    if (!loaded.ok()) {
      err << loaded.status().message() << "\n";
      return kExitBadInput;
    }
    if (std::find(names.begin(), names.end(), loaded->plan.name) != names.end()) {
      err << "turncoat matrix: " << file << ": another plan is also named '" << loaded->plan.name
          << "'; plan names label the matrix's columns\n";
      return kExitBadInput;
    }
    names.push_back(loaded->plan.name);
    plans.push_back(*std::move(loaded));
  }
  if (out_dir.empty()) {
    out_dir = absl::StrCat("runs/matrix-", absl::FormatTime("%Y%m%d-%H%M%S", absl::Now(),
                                                            absl::LocalTimeZone()));
  }
  std::error_code ec;
  if (fs::exists(out_dir, ec)) {
    err << "turncoat matrix: " << out_dir << " exists; choose another with --out\n";
    return kExitBadInput;
  }
  fs::create_directories(out_dir, ec);

  std::vector<MatrixCell> cells;
  for (const MatrixVariant& variant : variants) {
    bool found = false;
    for (const RunnablePlan& loaded : plans) {
      MatrixCell cell;
      cell.variant = variant.name;
      cell.plan = loaded.plan.name;
      if (found && first_finding) {
        cells.push_back(std::move(cell));
        continue;
      }
      if (interrupted != nullptr && interrupted->load()) {
        err << "turncoat matrix: interrupted\n";
        return kExitHarnessFailure;
      }
      RunOptions options;
      options.run_dir = absl::StrCat(out_dir, "/", variant.name, "/", loaded.plan.name);
      options.seed = seed;
      options.build_dir = TurncoatBuildDir();
      options.replica_args = variant.replica_args;
      options.interrupted = interrupted;
      out << variant.name << " x " << loaded.plan.name << " ... " << std::flush;
      absl::StatusOr<RunOutcome> outcome = RunPlan(loaded.plan, loaded.target, options);
      if (!outcome.ok()) {
        err << "turncoat matrix: " << outcome.status().message() << "\n";
        return kExitBadInput;
      }
      cell.outcome = OutcomeName(outcome->status);
      cell.run_dir = outcome->run_dir;
      for (const CheckResult& r : outcome->results) {
        if (!r.holds()) cell.violated.push_back(r.invariant);
      }
      cell.detected_at = DetectionTime(outcome->results);
      out << cell.outcome << (cell.violated.empty() ? "" : ": ")
          << absl::StrJoin(cell.violated, ", ") << "\n";
      found |= cell.outcome == "violation";
      cells.push_back(std::move(cell));
    }
  }

  std::vector<std::string> problems;
  const bool holds = MatrixHolds(variants, names, cells, &problems);
  const std::string table = MatrixMarkdown(variants, names, cells);
  std::ofstream(absl::StrCat(out_dir, "/matrix.json")) << MatrixJson(names, cells);
  std::ofstream(absl::StrCat(out_dir, "/matrix.md")) << table;
  out << "\n" << table << "\n";
  for (const std::string& p : problems) out << "PROBLEM: " << p << "\n";
  out << (holds ? "PASS: the matrix holds" : "FAIL: the matrix does not hold") << "\nmatrix: "
      << out_dir << "/matrix.json, matrix.md\n";
  return holds ? kExitOk : kExitViolation;
}

}  // namespace turncoat
