// Integrity: no honest replica commits the same value twice.
//
// Clients may send one value to several replicas (a BFT client must, to get
// past a Byzantine one), so "at most once" is per value, not per
// submission. The workload never submits two equal values on purpose.
// "Twice" means at two sequence numbers: a replica that restarts without
// durable state and replays its log reports the same (seq, value) again,
// which is one log entry, not a second commit.
#ifndef TURNCOAT_HARNESS_CHECKERS_INTEGRITY_H_
#define TURNCOAT_HARNESS_CHECKERS_INTEGRITY_H_

#include "harness/checker.h"

namespace turncoat {

// One finding per (replica, value) committed more than once, with every such
// commit as evidence.
void CheckIntegrity(const History& history, const CheckContext& context, CheckResult* result);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_CHECKERS_INTEGRITY_H_
