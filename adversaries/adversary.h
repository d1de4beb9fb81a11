// Adversary: one fault behaviour, active for one phase of a plan's timeline.
//
// Following Jepsen's nemesis protocol, an adversary is set up for its phase,
// started when the phase begins and stopped (healed) when it ends; its start
// and end land in the run's history beside commits and client operations.
// An adversary acts only through FaultControl — fault rules on the proxies of
// directed links, and process actions — so it never reaches into the
// controller or touches a process, and it is unit-tested against a fake
// FaultControl without sockets.
//
// Adversaries register by the name plans use (AdversaryRegistration in their
// own .cc file declares both the plan-facing parameters, for the plan loader,
// and the factory). Adding one is one new file pair plus a test.
//
// An Adversary is used by one thread (the controller's timeline) at a time.
#ifndef TURNCOAT_ADVERSARIES_ADVERSARY_H_
#define TURNCOAT_ADVERSARIES_ADVERSARY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "model/adversary_registry.h"
#include "model/plan.h"
#include "model/target_spec.h"
#include "proto/agent.pb.h"

namespace turncoat {

// A rule for the proxy of the directed link from -> to: it sees the
// messages replica `from` sends to `to`, and their replies. `rule.id()` is
// unique on that link.
struct PlacedRule {
  int from = 0;
  int to = 0;
  agent::v1::Rule rule;
};

// What an adversary may do to the running cluster. Implemented by the
// controller over the agents' control API, and by a recording fake in tests.
class FaultControl {
 public:
  virtual ~FaultControl() = default;

  // Removes the rules `remove` names (by link and id), then installs
  // `install`, as one change: each agent applies its part in one step (no
  // message it proxies sees half of it) and the agents are changed in
  // parallel, so a phase's faults start and heal on every link within about
  // one control call of each other. On an agent that refuses its part,
  // nothing of that part changes; the error names it.
  virtual absl::Status ChangeRules(const std::vector<PlacedRule>& remove,
                                   const std::vector<PlacedRule>& install) = 0;
  absl::Status InstallRules(const std::vector<PlacedRule>& rules) { return ChangeRules({}, rules); }
  absl::Status RemoveRules(const std::vector<PlacedRule>& rules) { return ChangeRules(rules, {}); }

  // Process actions on replica `replica`.
  virtual absl::Status Kill(int replica) = 0;
  // Starts a killed replica again, or kills and starts a running one.
  virtual absl::Status Restart(int replica) = 0;
  virtual absl::Status Pause(int replica) = 0;
  virtual absl::Status Resume(int replica) = 0;
};

// The FaultControl id of the twin of `replica` (adversaries/twins.h) in a
// cluster of n: n + replica, so a PlacedRule from TwinId(n, r) to j acts on
// what the twin sends to j.
inline int TwinId(int n, int replica) { return n + replica; }

// Everything an adversary knows about its phase and the run.
struct AdversaryContext {
  int n = 0;
  int f = 0;
  std::set<int> byzantine;
  const Phase* phase = nullptr;     // the plan's phase (nodes, params)
  int phase_index = 0;              // unique per phase: use it in rule ids
  const TargetSpec* target = nullptr;
  uint64_t seed = 0;                // derived from the plan's seed and the phase
  // The plan's synchrony bound Δ (network.delta), if it declares one: an
  // adversary that only delays messages, by no more than this, makes no
  // replica faulty (LatencyWithinDelta, link_rules.h).
  std::optional<absl::Duration> delta;
  // The major round the run's timeline started in: a phase's `rounds` are
  // counted from it (adversaries/round_keyed.h). 0 before a run.
  int64_t round_base = 0;
  // The private key files of the Byzantine replicas, by replica id; never an
  // honest replica's.
  std::function<std::string(int replica)> byzantine_key_path;
};

// What an adversary does over a stretch of its phase, for the run's
// history: `faulty` are the replicas it makes faulty meanwhile, in place of
// the phase's `nodes` (docs/plan-format.md, "Liveness") — e.g. a partition
// also makes faulty every replica it cuts off from all quorums.
struct AdversaryStep {
  std::string what;
  std::vector<int> faulty;
  bool operator==(const AdversaryStep& o) const { return what == o.what && faulty == o.faulty; }
};

class Adversary {
 public:
  virtual ~Adversary() = default;
  // The phase begins: inject the fault.
  virtual absl::Status Start(FaultControl& control) = 0;
  // Called every few hundred milliseconds while the phase is active, with
  // the time since it started; for adversaries that act repeatedly.
  virtual absl::Status Tick(FaultControl& control, absl::Duration elapsed) {
    return absl::OkStatus();
  }
  // The phase ends: heal everything Start did.
  virtual absl::Status Stop(FaultControl& control) = 0;
  // The current step, read after Start and after every Tick; the controller
  // records each new one. An adversary whose faulty replicas are the phase's
  // `nodes` throughout has none.
  virtual std::optional<AdversaryStep> CurrentStep() const { return std::nullopt; }
};

// The replicas `adversary` makes faulty as its phase begins, for the
// history's FaultStart: its step's when it has one before Start (an
// adversary whose faults are fixed when it is made, such as a partition or
// a delay within Δ), else the phase's nodes. Recording the step's from the
// start leaves no instant in which the phase's nodes count instead.
std::vector<int> FaultyAtStart(const Adversary& adversary, const Phase& phase);

using AdversaryFactory =
    std::function<absl::StatusOr<std::unique_ptr<Adversary>>(const AdversaryContext&)>;

// Makes the adversary a phase names. Fails if the name has no factory (a
// name the plan loader accepted but nothing implements yet).
absl::StatusOr<std::unique_ptr<Adversary>> MakeAdversary(const AdversaryContext& context);

// `static AdversaryImplementation kImpl({...info...}, factory);` in an
// adversary's .cc file declares it to the plan loader and registers how to
// build it.
class AdversaryImplementation {
 public:
  AdversaryImplementation(AdversaryInfo info, AdversaryFactory factory);
};

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_ADVERSARY_H_
