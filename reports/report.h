// Report: one run's outcome in the single shape every writer reads.
//
// BuildReport() condenses the plan, the target, the recorded history and the
// checker results into the verdict, the statistics and the plotted series;
// the writers (json_report.h, html_report.h, junit_report.h) only format it.
// Keeping one model means report.json, report.html and junit.xml can never
// disagree about what happened. Report is a plain value.
#ifndef TURNCOAT_REPORTS_REPORT_H_
#define TURNCOAT_REPORTS_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "checkers/checker.h"
#include "model/history.h"
#include "model/plan.h"
#include "model/replay_spec.h"
#include "model/target_spec.h"
#include "reports/episodes.h"

namespace turncoat {

enum class Verdict {
  kPass,       // every expected invariant holds          (exit code 0)
  kViolation,  // at least one invariant is violated      (exit code 1)
  kError,      // the harness failed; results incomplete  (exit code 3)
  // Invariants are violated, but the plan declared beyond_fault_bound: the
  // system is run where no BFT protocol can be safe, so the violation is the
  // lesson, not a bug                                    (exit code 0)
  kExpectedViolation,
  // Nothing is violated, but the run tested too little for that to mean
  // anything (reports/inconclusive.h)                    (exit code 4)
  kInconclusive,
};

// "pass", "fail", "error", "expected-violation", "inconclusive"
absl::string_view VerdictName(Verdict verdict);
int ExitCode(Verdict verdict);

struct LatencyStats {
  int64_t count = 0;  // values with a measured latency
  absl::Duration p50, p90, p99, max;
};

struct ReplicaStats {
  int replica = 0;
  bool byzantine = false;
  int64_t commits = 0;
  uint64_t max_seq = 0;
  int64_t unrequested_exits = 0;
};

struct Statistics {
  int64_t submissions = 0;       // Submit events
  int64_t values = 0;            // distinct submitted values
  int64_t accepted = 0;          // Acks that accepted
  int64_t rejected = 0;          // Acks that did not
  int64_t committed_values = 0;  // distinct values committed at some honest replica
  // From a value's first submission to its first commit at an honest replica.
  LatencyStats latency;
  std::vector<ReplicaStats> replicas;  // one per replica, in id order
  // Message counters summed over all links (the last report of each link).
  std::map<std::string, int64_t> link_counters;
};

// The message trace (history "message" events) counted per directed link
// and action. With sampling, each count stands for about `sample_every`
// messages.
struct TraceCounts {
  uint32_t sample_every = 0;               // one message in this many traced; 0: no trace
  int64_t messages = 0;                    // traced messages over all links
  std::map<std::string, int64_t> actions;  // over all links, by action
  MessageCounts links;                     // by (from, to), then by action
};

// What a TCP target's links carried (history "link_traffic" events): per
// directed link, the counts of every agent that reported it, summed (each
// frame is counted by one agent only, the sender's), and per kind of frame
// over all links. For gRPC targets only the links whose proxy rejected
// something (malformed connections, oversized messages).
struct TrafficCounts {
  std::map<std::pair<int, int>, LinkTraffic> links;  // by (from, to); `t` unused
  std::map<std::string, LinkTraffic::Count> kinds;
};

// The run cut into equal buckets for the plots.
struct Series {
  absl::Duration bucket;
  // commits per second at each replica, one entry per bucket
  std::vector<std::vector<double>> commit_rate;
  // latency of the values first submitted in each bucket; nullopt if none
  std::vector<std::optional<absl::Duration>> latency_p50;
  std::vector<std::optional<absl::Duration>> latency_p99;
};

// A fault phase as it happened, with the parameters the plan gave it and
// when the plan meant it to start and end: the cluster's ready time plus
// the phase's `at` (and `for`), unset when the history records no
// ClusterReady.
struct ReportFault {
  FaultInterval interval;
  Params params;
  std::optional<absl::Duration> planned_start;
  std::optional<absl::Duration> planned_end;
};

// A phase that starts later than this after its planned time is reported:
// the run did not do what the plan says when it says.
inline constexpr absl::Duration kLatePhaseWarning = absl::Milliseconds(250);

struct Report {
  Plan plan;
  std::string target_name;
  std::string target_path;
  std::string target_text;
  std::map<std::string, std::string> versions;  // component -> version
  // The command that runs it again; unset for a report not made by a run.
  std::optional<ReplaySpec> replay;

  std::string started_at;  // wall-clock time of the run's start, RFC 3339
  absl::Duration length;   // the history's end
  // When the cluster became ready (the plan's timeline counts from here).
  std::optional<absl::Duration> ready;
  // What `rate: auto` measured and chose.
  std::optional<Calibration> calibration;
  bool history_truncated = false;
  std::string harness_error;  // non-empty: the run did not complete

  std::vector<ReportFault> faults;
  std::vector<ProcessExit> exits;
  // Commit times per replica, for the timeline.
  std::vector<std::vector<absl::Duration>> commit_times;
  Statistics statistics;
  TraceCounts trace;
  TrafficCounts traffic;
  Series series;
  std::vector<CheckResult> results;
  // The results' findings grouped into the stories the page opens with.
  std::vector<Episode> episodes;
  // Why the run proves nothing even if every invariant holds; the verdict
  // is inconclusive when there are any and nothing outranks them.
  std::vector<std::string> inconclusive_reasons;
  // What went differently from the plan without invalidating the run, one
  // sentence each: a phase that started late or never.
  std::vector<std::string> warnings;

  Verdict verdict() const;
};

struct ReportInputs {
  const Plan* plan = nullptr;
  const TargetSpec* target = nullptr;
  const History* history = nullptr;
  bool history_truncated = false;
  std::vector<CheckResult> results;
  std::map<std::string, std::string> versions;
  std::string harness_error;
};

Report BuildReport(const ReportInputs& inputs);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_REPORT_H_
