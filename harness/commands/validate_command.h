// `turncoat validate FILE...`: checks plan and target files without running
// anything, for editors, pre-commit hooks and the first step of a CI job.
//
// Each file is taken as a plan if its top level has `target`, else as a
// target if it has `replica`; a plan's target file is checked too, and so
// is every phase of a plan against that target. One line per file:
// "ok: ..." on `out`, or the "file:line[:column]: ..." error on `err`; a
// valid plan's notes follow its line on `out`, indented.
#ifndef TURNCOAT_HARNESS_COMMANDS_VALIDATE_COMMAND_H_
#define TURNCOAT_HARNESS_COMMANDS_VALIDATE_COMMAND_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "harness/commands/command_line.h"
#include "model/plan.h"
#include "model/target_spec.h"

namespace turncoat {

// Checks a loaded plan against its target beyond what the loaders see: the
// binary passes run_command.h's CheckPlanAgainstTarget, which draws the
// phases of the plan's generators into `plan` and builds every phase's
// adversary (the harness library cannot link them).
using PlanCheck = std::function<absl::Status(Plan* plan, const TargetSpec& target)>;

// Informational lines about a valid plan, e.g. which phases only slow the
// network within its Δ (adversaries/phase_check.h's PhaseNotes).
using PlanNotes =
    std::function<std::vector<std::string>(const Plan& plan, const TargetSpec& target)>;

extern const CommandDoc kValidateCommand;

// `args` are the files (and --help). kExitOk if every file is valid,
// kExitBadInput otherwise (or if there is none). Plans also go through
// `check` when one is given, and valid ones are described by `notes`.
int RunValidate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                const PlanCheck& check = nullptr, const PlanNotes& notes = nullptr);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_VALIDATE_COMMAND_H_
