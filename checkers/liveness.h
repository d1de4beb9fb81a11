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
// A value submitted through the system's own client program (replica -1 in
// its Submit, program_client.h) has no receiving replica r: it is due when
// the program acknowledged it and the cluster stays within its bound.
//
// Recovery. When the last fault phase ends at th, the run continues to
// th+B and the cluster stays within its bound meanwhile, every honest
// replica that is non-faulty throughout [th, th+B] and still lacks some
// value an honest replica accepted before th must commit at least one value
// in (th, th+B]. This assumes the workload is still submitting, as the
// controller's workload does until the run ends.
//
// Pipelined targets. A chained protocol commits a value only once later
// ones arrive, so with the target's `checks.pipeline_depth` k the last k
// values submitted in the run (by first submission) are never due, and do
// not count as pending for the recovery rule.
//
// The rules excuse anything a correct protocol might legitimately stall on,
// so a violation is a real liveness failure; the price is that values
// caught by a fault are only judged by the recovery rule. The result's
// coverage counts the values held to the bound and, by reason, those
// excused (a value submitted several times is excused for its earliest
// submission's reason), so a run in which nothing was due can be told from
// one in which everything committed.
#ifndef TURNCOAT_CHECKERS_LIVENESS_H_
#define TURNCOAT_CHECKERS_LIVENESS_H_

#include "checkers/checker.h"

namespace turncoat {

// Why a submitted value was not held to the bound: the reasons in the
// liveness result's coverage, besides "last in the pipeline (...)".
inline constexpr char kLivenessTooLate[] = "too close to the end of the run to judge";
inline constexpr char kLivenessRejected[] = "rejected by the replica they were sent to";
inline constexpr char kLivenessByzantineReceiver[] = "sent to a Byzantine replica";
inline constexpr char kLivenessBeyondBound[] =
    "submitted while the cluster was beyond its fault bound";
inline constexpr char kLivenessFaultyReceiver[] =
    "sent to a replica that was faulty within the bound";

// One finding per due value that missed its deadline somewhere, and one per
// replica whose commits did not resume; each names the replicas, the
// deadline and the last commit each late replica made before it.
void CheckLiveness(const History& history, const CheckContext& context, CheckResult* result);

}  // namespace turncoat

#endif  // TURNCOAT_CHECKERS_LIVENESS_H_
