// Integrity: no honest replica commits the same value twice, or, for a
// target whose `checks.integrity` is per slot, no honest replica commits two
// different values at one sequence number.
//
// Per value (the default): clients may send one value to several replicas
// (a BFT client must, to get past a Byzantine one), so "at most once" is
// per value, not per submission. The workload never submits two equal
// values on purpose. "Twice" means at two sequence numbers: a replica that
// restarts without durable state and replays its log reports the same
// (seq, value) again, which is one log entry, not a second commit.
//
// Per slot: for systems that may legitimately order one value twice (no
// deduplication at the replicas), a sequence number holds one value for
// good; the same value at two slots is allowed. A replica that restarts
// and then reports a different value at a slot it had already filled has
// changed a decision, across incarnations, and is a finding.
#ifndef TURNCOAT_CHECKERS_INTEGRITY_H_
#define TURNCOAT_CHECKERS_INTEGRITY_H_

#include "checkers/checker.h"

namespace turncoat {

// Per value: one finding per (replica, value) committed at more than one
// seq; per slot: one per (replica, seq) holding more than one value. Every
// commit involved is evidence.
void CheckIntegrity(const History& history, const CheckContext& context, CheckResult* result);

}  // namespace turncoat

#endif  // TURNCOAT_CHECKERS_INTEGRITY_H_
