#include "adversaries/process_faults.h"

namespace turncoat {

absl::Status NodeActionAdversary::Start(FaultControl& control) {
  for (int replica : nodes_) {
    if (absl::Status s = act_(control, replica); !s.ok()) return s;
    done_.push_back(replica);
  }
  return absl::OkStatus();
}

absl::Status NodeActionAdversary::Stop(FaultControl& control) {
  absl::Status first;
  if (undo_) {
    for (int replica : done_) {
      absl::Status s = undo_(control, replica);
      if (!s.ok() && first.ok()) first = s;
    }
  }
  done_.clear();
  return first;
}

}  // namespace turncoat
