// `turncoat campaign PLAN_OR_DIR... --budget=DURATION [--jobs=K]
// [--seeds=FROM..TO] [--out=DIR] [--corpus=DIR] [--replica-arg=ARG]...`:
// runs scenarios — a plan with a seed — until the budget is spent or the
// seeds run out, and writes what they found.
//
// Every plan (and every plan of the corpus) is loaded and checked before
// anything runs; bad input exits 2 with the loaders' file:line message.
// Which scenario runs next, and whether it still fits in the budget, is
// CampaignSchedule's decision (campaign.h). Each scenario is a child
// `turncoat run` of this same binary, in its own process group, with its
// run directory under DIR/runs/ and its output in DIR/runs/<id>.log, so a
// crash or hang of one scenario never ends the campaign: a run that fails
// or errs is recorded and the next one starts, and a run still going at
// its limit is stopped (SIGTERM, then SIGKILL) and counted as a harness
// error. K children run at once (default 1), each cluster on its own
// loopback ports (common/ports.h leases them across processes).
//
// DIR (default campaigns/<time>) gets summary.json, index.html and
// junit.xml (reports/campaign_report.h), rewritten within seconds of each
// scenario starting and finishing (at once for a finding or a harness
// error), however long the campaign. On a terminal a live line shows scenarios done, findings,
// harness errors and time left; otherwise one plain line per scenario.
// SIGINT or SIGTERM (`interrupted`) stops the children the same way a
// terminal's Ctrl-C stops one `turncoat run` — each writes its partial
// report — kills any that linger, and still writes the campaign's files.
//
// Exit: 1 when a scenario found a violation; else 3 when one could not
// complete or the campaign was interrupted; else 4 when some plan had no
// conclusive scenario; else 0 (CampaignExitCode); 2 on bad input.
//
// Must be called from the main thread (or one that outlives the
// campaign): the children's parent-death signal is tied to it.
#ifndef TURNCOAT_HARNESS_COMMANDS_CAMPAIGN_COMMAND_H_
#define TURNCOAT_HARNESS_COMMANDS_CAMPAIGN_COMMAND_H_

#include <atomic>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "harness/campaign.h"
#include "harness/commands/command_line.h"

namespace turncoat {

inline constexpr int kMaxCampaignJobs = 64;
// The share of the budget that shrinks findings unless --shrink says otherwise.
inline constexpr double kDefaultCampaignShrinkShare = 0.25;

extern const CommandDoc kCampaignCommand;

// `turncoat campaign`'s command line.
struct CampaignArgs {
  std::vector<std::string> paths;
  std::optional<absl::Duration> budget;
  int jobs = 1;
  std::optional<SeedRange> seeds;
  std::string out_dir;  // empty: campaigns/<time>
  std::string corpus_dir;
  std::vector<std::string> replica_args;
  double shrink_share = kDefaultCampaignShrinkShare;
};
// command_line.h's contract: nullopt when the command should go on.
std::optional<int> ParseCampaignArgs(const std::vector<std::string>& args, CampaignArgs* parsed,
                                     std::ostream& out, std::ostream& err);

int RunCampaign(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
                std::ostream& out, std::ostream& err);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_COMMANDS_CAMPAIGN_COMMAND_H_
