// Prefix consistency: the logs of honest replicas, read in the order each
// replica committed, are prefixes of one another, and each log is numbered
// 1, 2, 3, ... without gaps or repeats.
//
// Where agreement (agreement.h) trusts the sequence numbers a replica
// reports, this checker reads the order of its commits, so a replica that
// skips, repeats or reorders numbers is caught even if no two replicas ever
// claim different values for one number.
//
// A replica process that restarts (a ProcessStart after its first) begins a
// new log: systems without durable state replay their log from 1, and the
// replay must agree with everyone else's log as much as the original did.
#ifndef TURNCOAT_CHECKERS_PREFIX_H_
#define TURNCOAT_CHECKERS_PREFIX_H_

#include "checkers/checker.h"

namespace turncoat {

// One finding per honest replica whose numbering breaks (at the first
// break), and one per pair of honest replicas whose logs diverge (at the
// first differing position).
void CheckPrefix(const History& history, const CheckContext& context, CheckResult* result);

}  // namespace turncoat

#endif  // TURNCOAT_CHECKERS_PREFIX_H_
