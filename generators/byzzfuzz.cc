// byzzfuzz: ByzzFuzz's scenarios (Winter et al., "Randomized Testing of
// Byzantine Fault Tolerant Algorithms", OOPSLA 2023), keyed to the
// protocol rounds the target's messages carry.
//
// Of the first r rounds after the timeline starts, d distinct rounds get a
// network fault: a uniform partition of all replicas into 2 or 3 blocks
// (never one block), dropping every message of that round between blocks,
// whenever it is sent. c distinct rounds get a process fault: a Byzantine
// replica's messages of that round to a drawn set of receivers are mutated
// in small scope (`mutate`: one integer field moved by one, re-signed with
// its own key), so it equivocates between those receivers and the rest.
// Each fault is a phase keyed to its round (`rounds: k`), so it heals when
// every replica has moved past that round, or at the end of the fault
// window at the latest; the rest of the run is the recovery window in which
// liveness is judged.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "generators/generate.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

absl::StatusOr<std::vector<Phase>> GenerateByzzFuzz(const GeneratorInput& in) {
  const Plan& plan = *in.plan;
  const int64_t c = WholeOr(*in.params, "c", 1);
  const int64_t d = WholeOr(*in.params, "d", 1);
  const int64_t r = WholeOr(*in.params, "r", 8);
  if (r < 1) return absl::InvalidArgumentError("r must be at least 1 (rounds 1..r)");
  if (c > r || d > r) {
    return absl::InvalidArgumentError(absl::StrCat(
        "c = ", c, " and d = ", d, " faults need as many distinct rounds; raise r (", r, ")"));
  }
  if (c > 0 && plan.byzantine.empty()) {
    return absl::InvalidArgumentError(
        "c > 0 mutates a Byzantine replica's messages, but the plan has none; list some in "
        "`byzantine`, leave `byzantine` out to have one drawn, or set c: 0");
  }
  if (d > 0 && plan.n < 2) return absl::InvalidArgumentError("a partition needs two replicas");
  std::mt19937_64& rng = *in.rng;
  const absl::Duration window = FaultWindow(plan);
  std::vector<Phase> phases;
  for (int64_t round : DrawDistinct(d, r, rng)) {
    Phase phase;
    phase.adversary = "partition";
    phase.rounds = RoundSpan{round, round};
    phase.length = window;
    const int blocks = plan.n >= 3 ? 2 + static_cast<int>(rng() % 2) : 2;
    phase.params["groups"] = DrawPartition(AllReplicas(plan.n), blocks, rng);
    phases.push_back(std::move(phase));
  }
  for (int64_t round : DrawDistinct(c, r, rng)) {
    Phase phase;
    phase.adversary = "mutate";
    phase.rounds = RoundSpan{round, round};
    phase.length = window;
    const int sender = plan.byzantine[rng() % plan.byzantine.size()];
    phase.nodes = {sender};
    std::vector<int> others;
    for (int replica : AllReplicas(plan.n)) {
      if (replica != sender) others.push_back(replica);
    }
    phase.params["to"] = DrawSubset(others, rng);
    phases.push_back(std::move(phase));
  }
  if (absl::Status s = CheckRoundKeyedPhases(in.check, phases); !s.ok()) return s;
  return phases;
}

const GeneratorRegistration kByzzFuzz({
    "byzzfuzz",
    "ByzzFuzz: d partition rounds and c small-scope mutation rounds among the first r",
    {{"c", ParamKind::kWhole, false,
      "rounds with a process fault: a Byzantine replica's messages mutated (default 1)"},
     {"d", ParamKind::kWhole, false,
      "rounds with a network fault: a partition of all replicas (default 1)"},
     {"r", ParamKind::kWhole, false, "the faults fall among rounds 1..r (default 8)"}},
    GenerateByzzFuzz,
});

}  // namespace
}  // namespace turncoat
