// twins: see twins.h. The plan-facing declaration, the layout the
// controller sets up before the run, the dormant rules, and the phase's
// adversary, in one file so every rule id is named in one place.
#include "adversaries/twins.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {
namespace {

agent::v1::Action Drop() {
  agent::v1::Action drop;
  drop.set_kind(agent::v1::Action::DROP);
  return drop;
}

const std::vector<std::vector<int>>* SplitOf(const Phase& phase) {
  auto it = phase.params.find("split");
  if (it == phase.params.end()) return nullptr;
  return std::get_if<std::vector<std::vector<int>>>(&it->second);
}

// The split with each group sorted: groups are sets, their order is not.
std::vector<std::vector<int>> Normalised(std::vector<std::vector<int>> split) {
  for (std::vector<int>& group : split) std::sort(group.begin(), group.end());
  return split;
}

std::string PhaseName(int index) { return absl::StrCat("timeline[", index, "]"); }

// One reversible step of a phase: install a rule, or remove one that is
// there (a dormant drop). Undo does the opposite.
struct Step {
  bool install = true;
  PlacedRule rule;
};

absl::Status Apply(FaultControl& control, const Step& step, bool forward) {
  const PlacedRule& r = step.rule;
  if (step.install == forward) return control.InstallRule(r.from, r.to, r.rule);
  return control.RemoveRule(r.from, r.to, r.rule.id());
}

class TwinsAdversary : public Adversary {
 public:
  explicit TwinsAdversary(std::vector<Step> steps) : steps_(std::move(steps)) {}

  absl::Status Start(FaultControl& control) override {
    for (; done_ < steps_.size(); ++done_) {
      if (absl::Status s = Apply(control, steps_[done_], true); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  // Undoes what Start did, last step first, so a phase that failed half-way
  // heals too and the twin is dormant again afterwards.
  absl::Status Stop(FaultControl& control) override {
    absl::Status first;
    while (done_ > 0) {
      --done_;
      absl::Status s = Apply(control, steps_[done_], false);
      if (!s.ok() && first.ok()) first = s;
    }
    return first;
  }

 private:
  std::vector<Step> steps_;
  size_t done_ = 0;
};

const AdversaryImplementation kTwins(
    {kTwinsAdversary,
     "runs a second copy (twin) of each Byzantine replica in `nodes` with the same key; during "
     "the phase group 0 of `split` hears only the original and group 1 only the twin",
     NodeRule::kByzantine,
     {{"split", ParamKind::kNodeGroups, true,
       "two groups of honest replicas: [[hear the original], [hear the twin]]; the same in "
       "every twins phase of a replica"}}},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      const std::vector<int> byzantine(context.byzantine.begin(), context.byzantine.end());
      if (absl::Status s = CheckTwinsPhase(*context.phase, context.phase_index, context.n, byzantine);
          !s.ok()) {
        return s;
      }
      const std::vector<int>& twin_group = (*SplitOf(*context.phase))[1];
      std::vector<Step> steps;
      for (int r : context.phase->nodes) {
        // Silence the original towards group 1 first, then wake the twin:
        // group 1 never hears two versions of r at once.
        for (int j : twin_group) {
          for (PlacedRule& rule : RulesOnLink(context, {r, j}, kTwinsAdversary, Drop(), 1.0)) {
            steps.push_back({true, std::move(rule)});
          }
        }
        for (int j : twin_group) {
          for (PlacedRule& rule : DormantTwinRules(*context.target, context.n, r, j)) {
            steps.push_back({false, std::move(rule)});
          }
        }
      }
      return std::unique_ptr<Adversary>(new TwinsAdversary(std::move(steps)));
    });

}  // namespace

absl::Status CheckTwinsPhase(const Phase& phase, int phase_index, int n,
                             const std::vector<int>& byzantine) {
  const std::string name = PhaseName(phase_index);
  const auto is_byzantine = [&](int r) {
    return std::find(byzantine.begin(), byzantine.end(), r) != byzantine.end();
  };
  if (phase.nodes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ".nodes: twins needs at least one Byzantine replica to twin"));
  }
  for (int r : phase.nodes) {
    if (r < 0 || r >= n || !is_byzantine(r)) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ".nodes: replica ", r, " is not Byzantine; twins runs a second copy only of "
          "Byzantine replicas (byzantine is [", absl::StrJoin(byzantine, ", "), "])"));
    }
  }
  const std::vector<std::vector<int>>* split = SplitOf(phase);
  if (split == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ".params.split: missing; expected two groups of honest replicas, "
        "[[hear the original], [hear the twin]]"));
  }
  const std::string where = absl::StrCat(name, ".params.split: ");
  if (split->size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, "expected exactly two groups of honest replicas, [[hear the original], "
        "[hear the twin]]; got ", split->size()));
  }
  std::set<int> seen;
  for (size_t g = 0; g < split->size(); ++g) {
    if ((*split)[g].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "group ", g, " is empty; each group needs at least one honest replica"));
    }
    for (int r : (*split)[g]) {
      if (r < 0 || r >= n) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "replica ", r, " does not exist; ids run from 0 to ", n - 1));
      }
      if (std::find(phase.nodes.begin(), phase.nodes.end(), r) != phase.nodes.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "replica ", r, " is a node of the phase (the twinned replica itself); "
            "the groups hold only the honest replicas it talks to"));
      }
      if (is_byzantine(r)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "replica ", r, " is Byzantine; the groups hold only honest replicas "
            "(byzantine is [", absl::StrJoin(byzantine, ", "), "])"));
      }
      if (!seen.insert(r).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "replica ", r, " is in both groups; expected disjoint groups"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<int, TwinLayout>> TwinsOf(const Plan& plan) {
  std::map<int, TwinLayout> twins;
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    const Phase& phase = plan.timeline[i];
    if (phase.adversary != kTwinsAdversary) continue;
    const int index = static_cast<int>(i);
    if (absl::Status s = CheckTwinsPhase(phase, index, plan.n, plan.byzantine); !s.ok()) return s;
    const std::vector<std::vector<int>> split = Normalised(*SplitOf(phase));
    for (int r : phase.nodes) {
      auto [it, fresh] = twins.try_emplace(r);
      TwinLayout& layout = it->second;
      if (fresh) {
        layout.original_group = split[0];
        layout.twin_group = split[1];
      } else {
        const int first = layout.phases.front();
        if (split != std::vector<std::vector<int>>{layout.original_group, layout.twin_group}) {
          return absl::InvalidArgumentError(absl::StrCat(
              PhaseName(first), " and ", PhaseName(index), " twin replica ", r,
              " with different splits (",
              FormatParamValue(std::vector<std::vector<int>>{layout.original_group,
                                                             layout.twin_group}),
              " and ", FormatParamValue(split),
              "); a twin's links are routed when the run starts, so every twins phase of "
              "one replica must use the same split"));
        }
        for (int other : layout.phases) {
          const Phase& p = plan.timeline[other];
          if (p.at < phase.end() && phase.at < p.end()) {
            return absl::InvalidArgumentError(absl::StrCat(
                PhaseName(other), " and ", PhaseName(index), " twin replica ", r,
                " at overlapping times; one twin is either dormant or speaking, so twins "
                "phases of one replica must not overlap"));
          }
        }
      }
      layout.phases.push_back(index);
    }
  }
  return twins;
}

std::vector<PlacedRule> DormantTwinRules(const TargetSpec& target, int n, int replica, int to) {
  // RulesOnLink reads only the phase's `messages` (none here) and the
  // target's peer methods; the ids are replaced by this file's own.
  Phase none;
  AdversaryContext context;
  context.n = n;
  context.phase = &none;
  context.target = &target;
  std::vector<PlacedRule> rules =
      RulesOnLink(context, {TwinId(n, replica), to}, "twin-dormant", Drop(), 1.0);
  for (size_t m = 0; m < rules.size(); ++m) rules[m].rule.set_id(absl::StrCat("twin-dormant-m", m));
  return rules;
}

absl::Status InstallDormantTwinRules(FaultControl& control, const TargetSpec& target, int n,
                                     const std::map<int, TwinLayout>& twins) {
  for (const auto& [r, layout] : twins) {
    for (int j = 0; j < n; ++j) {
      if (j == r) continue;
      for (const PlacedRule& rule : DormantTwinRules(target, n, r, j)) {
        if (absl::Status s = control.InstallRule(rule.from, rule.to, rule.rule); !s.ok()) return s;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace turncoat
