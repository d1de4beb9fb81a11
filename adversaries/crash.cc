// crash: the replicas in `nodes` are killed (SIGKILL) when the phase starts
// and started again when it ends. A replica that keeps no state on disk
// comes back with amnesia, which is why a crashed replica counts against f.
#include "adversaries/process_faults.h"

namespace turncoat {
namespace {

const AdversaryImplementation kCrash(
    {"crash", "kills the processes of `nodes`; they restart when the phase ends", NodeRule::kAny,
     {}},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      return std::unique_ptr<Adversary>(new NodeActionAdversary(
          context.phase->nodes, [](FaultControl& c, int r) { return c.Kill(r); },
          [](FaultControl& c, int r) { return c.Restart(r); }));
    });

}  // namespace
}  // namespace turncoat
