// Replay: running a finished run again, exactly as it was run, and telling
// whether it found the same.
//
// Every run directory keeps the plan and the target file as run (plan.yaml,
// target.yaml, beside report.json whose `replay` object holds the rest:
// seed, replica arguments, trace, link mode, and the files' sha256).
// LoadRecordedRun reads that back and ReplayOnce runs it once more into a
// new directory and compares findings (replay_spec.h). `turncoat replay`
// (replay_command.h) runs it K times; the shrinker runs candidate plans
// with a recorded run's spec by changing `runnable.plan` of a RecordedRun.
//
// The saved copies are what runs, never the files at their original paths:
// if those changed since, the run is still replayed as it was, and
// LoadRecordedRun says so in `warnings`. Files the target refers to (its
// .proto files, the replica binary, a codec program) are not copied; they
// are used where they are now. docs/replay.md says what "exact" means on a
// real network.
//
// Thread-compatible: ReplayOnce runs one cluster, like RunPlan.
#ifndef TURNCOAT_HARNESS_REPLAY_H_
#define TURNCOAT_HARNESS_REPLAY_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/controller.h"
#include "harness/runnable_plan.h"
#include "model/plan.h"
#include "model/replay_spec.h"
#include "model/target_spec.h"

namespace turncoat {

// The copies every run directory keeps of the files it ran.
inline constexpr char kPlanCopy[] = "plan.yaml";
inline constexpr char kTargetCopy[] = "target.yaml";

// The spec of a run of `plan` on `target` with `options` (whose run_dir is
// not part of it), run by this binary.
ReplaySpec ReplaySpecFor(const Plan& plan, const TargetSpec& target, const RunOptions& options);

// Writes kPlanCopy and kTargetCopy into `run_dir`: the texts as loaded.
absl::Status SaveRunInputs(const Plan& plan, const TargetSpec& target,
                           const std::string& run_dir);

// A finished run, ready to run again.
struct RecordedRun {
  std::string run_dir;
  ReplaySpec spec;
  RunFindings findings;
  // Loaded from the copies in run_dir, as if they were at their original
  // paths (relative paths inside resolve as they did), and checked as a run
  // with spec.seed would.
  RunnablePlan runnable;
  // One sentence each: a file that changed or is gone since the run, a
  // copy edited since, a different turncoat version.
  std::vector<std::string> warnings;
};

// Reads `run_dir`'s report.json and saved copies. Errors (bad input) name
// the file, where in it, and what to do instead.
absl::StatusOr<RecordedRun> LoadRecordedRun(const std::string& run_dir);

// What a report.json found; an error names the file and what is wrong.
absl::StatusOr<RunFindings> ReadRunFindings(const std::string& run_dir);

struct ReplayAttempt {
  std::string run_dir;
  RunStatus status = RunStatus::kHarnessError;
  std::string error;  // for kBadInput and kHarnessError
  RunFindings findings;
  ReplayComparison comparison;
  // The attempt ran, but turncoat failed before it could tell (a reproduced
  // violation in a partial history still counts as reproduced).
  bool harness_failure() const;
};

// Runs `run` once more into `attempt_dir` (which must not exist) and
// compares what it finds with the original. An error only when the
// directory cannot be made; every later failure is an attempt's status.
absl::StatusOr<ReplayAttempt> ReplayOnce(const RecordedRun& run, const std::string& attempt_dir,
                                         const std::atomic<bool>* interrupted, bool progress);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_REPLAY_H_
