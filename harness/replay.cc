#include "harness/replay.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/file_io.h"
#include "common/sha256.h"
#include "harness/install_layout.h"
#include "harness/version.h"
#include "loaders/plan_loader.h"
#include "loaders/target_loader.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ThisBinary() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("turncoat") : exe.string();
}

std::string Absolute(const std::string& path) {
  return fs::absolute(path).lexically_normal().string();
}

// 1-based line of byte `offset` in `text`.
size_t LineAt(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
}

// "DIR/report.json:LINE" for the line where `key` first appears as a key.
std::string KeyWhere(const std::string& path, const std::string& text, const std::string& key) {
  const size_t at = text.find(absl::StrCat("\"", key, "\":"));
  return at == std::string::npos ? path : absl::StrCat(path, ":", LineAt(text, at));
}

absl::StatusOr<json> ReadReport(const std::string& run_dir, std::string* text) {
  const std::string path = absl::StrCat(run_dir, "/report.json");
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) {
    return absl::NotFoundError(absl::StrCat(
        run_dir, ": no such directory; give the run directory `turncoat run` printed after "
                 "`reports:`"));
  }
  absl::StatusOr<std::string> read = ReadFile(path);
  if (!read.ok()) {
    return absl::NotFoundError(absl::StrCat(
        path, ": no report (", read.status().message(), "); ", run_dir,
        " is not a finished run's directory: give one `turncoat run` wrote, which holds "
        "report.json"));
  }
  *text = *std::move(read);
  try {
    return json::parse(*text);
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", LineAt(*text, e.byte), ": not valid JSON (", e.what(),
        "); the report is damaged: run the plan again with `turncoat run`"));
  }
}

// A warning when the file at `path` is not the one run (`sha256`).
void CompareWithOriginal(const std::string& what, const std::string& path,
                         const std::string& sha256, const std::string& copy,
                         std::vector<std::string>* warnings) {
  absl::StatusOr<std::string> now = ReadFile(path);
  if (!now.ok()) {
    warnings->push_back(absl::StrCat("the ", what, " file ", path,
                                     " is gone since the run; replaying the copy saved as ", copy));
  } else if (Sha256Hex(*now) != sha256) {
    warnings->push_back(absl::StrCat("the ", what, " file ", path,
                                     " changed since the run (sha256 differs); replaying the "
                                     "copy saved as ", copy, ", as it was run"));
  }
}

// The saved copy `name` in `run_dir`, with a warning if it was edited.
absl::StatusOr<std::string> ReadCopy(const std::string& run_dir, const std::string& name,
                                     const std::string& what, const std::string& sha256,
                                     std::vector<std::string>* warnings) {
  const std::string path = absl::StrCat(run_dir, "/", name);
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrCat(
        path, ": the copy of the ", what, " as run is missing (", text.status().message(),
        "); without it the run cannot be replayed exactly: run the command in report.json's "
        "replay.command instead"));
  }
  if (Sha256Hex(*text) != sha256) {
    warnings->push_back(absl::StrCat(path, " was edited since the run (its sha256 is not the "
                                     "report's); replaying it as it is now"));
  }
  return text;
}

absl::Status InCopy(const absl::Status& status, const std::string& copy,
                    const std::string& original) {
  return absl::Status(status.code(),
                      absl::StrCat("in ", copy, ", the copy of ", original,
                                   " as run (line numbers are the copy's): ", status.message()));
}

}  // namespace

ReplaySpec ReplaySpecFor(const Plan& plan, const TargetSpec& target, const RunOptions& options) {
  ReplaySpec spec;
  spec.turncoat = ThisBinary();
  spec.turncoat_version = TurncoatVersion();
  spec.plan_path = Absolute(plan.path);
  spec.plan_sha256 = Sha256Hex(plan.source_text);
  spec.target_path = Absolute(target.path);
  spec.target_sha256 = Sha256Hex(target.source_text);
  spec.seed = options.seed.value_or(plan.seed);
  spec.replica_args = options.replica_args;
  spec.trace = options.trace_sample_every;
  spec.direct_links = options.direct_links;
  spec.links = options.links;
  return spec;
}

absl::Status SaveRunInputs(const Plan& plan, const TargetSpec& target,
                           const std::string& run_dir) {
  return WriteFiles({{absl::StrCat(run_dir, "/", kPlanCopy), plan.source_text},
                     {absl::StrCat(run_dir, "/", kTargetCopy), target.source_text}});
}

absl::StatusOr<RunFindings> ReadRunFindings(const std::string& run_dir) {
  std::string text;
  absl::StatusOr<json> report = ReadReport(run_dir, &text);
  if (!report.ok()) return report.status();
  return RunFindingsFromReportJson(*report, absl::StrCat(run_dir, "/report.json"));
}

absl::StatusOr<RecordedRun> LoadRecordedRun(const std::string& run_dir) {
  RecordedRun run;
  run.run_dir = run_dir;
  std::string text;
  absl::StatusOr<json> report = ReadReport(run_dir, &text);
  if (!report.ok()) return report.status();
  const std::string path = absl::StrCat(run_dir, "/report.json");
  if (!report->is_object() || !report->contains("replay")) {
    const json plan = report->is_object() ? report->value("plan", json()) : json();
    const std::string plan_path = plan.is_object() && plan.value("path", json()).is_string()
                                      ? plan["path"].get<std::string>()
                                      : "PLAN";
    const std::string seed = plan.is_object() && plan.value("seed", json()).is_number_unsigned()
                                 ? plan["seed"].dump()
                                 : "N";
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": no `replay` object: the run was made by a turncoat older than replay, which did "
              "not record its command line or keep its files; run it again with `turncoat run ",
        plan_path, " --seed=", seed, "` and the --replica-arg/--trace/--direct-links it had"));
  }
  absl::StatusOr<ReplaySpec> spec = ReplaySpecFromJson((*report)["replay"],
                                                       KeyWhere(path, text, "replay"));
  if (!spec.ok()) return spec.status();
  run.spec = *std::move(spec);
  absl::StatusOr<RunFindings> findings = RunFindingsFromReportJson(*report, path);
  if (!findings.ok()) return findings.status();
  run.findings = *std::move(findings);

  absl::StatusOr<std::string> plan_text =
      ReadCopy(run_dir, kPlanCopy, "plan", run.spec.plan_sha256, &run.warnings);
  if (!plan_text.ok()) return plan_text.status();
  absl::StatusOr<std::string> target_text =
      ReadCopy(run_dir, kTargetCopy, "target", run.spec.target_sha256, &run.warnings);
  if (!target_text.ok()) return target_text.status();
  const std::string plan_copy = absl::StrCat(run_dir, "/", kPlanCopy);
  const std::string target_copy = absl::StrCat(run_dir, "/", kTargetCopy);
  CompareWithOriginal("plan", run.spec.plan_path, run.spec.plan_sha256, plan_copy, &run.warnings);
  CompareWithOriginal("target", run.spec.target_path, run.spec.target_sha256, target_copy,
                      &run.warnings);
  if (run.spec.turncoat_version != TurncoatVersion()) {
    run.warnings.push_back(absl::StrCat(
        "the run was made by turncoat ", run.spec.turncoat_version, " and this is ",
        TurncoatVersion(), "; adversaries and checkers may behave differently"));
  }

  // Parsed as if at their original paths, so relative paths inside them
  // (the plan's target, the target's .proto files) resolve as they did.
  absl::StatusOr<Plan> plan = ParsePlan(*plan_text, run.spec.plan_path);
  if (!plan.ok()) return InCopy(plan.status(), plan_copy, run.spec.plan_path);
  plan->target = run.spec.target_path;
  absl::StatusOr<TargetSpec> target = ParseTarget(*target_text, run.spec.target_path);
  if (!target.ok()) return InCopy(target.status(), target_copy, run.spec.target_path);
  absl::StatusOr<RunnablePlan> runnable =
      CheckRunnablePlan(*std::move(plan), *std::move(target), run.spec.seed);
  if (!runnable.ok()) return InCopy(runnable.status(), plan_copy, run.spec.plan_path);
  run.runnable = *std::move(runnable);
  return run;
}

bool ReplayAttempt::harness_failure() const {
  return status == RunStatus::kHarnessError && (!comparison.reproduced || findings.violated.empty());
}

absl::StatusOr<ReplayAttempt> ReplayOnce(const RecordedRun& run, const std::string& attempt_dir,
                                         const std::atomic<bool>* interrupted, bool progress) {
  RunOptions options;
  options.run_dir = attempt_dir;
  options.seed = run.spec.seed;
  options.layout = RunningLayout();
  options.replica_args = run.spec.replica_args;
  options.trace_sample_every = run.spec.trace;
  options.direct_links = run.spec.direct_links;
  options.links = run.spec.links;
  options.interrupted = interrupted;
  options.progress = progress;
  absl::StatusOr<RunOutcome> outcome =
      RunPlan(run.runnable.plan, run.runnable.target, options);
  if (!outcome.ok()) return outcome.status();
  ReplayAttempt attempt;
  attempt.run_dir = outcome->run_dir;
  attempt.status = outcome->status;
  attempt.error = outcome->error;
  // The attempt's own report, read as the original's was, so both are
  // judged alike.
  absl::StatusOr<RunFindings> findings = ReadRunFindings(outcome->run_dir);
  if (findings.ok()) {
    attempt.findings = *std::move(findings);
  } else {
    attempt.status = RunStatus::kHarnessError;
    attempt.error = std::string(findings.status().message());
    attempt.findings.verdict = "error";
  }
  attempt.comparison = CompareFindings(run.findings, attempt.findings);
  return attempt;
}

}  // namespace turncoat
