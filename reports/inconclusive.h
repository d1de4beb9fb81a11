// Inconclusive runs: why a run that found no violation still proves
// nothing, so that it is not reported as a pass.
//
// A run passes only if it tested something: its faults acted, values
// committed, and (when the plan expects liveness) at least the plan's
// min_commits values were held to the bound. InconclusiveReasons() reads the history, the plan and the
// checker results and returns one sentence per shortfall, naming the phase,
// replicas and numbers and saying what to change. It is a pure function;
// the verdict (reports/report.h) ranks a violation above it and a harness
// error above both.
//
// What "acted" means per phase:
//  * A phase with rules on links (their ids start with "p<phase>-", see the
//    `link_stats` counters) acted when some rule of it applied its action
//    to a message. A rewrite that fails passes the message intact and is
//    counted as a rewrite error, not as applied, so a phase whose every
//    rewrite failed did not act.
//  * A `twins` phase acts through its twin's traffic, which it lets through
//    by rules placed ahead of the twin's dormant drops ("p<phase>-twin-wake-*",
//    on the links from the twin, id n + r, to the group that hears it). It
//    acted when those passed a message: the twin was alive and heard. Its
//    drops silencing the original say nothing about the twin.
//  * A phase without link counters (crash, pause, restart act on
//    processes) always acts.
//  * Phases a generator drew (Phase::generated) count together: one of
//    them that never acted is no shortfall (its protocol round may never
//    have come), but a run in which none of them acted is inconclusive.
#ifndef TURNCOAT_REPORTS_INCONCLUSIVE_H_
#define TURNCOAT_REPORTS_INCONCLUSIVE_H_

#include <string>
#include <vector>

#include "checkers/checker.h"
#include "model/history.h"
#include "model/plan.h"

namespace turncoat {

// Every reason the run is inconclusive, in a stable order (phases by
// index, then commits, then liveness); empty when it tested enough. The
// reasons hold whatever the results say: ranking them against violations
// is the verdict's job.
std::vector<std::string> InconclusiveReasons(const Plan& plan, const History& history,
                                             const std::vector<CheckResult>& results);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_INCONCLUSIVE_H_
