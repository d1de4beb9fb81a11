#include "reports/episodes.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace turncoat {
namespace {

std::string Secs(absl::Duration d) { return absl::StrFormat("%.3fs", absl::ToDoubleSeconds(d)); }

std::string Replicas(const std::vector<int>& replicas) {
  return absl::StrCat(replicas.size() == 1 ? "replica " : "replicas ",
                      absl::StrJoin(replicas, ", "));
}

// Per replica, its commits in time order.
std::map<int, std::vector<const Commit*>> CommitsByReplica(const History& history) {
  std::map<int, std::vector<const Commit*>> out;
  for (const Commit& c : history.commits()) out[c.replica].push_back(&c);
  for (auto& [replica, commits] : out) {
    std::stable_sort(commits.begin(), commits.end(),
                     [](const Commit* a, const Commit* b) { return a->t < b->t; });
  }
  return out;
}

// The fault stretches that overlap [from, to]: what was being done to the
// cluster while the episode began.
std::vector<ActiveFault> ActiveFaults(const History& history, absl::Duration from,
                                      absl::Duration to) {
  std::vector<ActiveFault> out;
  for (const FaultInterval& interval : history.FaultIntervals()) {
    for (const FaultInterval::Stretch& s : interval.Stretches()) {
      if (s.start > to || s.end < from) continue;
      out.push_back(ActiveFault{interval.phase, interval.adversary, s.nodes, s.start, s.end,
                                s.what});
    }
  }
  return out;
}

std::string DescribeFaults(const std::vector<ActiveFault>& faults) {
  std::vector<std::string> parts;
  for (const ActiveFault& f : faults) {
    std::string part = absl::StrCat("phase ", f.phase, " (", f.adversary);
    if (!f.nodes.empty()) absl::StrAppend(&part, " on ", Replicas(f.nodes));
    if (!f.what.empty()) absl::StrAppend(&part, ": ", f.what);
    absl::StrAppend(&part, ", ", Secs(f.start), " to ", Secs(f.end), ")");
    parts.push_back(std::move(part));
  }
  return absl::StrJoin(parts, ", ");
}

// What one liveness finding says: the window from the value's submission
// (or the fault's end, for a recovery finding) to its deadline, the
// replicas late at the deadline and the values it names.
struct LateWindow {
  const Finding* finding = nullptr;
  absl::Duration start;
  absl::Duration deadline;
  std::vector<int> late;
  std::set<std::string> values;
};

LateWindow WindowOf(const Finding& finding) {
  LateWindow w;
  w.finding = &finding;
  bool first = true;
  for (const Observation& o : finding.evidence) {
    w.start = first ? o.t : std::min(w.start, o.t);
    w.deadline = first ? o.t : std::max(w.deadline, o.t);
    first = false;
    if (o.event == "deadline" && o.replica >= 0) w.late.push_back(o.replica);
    if (o.value.has_value() && o.event != "deadline") w.values.insert(*o.value);
  }
  std::sort(w.late.begin(), w.late.end());
  w.late.erase(std::unique(w.late.begin(), w.late.end()), w.late.end());
  return w;
}

std::optional<absl::Duration> Bound(const Plan& plan, const History& history) {
  if (plan.expect.commit_within.has_value()) return plan.expect.commit_within;
  if (history.calibration().has_value()) return history.calibration()->commit_within;
  return std::nullopt;
}

Episode LivenessEpisode(const Plan& plan, const History& history,
                        const std::map<int, std::vector<const Commit*>>& commits,
                        const std::string& invariant, const std::vector<LateWindow>& group) {
  Episode e;
  e.invariant = invariant;
  e.kind = InvariantKind::kLiveness;
  e.first_submitted = group.front().start;
  e.last_deadline = group.front().deadline;
  // Each late replica's first window: the one in which it fell behind.
  std::map<int, const LateWindow*> first_late;
  std::set<std::string> values;
  absl::Duration last_submitted = group.front().start;
  for (const LateWindow& w : group) {
    e.last_deadline = std::max(e.last_deadline, w.deadline);
    last_submitted = std::max(last_submitted, w.start);
    for (int q : w.late) first_late.emplace(q, &w);
    values.insert(w.values.begin(), w.values.end());
    ++e.findings;
    if (e.examples.size() < kMaxEpisodeExamples) e.examples.push_back(*w.finding);
  }
  e.values = static_cast<int64_t>(values.size());
  for (const auto& [q, w] : first_late) e.replicas.push_back(q);

  // Stalled: every late replica committed nothing in the second half of its
  // first late value's wait (commits already in flight may land just after
  // the value was submitted; a replica that skips values commits others
  // until the deadline). Then the episode began at the earliest of their
  // last commits before the deadline.
  static const std::vector<const Commit*> kNone;
  e.stalled = !first_late.empty();
  std::optional<absl::Duration> stopped;
  std::optional<absl::Duration> resumed = absl::ZeroDuration();
  absl::Duration opening_end = e.last_deadline;
  for (const auto& [q, w] : first_late) {
    auto it = commits.find(q);
    const std::vector<const Commit*>& log = it == commits.end() ? kNone : it->second;
    opening_end = std::min(opening_end, w->deadline);
    absl::Duration last = absl::ZeroDuration();
    std::optional<absl::Duration> next;
    for (const Commit* c : log) {
      if (c->t <= w->deadline) last = c->t;
      if (c->t > w->deadline && !next.has_value()) next = c->t;
    }
    if (last > w->start + (w->deadline - w->start) / 2) e.stalled = false;
    stopped = stopped.has_value() ? std::min(*stopped, last) : last;
    if (!next.has_value()) {
      resumed.reset();
    } else if (resumed.has_value()) {
      resumed = std::max(*resumed, *next);
    }
  }
  e.began = e.stalled ? *stopped : e.first_submitted;
  if (e.stalled) e.resumed = resumed;
  e.faults = ActiveFaults(history, e.began, opening_end);

  const std::optional<absl::Duration> bound = Bound(plan, history);
  const std::string within =
      bound.has_value() ? absl::StrCat(" within ", absl::FormatDuration(*bound)) : "";
  const std::string submitted =
      absl::StrCat(e.values, e.values == 1 ? " value" : " values", " submitted from ",
                   Secs(e.first_submitted), " to ", Secs(last_submitted), " did not commit",
                   within);
  if (e.stalled) {
    e.summary = absl::StrCat(
        "Commits stopped at ", Secs(e.began), " at ", Replicas(e.replicas), " and ",
        e.resumed.has_value() ? absl::StrCat("resumed only at ", Secs(*e.resumed))
                              : absl::StrCat("never resumed (the run ended at ",
                                             Secs(history.end()), ")"),
        ": ", submitted);
  } else {
    e.summary = absl::StrCat(submitted, " at ", Replicas(e.replicas),
                             ", which kept committing other values");
  }
  if (!e.faults.empty()) absl::StrAppend(&e.summary, "; active then: ", DescribeFaults(e.faults));
  absl::StrAppend(&e.summary, ".");
  e.why = absl::StrCat(
      "At most f = ", plan.f, " of the ", plan.n,
      " replicas were faulty at any time while these values waited, so a correct BFT "
      "protocol must keep committing",
      bound.has_value() ? absl::StrCat(" within the plan's commit_within of ",
                                       absl::FormatDuration(*bound))
                        : "",
      ", and these replicas were not faulty themselves.");
  return e;
}

// Smallest seq named in the evidence, then earliest time: what makes a
// finding the first divergence.
std::pair<uint64_t, absl::Duration> FindingOrder(const Finding& f) {
  uint64_t seq = std::numeric_limits<uint64_t>::max();
  absl::Duration t = absl::InfiniteDuration();
  for (const Observation& o : f.evidence) {
    if (o.seq.has_value()) seq = std::min(seq, *o.seq);
    t = std::min(t, o.t);
  }
  return {seq, t};
}

// When the finding became one: the first moment its evidence shows two
// different values (a second value at one seq), else its last observation
// (a value committed twice, an exit).
absl::Duration Diverged(const Finding& finding) {
  std::vector<const Observation*> by_time;
  for (const Observation& o : finding.evidence) by_time.push_back(&o);
  std::stable_sort(by_time.begin(), by_time.end(),
                   [](const Observation* a, const Observation* b) { return a->t < b->t; });
  std::set<std::string> values;
  for (const Observation* o : by_time) {
    if (o->value.has_value()) values.insert(*o->value);
    if (values.size() > 1) return o->t;
  }
  return by_time.empty() ? absl::ZeroDuration() : by_time.back()->t;
}

Episode SafetyEpisode(const Plan& plan, const History& history,
                      const std::map<int, std::vector<const Commit*>>& commits,
                      const CheckResult& result) {
  Episode e;
  e.invariant = result.invariant;
  e.kind = InvariantKind::kSafety;
  e.findings = static_cast<int64_t>(result.findings.size());
  size_t first = 0;
  for (size_t i = 1; i < result.findings.size(); ++i) {
    if (FindingOrder(result.findings[i]) < FindingOrder(result.findings[first])) first = i;
  }
  const Finding& divergence = result.findings[first];
  e.examples.push_back(divergence);
  for (size_t i = 0; i < result.findings.size() && e.examples.size() < kMaxEpisodeExamples; ++i) {
    if (i != first) e.examples.push_back(result.findings[i]);
  }
  std::set<std::string> values;
  for (const Finding& f : result.findings) {
    for (const Observation& o : f.evidence) {
      if (o.value.has_value()) values.insert(*o.value);
    }
  }
  e.values = static_cast<int64_t>(values.size());

  const uint64_t seq = FindingOrder(divergence).first;
  e.began = Diverged(divergence);
  std::set<int> replicas;
  for (const Observation& o : divergence.evidence) {
    if (o.replica >= 0) replicas.insert(o.replica);
  }
  e.replicas.assign(replicas.begin(), replicas.end());
  e.faults = ActiveFaults(history, e.began, e.began);

  if (seq != std::numeric_limits<uint64_t>::max()) {
    const uint64_t low = seq > kLogContext ? seq - kLogContext : 0;
    const uint64_t high = seq + kLogContext;
    for (int r : e.replicas) {
      ReplicaLog log{r, {}};
      auto it = commits.find(r);
      if (it != commits.end()) {
        for (const Commit* c : it->second) {
          if (c->seq < low || c->seq > high) continue;
          bool cited = false;
          for (const Observation& o : divergence.evidence) {
            cited |= o.replica == r && o.seq == c->seq && o.value == c->value && o.t == c->t;
          }
          log.entries.push_back(LogEntry{c->seq, c->value, c->t, cited});
        }
      }
      std::stable_sort(log.entries.begin(), log.entries.end(),
                       [](const LogEntry& a, const LogEntry& b) { return a.seq < b.seq; });
      e.logs.push_back(std::move(log));
    }
  }

  e.summary = absl::StrCat(
      result.violations == 1 ? "The only violation"
                             : absl::StrCat("The first of ", result.violations, " violations"),
      " of ", result.invariant, ", at ", Secs(e.began), ": ", divergence.message);
  if (!e.faults.empty()) absl::StrAppend(&e.summary, "; active then: ", DescribeFaults(e.faults));
  absl::StrAppend(&e.summary, ".");
  const CheckerInfo* checker = CheckerRegistry::Global().Find(result.invariant);
  const std::string promise =
      checker != nullptr ? checker->summary : absl::StrCat(result.invariant, " holds");
  e.why = plan.beyond_fault_bound
              ? absl::StrCat("A BFT protocol promises that ", promise,
                             " only within its fault bound, which this plan exceeds on "
                             "purpose, so this shows the bound rather than a bug.")
              : absl::StrCat("A correct BFT protocol promises that ", promise,
                             " whatever the network does, with up to f = ", plan.f, " of its ",
                             plan.n, " replicas faulty.");
  return e;
}

}  // namespace

std::vector<Episode> BuildEpisodes(const Plan& plan, const History& history,
                                   const std::vector<CheckResult>& results) {
  const std::map<int, std::vector<const Commit*>> commits = CommitsByReplica(history);
  std::vector<Episode> episodes;
  for (const CheckResult& result : results) {
    if (result.findings.empty()) continue;
    if (result.kind == InvariantKind::kSafety) {
      episodes.push_back(SafetyEpisode(plan, history, commits, result));
      continue;
    }
    std::vector<LateWindow> windows;
    for (const Finding& f : result.findings) windows.push_back(WindowOf(f));
    std::stable_sort(windows.begin(), windows.end(),
                     [](const LateWindow& a, const LateWindow& b) { return a.start < b.start; });
    // Windows that overlap are one stretch in which values did not commit.
    std::vector<LateWindow> group;
    absl::Duration group_end;
    for (LateWindow& w : windows) {
      if (!group.empty() && w.start > group_end) {
        episodes.push_back(LivenessEpisode(plan, history, commits, result.invariant, group));
        group.clear();
      }
      group_end = group.empty() ? w.deadline : std::max(group_end, w.deadline);
      group.push_back(std::move(w));
    }
    if (!group.empty()) {
      episodes.push_back(LivenessEpisode(plan, history, commits, result.invariant, group));
    }
  }
  std::stable_sort(episodes.begin(), episodes.end(),
                   [](const Episode& a, const Episode& b) { return a.began < b.began; });
  return episodes;
}

}  // namespace turncoat
