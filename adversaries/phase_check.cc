#include "adversaries/phase_check.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "adversaries/link_rules.h"
#include "adversaries/twins.h"

namespace turncoat {

AdversaryContext PhaseContext(const Plan& plan, const TargetSpec& target, size_t index,
                              uint64_t run_seed, const std::string& keys_dir) {
  AdversaryContext context;
  context.n = plan.n;
  context.f = plan.f;
  context.byzantine = std::set<int>(plan.byzantine.begin(), plan.byzantine.end());
  context.phase = &plan.timeline[index];
  context.phase_index = static_cast<int>(index);
  context.target = &target;
  context.seed = run_seed * 7919 + index;
  context.delta = plan.delta;
  context.byzantine_key_path = [&plan, keys_dir](int replica) {
    return plan.IsByzantine(replica) ? absl::StrCat(keys_dir, "/", replica, ".key") : "";
  };
  return context;
}

absl::Status CheckPhases(const Plan& plan, const TargetSpec& target, uint64_t run_seed) {
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    // Keys are made when the run starts; building an adversary only names
    // their files.
    const Phase& phase = plan.timeline[i];
    const std::string where =
        absl::StrCat(plan.path, phase.line > 0 ? absl::StrCat(":", phase.line) : "", ": ");
    auto adversary = MakeAdversary(PhaseContext(plan, target, i, run_seed, "keys"));
    if (!adversary.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, adversary.status().message()));
    }
    // A network phase without a single rule would run, change nothing and
    // leave nothing in the link counters for the report to find idle: the
    // run could pass on no fault at all. A generator may draw such a phase
    // (the report says when none of its draws acted); a person did not mean
    // to write one.
    const auto* on_links = dynamic_cast<const LinkRuleAdversary*>(adversary->get());
    if (on_links != nullptr && on_links->rules().empty() && !phase.generated) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "phase ", i, " (", phase.adversary,
          ") acts on no link: none of its nodes sends to a replica its `to` names, or no peer "
          "message of ", target.path,
          " can carry a kind its `messages` names (for a partition: every replica is in one "
          "group); as written it would change nothing, so name other nodes, `to`, `messages` "
          "or groups"));
    }
  }
  if (auto twins = TwinsOf(plan); !twins.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(plan.path, ": ", twins.status().message()));
  }
  return absl::OkStatus();
}

std::vector<std::string> PhaseNotes(const Plan& plan, const TargetSpec& target,
                                    uint64_t run_seed) {
  std::vector<std::string> notes;
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    const Phase& phase = plan.timeline[i];
    auto adversary = MakeAdversary(PhaseContext(plan, target, i, run_seed, "keys"));
    if (!adversary.ok() || phase.nodes.empty() || !FaultyAtStart(**adversary, phase).empty()) {
      continue;
    }
    const std::optional<AdversaryStep> step = (*adversary)->CurrentStep();
    notes.push_back(absl::StrCat(plan.path, phase.line > 0 ? absl::StrCat(":", phase.line) : "",
                                 ": phase ", i, " (", phase.adversary,
                                 ") makes no replica faulty", step ? ": " + step->what : ""));
  }
  return notes;
}

}  // namespace turncoat
