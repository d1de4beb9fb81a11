#include "adversaries/staged_control.h"

namespace turncoat {

absl::Status StagedControl::ChangeRules(const std::vector<PlacedRule>& remove,
                                        const std::vector<PlacedRule>& install) {
  if (steps_.size() <= step_) steps_.resize(step_ + 1);
  Step& step = steps_[step_++];
  step.remove.insert(step.remove.end(), remove.begin(), remove.end());
  step.install.insert(step.install.end(), install.begin(), install.end());
  return absl::OkStatus();
}

absl::Status StagedControl::Flush() {
  std::vector<Step> steps = std::move(steps_);
  steps_.clear();
  step_ = 0;
  for (const Step& step : steps) {
    if (step.remove.empty() && step.install.empty()) continue;
    if (absl::Status s = target_->ChangeRules(step.remove, step.install); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace turncoat
