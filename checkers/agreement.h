// Agreement: no two honest replicas commit different values at the same
// sequence number.
//
// Judged on the sequence numbers the replicas report; prefix.h judges the
// order of their logs. Byzantine replicas' commits are ignored: they may
// print anything.
#ifndef TURNCOAT_CHECKERS_AGREEMENT_H_
#define TURNCOAT_CHECKERS_AGREEMENT_H_

#include "checkers/checker.h"

namespace turncoat {

// One finding per sequence number at which honest replicas disagree, with
// every honest commit at that number as evidence.
void CheckAgreement(const History& history, const CheckContext& context, CheckResult* result);

}  // namespace turncoat

#endif  // TURNCOAT_CHECKERS_AGREEMENT_H_
