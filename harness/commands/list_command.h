// `turncoat list [adversaries|checkers|generators|plans|targets] [--dir=DIR]`:
// what a plan may name and what there is to run, one line each.
//
// Adversaries and generators come with one indented line per parameter
// (name, kind, whether required, help), from the declarations they
// register (adversary_registry.h, generator_registry.h); checkers with
// whether they judge safety or liveness (checker.h). Plans and targets are
// the *.yaml files under DIR/plans (recursively) and DIR/targets, each with
// the first sentence of its leading comment. DIR defaults to the current
// directory when it has plans/ or targets/, else to the data directory of
// an installed turncoat (install_layout.h), else the current directory.
// With no section, all five, each under a heading.
//
// Exit codes: 0; 2 on an unknown section or option, or a --dir that does
// not exist. Reads the registries, which are complete once static
// initialisation is over; call it from main.
#ifndef TURNCOAT_HARNESS_COMMANDS_LIST_COMMAND_H_
#define TURNCOAT_HARNESS_COMMANDS_LIST_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "harness/commands/command_line.h"

namespace turncoat {

extern const CommandDoc kListCommand;

int RunList(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_LIST_COMMAND_H_
