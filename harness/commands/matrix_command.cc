#include "harness/commands/matrix_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "harness/commands/run_command.h"
#include "harness/controller.h"
#include "harness/install_layout.h"
#include "harness/matrix.h"
#include "model/exit_codes.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

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

const CommandDoc kMatrixCommand = {
    "matrix", "run variants of the target against plans: the detection matrix",
    "usage: turncoat matrix PLAN_OR_DIR... --variant=NAME[=ARGS]... [--out=DIR] [--seed=N] "
    "[--first-finding]\n",
    "turncoat matrix plans/nightly --variant correct "
    "--variant=small-quorum=--bug=small-quorum --first-finding"};

std::optional<int> ParseMatrixArgs(const std::vector<std::string>& args, MatrixArgs* parsed,
                                   std::ostream& out, std::ostream& err) {
  std::unique_ptr<CLI::App> app = NewCommandApp(kMatrixCommand);
  std::vector<std::string> variants;
  std::string seed;
  app->add_option("PLAN_OR_DIR", parsed->paths, "plan files, or directories of *.yaml plans")
      ->type_name("");
  app->add_option("--variant", variants,
                  "a variant of the target: NAME, or NAME=ARGS with ARGS the space-separated "
                  "arguments appended to every replica's command line; repeatable")
      ->type_name("NAME[=ARGS]")
      ->allow_extra_args(false);
  app->add_option("--out", parsed->out_dir,
                  "the matrix directory to create (default runs/matrix-<time>)")
      ->type_name("DIR");
  app->add_option("--seed", seed, "override every plan's seed")->type_name("N");
  app->add_flag("--first-finding", parsed->first_finding,
                "a variant with ARGS stops at the first plan that finds it");
  if (std::optional<int> exit = ParseCommandLine(app.get(), kMatrixCommand, args, out, err)) {
    return exit;
  }
  for (const std::string& variant : variants) {
    std::vector<std::string> parts = absl::StrSplit(variant, absl::MaxSplits('=', 1));
    MatrixVariant v;
    v.name = parts[0];
    if (parts.size() > 1) v.replica_args = absl::StrSplit(parts[1], ' ', absl::SkipEmpty());
    if (v.name.empty()) {
      return BadCommandLine(kMatrixCommand,
                            "--variant needs a name, e.g. --variant=correct or "
                            "--variant=small-quorum=--bug=small-quorum",
                            err);
    }
    parsed->variants.push_back(std::move(v));
  }
  if (!seed.empty()) {
    uint64_t s = 0;
    if (!absl::SimpleAtoi(seed, &s)) {
      return BadCommandLine(
          kMatrixCommand, absl::StrCat("--seed: '", seed, "' is not a non-negative integer"), err);
    }
    parsed->seed = s;
  }
  if (parsed->paths.empty() || parsed->variants.empty()) {
    return BadCommandLine(kMatrixCommand,
                          "give at least one plan (or directory) and one --variant", err);
  }
  return std::nullopt;
}

int RunMatrix(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
              std::ostream& out, std::ostream& err) {
  MatrixArgs parsed;
  if (std::optional<int> exit = ParseMatrixArgs(args, &parsed, out, err)) return *exit;
  const std::vector<std::string>& paths = parsed.paths;
  const std::vector<MatrixVariant>& variants = parsed.variants;
  std::string out_dir = parsed.out_dir;
  const std::optional<uint64_t> seed = parsed.seed;
  const bool first_finding = parsed.first_finding;

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
      options.layout = RunningLayout();
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
