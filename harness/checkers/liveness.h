// Liveness: values submitted while the cluster is within its fault bound
// commit everywhere they should within the plan's bound (commit_within, B),
// and commits resume within B after the last fault heals.
//
// Which replicas are faulty, and when, comes from the history itself: the
// Byzantine set always; the `nodes` of every fault phase while it is active;
// a replica whose process has exited until it starts again. The cluster is
// within its bound while at most f replicas are faulty.
//
// Steady state. A value v submitted at time ts to replica r is due when the
// reply accepted it, r is honest, the cluster stays within its bound and r
// stays non-faulty throughout [ts, ts+B]. It must then commit by ts+B at
// every honest replica that is non-faulty throughout [ts-B, ts+B]; the
// extra B before ts gives a replica that just came back one bound to catch
// up. Values whose window runs past the end of the history are not judged.
//
// Recovery. When the last fault phase ends at th, the run continues to
// th+B and the cluster stays within its bound meanwhile, every honest
// replica that is non-faulty throughout [th, th+B] and still lacks some
// value an honest replica accepted before th must commit at least one value
// in (th, th+B]. This assumes the workload is still submitting, as the
// controller's workload does until the run ends.
//
// The rules excuse anything a correct protocol might legitimately stall on,
// so a violation is a real liveness failure; the price is that values
// caught by a fault are only judged by the recovery rule.
#ifndef TURNCOAT_HARNESS_CHECKERS_LIVENESS_H_
#define TURNCOAT_HARNESS_CHECKERS_LIVENESS_H_

#include "harness/checker.h"

namespace turncoat {

// One finding per due value that missed its deadline somewhere, and one per
// replica whose commits did not resume; each names the replicas, the
// deadline and the last commit each late replica made before it.
void CheckLiveness(const History& history, const CheckContext& context, CheckResult* result);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_CHECKERS_LIVENESS_H_
