// GeneratorRegistry: the scenario generators a plan may name in `generate:`.
//
// A generator draws phases for a plan's timeline from the run's seed —
// ByzzFuzz's round-keyed faults, Twins' partitions, a mix of every
// adversary — so that a campaign over seed after seed explores scenarios
// nobody wrote (docs/generators.md). The plan loader checks a generator's
// name and parameters against its declaration here; generators/generate.h
// runs it once the target is known. Generators register from their own .cc
// file in generators/ with a static GeneratorRegistration, so adding one is
// one new file plus a test.
//
// Registration happens during static initialisation; lookups afterwards.
// Both are guarded by a mutex, so the registry is thread-safe.
#ifndef TURNCOAT_MODEL_GENERATOR_REGISTRY_H_
#define TURNCOAT_MODEL_GENERATOR_REGISTRY_H_

#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "model/params.h"
#include "model/plan.h"
#include "model/target_spec.h"

namespace turncoat {

// What a generator draws from.
struct GeneratorInput {
  // The plan as loaded: n, f, the Byzantine replicas (already drawn when the
  // plan leaves them to the generators), duration, Δ, expectations, and
  // the phases drawn so far (its own and earlier generators').
  const Plan* plan = nullptr;
  const TargetSpec* target = nullptr;
  const Params* params = nullptr;  // the generator's, as checked by the loader
  std::mt19937_64* rng = nullptr;  // seeded from the run's seed and the generator
  // The run's seed itself, for a generator that numbers its scenarios and
  // walks them seed by seed (twins).
  uint64_t seed = 0;
  // Whether `phase`, added to what is drawn so far, builds against the
  // target as a run would (adversaries constructed, rules compiled): a
  // generator that draws from many adversaries redraws what fails here.
  std::function<absl::Status(const std::vector<Phase>& drawn, const Phase& phase)> check;
};

// What a generator drew: phases for the timeline, in the order drawn.
using GeneratorFn = std::function<absl::StatusOr<std::vector<Phase>>(const GeneratorInput&)>;

struct GeneratorInfo {
  std::string name;  // as plans write it under `generate:`
  std::string summary;
  std::vector<ParamSpec> params;
  GeneratorFn generate;
};

class GeneratorRegistry {
 public:
  static GeneratorRegistry& Global();

  // Fails if `info.name` is empty or already registered.
  absl::Status Register(GeneratorInfo info);
  // nullptr if no generator has that name.
  const GeneratorInfo* Find(absl::string_view name) const;
  // Every registered name, sorted.
  std::vector<std::string> Names() const;

 private:
  mutable absl::Mutex mu_;
  // Entries are never removed, so pointers handed out stay valid.
  std::map<std::string, GeneratorInfo, std::less<>> generators_ ABSL_GUARDED_BY(mu_);
};

// `static GeneratorRegistration kRegistration({...});` in a generator's .cc
// file; a duplicate name aborts at start-up (a build mistake).
class GeneratorRegistration {
 public:
  explicit GeneratorRegistration(GeneratorInfo info);
};

// When generated faults may act: from the timeline's start until the
// liveness bound (plus a margin of 2 s) before the run ends, so that every
// fault has healed with time left to judge recovery; without a liveness
// bound, until 2 s before the end. At least 1 s (or the whole run, if
// shorter).
absl::Duration FaultWindow(const Plan& plan);

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_GENERATOR_REGISTRY_H_
