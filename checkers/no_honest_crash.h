// No honest crash: no honest replica's process ends unless the harness ended
// it (at teardown, or in a crash or restart phase).
//
// An honest replica that dies on its own under Byzantine input, whether by
// a failed assertion, a panic or a clean exit, is a bug even if the cluster
// stays safe: with f Byzantine replicas, one more dead honest replica is one
// more fault than the protocol tolerates.
//
// Once the run has ended (the history's RunEnd) and turncoat is stopping
// the cluster, a replica may exit on its own because its peers were stopped
// first; an exit then with a status in the target's `checks.exit_ok` (exit
// codes, or 128 + signal) is a clean shutdown, not a crash. Any other
// status, and any unrequested exit before RunEnd, still is.
#ifndef TURNCOAT_CHECKERS_NO_HONEST_CRASH_H_
#define TURNCOAT_CHECKERS_NO_HONEST_CRASH_H_

#include "checkers/checker.h"

namespace turncoat {

// One finding per unrequested exit of an honest replica, with the exit code
// or signal and what the agent captured of its last output.
void CheckNoHonestCrash(const History& history, const CheckContext& context, CheckResult* result);

}  // namespace turncoat

#endif  // TURNCOAT_CHECKERS_NO_HONEST_CRASH_H_
