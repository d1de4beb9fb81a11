// turncoat: a chaos harness for Byzantine-fault-tolerant systems.
//
// Subcommands dispatch here; each lives in its own *_command file, which
// parses its own arguments (command_line.h) so it can be tested without a
// process. Exit codes: model/exit_codes.h.
#include <signal.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "adversaries/phase_check.h"
#include "harness/commands/campaign_command.h"
#include "harness/commands/certs_command.h"
#include "harness/commands/cleanup_command.h"
#include "harness/commands/list_command.h"
#include "harness/commands/matrix_command.h"
#include "harness/commands/replay_command.h"
#include "harness/commands/run_command.h"
#include "harness/commands/shrink_command.h"
#include "harness/commands/validate_command.h"
#include "harness/version.h"
#include "model/exit_codes.h"

namespace {

using Args = std::vector<std::string>;

std::atomic<bool> interrupted{false};

// The run loop polls the flag, stops every agent and replica and still
// writes a partial report.
void OnSignal(int) { interrupted.store(true); }

struct Command {
  const turncoat::CommandDoc* doc;
  bool runs_clusters;  // stops cleanly on SIGINT/SIGTERM
  std::function<int(const Args&)> run;
};

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {&turncoat::kRunCommand, true,
       [](const Args& a) { return turncoat::RunRun(a, &interrupted, std::cout, std::cerr); }},
      {&turncoat::kReplayCommand, true,
       [](const Args& a) { return turncoat::RunReplay(a, &interrupted, std::cout, std::cerr); }},
      {&turncoat::kShrinkCommand, true,
       [](const Args& a) { return turncoat::RunShrink(a, &interrupted, std::cout, std::cerr); }},
      {&turncoat::kValidateCommand, false,
       [](const Args& a) {
         return turncoat::RunValidate(
             a, std::cout, std::cerr,
             [](turncoat::Plan* plan, const turncoat::TargetSpec& target) {
               return turncoat::CheckPlanAgainstTarget(plan, target, plan->seed);
             },
             [](const turncoat::Plan& plan, const turncoat::TargetSpec& target) {
               return turncoat::PhaseNotes(plan, target, plan.seed);
             });
       }},
      {&turncoat::kMatrixCommand, true,
       [](const Args& a) { return turncoat::RunMatrix(a, &interrupted, std::cout, std::cerr); }},
      {&turncoat::kCampaignCommand, true,
       [](const Args& a) { return turncoat::RunCampaign(a, &interrupted, std::cout, std::cerr); }},
      {&turncoat::kListCommand, false,
       [](const Args& a) { return turncoat::RunList(a, std::cout, std::cerr); }},
      {&turncoat::kCleanupCommand, false,
       [](const Args& a) { return turncoat::RunCleanup(a, std::cout, std::cerr); }},
      {&turncoat::kCertsCommand, false,
       [](const Args& a) { return turncoat::RunCerts(a, std::cout, std::cerr); }},
  };
  return *commands;
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : Commands()) {
    if (name == c.doc->name) return &c;
  }
  return nullptr;
}

// Every command's usage line and summary, then the exit codes.
std::string Usage() {
  std::string usage =
      "usage: turncoat <command> [args]\n"
      "       turncoat <command> --help, turncoat help <command>: its options and an example\n"
      "options take their value as --opt=VALUE or --opt VALUE (--replica-arg=--bug=x,\n"
      "--replica-arg --bug=x); --replica-arg and --variant repeat\n"
      "\n"
      "commands:\n";
  for (const Command& c : Commands()) {
    absl::string_view line = c.doc->usage;
    absl::ConsumePrefix(&line, "usage: turncoat ");
    absl::StrAppend(&usage, "  ", absl::StrReplaceAll(line, {{"\n              ", "\n"}}),
                    "                     ", c.doc->summary, "\n");
  }
  usage +=
      "  --version          print turncoat's version\n"
      "\n"
      "exit codes: 0 all invariants hold, 1 violation, 2 bad input, 3 harness failure,\n"
      "            4 inconclusive (nothing violated, but too little tested to pass);\n"
      "            replay: 0 reproduced every time, 1 not every time, 2 bad input, 3 harness failure\n"
      "            shrink: 0 shrunk (or reproduced), 1 original did not reproduce, 2 bad input,\n"
      "                    3 harness failure\n";
  return usage;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << Usage();
    return turncoat::kExitBadInput;
  }
  const std::string& first = args[0];
  if (first == "--version") {
    std::cout << "turncoat " << turncoat::TurncoatVersion() << "\n";
    return turncoat::kExitOk;
  }
  if ((first == "help" && args.size() == 1) || first == "--help" || first == "-h") {
    std::cout << Usage();
    return turncoat::kExitOk;
  }
  // `turncoat help run` is `turncoat run --help`.
  const std::string& name = first == "help" ? args[1] : first;
  const Command* command = FindCommand(name);
  if (command == nullptr) {
    std::cerr << "turncoat: unknown command '" << name << "'\n\n" << Usage();
    return turncoat::kExitBadInput;
  }
  if (first == "help") return command->run({"--help"});
  if (command->runs_clusters) {
    struct sigaction action = {};
    action.sa_handler = OnSignal;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
  }
  return command->run(Args(args.begin() + 1, args.end()));
}
