#include "model/history.h"

#include <algorithm>
#include <map>
#include <set>

#include "model/overloaded.h"

namespace turncoat {

absl::Duration EventTime(const Event& event) {
  return std::visit([](const auto& e) { return e.t; }, event);
}

void History::Add(Event event) {
  latest_ = std::max(latest_, EventTime(event));
  std::visit(Overloaded{
                 [&](RunStart& e) { run_start_ = std::move(e); },
                 [&](ClusterReady& e) { cluster_ready_ = e; },
                 [&](Calibration& e) { calibration_ = e; },
                 [&](RunEnd& e) { run_end_ = e; },
                 [&](Submit& e) { submits_.push_back(std::move(e)); },
                 [&](Ack& e) { acks_.push_back(std::move(e)); },
                 [&](Commit& e) { commits_.push_back(std::move(e)); },
                 [&](FaultStart& e) { fault_starts_.push_back(std::move(e)); },
                 [&](FaultEnd& e) { fault_ends_.push_back(e); },
                 [&](FaultStep& e) { fault_steps_.push_back(std::move(e)); },
                 [&](ProcessStart& e) { process_starts_.push_back(e); },
                 [&](ProcessExit& e) { process_exits_.push_back(std::move(e)); },
                 [&](LinkStats& e) { AddLinkStats(std::move(e)); },
                 [&](LinkTraffic& e) { link_traffic_.push_back(std::move(e)); },
                 [&](TraceStart& e) { trace_sample_every_ = e.sample_every; },
                 [&](MessageFate& e) { ++message_counts_[{e.from, e.to}][e.action]; },
             },
             event);
}

void History::AddLinkStats(LinkStats e) {
  for (LinkStats& kept : link_stats_) {
    if (kept.from != e.from || kept.to != e.to) continue;
    if (e.t >= kept.t) kept = std::move(e);
    return;
  }
  link_stats_.push_back(std::move(e));
}

absl::Duration History::end() const { return run_end_.has_value() ? run_end_->t : latest_; }

std::vector<FaultInterval::Stretch> FaultInterval::Stretches() const {
  std::vector<Stretch> out;
  Stretch current{start, start, nodes, ""};
  auto close = [&](absl::Duration at) {
    current.end = at;
    if (current.end > current.start) out.push_back(current);
  };
  for (const FaultStep& step : steps) {
    close(step.t);
    current = Stretch{step.t, step.t, step.nodes, step.what};
  }
  close(end);
  return out;
}

std::vector<FaultInterval> History::FaultIntervals() const {
  // Pair each start, earliest first, with the earliest unused end of the
  // same phase at or after it.
  std::vector<FaultStart> starts = fault_starts_;
  std::stable_sort(starts.begin(), starts.end(),
                   [](const FaultStart& a, const FaultStart& b) { return a.t < b.t; });
  std::map<int, std::multiset<absl::Duration>> ends;
  for (const FaultEnd& e : fault_ends_) ends[e.phase].insert(e.t);
  std::vector<FaultInterval> out;
  for (const FaultStart& s : starts) {
    FaultInterval interval{s.phase, s.adversary, s.nodes, s.t, end(), false, {}};
    std::multiset<absl::Duration>& candidates = ends[s.phase];
    auto it = candidates.lower_bound(s.t);
    if (it != candidates.end()) {
      interval.end = *it;
      interval.ended = true;
      candidates.erase(it);
    }
    for (const FaultStep& step : fault_steps_) {
      if (step.phase == s.phase && step.t >= interval.start && step.t <= interval.end) {
        interval.steps.push_back(step);
      }
    }
    std::stable_sort(interval.steps.begin(), interval.steps.end(),
                     [](const FaultStep& a, const FaultStep& b) { return a.t < b.t; });
    out.push_back(std::move(interval));
  }
  return out;
}

}  // namespace turncoat
