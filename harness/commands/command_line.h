// One command's command line, parsed with CLI11 the way every turncoat
// command parses it: `--opt VALUE` and `--opt=VALUE` both work, repeated
// options collect, `--help` prints the usage, the options and an example,
// and bad input is one line naming the problem followed by the usage
// (exit 2, model/exit_codes.h).
//
// Only the *_command.cc files include CLI/CLI.hpp: this header names
// CLI::App by declaration alone, so nothing that includes a command's
// header compiles CLI11. Stateless; safe from any thread.
#ifndef TURNCOAT_HARNESS_COMMANDS_COMMAND_LINE_H_
#define TURNCOAT_HARNESS_COMMANDS_COMMAND_LINE_H_

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace CLI {
class App;
}  // namespace CLI

namespace turncoat {

// What `turncoat help` and a command's --help say about it.
struct CommandDoc {
  const char* name;     // "run"
  const char* summary;  // one line, for `turncoat --help`
  const char* usage;    // "usage: turncoat run PLAN [--seed=N] ...\n"
  const char* example;  // one invocation that works from the source tree
};

// A CLI11 app for `doc`, to which the command adds its options. Unknown
// options and surplus positionals are kept for ParseCommandLine to report,
// so its messages stay turncoat's own.
std::unique_ptr<CLI::App> NewCommandApp(const CommandDoc& doc);

// Parses `args` (the words after the command's name) into `app`. Returns
// kExitOk after printing --help to `out`; kExitBadInput after reporting on
// `err` an unknown option, a missing value or a positional beyond those
// the command declared; nullopt when the command should go on.
std::optional<int> ParseCommandLine(CLI::App* app, const CommandDoc& doc,
                                    const std::vector<std::string>& args, std::ostream& out,
                                    std::ostream& err);

// Adds the repeatable --replica-arg ARG of the commands that start
// replicas, collecting into `values`.
void AddReplicaArgOption(CLI::App* app, std::vector<std::string>* values);

// `text`, the value of `option`, as a whole number from `lo` to `hi`; the
// error reads "--times: 'x' is not a whole number from 1 to 1000".
absl::Status ParseWholeOption(absl::string_view option, const std::string& text, int lo, int hi,
                              int* value);

// Reports bad input on `err` as "turncoat NAME: MESSAGE" and the usage;
// returns kExitBadInput.
int BadCommandLine(const CommandDoc& doc, absl::string_view message, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_COMMAND_LINE_H_
