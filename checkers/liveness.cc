#include "checkers/liveness.h"

#include <algorithm>
#include <optional>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {
namespace {

// Which replicas are faulty over the run, as a list of stretches over which
// the faulty set does not change.
class FaultTimeline {
 public:
  FaultTimeline(const History& history, const CheckContext& context) : f_(context.f) {
    struct Down {
      absl::Duration start, end;
      int replica;
    };
    std::vector<Down> downs;
    for (const FaultInterval& fault : history.FaultIntervals()) {
      for (const FaultInterval::Stretch& stretch : fault.Stretches()) {
        for (int node : stretch.nodes) downs.push_back({stretch.start, stretch.end, node});
      }
    }
    for (const ProcessExit& exit : history.process_exits()) {
      absl::Duration restart = history.end();
      for (const ProcessStart& start : history.process_starts()) {
        if (start.replica == exit.replica && start.t > exit.t) restart = std::min(restart, start.t);
      }
      downs.push_back({exit.t, restart, exit.replica});
    }

    std::set<absl::Duration> cuts = {absl::ZeroDuration(), history.end()};
    for (const Down& d : downs) {
      cuts.insert(std::clamp(d.start, absl::ZeroDuration(), history.end()));
      cuts.insert(std::clamp(d.end, absl::ZeroDuration(), history.end()));
    }
    for (auto it = cuts.begin(); std::next(it) != cuts.end(); ++it) {
      Segment s{*it, *std::next(it), context.byzantine};
      for (const Down& d : downs) {
        if (d.start <= s.start && d.end >= s.end) s.faulty.insert(d.replica);
      }
      segments_.push_back(std::move(s));
    }
  }

  // No more than f replicas are faulty at any time in [a, b].
  bool WithinBound(absl::Duration a, absl::Duration b) const {
    for (const Segment& s : segments_) {
      if (Overlaps(s, a, b) && static_cast<int>(s.faulty.size()) > f_) return false;
    }
    return true;
  }

  // `replica` is faulty at no time in [a, b].
  bool Healthy(int replica, absl::Duration a, absl::Duration b) const {
    for (const Segment& s : segments_) {
      if (Overlaps(s, a, b) && s.faulty.count(replica) != 0) return false;
    }
    return true;
  }

 private:
  struct Segment {
    absl::Duration start, end;  // [start, end)
    std::set<int> faulty;
  };

  static bool Overlaps(const Segment& s, absl::Duration a, absl::Duration b) {
    return s.start <= b && s.end > a;
  }

  const int f_;
  std::vector<Segment> segments_;
};

// Per replica, its commits in time order, and when each value first
// committed there.
class CommitIndex {
 public:
  explicit CommitIndex(const History& history) {
    for (const Commit& c : history.commits()) {
      by_replica_[c.replica].push_back(&c);
      const Commit*& first = first_[c.value][c.replica];
      if (first == nullptr || c.t < first->t) first = &c;
    }
    for (auto& [replica, commits] : by_replica_) {
      std::stable_sort(commits.begin(), commits.end(),
                       [](const Commit* a, const Commit* b) { return a->t < b->t; });
    }
  }

  // The first commit of `value` at `replica`, or nullptr.
  const Commit* First(const std::string& value, int replica) const {
    auto v = first_.find(value);
    if (v == first_.end()) return nullptr;
    auto r = v->second.find(replica);
    return r == v->second.end() ? nullptr : r->second;
  }

  // The replica's last commit at or before t, or nullptr.
  const Commit* LastAtOrBefore(int replica, absl::Duration t) const {
    auto it = by_replica_.find(replica);
    if (it == by_replica_.end()) return nullptr;
    const Commit* last = nullptr;
    for (const Commit* c : it->second) {
      if (c->t > t) break;
      last = c;
    }
    return last;
  }

  bool AnyIn(int replica, absl::Duration after, absl::Duration until) const {
    const Commit* last = LastAtOrBefore(replica, until);
    return last != nullptr && last->t > after;
  }

 private:
  std::map<int, std::vector<const Commit*>> by_replica_;
  absl::flat_hash_map<std::string, std::map<int, const Commit*>> first_;
};

// Where a value went, for a finding. A Submit through the system's own
// client program names no replica (replica -1, program_client.h): the
// program chose whom to ask.
std::string SubmittedWhere(const Submit& s) {
  return s.replica < 0 ? "submitted through the client program"
                       : absl::StrCat("submitted to replica ", s.replica);
}

std::string Replicas(const std::vector<int>& replicas) {
  return absl::StrCat(replicas.size() == 1 ? "replica " : "replicas ",
                      absl::StrJoin(replicas, ", "));
}

// "last commit before the deadline: seq 40 at 1.2s" evidence for a late replica.
Observation Stalled(const CommitIndex& commits, int replica, absl::Duration deadline,
                    const std::string& value) {
  const Commit* late = commits.First(value, replica);
  const Commit* last = commits.LastAtOrBefore(replica, deadline);
  std::string note = late != nullptr
                         ? absl::StrCat("committed it only at ", absl::FormatDuration(late->t))
                         : "never committed it";
  if (last != nullptr) {
    absl::StrAppend(&note, "; its last commit by the deadline was seq ", last->seq, " at ",
                    absl::FormatDuration(last->t));
  } else {
    absl::StrAppend(&note, "; it committed nothing by the deadline");
  }
  return Observation{deadline, "deadline", replica, std::nullopt, value, std::move(note)};
}

// The last `depth` distinct values submitted, by first submission time
// (ties broken by value, so the choice does not depend on arrival order).
std::set<std::string> LastSubmitted(const History& history, int depth) {
  if (depth <= 0) return {};
  std::map<std::string, absl::Duration> first;
  for (const Submit& s : history.submits()) {
    auto [it, inserted] = first.emplace(s.value, s.t);
    if (!inserted) it->second = std::min(it->second, s.t);
  }
  std::vector<std::pair<absl::Duration, std::string>> order;
  for (const auto& [value, t] : first) order.emplace_back(t, value);
  std::sort(order.begin(), order.end());
  std::set<std::string> last;
  for (size_t i = order.size() > static_cast<size_t>(depth) ? order.size() - depth : 0;
       i < order.size(); ++i) {
    last.insert(order[i].second);
  }
  return last;
}

}  // namespace

void CheckLiveness(const History& history, const CheckContext& context, CheckResult* result) {
  if (!context.commit_within.has_value()) {
    result->checked = "nothing: the plan sets no liveness bound";
    return;
  }
  const absl::Duration bound = *context.commit_within;
  const absl::Duration end = history.end();
  const FaultTimeline faults(history, context);
  const CommitIndex commits(history);

  std::set<std::tuple<int, int, std::string>> accepted;  // client, replica, value
  // A client program acknowledges a value once it committed, so for its
  // submissions only a refusal excuses: a value still unacknowledged at
  // its deadline is exactly what liveness is about.
  std::set<std::pair<int, std::string>> refused;  // client, value
  for (const Ack& a : history.acks()) {
    if (a.accepted) accepted.emplace(a.client, a.replica, a.value);
    if (a.replica < 0 && !a.accepted && absl::StartsWith(a.error, kProgramRefusal)) {
      refused.emplace(a.client, a.value);
    }
  }
  auto rejected = [&](const Submit& s) {
    return s.replica < 0 ? refused.count({s.client, s.value}) != 0
                         : accepted.count({s.client, s.replica, s.value}) == 0;
  };
  std::vector<int> honest;
  for (int r = 0; r < context.n; ++r) {
    if (context.IsHonest(r)) honest.push_back(r);
  }
  const std::set<std::string> pipelined = LastSubmitted(history, context.checks.pipeline_depth);
  const std::string pipeline_reason =
      absl::StrCat("last in the pipeline (pipeline_depth ", context.checks.pipeline_depth, ")");

  // Why a submission is not held to the bound, or nothing if it is.
  auto excuse = [&](const Submit& s) -> std::optional<std::string> {
    if (s.t + bound > end) return std::string(kLivenessTooLate);
    if (rejected(s)) return std::string(kLivenessRejected);
    if (!context.IsHonest(s.replica)) return std::string(kLivenessByzantineReceiver);
    if (!faults.WithinBound(s.t, s.t + bound)) return std::string(kLivenessBeyondBound);
    if (!faults.Healthy(s.replica, s.t, s.t + bound)) return std::string(kLivenessFaultyReceiver);
    return std::nullopt;
  };

  // Steady state: the earliest qualifying submission of each value. A value
  // with none is excused for the reason of its earliest submission.
  std::map<std::string, const Submit*> due;
  std::map<std::string, const Submit*> first;
  for (const Submit& s : history.submits()) {
    const Submit*& earliest = first[s.value];
    if (earliest == nullptr || s.t < earliest->t) earliest = &s;
    if (pipelined.count(s.value) != 0 || excuse(s).has_value()) continue;
    const Submit*& qualifying = due[s.value];
    if (qualifying == nullptr || s.t < qualifying->t) qualifying = &s;
  }
  CheckCoverage coverage;
  coverage.judged = static_cast<int64_t>(due.size());
  for (const auto& [value, submit] : first) {
    if (due.count(value) != 0) continue;
    ++coverage.excused[pipelined.count(value) != 0 ? pipeline_reason : *excuse(*submit)];
  }
  size_t met = 0;
  for (const auto& [value, submit] : due) {
    const absl::Duration deadline = submit->t + bound;
    const absl::Duration live_from = std::max(absl::ZeroDuration(), submit->t - bound);
    std::vector<int> late;
    Finding finding;
    finding.evidence.push_back(ObserveSubmit(
        *submit, submit->replica < 0 ? "submitted through the client program and acknowledged"
                                     : "submitted and accepted"));
    for (int q : honest) {
      if (!faults.Healthy(q, live_from, deadline)) continue;
      const Commit* c = commits.First(value, q);
      if (c != nullptr && c->t <= deadline) continue;
      late.push_back(q);
      finding.evidence.push_back(Stalled(commits, q, deadline, value));
    }
    if (late.empty()) {
      ++met;
      continue;
    }
    finding.message = absl::StrCat(QuoteValue(value), ", ", SubmittedWhere(*submit), " at ",
                                   absl::FormatDuration(submit->t), ", did not commit at ",
                                   Replicas(late), " within ", absl::FormatDuration(bound), " (by ",
                                   absl::FormatDuration(deadline),
                                   ") although the cluster stayed within its fault bound");
    result->Add(std::move(finding));
  }

  // Recovery after the last fault phase.
  const std::vector<FaultInterval> intervals = history.FaultIntervals();
  std::string recovery = "no fault phase to recover from";
  if (!intervals.empty()) {
    absl::Duration healed = absl::ZeroDuration();
    bool all_ended = true;
    for (const FaultInterval& i : intervals) {
      healed = std::max(healed, i.end);
      all_ended = all_ended && i.ended;
    }
    const absl::Duration deadline = healed + bound;
    if (!all_ended || deadline > end) {
      recovery = "recovery not judged: the run ended within the bound of the last fault";
    } else if (!faults.WithinBound(healed, deadline)) {
      recovery =
          "recovery not judged: the cluster stayed beyond its fault bound after the "
          "last fault phase";
    } else {
      recovery = absl::StrCat("recovery judged after ", absl::FormatDuration(healed));
      for (int q : honest) {
        if (!faults.Healthy(q, healed, deadline) || commits.AnyIn(q, healed, deadline)) continue;
        const Submit* pending = nullptr;
        for (const Submit& s : history.submits()) {
          if (s.t > healed || (s.replica >= 0 && !context.IsHonest(s.replica)) || rejected(s) ||
              pipelined.count(s.value) != 0) {
            continue;
          }
          const Commit* c = commits.First(s.value, q);
          if (c == nullptr || c->t > healed) {
            pending = &s;
            break;
          }
        }
        if (pending == nullptr) continue;
        Finding finding;
        finding.message = absl::StrCat(
            "commits did not resume at replica ", q, " within ", absl::FormatDuration(bound),
            " after the last fault phase ended at ", absl::FormatDuration(healed),
            ", although values were pending, e.g. ", QuoteValue(pending->value));
        finding.evidence.push_back(Observation{healed, "fault_end", -1, std::nullopt, std::nullopt,
                                               "last fault phase ended"});
        finding.evidence.push_back(ObserveSubmit(*pending, "accepted, still pending"));
        finding.evidence.push_back(Stalled(commits, q, deadline, pending->value));
        result->Add(std::move(finding));
      }
    }
  }

  std::vector<std::string> excused;
  for (const auto& [reason, count] : coverage.excused) {
    excused.push_back(absl::StrCat(count, " ", reason));
  }
  result->checked = absl::StrCat(
      due.size(), " values due within ", absl::FormatDuration(bound), ", ", met,
      " committed in time everywhere; ",
      excused.empty() ? "none excused" : absl::StrCat(coverage.excused_total(), " excused: ",
                                                      absl::StrJoin(excused, ", ")),
      "; ", recovery);
  result->coverage = std::move(coverage);
}

namespace {
const CheckerRegistration kRegistration({"liveness", InvariantKind::kLiveness,
                                         "values submitted within the fault bound commit "
                                         "within commit_within; commits resume after faults",
                                         &CheckLiveness});
}  // namespace

}  // namespace turncoat
