// `turncoat replay RUN_DIR [--times=K] [--out=DIR]`: runs a finished run
// again, K times (default 1, at most kMaxReplayTimes), exactly as it was run
// (harness/replay.h: the plan and target copies saved in RUN_DIR, the same
// seed, replica arguments, trace and link mode), each attempt in a run
// directory of its own, DIR/replay-<i> (DIR defaults to RUN_DIR; i counts on
// from the attempts already there). It warns when the plan or target file
// changed since the run, and says per attempt and in total whether the
// original outcome came back: the same invariants broken ("reproduced 2 of
// 3: agreement"), or, for a run that passed, a pass again.
//
// Exit codes: 0 every attempt reproduced the original outcome; 1 some
// attempt did not; 2 bad input (RUN_DIR without a readable report or its
// saved files, a bad option, a replica that will not start); 3 turncoat
// failed or was interrupted before it could tell.
#ifndef TURNCOAT_HARNESS_COMMANDS_REPLAY_COMMAND_H_
#define TURNCOAT_HARNESS_COMMANDS_REPLAY_COMMAND_H_

#include <atomic>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/commands/command_line.h"

namespace turncoat {

inline constexpr int kMaxReplayTimes = 1000;

extern const CommandDoc kReplayCommand;

// `turncoat replay`'s command line.
struct ReplayArgs {
  std::string run_dir;
  int times = 1;
  std::string out;  // empty: the run directory
};
// command_line.h's contract: nullopt when the command should go on.
std::optional<int> ParseReplayArgs(const std::vector<std::string>& args, ReplayArgs* parsed,
                                   std::ostream& out, std::ostream& err);

int RunReplay(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
              std::ostream& out, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_REPLAY_COMMAND_H_
