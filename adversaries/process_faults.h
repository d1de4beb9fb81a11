// Process faults: the adversaries that act on replica processes through
// their agents rather than on messages. They share one shape — do something
// to every replica in `nodes` when the phase starts, undo it when it ends —
// captured by NodeActionAdversary.
#ifndef TURNCOAT_ADVERSARIES_PROCESS_FAULTS_H_
#define TURNCOAT_ADVERSARIES_PROCESS_FAULTS_H_

#include <functional>
#include <vector>

#include "adversaries/adversary.h"

namespace turncoat {

class NodeActionAdversary : public Adversary {
 public:
  using Action = std::function<absl::Status(FaultControl&, int replica)>;
  // `undo` may be null: nothing to heal.
  NodeActionAdversary(std::vector<int> nodes, Action act, Action undo)
      : nodes_(std::move(nodes)), act_(std::move(act)), undo_(std::move(undo)) {}

  absl::Status Start(FaultControl& control) override;
  absl::Status Stop(FaultControl& control) override;

 private:
  std::vector<int> nodes_;
  Action act_;
  Action undo_;
  std::vector<int> done_;  // nodes act_ succeeded on
};

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_PROCESS_FAULTS_H_
