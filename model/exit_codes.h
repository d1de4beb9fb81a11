// turncoat's exit codes, the contract with CI jobs and scripts.
#ifndef TURNCOAT_MODEL_EXIT_CODES_H_
#define TURNCOAT_MODEL_EXIT_CODES_H_

namespace turncoat {

inline constexpr int kExitOk = 0;              // every expected invariant holds
inline constexpr int kExitViolation = 1;       // an invariant is violated
inline constexpr int kExitBadInput = 2;        // a plan, target or command line is wrong
inline constexpr int kExitHarnessFailure = 3;  // turncoat itself failed
// No invariant is violated, but the run tested too little to pass: a
// fault that never acted, too few commits, or no value held to the
// liveness bound (reports/inconclusive.h).
inline constexpr int kExitInconclusive = 4;

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_EXIT_CODES_H_
