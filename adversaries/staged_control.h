// StagedControl: lets every phase that starts or ends at one moment change
// the network together.
//
// The controller hands one to all the phases of a timeline boundary. It
// passes process actions (kill, pause, ...) straight on, but keeps rule
// changes until Flush(), which sends the k-th change of every phase as one
// FaultControl::ChangeRules, for k = 0, 1, ... So phases planned for the
// same instant begin on all their links at once, however long each takes
// to prepare (a Byzantine rewriter's rules take far longer than a drop's),
// and a phase that changes rules in steps (twins: silence the original,
// then wake the twin) keeps its order.
#ifndef TURNCOAT_ADVERSARIES_STAGED_CONTROL_H_
#define TURNCOAT_ADVERSARIES_STAGED_CONTROL_H_

#include <string>
#include <vector>

#include "adversaries/adversary.h"

namespace turncoat {

class StagedControl : public FaultControl {
 public:
  // `target` must outlive this object.
  explicit StagedControl(FaultControl* target) : target_(target) {}

  // The calls that follow are the next phase's: its first change is step 0.
  void NextPhase() { step_ = 0; }

  // Staged, not sent: always OK. Errors surface from Flush().
  absl::Status ChangeRules(const std::vector<PlacedRule>& remove,
                           const std::vector<PlacedRule>& install) override;
  absl::Status Kill(int replica) override { return target_->Kill(replica); }
  absl::Status Restart(int replica) override { return target_->Restart(replica); }
  absl::Status Pause(int replica) override { return target_->Pause(replica); }
  absl::Status Resume(int replica) override { return target_->Resume(replica); }

  // Sends the staged changes, step by step; stops at the first error.
  absl::Status Flush();

 private:
  struct Step {
    std::vector<PlacedRule> remove;
    std::vector<PlacedRule> install;
  };
  FaultControl* const target_;
  std::vector<Step> steps_;
  size_t step_ = 0;
};

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_STAGED_CONTROL_H_
