// Controller: runs one plan against one target and judges the outcome.
//
// RunPlan() is turncoat's main job. It generates a key pair per replica,
// starts one turncoat-agent per replica, routes every directed peer link
// through a proxy of the sending replica's agent, starts the replicas
// through their agents, drives the client workload and the plan's timeline
// of adversaries, records every event (client operations, commits, faults,
// process starts and exits, link counters, and traced message fates when
// the plan or the caller asks for a trace) in the run directory's
// history.jsonl as it arrives, then stops everything, runs the expected
// checkers and writes report.json, report.html and junit.xml. The run
// directory also keeps the plan and target file as run (plan.yaml,
// target.yaml), so the run can be replayed exactly (harness/replay.h).
//
// A plan with twins phases (adversaries/twins.h) gets one more agent and
// replica process per twinned Byzantine replica, set up with the others
// before the run and dormant outside its phases.
//
// Nothing outlives a run: agents are spawned in their own process groups
// and die with the controller, replicas die with their agents, and every
// path out of RunPlan (success, failure, interruption) stops them all and
// still writes a report from what was recorded.
#ifndef TURNCOAT_HARNESS_CONTROLLER_H_
#define TURNCOAT_HARNESS_CONTROLLER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "checkers/checker.h"
#include "harness/agent_tls.h"
#include "harness/install_layout.h"
#include "model/plan.h"
#include "model/replay_spec.h"
#include "model/target_spec.h"

namespace turncoat {

struct RunOptions {
  // The run directory; created, and must not exist yet.
  std::string run_dir;
  // Overrides the plan's seed.
  std::optional<uint64_t> seed;
  // Where turncoat-agent and {{build_dir}} are (install_layout.h).
  TurncoatLayout layout;
  // Appended to every replica's command line.
  std::vector<std::string> replica_args;
  // Overrides the plan's trace: one message in N traced; 0 turns it off.
  std::optional<uint32_t> trace_sample_every;
  // A live progress line on stderr (for terminals).
  bool progress = false;
  // Replicas dial each other directly, with no turncoat proxy on their
  // links: the same cluster, processes and workload, without turncoat in
  // the path — what the transparency benchmark compares against. No link
  // fault can act then, so only plans without a timeline run this way.
  bool direct_links = false;
  // Overrides the target's `links` (`turncoat run --links=netns`), so that
  // a target and its plans run in network namespaces without a copy of
  // either.
  std::optional<LinkMode> links;
  // Mutual TLS between the controller and its agents (`turncoat run
  // --agent-tls=DIR`); null: plain gRPC on loopback.
  std::shared_ptr<const AgentTls> agent_tls;
  // Set asynchronously (a signal handler) to end the run early; the run
  // still stops everything and writes a partial report.
  const std::atomic<bool>* interrupted = nullptr;
  // For tests: called with the replicas' listen ports once they are picked,
  // before any agent or replica starts, so that a test can take one as a
  // program outside turncoat may.
  std::function<void(const std::vector<int>& replica_ports)> ports_picked;
};

enum class RunStatus {
  kPass,          // every expected invariant holds              (exit 0)
  kViolation,     // an invariant is violated                    (exit 1)
  kBadInput,      // the target cannot run as described          (exit 2)
  kHarnessError,  // turncoat itself failed, or was interrupted  (exit 3)
  kInconclusive   // nothing violated, but too little tested     (exit 4)
};

struct RunOutcome {
  RunStatus status = RunStatus::kHarnessError;
  std::string run_dir;
  // Why the run did not complete, for kBadInput and kHarnessError.
  std::string error;
  std::vector<CheckResult> results;
  // Why the run tested too little to pass (reports/inconclusive.h); the
  // status is kInconclusive when there are any and nothing outranks them.
  std::vector<std::string> inconclusive_reasons;
  // What went differently from the plan, e.g. a phase that started late.
  std::vector<std::string> warnings;
  // The command that runs it again (report.json's `replay`).
  ReplaySpec replay;
};

int ExitCode(RunStatus status);

// Runs `plan` (whose target is `target`), as LoadRunnablePlan
// (run_command.h) loaded and checked it: a phase an adversary rejects is
// otherwise only reported when it begins. Returns an error only when the
// run directory cannot be created; every later failure is an outcome with a
// report.
absl::StatusOr<RunOutcome> RunPlan(const Plan& plan, const TargetSpec& target,
                                   const RunOptions& options);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_CONTROLLER_H_
