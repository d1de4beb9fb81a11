#include "harness/commands/run_command.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "harness/agent_tls.h"
#include "harness/controller.h"
#include "harness/install_layout.h"
#include "model/exit_codes.h"
#include "model/replay_spec.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

}  // namespace

const CommandDoc kRunCommand = {
    "run", "run a plan against its target and write the reports",
    "usage: turncoat run PLAN [--seed=N] [--out=DIR] [--replica-arg=ARG]... [--trace=N]\n"
    "                         [--direct-links] [--links=ports|netns] [--agent-tls=DIR]\n",
    "turncoat run plans/crash-leader.yaml --out runs/crash --replica-arg=--bug=no-view-change"};

absl::StatusOr<std::vector<std::string>> PlanFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    std::vector<std::string> in_dir;
    for (const auto& entry : fs::directory_iterator(p, ec)) {
      if (entry.path().extension() == ".yaml") in_dir.push_back(entry.path().string());
    }
    std::sort(in_dir.begin(), in_dir.end());
    if (in_dir.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(p, " holds no .yaml plans"));
    }
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  return files;
}

std::optional<int> ParseRunArgs(const std::vector<std::string>& args, RunArgs* parsed,
                                std::ostream& out, std::ostream& err) {
  std::unique_ptr<CLI::App> app = NewCommandApp(kRunCommand);
  std::string seed, trace, links;
  app->add_option("PLAN", parsed->plan, "the plan file (docs/plan-format.md)")->type_name("");
  app->add_option("--seed", seed, "override the plan's seed")->type_name("N");
  app->add_option("--out", parsed->out, "the run directory to create (default runs/<plan>-<time>)")
      ->type_name("DIR");
  AddReplicaArgOption(app.get(), &parsed->replica_args);
  app->add_option("--trace", trace,
                  "trace one proxied message in N (1: every one, 0: none); overrides the plan's")
      ->type_name("N");
  app->add_flag("--direct-links", parsed->direct_links,
                "run without turncoat's link proxies (a plan without a timeline only)");
  app->add_option("--links", links,
                  "override the target's links: ports, or netns (each replica in a network "
                  "namespace of its own, dialling its peers' real addresses; needs root)")
      ->type_name("MODE");
  app->add_option("--agent-tls", parsed->agent_tls,
                  "talk to the agents over mutual TLS with the certificates `turncoat certs DIR` "
                  "made")
      ->type_name("DIR");
  if (std::optional<int> exit = ParseCommandLine(app.get(), kRunCommand, args, out, err)) {
    return exit;
  }
  if (!seed.empty()) {
    uint64_t value = 0;
    if (!absl::SimpleAtoi(seed, &value)) {
      return BadCommandLine(kRunCommand,
                            absl::StrCat("--seed: '", seed, "' is not a non-negative integer"),
                            err);
    }
    parsed->seed = value;
  }
  if (!trace.empty()) {
    uint32_t every = 0;
    if (!absl::SimpleAtoi(trace, &every)) {
      return BadCommandLine(
          kRunCommand,
          absl::StrCat("--trace: '", trace,
                       "' is not a non-negative integer; --trace=1 traces every message, "
                       "--trace=N one in N, --trace=0 none"),
          err);
    }
    parsed->trace = every;
  }
  if (!links.empty()) {
    parsed->links = ParseLinkMode(links);
    if (!parsed->links.has_value()) {
      return BadCommandLine(
          kRunCommand, absl::StrCat("--links: '", links, "' is not a kind of links; expected ports or netns"),
          err);
    }
    if (parsed->direct_links) {
      return BadCommandLine(kRunCommand,
                            "--links chooses turncoat's links and --direct-links runs without "
                            "them; give one of the two",
                            err);
    }
  }
  if (parsed->plan.empty()) return BadCommandLine(kRunCommand, "no plan given", err);
  return std::nullopt;
}

int RunRun(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
           std::ostream& out, std::ostream& err) {
  RunArgs parsed;
  if (std::optional<int> exit = ParseRunArgs(args, &parsed, out, err)) return *exit;
  const std::string& plan_path = parsed.plan;
  RunOptions options;
  options.seed = parsed.seed;
  options.run_dir = parsed.out;
  options.trace_sample_every = parsed.trace;
  options.direct_links = parsed.direct_links;
  options.links = parsed.links;
  if (!parsed.agent_tls.empty()) {
    absl::StatusOr<AgentTls> tls = AgentTls::Load(parsed.agent_tls);
    if (!tls.ok()) {
      err << "turncoat run: " << tls.status().message() << "\n";
      return kExitBadInput;
    }
    options.agent_tls = std::make_shared<const AgentTls>(*std::move(tls));
  }

  absl::StatusOr<RunnablePlan> loaded = LoadRunnablePlan(plan_path, options.seed);
  if (!loaded.ok()) {
    err << loaded.status().message() << "\n";
    return kExitBadInput;
  }
  const Plan* plan = &loaded->plan;
  const TargetSpec* target = &loaded->target;
  if (options.direct_links && !plan->timeline.empty()) {
    err << "turncoat run: --direct-links runs the cluster without turncoat's link proxies, so no "
           "fault could act; " << plan_path << " has a timeline: use a plan without one\n";
    return kExitBadInput;
  }
  options.layout = RunningLayout();
  options.replica_args = parsed.replica_args;
  options.interrupted = interrupted;
  options.progress = isatty(STDERR_FILENO) != 0;
  if (options.run_dir.empty()) {
    options.run_dir = absl::StrCat(
        "runs/", plan->name, "-",
        absl::FormatTime("%Y%m%d-%H%M%S", absl::Now(), absl::LocalTimeZone()));
  }

  absl::StatusOr<RunOutcome> outcome = RunPlan(*plan, *target, options);
  if (!outcome.ok()) {
    err << "turncoat run: " << outcome.status().message() << "\n";
    return kExitBadInput;
  }
  for (const CheckResult& result : outcome->results) {
    out << (result.holds() ? "  holds     " : "  VIOLATED  ") << result.invariant;
    if (!result.holds()) {
      out << " (" << result.violations << "): " << result.findings.front().message;
    }
    out << "\n";
  }
  for (const std::string& warning : outcome->warnings) out << "warning: " << warning << "\n";
  switch (outcome->status) {
    case RunStatus::kPass:
      // Only a plan declared beyond the fault bound passes with violations.
      if (std::all_of(outcome->results.begin(), outcome->results.end(),
                      [](const CheckResult& r) { return r.holds(); })) {
        out << "PASS: every invariant holds\n";
      } else {
        out << "EXPECTED: invariants violated beyond the fault bound (" << FaultBoundBreach(*plan)
            << ")\n";
      }
      break;
    case RunStatus::kViolation:
      out << "FAIL: invariants violated\n";
      break;
    case RunStatus::kInconclusive:
      // One reason a line, aligned under the first.
      out << "INCONCLUSIVE: "
          << absl::StrJoin(outcome->inconclusive_reasons, "\n              ") << "\n";
      break;
    case RunStatus::kBadInput:
      err << "turncoat run: " << outcome->error << "\n";
      break;
    case RunStatus::kHarnessError:
      err << "turncoat run: the run did not complete: " << outcome->error << "\n";
      break;
  }
  out << "reports: " << outcome->run_dir << "/report.html, report.json, junit.xml\n";
  out << "re-run:  " << ShellCommand(ReplayArgv(outcome->replay)) << "\n"
      << "replay:  " << ShellCommand({outcome->replay.turncoat, "replay", outcome->run_dir})
      << "   (re-runs it and says whether the same invariants break)\n";
  return ExitCode(outcome->status);
}

}  // namespace turncoat
