// Plan: what the adversary does in one run, as read from a plan file
// (plans/*.yaml, format in docs/plan-format.md).
//
// Cluster size and fault bound, which replicas are Byzantine, how long the
// run lasts, the seed behind every random choice, the client workload, the
// network's synchrony bound, the timeline of adversary phases, the
// invariants expected to hold and whether to trace message fates. The
// loader (plan_loader.h) has checked all of it, including every adversary
// name and parameter against the AdversaryRegistry and every invariant
// against the CheckerRegistry. Plan is an immutable value.
#ifndef TURNCOAT_MODEL_PLAN_H_
#define TURNCOAT_MODEL_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "model/params.h"

namespace turncoat {

// The largest number of faulty replicas n replicas tolerate: (n-1)/3.
int FaultBound(int n);

struct Plan;

// How `plan` goes beyond what BFT tolerates, for people: "n = 3 < 3f+1 = 4"
// when the replicas are configured for more faults than n allows, "2
// Byzantine replicas > f = 1" when there are more traitors than f, both
// joined by "and"; empty when the plan is within its bound.
std::string FaultBoundBreach(const Plan& plan);

struct Workload {
  double rate = 0;      // submissions per second, over all clients together
  int clients = 1;      // concurrent clients
  int value_bytes = 0;  // length of every submitted value
  // `rate: auto`: before the timeline, the clients submit as fast as the
  // target acknowledges for `warmup`; the run then paces at `share` of the
  // commit rate measured (rate is 0 until then).
  bool rate_auto = false;
  double share = 0.5;
  absl::Duration warmup = absl::Seconds(5);
};

// Protocol rounds a phase is keyed to, counted from the round the timeline
// starts in: round 1 is the first major round after the highest any replica
// had sent when the timeline began (docs/plan-format.md, `rounds`).
struct RoundSpan {
  int64_t first = 0;
  int64_t last = 0;
};

// Of a phase keyed to rounds: whether it acts on a message of round k only
// when the message's sender leads round k (has sent a proposal of it: a
// message of a kind that carries client values) or only when it does not
// (docs/plan-format.md, `leader`).
enum class LeaderChoice { kSelf, kOther };

// One adversary, active over [at, at + length); with `rounds`, its faults act
// only on messages of those rounds, and it heals early once every replica
// has sent a message of a later round.
struct Phase {
  absl::Duration at;
  absl::Duration length;
  std::string adversary;  // a name in the AdversaryRegistry
  std::vector<int> nodes;
  Params params;
  std::optional<RoundSpan> rounds;
  std::optional<LeaderChoice> leader;  // only with `rounds`
  int line = 0;  // of the phase in the plan file, from 1; 0 if not from a file
  // Drawn by a generator (`generate:`), not written in the plan. A drawn
  // phase may rightly never act — its round never came, because an
  // earlier fault held the cluster back — so only a run in which no drawn
  // phase acted is inconclusive for it (reports/inconclusive.h).
  bool generated = false;

  absl::Duration end() const { return at + length; }
};

// A scenario generator a plan names in `generate:` (docs/generators.md),
// with its parameters as checked against its declaration.
struct GeneratorCall {
  std::string name;  // a name in the GeneratorRegistry
  Params params;
  int line = 0;  // of the generator in the plan file, from 1
};

// A run that commits fewer distinct values at honest replicas than this
// tested too little to pass (its verdict is inconclusive).
inline constexpr int64_t kDefaultMinCommits = 10;

struct Expectations {
  std::vector<std::string> safety;  // safety invariants, by checker name
  // The liveness bound; unset: liveness is not checked.
  std::optional<absl::Duration> commit_within;
  // `commit_within: 10x`: the bound is this many times the p99 commit
  // latency the warm-up of `rate: auto` measured (at least 1 s); until then
  // commit_within is unset.
  std::optional<double> commit_within_factor;
  // Distinct values that must commit at honest replicas for the run to
  // count; 0: the run counts whatever commits.
  int64_t min_commits = kDefaultMinCommits;
};

struct Plan {
  std::string name;
  std::string path;         // the plan file as it was named
  std::string source_text;  // the file's content, recorded in reports
  std::string target;       // the plan's `target`, resolved against the plan
                            // file's directory
  int n = 0;
  // The fault bound the replicas are configured for ({{f}} in the target);
  // FaultBound(n) unless the plan says otherwise.
  int f = 0;
  std::vector<int> byzantine;
  // The plan goes beyond the bound on purpose: n < 3f+1, or more than f
  // replicas in `byzantine`.
  bool beyond_fault_bound = false;
  uint64_t seed = 0;
  absl::Duration duration;
  Workload workload;
  // The network's synchrony bound Δ (`network.delta`): how late a message
  // may arrive on a network the target must make progress through. A phase
  // whose only effect is latency, and no more than Δ, makes no replica
  // faulty. Unset: every such phase is a fault on its nodes.
  std::optional<absl::Duration> delta;
  std::vector<Phase> timeline;
  // The scenario generators that add phases to the timeline, drawn from
  // the run's seed when the plan is checked against its target
  // (generators/generate.h). Until then `timeline` holds only the plan's
  // own phases.
  std::vector<GeneratorCall> generate;
  // The plan names generators and no `byzantine` set: they draw one of 1
  // to f replicas from the seed.
  bool draw_byzantine = false;
  // After expansion, the generators that drew part of the timeline, as the
  // plan names them with their parameters, e.g. "byzzfuzz { c: 2, d: 1,
  // r: 8 } with seed 5"; empty for a hand-written timeline. Their phases
  // are in `timeline` and `generate` is empty, so a plan written out from
  // this one lists them as ordinary phases.
  std::string generated_by;
  Expectations expect;
  // Trace one proxied message in this many into the history; 0: no trace.
  uint32_t trace_sample_every = 0;

  bool IsByzantine(int replica) const;
};

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_PLAN_H_
