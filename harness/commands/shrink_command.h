// `turncoat shrink RUN_DIR [--times=K] [--budget=DURATION] [--out=DIR]`:
// searches for a smaller plan that still breaks what a failed run broke,
// and writes it as an ordinary plan file (docs/shrink.md).
//
// Greedy: the original is run first (up to K times, until it reproduces);
// then the candidates of the current plan (harness/shrink.h), best first,
// each run up to K times with the run's seed and replica arguments
// (harness/replay.h) and accepted at its first reproduction — the same
// invariants broken. The search restarts from each accepted candidate and
// stops when none of the current plan's candidates reproduces or the budget
// (default kDefaultShrinkBudget; the K confirmation runs are kept inside
// it) would be overrun by the next attempt. The final plan is then run K
// times more, and how often it reproduced is what the header says.
//
// DIR (default RUN_DIR/shrink, which must not exist or be empty) gets
// shrunk.yaml (the final plan with a comment header: what it was shrunk
// from, the steps, the reproduction count), shrink.json (every candidate
// tried and its outcome, rewritten after each), candidates/<i>.yaml (each
// plan run) and attempts/<i>-<j>/ (each attempt's run directory, itself
// replayable with `turncoat replay`).
//
// Exit codes: 0 a smaller plan still fails, or the original reproduces but
// nothing smaller does; 1 the original did not reproduce in K attempts;
// 2 bad input (no finished run, a run that broke nothing, a budget too
// small for one attempt, a bad option); 3 harness failure or Ctrl-C (the
// attempt running is stopped as `turncoat run` stops, and the files say
// how far the search got).
//
// Runs one cluster at a time, on the calling thread.
#ifndef TURNCOAT_HARNESS_COMMANDS_SHRINK_COMMAND_H_
#define TURNCOAT_HARNESS_COMMANDS_SHRINK_COMMAND_H_

#include <atomic>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "harness/commands/command_line.h"

namespace turncoat {

inline constexpr absl::Duration kDefaultShrinkBudget = absl::Minutes(20);
inline constexpr int kDefaultShrinkTimes = 3;

extern const CommandDoc kShrinkCommand;

// `turncoat shrink`'s command line.
struct ShrinkArgs {
  std::string run_dir;
  std::string out_dir;  // RUN_DIR/shrink unless given
  int times = kDefaultShrinkTimes;
  absl::Duration budget = kDefaultShrinkBudget;
};
// command_line.h's contract: nullopt when the command should go on.
std::optional<int> ParseShrinkArgs(const std::vector<std::string>& args, ShrinkArgs* parsed,
                                   std::ostream& out, std::ostream& err);

int RunShrink(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
              std::ostream& out, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_SHRINK_COMMAND_H_
