// Validity: honest replicas commit only values some client submitted, and
// only after it was submitted.
//
// A value nobody submitted can only come from a forged or corrupted
// proposal that honest replicas accepted. Submit and commit times come from
// the same controller clock, so "committed before submitted" is a real
// violation, not clock skew.
#ifndef TURNCOAT_CHECKERS_VALIDITY_H_
#define TURNCOAT_CHECKERS_VALIDITY_H_

#include "checkers/checker.h"

namespace turncoat {

// One finding per offending value, with its commits at every honest
// replica as evidence.
void CheckValidity(const History& history, const CheckContext& context, CheckResult* result);

}  // namespace turncoat

#endif  // TURNCOAT_CHECKERS_VALIDITY_H_
