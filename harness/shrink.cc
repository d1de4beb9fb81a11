#include "harness/shrink.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "loaders/plan_loader.h"
#include "loaders/plan_writer.h"
#include "model/params.h"

namespace turncoat {
namespace {

int64_t Ms(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

std::string PhaseName(const Plan& plan, size_t i) {
  return absl::StrCat("phase ", i + 1, " of ", plan.timeline.size(), " (",
                      plan.timeline[i].adversary, ")");
}

std::string Rate(double rate) { return absl::StrCat(rate, "/s"); }

// Collects candidates, leaving out what the loader rejects and repeats.
class Collector {
 public:
  explicit Collector(const Plan& plan) : plan_(plan), size_(SizeOf(plan)) {}

  void Add(Plan candidate, std::string step) {
    candidate.generated_by.clear();
    std::string text = WritePlan(candidate);
    if (!seen_.insert(text).second) return;
    absl::StatusOr<Plan> loaded = ParsePlan(text, plan_.path);
    if (!loaded.ok() || !IsSmaller(SizeOf(*loaded), size_)) return;
    out_.push_back({*std::move(loaded), std::move(step)});
  }

  std::vector<ShrinkCandidate> Take() { return std::move(out_); }

 private:
  const Plan& plan_;
  const PlanSize size_;
  std::set<std::string> seen_;
  std::vector<ShrinkCandidate> out_;
};

// ddmin's complements: chunks of k/2, k/4, ... phases, then single phases.
void DropPhases(const Plan& plan, Collector& c) {
  const size_t k = plan.timeline.size();
  std::set<std::pair<size_t, size_t>> chunks;  // [begin, end)
  for (size_t parts = 2; parts < k; parts *= 2) {
    const size_t chunk = (k + parts - 1) / parts;
    if (chunk < 2) break;
    for (size_t begin = 0; begin < k; begin += chunk) {
      chunks.insert({begin, std::min(begin + chunk, k)});
    }
  }
  std::vector<std::pair<size_t, size_t>> ordered(chunks.begin(), chunks.end());
  // Larger chunks first: the biggest cut that still fails saves most runs.
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.second - a.first > b.second - b.first;
  });
  for (size_t i = 0; i < k; ++i) ordered.push_back({i, i + 1});
  for (const auto& [begin, end] : ordered) {
    Plan p = plan;
    p.timeline.erase(p.timeline.begin() + static_cast<std::ptrdiff_t>(begin),
                     p.timeline.begin() + static_cast<std::ptrdiff_t>(end));
    std::vector<std::string> names;
    for (size_t i = begin; i < end; ++i) names.push_back(plan.timeline[i].adversary);
    c.Add(std::move(p), end - begin == 1
                            ? absl::StrCat("drop ", PhaseName(plan, begin))
                            : absl::StrCat("drop phases ", begin + 1, "-", end, " of ", k, " (",
                                           absl::StrJoin(names, ", "), ")"));
  }
}

void NarrowRounds(const Plan& plan, Collector& c) {
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    if (!plan.timeline[i].rounds.has_value()) continue;
    const RoundSpan span = *plan.timeline[i].rounds;
    const int64_t width = span.last - span.first + 1;
    if (width < 2) continue;
    const int64_t mid = span.first + width / 2;
    for (const RoundSpan narrower : {RoundSpan{span.first, mid - 1}, RoundSpan{mid, span.last},
                                     RoundSpan{span.first + 1, span.last},
                                     RoundSpan{span.first, span.last - 1}}) {
      Plan p = plan;
      p.timeline[i].rounds = narrower;
      c.Add(std::move(p), absl::StrCat("rounds of ", PhaseName(plan, i), ": ", span.first, "..",
                                       span.last, " -> ", narrower.first, "..", narrower.last));
    }
  }
}

void ShortenPhases(const Plan& plan, Collector& c) {
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    const absl::Duration length = plan.timeline[i].length;
    for (const absl::Duration shorter :
         {absl::Ceil(length / 2, absl::Milliseconds(100)),
          absl::Ceil(length * 3 / 4, absl::Milliseconds(100))}) {
      if (shorter < kMinPhaseLength || shorter >= length) continue;
      Plan p = plan;
      p.timeline[i].length = shorter;
      c.Add(std::move(p), absl::StrCat("for of ", PhaseName(plan, i), ": ",
                                       absl::FormatDuration(length), " -> ",
                                       absl::FormatDuration(shorter)));
    }
  }
}

template <typename T>
std::string List(const std::vector<T>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ", "), "]");
}

void DropMembers(const Plan& plan, Collector& c) {
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    const Phase& phase = plan.timeline[i];
    for (size_t j = 0; phase.nodes.size() > 1 && j < phase.nodes.size(); ++j) {
      Plan p = plan;
      std::vector<int>& nodes = p.timeline[i].nodes;
      nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(j));
      c.Add(std::move(p), absl::StrCat("nodes of ", PhaseName(plan, i), ": ", List(phase.nodes),
                                       " -> ", List(nodes)));
    }
  }
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    for (const auto& [name, value] : plan.timeline[i].params) {
      // name = name: C++17 lambdas cannot capture structured bindings.
      auto drop_each = [&, name = name](const auto& list) {
        for (size_t j = 0; list.size() > 1 && j < list.size(); ++j) {
          auto fewer = list;
          fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(j));
          Plan p = plan;
          p.timeline[i].params[name] = fewer;
          c.Add(std::move(p), absl::StrCat("params.", name, " of ", PhaseName(plan, i), ": ",
                                           List(list), " -> ", List(fewer)));
        }
      };
      if (const auto* nodes = std::get_if<std::vector<int>>(&value)) drop_each(*nodes);
      if (const auto* strings = std::get_if<std::vector<std::string>>(&value)) drop_each(*strings);
    }
  }
}

// Whether the workload still submits enough values for the run to count:
// a plan that submits fewer than min_commits is inconclusive by design, so
// trying it would waste a run. Twice the minimum leaves room for the
// values a fault holds up.
bool SubmitsEnough(const Plan& plan) {
  if (plan.workload.rate_auto) return true;
  return plan.workload.rate * absl::ToDoubleSeconds(plan.duration) >=
         2.0 * static_cast<double>(plan.expect.min_commits);
}

void ShortenRun(const Plan& plan, Collector& c) {
  // A bound relative to measured latency is known only once the run warms up.
  if (plan.expect.commit_within_factor.has_value()) return;
  absl::Duration last_end;
  for (const Phase& phase : plan.timeline) last_end = std::max(last_end, phase.end());
  const absl::Duration floor = absl::Ceil(
      last_end + plan.expect.commit_within.value_or(absl::ZeroDuration()) + kRecoveryMargin,
      absl::Seconds(1));
  if (floor >= plan.duration) return;
  const absl::Duration halfway = absl::Ceil((floor + plan.duration) / 2, absl::Seconds(1));
  for (const absl::Duration shorter : {floor, halfway}) {
    if (shorter >= plan.duration) continue;
    Plan p = plan;
    p.duration = shorter;
    if (!SubmitsEnough(p)) continue;
    c.Add(std::move(p), absl::StrCat("duration: ", absl::FormatDuration(plan.duration), " -> ",
                                     absl::FormatDuration(shorter)));
  }
}

void LighterWorkload(const Plan& plan, Collector& c) {
  const int clients = plan.workload.clients;
  for (const int fewer : {clients / 2, clients - 1}) {
    if (fewer < 1 || fewer >= clients) continue;
    Plan p = plan;
    p.workload.clients = fewer;
    c.Add(std::move(p), absl::StrCat("clients: ", clients, " -> ", fewer));
  }
  if (plan.workload.rate_auto || plan.workload.rate / 2 < 1) return;
  Plan p = plan;
  p.workload.rate = plan.workload.rate / 2;
  if (!SubmitsEnough(p)) return;
  c.Add(std::move(p), absl::StrCat("rate: ", Rate(plan.workload.rate), " -> ",
                                   Rate(p.workload.rate)));
}

}  // namespace

PlanSize SizeOf(const Plan& plan) {
  PlanSize s;
  s.phases = static_cast<int64_t>(plan.timeline.size());
  for (const Phase& phase : plan.timeline) {
    s.phase_ms += Ms(phase.length);
    if (phase.rounds.has_value()) s.rounds += phase.rounds->last - phase.rounds->first + 1;
    s.members += static_cast<int64_t>(phase.nodes.size());
    for (const auto& [name, value] : phase.params) {
      if (const auto* nodes = std::get_if<std::vector<int>>(&value)) {
        s.members += static_cast<int64_t>(nodes->size());
      } else if (const auto* strings = std::get_if<std::vector<std::string>>(&value)) {
        s.members += static_cast<int64_t>(strings->size());
      }
    }
  }
  s.duration_ms = Ms(plan.duration);
  s.clients = plan.workload.clients;
  s.rate_milli = plan.workload.rate_auto ? 0 : std::llround(plan.workload.rate * 1000);
  return s;
}

bool IsSmaller(const PlanSize& a, const PlanSize& b) {
  const int64_t as[] = {a.phases,      a.phase_ms, a.rounds,    a.members,
                        a.duration_ms, a.clients,  a.rate_milli};
  const int64_t bs[] = {b.phases,      b.phase_ms, b.rounds,    b.members,
                        b.duration_ms, b.clients,  b.rate_milli};
  bool fell = false;
  for (size_t i = 0; i < std::size(as); ++i) {
    if (as[i] > bs[i]) return false;
    fell = fell || as[i] < bs[i];
  }
  return fell;
}

std::string DescribeSize(const PlanSize& s) {
  std::string rate = s.rate_milli == 0 ? "rate auto" : absl::StrCat(s.rate_milli / 1000.0, "/s");
  const std::string faults =
      s.phases == 0 ? "no phases, "
                    : absl::StrCat(s.phases, s.phases == 1 ? " phase, " : " phases, ",
                                   absl::FormatDuration(absl::Milliseconds(s.phase_ms)),
                                   " of faults, ");
  return absl::StrCat(faults,
                      absl::FormatDuration(absl::Milliseconds(s.duration_ms)), " run, ",
                      s.clients, s.clients == 1 ? " client at " : " clients at ", rate);
}

std::vector<ShrinkCandidate> ShrinkCandidates(const Plan& plan) {
  Collector c(plan);
  DropPhases(plan, c);
  NarrowRounds(plan, c);
  ShortenPhases(plan, c);
  DropMembers(plan, c);
  ShortenRun(plan, c);
  LighterWorkload(plan, c);
  return c.Take();
}

}  // namespace turncoat
