// pause: the replicas in `nodes` are stopped with SIGSTOP for the phase and
// resumed (SIGCONT) when it ends: alive but silent, with their state intact —
// a long GC pause or a VM migration, as the others see it.
#include "adversaries/process_faults.h"

namespace turncoat {
namespace {

// A replica with no process — crashed by an overlapping phase, which will
// start it again — has nothing to stop or resume (the agent says so with
// FAILED_PRECONDITION). That is the plan's overlap, not a harness failure.
absl::Status UnlessNotRunning(absl::Status status) {
  return absl::IsFailedPrecondition(status) ? absl::OkStatus() : status;
}

const AdversaryImplementation kPause(
    {"pause", "stops the processes of `nodes` (SIGSTOP) for the phase", NodeRule::kAny, {}},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      return std::unique_ptr<Adversary>(new NodeActionAdversary(
          context.phase->nodes,
          [](FaultControl& c, int r) { return UnlessNotRunning(c.Pause(r)); },
          [](FaultControl& c, int r) { return UnlessNotRunning(c.Resume(r)); }));
    });

}  // namespace
}  // namespace turncoat
