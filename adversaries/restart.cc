// restart: the replicas in `nodes` are killed and started again at the
// phase's start and, with `every`, again at that interval while the phase
// lasts.
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

class RestartAdversary : public Adversary {
 public:
  RestartAdversary(std::vector<int> nodes, absl::Duration every)
      : nodes_(std::move(nodes)), every_(every) {}

  absl::Status Start(FaultControl& control) override { return RestartAll(control); }

  absl::Status Tick(FaultControl& control, absl::Duration elapsed) override {
    if (every_ <= absl::ZeroDuration() || elapsed < every_ * (restarts_ + 1)) return absl::OkStatus();
    ++restarts_;
    return RestartAll(control);
  }

  absl::Status Stop(FaultControl& control) override { return absl::OkStatus(); }

 private:
  absl::Status RestartAll(FaultControl& control) {
    for (int r : nodes_) {
      if (absl::Status s = control.Restart(r); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::vector<int> nodes_;
  absl::Duration every_;
  int64_t restarts_ = 0;  // restarts done by Tick
};

const AdversaryImplementation kRestart(
    {"restart",
     "kills and restarts the processes of `nodes`",
     NodeRule::kAny,
     {{"every", ParamKind::kDuration, false,
       "restart repeatedly at this interval (default: once)"}}},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      return std::unique_ptr<Adversary>(new RestartAdversary(
          context.phase->nodes, ParamOr(*context.phase, "every", absl::ZeroDuration())));
    });

}  // namespace
}  // namespace turncoat
