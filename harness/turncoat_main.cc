// turncoat: a chaos harness for Byzantine-fault-tolerant systems.
//
// Subcommands dispatch here; each lives in its own *_command file so it can
// be tested without a process. Exit codes: harness/exit_codes.h.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <string>
#include <vector>

#include "adversaries/phase_check.h"
#include "harness/campaign_command.h"
#include "harness/exit_codes.h"
#include "harness/matrix_command.h"
#include "harness/replay_command.h"
#include "harness/run_command.h"
#include "harness/shrink_command.h"
#include "harness/validate_command.h"
#include "harness/version.h"

namespace {

constexpr char kUsage[] =
    "usage: turncoat <command> [args]\n"
    "\n"
    "commands:\n"
    "  run PLAN [--seed=N] [--out=DIR] [--replica-arg=ARG]... [--trace=N] [--direct-links]\n"
    "                     run a plan against its target and write the reports\n"
    "  replay RUN_DIR [--times=K] [--out=DIR]\n"
    "                     run a finished run again, exactly; say whether the same invariants break\n"
    "  shrink RUN_DIR [--times=K] [--budget=DURATION] [--out=DIR]\n"
    "                     search for a smaller plan that still breaks what a failed run broke\n"
    "  validate FILE...   check plan and target files without running anything\n"
    "  matrix PLAN_OR_DIR... --variant=NAME[=ARGS]... [--out=DIR] [--first-finding]\n"
    "                     run variants of the target against plans: the detection matrix\n"
    "  campaign PLAN_OR_DIR... --budget=DURATION [--jobs=K] [--seeds=FROM..TO] [--out=DIR]\n"
    "           [--corpus=DIR] [--replica-arg=ARG]...\n"
    "                     run plans with seed after seed until the budget is spent\n"
    "  --version          print turncoat's version\n"
    "\n"
    "exit codes: 0 all invariants hold, 1 violation, 2 bad input, 3 harness failure,\n"
    "            4 inconclusive (nothing violated, but too little tested to pass);\n"
    "            replay: 0 reproduced every time, 1 not every time, 2 bad input, 3 harness failure\n"
    "            shrink: 0 shrunk (or reproduced), 1 original did not reproduce, 2 bad input,\n"
    "                    3 harness failure\n";

std::atomic<bool> interrupted{false};

// The run loop polls the flag, stops every agent and replica and still
// writes a partial report.
void OnSignal(int) { interrupted.store(true); }

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return turncoat::kExitBadInput;
  }
  const std::string& command = args[0];
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return turncoat::kExitOk;
  }
  if (command == "--version") {
    std::cout << "turncoat " << turncoat::TurncoatVersion() << "\n";
    return turncoat::kExitOk;
  }
  if (command == "run" || command == "matrix" || command == "replay" || command == "campaign" ||
      command == "shrink") {
    struct sigaction action = {};
    action.sa_handler = OnSignal;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "run") return turncoat::RunRun(rest, &interrupted, std::cout, std::cerr);
    if (command == "replay") return turncoat::RunReplay(rest, &interrupted, std::cout, std::cerr);
    if (command == "shrink") return turncoat::RunShrink(rest, &interrupted, std::cout, std::cerr);
    if (command == "campaign") {
      return turncoat::RunCampaign(rest, &interrupted, std::cout, std::cerr);
    }
    return turncoat::RunMatrix(rest, &interrupted, std::cout, std::cerr);
  }
  if (command == "validate") {
    return turncoat::RunValidate(
        {args.begin() + 1, args.end()}, std::cout, std::cerr,
        [](turncoat::Plan* plan, const turncoat::TargetSpec& target) {
          return turncoat::CheckPlanAgainstTarget(plan, target, plan->seed);
        },
        [](const turncoat::Plan& plan, const turncoat::TargetSpec& target) {
          return turncoat::PhaseNotes(plan, target, plan.seed);
        });
  }
  std::cerr << "turncoat: unknown command '" << command << "'\n\n" << kUsage;
  return turncoat::kExitBadInput;
}
