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
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

agent::v1::Action Drop() {
  agent::v1::Action drop;
  drop.set_kind(agent::v1::Action::DROP);
  return drop;
}

agent::v1::Action Pass() {
  agent::v1::Action pass;
  pass.set_kind(agent::v1::Action::PASS);
  return pass;
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

constexpr char kTwinToParam[] = "twin_to";
// DormantTwinRules' first rule on every link: the twin's passes go ahead of it.
constexpr char kFirstDormantRule[] = "twin-dormant-m0";

// Whether two phases may be installed at once for one twin: keyed to
// disjoint rounds, their rules never match the same message.
bool Overlap(const Phase& a, const Phase& b) {
  if (!(a.at < b.end() && b.at < a.end())) return false;
  if (!a.rounds.has_value() || !b.rounds.has_value()) return true;
  return a.rounds->first <= b.rounds->last && b.rounds->first <= a.rounds->last;
}

// Swaps which of r's two processes speaks to group 1, in two changes, each
// on all links at once: first the original falls silent towards group 1
// (`silence` installed), then the twin wakes (`wake`: passes placed ahead
// of its dormant drops), so group 1 never hears two versions of r at once.
// Stop does the reverse in the same order: the twin sleeps, then the
// original speaks. Waking by rules placed ahead of the dormant drops, rather
// than by removing them, is what lets the phase be keyed to rounds: keyed,
// the passes match only the messages of the phase's rounds, and the twin
// stays dormant for every other round, in which the original speaks.
class TwinsAdversary : public Adversary {
 public:
  TwinsAdversary(std::vector<PlacedRule> silence, std::vector<PlacedRule> wake)
      : silence_(std::move(silence)), wake_(std::move(wake)) {}

  absl::Status Start(FaultControl& control) override {
    if (stage_ == 0) {
      if (absl::Status s = control.InstallRules(silence_); !s.ok()) return s;
      stage_ = 1;
    }
    if (stage_ == 1) {
      if (absl::Status s = control.InstallRules(wake_); !s.ok()) return s;
      stage_ = 2;
    }
    return absl::OkStatus();
  }

  // Undoes what Start did, so a phase that failed half-way heals too and
  // the twin is dormant again afterwards.
  absl::Status Stop(FaultControl& control) override {
    if (stage_ == 2) {
      if (absl::Status s = control.RemoveRules(wake_); !s.ok()) return s;
      stage_ = 1;
    }
    if (stage_ == 1) {
      if (absl::Status s = control.RemoveRules(silence_); !s.ok()) return s;
      stage_ = 0;
    }
    return absl::OkStatus();
  }

 private:
  const std::vector<PlacedRule> silence_;
  const std::vector<PlacedRule> wake_;
  int stage_ = 0;  // 0 dormant, 1 original silenced, 2 twin speaking
};

const AdversaryImplementation kTwins(
    {kTwinsAdversary,
     "runs a second copy (twin) of each Byzantine replica in `nodes` with the same key; during "
     "the phase group 0 of `split` hears only the original and group 1 only the twin",
     NodeRule::kByzantine,
     {{"split", ParamKind::kNodeGroups, true,
       "two groups of honest replicas: [[hear the original], [hear the twin]]; the same in "
       "every twins phase of a replica"},
      {kTwinToParam, ParamKind::kNodes, false,
       "the replicas of group 1 the twin speaks to during the phase (default: all of group 1); "
       "the rest of group 1 hears neither process of the replica meanwhile"}},
     /*round_keyed=*/true},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      if (absl::Status s = NeedsDecodedMessages(context, "twins"); !s.ok()) return s;
      const std::vector<int> byzantine(context.byzantine.begin(), context.byzantine.end());
      if (absl::Status s = CheckTwinsPhase(*context.phase, context.phase_index, context.n, byzantine);
          !s.ok()) {
        return s;
      }
      const std::vector<int>& twin_group = (*SplitOf(*context.phase))[1];
      const std::vector<int> twin_to = ParamOr(*context.phase, kTwinToParam, twin_group);
      std::vector<PlacedRule> silence;
      std::vector<PlacedRule> wake;
      for (int r : context.phase->nodes) {
        for (int j : twin_group) {
          for (PlacedRule& rule : RulesOnLink(context, {r, j}, kTwinsAdversary, Drop(), 1.0)) {
            silence.push_back(std::move(rule));
          }
          if (std::find(twin_to.begin(), twin_to.end(), j) == twin_to.end()) continue;
          for (PlacedRule& rule : RulesOnLink(context, {TwinId(context.n, r), j}, "twin-wake",
                                              Pass(), 1.0)) {
            rule.rule.set_before(kFirstDormantRule);
            wake.push_back(std::move(rule));
          }
        }
      }
      return std::unique_ptr<Adversary>(new TwinsAdversary(std::move(silence), std::move(wake)));
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
  const std::vector<int>& twin_group = (*split)[1];
  for (int r : ParamOr(phase, kTwinToParam, std::vector<int>{})) {
    if (std::find(twin_group.begin(), twin_group.end(), r) == twin_group.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ".params.", kTwinToParam, ": replica ", r, " is not in group 1 of the split ([",
          absl::StrJoin(twin_group, ", "), "]); only they are routed to the twin"));
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
          if (Overlap(plan.timeline[other], phase)) {
            return absl::InvalidArgumentError(absl::StrCat(
                PhaseName(other), " and ", PhaseName(index), " twin replica ", r,
                " at overlapping times; one twin is either dormant or speaking, so twins "
                "phases of one replica must not overlap, unless both are keyed to rounds "
                "and their rounds are disjoint"));
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
  std::vector<PlacedRule> rules;
  for (const auto& [r, layout] : twins) {
    for (int j = 0; j < n; ++j) {
      if (j == r) continue;
      for (PlacedRule& rule : DormantTwinRules(target, n, r, j)) rules.push_back(std::move(rule));
    }
  }
  return control.InstallRules(rules);
}

}  // namespace turncoat
