#include "reports/inconclusive.h"

#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace turncoat {
namespace {

// adversaries/twins.h: the adversary's name, and the name in the ids of
// the rules by which a phase lets its twin speak ("p<phase>-twin-wake-m0").
// The reports do not link the adversaries, so the names are repeated here.
constexpr char kTwins[] = "twins";
constexpr char kTwinWakeRule[] = "twin-wake-";

std::string Secs(absl::Duration d) { return absl::StrFormat("%.3fs", absl::ToDoubleSeconds(d)); }

std::string Plural(int64_t count, absl::string_view noun) {
  return absl::StrCat(count, " ", noun, count == 1 ? "" : "s");
}

// "phase 1 (omission on [2], 5.020s to 17.010s)"
std::string PhaseLabel(const FaultInterval& phase) {
  std::string label = absl::StrCat("phase ", phase.phase, " (", phase.adversary);
  if (!phase.nodes.empty()) absl::StrAppend(&label, " on [", absl::StrJoin(phase.nodes, ", "), "]");
  absl::StrAppend(&label, ", ", Secs(phase.start), " to ", Secs(phase.end), ")");
  return label;
}

// A link_stats counter name, "<rule> <counter>": the rule and the counter.
std::pair<absl::string_view, absl::string_view> SplitCounter(absl::string_view name) {
  const size_t space = name.find(' ');
  if (space == absl::string_view::npos) return {name, ""};
  return {name.substr(0, space), name.substr(space + 1)};
}

// What one phase's rules did, summed over its links.
struct RuleTotals {
  int links = 0;
  int64_t matched = 0;
  int64_t applied = 0;
  int64_t rewrite_errors = 0;
  int64_t unchanged = 0;
};

// Each link's last counters: they are cumulative and keep every rule the
// link has had.
std::map<std::pair<int, int>, const LinkStats*> FinalLinkStats(const History& history) {
  std::map<std::pair<int, int>, const LinkStats*> last;
  for (const LinkStats& l : history.link_stats()) {
    const LinkStats*& kept = last[{l.from, l.to}];
    if (kept == nullptr || l.t >= kept->t) kept = &l;
  }
  return last;
}

// The totals of the rules whose ids start with "p<phase>-"; nullopt when
// the phase had no rule on any link.
std::optional<RuleTotals> PhaseRules(
    int phase, const std::map<std::pair<int, int>, const LinkStats*>& final_stats) {
  const std::string prefix = absl::StrCat("p", phase, "-");
  RuleTotals totals;
  for (const auto& [link, stats] : final_stats) {
    bool on_link = false;
    for (const auto& [name, count] : stats->counters) {
      const auto [rule, counter] = SplitCounter(name);
      if (!absl::StartsWith(rule, prefix)) continue;
      on_link = true;
      if (counter == "matched") totals.matched += count;
      if (counter == "applied") totals.applied += count;
      if (counter == "rewrite errors") totals.rewrite_errors += count;
      if (counter == "unchanged") totals.unchanged += count;
    }
    totals.links += on_link ? 1 : 0;
  }
  if (totals.links == 0) return std::nullopt;
  return totals;
}

std::optional<std::string> RulePhaseShortfall(const FaultInterval& phase, const RuleTotals& rules) {
  if (rules.applied > 0) return std::nullopt;
  const std::string head = absl::StrCat(PhaseLabel(phase), " never acted: its rules on ",
                                        Plural(rules.links, "link"));
  if (rules.matched == 0) {
    return absl::StrCat(head,
                        " matched no message, so the fault changed nothing; check that the "
                        "phase's nodes were sending while it lasted and that its `to` and "
                        "`messages` parameters name traffic the target sends");
  }
  if (rules.rewrite_errors > 0) {
    return absl::StrCat(head, " matched ", Plural(rules.matched, "message"),
                        " but every rewrite failed (", rules.rewrite_errors,
                        " rewrite errors), so each message passed unchanged; check that the "
                        "target's message model (protocol.messages) describes the fields this "
                        "adversary rewrites");
  }
  if (rules.unchanged > 0) {
    return absl::StrCat(head, " matched ", Plural(rules.matched, "message"),
                        " but its rewrites changed none of them (none carried what it rewrites, "
                        "such as client values for equivocation, or the nodes never sent "
                        "that kind of message while it lasted); check that the phase's nodes "
                        "send such messages (a leader's proposals) while it lasts");
  }
  return absl::StrCat(head, " matched ", Plural(rules.matched, "message"),
                      " but applied their action to none of them; raise the phase's "
                      "`probability` if it has one, or lengthen the phase");
}

// See the header: a twins phase acted when the rules that let its twins
// speak passed some message.
std::optional<std::string> TwinsPhaseShortfall(
    const FaultInterval& phase, const Plan& plan,
    const std::map<std::pair<int, int>, const LinkStats*>& final_stats) {
  const std::string wake = absl::StrCat("p", phase.phase, "-", kTwinWakeRule);
  std::vector<int> silent;
  bool recorded = false;
  for (int r : phase.nodes) {
    const int twin = plan.n + r;
    int64_t applied = 0;
    for (const auto& [link, stats] : final_stats) {
      if (link.first != twin) continue;
      for (const auto& [name, count] : stats->counters) {
        const auto [rule, counter] = SplitCounter(name);
        if (!absl::StartsWith(rule, wake)) continue;
        recorded = true;
        if (counter == "applied") applied += count;
      }
    }
    if (applied == 0) silent.push_back(r);
  }
  if (silent.size() < phase.nodes.size() || phase.nodes.empty()) return std::nullopt;
  const std::string whose =
      absl::StrCat(silent.size() == 1 ? "the twin of replica " : "the twins of replicas ",
                   absl::StrJoin(silent, ", "));
  const std::string hint =
      "; check that the twin's replica started and kept up with the run (its output is in "
      "its agent's directory in the run directory)";
  if (!recorded) {
    return absl::StrCat(PhaseLabel(phase), " never acted: nothing records ", whose,
                        " sending while the phase let it through (no counters of the rules "
                        "that let it speak), so no replica is known to have heard it",
                        hint);
  }
  return absl::StrCat(PhaseLabel(phase), " never acted: ", whose,
                      " sent nothing to the replicas that hear it while the phase let its "
                      "messages through (the rules that let it speak passed no message), so "
                      "that group heard no second version of the replica",
                      hint);
}

void PhaseShortfalls(const Plan& plan, const History& history, std::vector<std::string>* out) {
  const auto final_stats = FinalLinkStats(history);
  int64_t generated = 0;
  std::vector<std::string> generated_idle;
  for (const FaultInterval& phase : history.FaultIntervals()) {
    const std::optional<RuleTotals> rules = PhaseRules(phase.phase, final_stats);
    std::optional<std::string> shortfall;
    if (phase.adversary == kTwins) {
      shortfall = TwinsPhaseShortfall(phase, plan, final_stats);
    } else if (rules.has_value()) {
      shortfall = RulePhaseShortfall(phase, *rules);
    }
    const bool drawn = phase.phase >= 0 && static_cast<size_t>(phase.phase) < plan.timeline.size() &&
                       plan.timeline[phase.phase].generated;
    if (drawn) {
      ++generated;
      if (shortfall.has_value()) generated_idle.push_back(PhaseLabel(phase));
    } else if (shortfall.has_value()) {
      out->push_back(*std::move(shortfall));
    }
  }
  if (generated > 0 && static_cast<int64_t>(generated_idle.size()) == generated) {
    out->push_back(absl::StrCat(
        "none of the ", Plural(generated, "phase"), " the plan's generators drew acted (",
        absl::StrJoin(generated_idle, "; "),
        "), so the scenario changed nothing; if this repeats over seeds, check that the target "
        "declares the rounds and messages they key to (docs/generators.md)"));
  }
}

void CommitShortfalls(const Plan& plan, const History& history, std::vector<std::string>* out) {
  const int64_t minimum = plan.expect.min_commits;
  if (minimum <= 0) return;
  std::set<std::string> submitted;
  for (const Submit& s : history.submits()) submitted.insert(s.value);
  std::set<std::string> committed;
  for (const Commit& c : history.commits()) {
    if (c.replica >= 0 && c.replica < plan.n && !plan.IsByzantine(c.replica)) {
      committed.insert(c.value);
    }
  }
  if (submitted.empty() && committed.empty()) {
    out->push_back(absl::StrCat("no client value was submitted and no honest replica committed "
                                "anything in the run's ",
                                Secs(history.end()),
                                "; check the target's `client` section (each ack in "
                                "history.jsonl carries its call's error)"));
  } else if (committed.empty()) {
    out->push_back(absl::StrCat(
        "no honest replica committed anything in the run's ", Secs(history.end()), " (",
        Plural(static_cast<int64_t>(submitted.size()), "value"),
        " submitted), so no invariant was put to the test; check the target's `commits` "
        "section (how turncoat reads commits from a replica's output) against the replicas' "
        "output in the run directory"));
  } else if (static_cast<int64_t>(committed.size()) < minimum) {
    out->push_back(absl::StrCat(
        "only ", committed.size(), " distinct values committed at honest replicas (",
        submitted.size(), " submitted), fewer than expect.min_commits = ", minimum,
        "; lengthen the run or raise the workload's rate, or lower expect.min_commits if the "
        "plan means to test so little"));
  }
  const double planned = plan.workload.rate * absl::ToDoubleSeconds(plan.duration);
  if (planned < static_cast<double>(minimum)) {
    out->push_back(absl::StrCat(
        "the plan submits about ", static_cast<int64_t>(std::floor(planned)),
        " values (workload.rate ", plan.workload.rate, "/s for ",
        absl::FormatDuration(plan.duration), "), fewer than expect.min_commits = ", minimum,
        ", so it can never pass; raise workload.rate or duration, or lower expect.min_commits"));
  }
}

void LivenessShortfall(const Plan& plan, const std::vector<CheckResult>& results,
                       std::vector<std::string>* out) {
  if (!plan.expect.commit_within.has_value()) return;
  for (const CheckResult& r : results) {
    if (r.kind != InvariantKind::kLiveness || !r.coverage.has_value()) continue;
    const CheckCoverage& coverage = *r.coverage;
    const int64_t excused = coverage.excused_total();
    std::vector<std::string> why;
    for (const auto& [reason, count] : coverage.excused) {
      why.push_back(absl::StrCat(count, " ", reason));
    }
    // A cluster that started late or refused most values leaves a handful
    // judged: as little a test of the bound as none, so the plan's
    // min_commits is the least it must judge too.
    if (coverage.judged > 0 && coverage.judged < plan.expect.min_commits && excused > 0) {
      out->push_back(absl::StrCat(
          "liveness judged only ", Plural(coverage.judged, "value"),
          ", fewer than expect.min_commits = ", plan.expect.min_commits, "; the other ",
          Plural(excused, "submitted value"), " were excused (", absl::StrJoin(why, ", "),
          "), so commit_within = ", absl::FormatDuration(*plan.expect.commit_within),
          " was hardly put to the test; if the cluster was slow to take values (a large n on "
          "a busy machine), lengthen the run, otherwise leave time within the fault bound "
          "after the faults"));
      continue;
    }
    // With nothing submitted the commit shortfall already says so.
    if (coverage.judged > 0 || excused == 0) continue;
    out->push_back(absl::StrCat(
        "liveness judged no value: all ", Plural(excused, "submitted value"), " were excused (",
        absl::StrJoin(why, ", "), "), so commit_within = ",
        absl::FormatDuration(*plan.expect.commit_within),
        " was never put to the test; leave time within the fault bound after the faults, "
        "lengthen the run or shorten commit_within"));
  }
}

}  // namespace

std::vector<std::string> InconclusiveReasons(const Plan& plan, const History& history,
                                             const std::vector<CheckResult>& results) {
  std::vector<std::string> reasons;
  PhaseShortfalls(plan, history, &reasons);
  CommitShortfalls(plan, history, &reasons);
  LivenessShortfall(plan, results, &reasons);
  return reasons;
}

}  // namespace turncoat
