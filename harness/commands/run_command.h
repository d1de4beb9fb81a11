// `turncoat run PLAN [--seed=N] [--out=DIR] [--replica-arg=ARG]... [--trace=N]
// [--direct-links] [--links=MODE] [--agent-tls=DIR]`: the main job. Loads and checks the plan and its target
// (bad input exits 2 before anything starts), runs it (controller.h), prints
// the verdict, where the reports are and the command that re-runs it, and
// exits 0 when every invariant holds, 1 on a violation, 2 on bad input, 3
// when the harness failed or was interrupted, 4 when inconclusive.
//
// --replica-arg appends an argument to every replica's command line, so one
// target file serves variants of a system (refbft's planted bugs:
// --replica-arg=--bug=small-quorum); the report records it.
//
// --trace=N overrides the plan's `trace`: one proxied message in N is
// recorded in the history with its fate, and counted in the reports;
// --trace=0 turns a plan's trace off.
//
// --agent-tls=DIR (certificates from `turncoat certs DIR`) runs the control
// API between the controller and its agents over mutual TLS
// (harness/agent_tls.h); a file missing from DIR is bad input. The agents
// still run on this host.
#ifndef TURNCOAT_HARNESS_COMMANDS_RUN_COMMAND_H_
#define TURNCOAT_HARNESS_COMMANDS_RUN_COMMAND_H_

#include <atomic>
#include <ostream>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/commands/command_line.h"
#include "harness/runnable_plan.h"

namespace turncoat {

// The plan files `paths` name: a file as it is, a directory as its *.yaml
// files in name order. A directory without any is an error.
absl::StatusOr<std::vector<std::string>> PlanFiles(const std::vector<std::string>& paths);

extern const CommandDoc kRunCommand;

// `turncoat run`'s command line.
struct RunArgs {
  std::string plan;
  std::optional<uint64_t> seed;
  std::string out;  // empty: runs/<plan name>-<time>
  std::vector<std::string> replica_args;
  std::optional<uint32_t> trace;
  bool direct_links = false;
  std::optional<LinkMode> links;  // --links; unset: the target's own
  std::string agent_tls;          // --agent-tls DIR; empty: plain gRPC on loopback
};
// Fills `parsed` from `args` (command_line.h's contract: nullopt when the
// command should go on, else its exit code, with help or the error
// printed).
std::optional<int> ParseRunArgs(const std::vector<std::string>& args, RunArgs* parsed,
                                std::ostream& out, std::ostream& err);

// `interrupted` is set by the caller's SIGINT/SIGTERM handler.
int RunRun(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
           std::ostream& out, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_RUN_COMMAND_H_
