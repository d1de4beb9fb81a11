// `turncoat cleanup [--dry-run]`: removes what runs with `links: netns`
// left behind when their controller was killed before it could (network
// namespaces and nftables tables tagged with a pid that no longer runs:
// harness/netns.h). Live runs' namespaces are never touched.
//
// Exit codes: 0 when nothing is left (or, with --dry-run, after listing
// what would go); 3 when something could not be removed (needs root or
// CAP_NET_ADMIN); 2 on a bad command line.
#ifndef TURNCOAT_HARNESS_COMMANDS_CLEANUP_COMMAND_H_
#define TURNCOAT_HARNESS_COMMANDS_CLEANUP_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "harness/commands/command_line.h"

namespace turncoat {

extern const CommandDoc kCleanupCommand;

int RunCleanup(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_CLEANUP_COMMAND_H_
