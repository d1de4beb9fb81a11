#include "adversaries/round_keyed.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace turncoat {
namespace {

constexpr char kProcessRefused[] =
    "a phase keyed to rounds acts on messages only; time process faults with at/for";

agent::v1::Rule::Leader LeaderOf(const Phase& phase) {
  if (!phase.leader.has_value()) return agent::v1::Rule::ANY;
  return *phase.leader == LeaderChoice::kSelf ? agent::v1::Rule::SELF : agent::v1::Rule::NOT_SELF;
}

// Stamps the phase's round range and leader condition on every rule
// installed through it.
class RoundKeyedControl : public FaultControl {
 public:
  RoundKeyedControl(FaultControl* inner, agent::v1::RoundRange range,
                    agent::v1::Rule::Leader leader)
      : inner_(inner), range_(range), leader_(leader) {}

  absl::Status ChangeRules(const std::vector<PlacedRule>& remove,
                           const std::vector<PlacedRule>& install) override {
    std::vector<PlacedRule> keyed = install;
    for (PlacedRule& placed : keyed) {
      *placed.rule.mutable_rounds() = range_;
      placed.rule.set_leader(leader_);
    }
    return inner_->ChangeRules(remove, keyed);
  }
  absl::Status Kill(int) override { return absl::FailedPreconditionError(kProcessRefused); }
  absl::Status Restart(int) override { return absl::FailedPreconditionError(kProcessRefused); }
  absl::Status Pause(int) override { return absl::FailedPreconditionError(kProcessRefused); }
  absl::Status Resume(int) override { return absl::FailedPreconditionError(kProcessRefused); }

 private:
  FaultControl* const inner_;
  const agent::v1::RoundRange range_;
  const agent::v1::Rule::Leader leader_;
};

class RoundKeyedAdversary : public Adversary {
 public:
  RoundKeyedAdversary(std::unique_ptr<Adversary> inner, const AdversaryContext& context)
      : inner_(std::move(inner)),
        range_(AbsoluteRounds(context)),
        leader_(LeaderOf(*context.phase)),
        nodes_(context.phase->nodes),
        prefix_(absl::StrCat("rounds ", context.phase->rounds->first, "..",
                             context.phase->rounds->last, " (major rounds ", range_.first(),
                             "..", range_.last(), ")", LeaderNote(leader_))) {}

  absl::Status Start(FaultControl& control) override {
    RoundKeyedControl keyed(&control, range_, leader_);
    return inner_->Start(keyed);
  }
  absl::Status Tick(FaultControl& control, absl::Duration elapsed) override {
    RoundKeyedControl keyed(&control, range_, leader_);
    return inner_->Tick(keyed, elapsed);
  }
  absl::Status Stop(FaultControl& control) override {
    RoundKeyedControl keyed(&control, range_, leader_);
    return inner_->Stop(keyed);
  }
  // The step says which rounds; the replicas it makes faulty are the inner
  // adversary's, for as long as the phase is installed (its rounds may come
  // at any moment of it).
  std::optional<AdversaryStep> CurrentStep() const override {
    std::optional<AdversaryStep> step = inner_->CurrentStep();
    if (!step.has_value()) return AdversaryStep{prefix_, nodes_};
    step->what = absl::StrCat(prefix_, ": ", step->what);
    return step;
  }

 private:
  static std::string LeaderNote(agent::v1::Rule::Leader leader) {
    switch (leader) {
      case agent::v1::Rule::SELF:
        return ", when the sender leads";
      case agent::v1::Rule::NOT_SELF:
        return ", when the sender does not lead";
      default:
        return "";
    }
  }

  const std::unique_ptr<Adversary> inner_;
  const agent::v1::RoundRange range_;
  const agent::v1::Rule::Leader leader_;
  const std::vector<int> nodes_;
  const std::string prefix_;
};

}  // namespace

agent::v1::RoundRange AbsoluteRounds(const AdversaryContext& context) {
  agent::v1::RoundRange range;
  range.set_first(context.round_base + context.phase->rounds->first);
  range.set_last(context.round_base + context.phase->rounds->last);
  return range;
}

std::unique_ptr<Adversary> KeyToRounds(std::unique_ptr<Adversary> inner,
                                       const AdversaryContext& context) {
  return std::make_unique<RoundKeyedAdversary>(std::move(inner), context);
}

absl::Status CheckTargetHasRounds(const AdversaryContext& context) {
  if (HasRounds(*context.target)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "phase ", context.phase_index, " (", context.phase->adversary,
      "): `rounds` needs to read each message's protocol round, but target ",
      context.target->name, " declares no `round` in protocol.messages; add one "
      "(docs/targets.md, \"Where is the round?\") or time the phase with at/for instead"));
}

absl::Status CheckTargetHasProposals(const AdversaryContext& context) {
  if (!context.phase->leader.has_value() || HasProposals(*context.target)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "phase ", context.phase_index, " (", context.phase->adversary,
      "): `leader` needs to see who proposes in a round, but no kind of peer message of target ",
      context.target->name, " declares both `values` and `round` in protocol.messages; "
      "declare them for the kind that proposes (docs/targets.md), or remove `leader`"));
}

}  // namespace turncoat
