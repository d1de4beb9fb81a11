// Expanding a plan's `generate:` section into phases (docs/generators.md).
//
// The loader only checks what a plan asks of its generators; the phases are
// drawn here, once the target is loaded, because a generator that mixes
// adversaries must know which of them the target supports. Everything is
// drawn from the run's seed: the same plan, target and seed give the same
// phases, which is what lets `turncoat replay` and the shrinker re-run a
// generated scenario from the plan file alone.
#ifndef TURNCOAT_GENERATORS_GENERATE_H_
#define TURNCOAT_GENERATORS_GENERATE_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "model/adversary_registry.h"
#include "model/plan.h"
#include "model/target_spec.h"

namespace turncoat {

// The checks a run makes of a whole plan against its target (phases built,
// rules compiled); the caller supplies them because they live beside the
// adversaries and the controller.
using GeneratedPlanCheck = std::function<absl::Status(const Plan& plan)>;

// Draws the phases of every generator in `plan->generate` with `seed` and
// appends them to the timeline; first, when the plan leaves the Byzantine
// replicas to its generators, draws 1 to f of them. Afterwards `generate`
// is empty, `generated_by` says what drew the phases, and each drawn phase
// carries its generator's line. Errors name the plan file and that line.
absl::Status ExpandGenerators(Plan* plan, const TargetSpec& target, uint64_t seed,
                              const GeneratedPlanCheck& check);

// Helpers for generators' draws.
//
// A uniform random partition of `nodes` into `blocks` non-empty blocks
// (each sorted, blocks in order of their smallest member); `nodes` must
// hold at least `blocks` elements.
std::vector<std::vector<int>> DrawPartition(const std::vector<int>& nodes, int blocks,
                                            std::mt19937_64& rng);
// A uniformly drawn non-empty subset of `nodes`, sorted.
std::vector<int> DrawSubset(const std::vector<int>& nodes, std::mt19937_64& rng);
// `count` distinct values from 1..`last` (all of them if count >= last), sorted.
std::vector<int64_t> DrawDistinct(int64_t count, int64_t last, std::mt19937_64& rng);
// 0..n-1.
std::vector<int> AllReplicas(int n);
// Times `phase` by the clock from a tenth of `plan`'s fault window (whole
// 100 ms) to the window's end, as generators whose faults must meet at
// every height in between time them.
void SpanMostOfTheFaultWindow(const Plan& plan, Phase* phase);
// The replicas of `plan` that are not Byzantine.
std::vector<int> HonestReplicas(const Plan& plan);

// The parameter of `info` that names kinds of message (ParamSource::
// kMessageKinds), or nullptr when it cannot single out a kind.
const ParamSpec* MessageKindsParam(const AdversaryInfo& info);
// Fails, naming `param` and every adversary there is, when the list of
// adversaries a generator's `param` holds names one that does not exist (a
// typo would otherwise silently narrow or widen a campaign).
absl::Status CheckAdversaryNames(const Params& params, const std::string& param);
// `text` as `spec` takes it: the string itself, or a list of just it.
ParamValue OneOrList(const ParamSpec& spec, const std::string& text);

// A generator's whole-number parameter (ParamKind::kWhole), or `fallback`
// when the plan does not set it.
int64_t WholeOr(const Params& params, const std::string& name, int64_t fallback);

// Fails, naming the target and the fix, when its messages carry no protocol
// round: the partitions of twins, quorum-split and laggards are keyed to
// rounds.
absl::Status RequireRoundedPartitions(const TargetSpec& target);

// Checks `phases` in order, each added to the ones before it, with a
// generator's `check` (GeneratorInput::check). A refusal is an error saying
// the phases are keyed to protocol rounds and must build against the
// target, with why.
absl::Status CheckRoundKeyedPhases(
    const std::function<absl::Status(const std::vector<Phase>&, const Phase&)>& check,
    const std::vector<Phase>& phases);

}  // namespace turncoat

#endif  // TURNCOAT_GENERATORS_GENERATE_H_
