#include "reports/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "model/exit_codes.h"
#include "reports/inconclusive.h"

namespace turncoat {
namespace {

// About this many buckets over a run, and never less than a second each:
// enough resolution to see a stall, few enough to read.
constexpr int64_t kTargetBuckets = 120;

// Nearest-rank percentile of sorted, non-empty `v`.
absl::Duration Percentile(const std::vector<absl::Duration>& v, double p) {
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::max<size_t>(rank, 1) - 1];
}

size_t BucketOf(absl::Duration t, absl::Duration bucket, size_t buckets) {
  absl::Duration remainder;
  const int64_t i = absl::IDivDuration(std::max(t, absl::ZeroDuration()), bucket, &remainder);
  // The run's last instant belongs to the last bucket, not one past it.
  return std::min(static_cast<size_t>(i), buckets - 1);
}

std::string Secs(absl::Duration d) { return absl::StrFormat("%.3fs", absl::ToDoubleSeconds(d)); }

// A warning per phase that started more than kLatePhaseWarning after its
// planned time, or never started although the run went on past it.
std::vector<std::string> PhaseTimingWarnings(const Plan& plan, const Report& report) {
  std::vector<std::string> warnings;
  if (!report.ready.has_value()) return warnings;
  std::vector<bool> started(plan.timeline.size(), false);
  for (const ReportFault& f : report.faults) {
    const int phase = f.interval.phase;
    if (phase < 0 || phase >= static_cast<int>(plan.timeline.size())) continue;
    started[phase] = true;
    const absl::Duration late = f.interval.start - *f.planned_start;
    if (late <= kLatePhaseWarning) continue;
    warnings.push_back(absl::StrCat(
        "phase ", phase, " (", f.interval.adversary, ") started ", Secs(late),
        " late: planned at ", Secs(*f.planned_start), " (ready at ", Secs(*report.ready),
        " + at ", absl::FormatDuration(plan.timeline[phase].at), "), started at ",
        Secs(f.interval.start), "; the controller could not keep to the timeline, which a busy "
        "machine causes, so what the phase overlapped may differ from the plan"));
  }
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    const absl::Duration planned = *report.ready + plan.timeline[i].at;
    if (started[i] || report.length <= planned + kLatePhaseWarning) continue;
    warnings.push_back(absl::StrCat("phase ", i, " (", plan.timeline[i].adversary,
                                    ") never started although the run lasted until ",
                                    Secs(report.length), ", past its planned start at ",
                                    Secs(planned)));
  }
  return warnings;
}

}  // namespace

absl::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kViolation:
      return "fail";
    case Verdict::kError:
      return "error";
    case Verdict::kExpectedViolation:
      return "expected-violation";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "error";
}

int ExitCode(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
    case Verdict::kExpectedViolation:
      return kExitOk;
    case Verdict::kViolation:
      return kExitViolation;
    case Verdict::kError:
      return kExitHarnessFailure;
    case Verdict::kInconclusive:
      return kExitInconclusive;
  }
  return kExitHarnessFailure;
}

Verdict Report::verdict() const {
  // A failed harness leaves liveness and even "no violation" unproven, so
  // it outranks whatever the partial history shows.
  if (!harness_error.empty()) return Verdict::kError;
  for (const CheckResult& r : results) {
    if (!r.holds()) {
      return plan.beyond_fault_bound ? Verdict::kExpectedViolation : Verdict::kViolation;
    }
  }
  // A finding is a finding; only a run without one can have tested too
  // little to pass.
  return inconclusive_reasons.empty() ? Verdict::kPass : Verdict::kInconclusive;
}

Report BuildReport(const ReportInputs& in) {
  const Plan& plan = *in.plan;
  const History& history = *in.history;
  Report report;
  report.plan = plan;
  report.target_name = in.target->name;
  report.target_path = in.target->path;
  report.target_text = in.target->source_text;
  report.versions = in.versions;
  report.started_at = history.run_start().has_value() ? history.run_start()->wall_time : "";
  report.length = history.end();
  report.history_truncated = in.history_truncated;
  report.harness_error = in.harness_error;
  report.results = in.results;
  report.episodes = BuildEpisodes(plan, history, in.results);

  if (history.cluster_ready().has_value()) report.ready = history.cluster_ready()->t;
  report.calibration = history.calibration();
  for (FaultInterval& interval : history.FaultIntervals()) {
    ReportFault fault;
    if (interval.phase >= 0 && interval.phase < static_cast<int>(plan.timeline.size())) {
      const Phase& phase = plan.timeline[interval.phase];
      fault.params = phase.params;
      if (report.ready.has_value()) {
        fault.planned_start = *report.ready + phase.at;
        fault.planned_end = *report.ready + phase.end();
      }
    }
    fault.interval = std::move(interval);
    report.faults.push_back(std::move(fault));
  }
  report.warnings = PhaseTimingWarnings(plan, report);
  report.inconclusive_reasons = InconclusiveReasons(plan, history, in.results);
  report.exits = history.process_exits();

  // Statistics.
  Statistics& stats = report.statistics;
  stats.submissions = static_cast<int64_t>(history.submits().size());
  absl::flat_hash_map<std::string, absl::Duration> first_submit;
  for (const Submit& s : history.submits()) {
    auto [it, inserted] = first_submit.emplace(s.value, s.t);
    if (!inserted) it->second = std::min(it->second, s.t);
  }
  stats.values = static_cast<int64_t>(first_submit.size());
  for (const Ack& a : history.acks()) {
    if (a.accepted) {
      ++stats.accepted;
    } else {
      ++stats.rejected;
    }
  }

  stats.replicas.resize(plan.n);
  report.commit_times.resize(plan.n);
  for (int r = 0; r < plan.n; ++r) {
    stats.replicas[r].replica = r;
    stats.replicas[r].byzantine = plan.IsByzantine(r);
  }
  absl::flat_hash_map<std::string, absl::Duration> first_honest_commit;
  for (const Commit& c : history.commits()) {
    if (c.replica < 0 || c.replica >= plan.n) continue;
    ReplicaStats& rs = stats.replicas[c.replica];
    ++rs.commits;
    rs.max_seq = std::max(rs.max_seq, c.seq);
    report.commit_times[c.replica].push_back(c.t);
    if (rs.byzantine) continue;
    auto [it, inserted] = first_honest_commit.emplace(c.value, c.t);
    if (!inserted) it->second = std::min(it->second, c.t);
  }
  stats.committed_values = static_cast<int64_t>(first_honest_commit.size());
  for (const ProcessExit& e : history.process_exits()) {
    if (!e.requested && e.replica >= 0 && e.replica < plan.n) {
      ++stats.replicas[e.replica].unrequested_exits;
    }
  }
  std::map<std::pair<int, int>, const LinkStats*> last_per_link;
  for (const LinkStats& l : history.link_stats()) {
    const LinkStats*& last = last_per_link[{l.from, l.to}];
    if (last == nullptr || l.t >= last->t) last = &l;
  }
  // Counts add up over links; a counter named "... min" or "... max" (the
  // age of replayed messages) is an extreme, and stays one.
  for (const auto& [link, l] : last_per_link) {
    for (const auto& [name, count] : l->counters) {
      auto [it, fresh] = stats.link_counters.emplace(name, count);
      if (fresh) continue;
      if (absl::EndsWith(name, " min")) {
        it->second = std::min(it->second, count);
      } else if (absl::EndsWith(name, " max")) {
        it->second = std::max(it->second, count);
      } else {
        it->second += count;
      }
    }
  }

  TraceCounts& trace = report.trace;
  trace.sample_every = history.trace_sample_every().value_or(0);
  trace.links = history.message_counts();
  for (const auto& [link, actions] : trace.links) {
    for (const auto& [action, count] : actions) {
      trace.actions[action] += count;
      trace.messages += count;
    }
  }

  for (const LinkTraffic& l : history.link_traffic()) {
    LinkTraffic& link = report.traffic.links[{l.from, l.to}];
    link.from = l.from;
    link.to = l.to;
    for (const auto& [kind, count] : l.kinds) {
      for (LinkTraffic::Count* sum : {&link.kinds[kind], &report.traffic.kinds[kind]}) {
        sum->frames += count.frames;
        sum->bytes += count.bytes;
      }
    }
    link.unparsed_bytes += l.unparsed_bytes;
    link.connections += l.connections;
    link.refused += l.refused;
    link.malformed_connections += l.malformed_connections;
    link.oversized_messages += l.oversized_messages;
  }

  // The plots' buckets.
  Series& series = report.series;
  series.bucket =
      std::max(absl::Seconds(1), absl::Ceil(report.length / kTargetBuckets, absl::Seconds(1)));
  const size_t buckets = static_cast<size_t>(
      std::max(1.0, std::ceil(absl::FDivDuration(report.length, series.bucket))));
  const double bucket_seconds = absl::ToDoubleSeconds(series.bucket);
  series.commit_rate.assign(plan.n, std::vector<double>(buckets, 0.0));
  for (int r = 0; r < plan.n; ++r) {
    for (absl::Duration t : report.commit_times[r]) {
      series.commit_rate[r][BucketOf(t, series.bucket, buckets)] += 1.0 / bucket_seconds;
    }
  }

  // Latency of each value, overall and by the bucket it was submitted in.
  std::vector<absl::Duration> all;
  std::vector<std::vector<absl::Duration>> by_bucket(buckets);
  for (const auto& [value, submitted] : first_submit) {
    auto committed = first_honest_commit.find(value);
    if (committed == first_honest_commit.end() || committed->second < submitted) continue;
    const absl::Duration latency = committed->second - submitted;
    all.push_back(latency);
    by_bucket[BucketOf(submitted, series.bucket, buckets)].push_back(latency);
  }
  if (!all.empty()) {
    std::sort(all.begin(), all.end());
    stats.latency = LatencyStats{static_cast<int64_t>(all.size()), Percentile(all, 0.5),
                                 Percentile(all, 0.9), Percentile(all, 0.99), all.back()};
  }
  for (std::vector<absl::Duration>& b : by_bucket) {
    if (b.empty()) {
      series.latency_p50.push_back(std::nullopt);
      series.latency_p99.push_back(std::nullopt);
      continue;
    }
    std::sort(b.begin(), b.end());
    series.latency_p50.push_back(Percentile(b, 0.5));
    series.latency_p99.push_back(Percentile(b, 0.99));
  }
  return report;
}

}  // namespace turncoat
