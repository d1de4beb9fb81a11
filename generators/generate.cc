#include "generators/generate.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

// The generator's parameters as the plan wrote them: "{ c: 1, d: 1 }".
std::string CallText(const GeneratorCall& call) {
  std::vector<std::string> params;
  for (const auto& [name, value] : call.params) {
    params.push_back(absl::StrCat(name, ": ", FormatParamValue(value)));
  }
  if (params.empty()) return absl::StrCat(call.name, " {}");
  return absl::StrCat(call.name, " { ", absl::StrJoin(params, ", "), " }");
}

}  // namespace

void SpanMostOfTheFaultWindow(const Plan& plan, Phase* phase) {
  const absl::Duration window = FaultWindow(plan);
  phase->at = absl::Milliseconds(100 * (absl::ToInt64Milliseconds(window) / 1000));
  phase->length = window - phase->at;
}

std::vector<int> AllReplicas(int n) {
  std::vector<int> all;
  for (int r = 0; r < n; ++r) all.push_back(r);
  return all;
}

std::vector<int> HonestReplicas(const Plan& plan) {
  std::vector<int> honest;
  for (int r : AllReplicas(plan.n)) {
    if (std::find(plan.byzantine.begin(), plan.byzantine.end(), r) == plan.byzantine.end()) {
      honest.push_back(r);
    }
  }
  return honest;
}

const ParamSpec* MessageKindsParam(const AdversaryInfo& info) {
  for (const ParamSpec& spec : info.params) {
    if (spec.source == ParamSource::kMessageKinds) return &spec;
  }
  return nullptr;
}

absl::Status CheckAdversaryNames(const Params& params, const std::string& param) {
  const auto* names = FindParam<std::vector<std::string>>(params, param);
  if (names == nullptr) return absl::OkStatus();
  const AdversaryRegistry& registry = AdversaryRegistry::Global();
  for (const std::string& name : *names) {
    if (registry.Find(name) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(param, ": no adversary is called '", name,
                                                     "'; known: ",
                                                     absl::StrJoin(registry.Names(), ", ")));
    }
  }
  return absl::OkStatus();
}

ParamValue OneOrList(const ParamSpec& spec, const std::string& text) {
  if (spec.kind == ParamKind::kString) return text;
  return std::vector<std::string>{text};
}

std::vector<std::vector<int>> DrawPartition(const std::vector<int>& nodes, int blocks,
                                            std::mt19937_64& rng) {
  std::vector<int> shuffled = nodes;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  // The first `blocks` nodes found the blocks, so none is empty; the rest
  // join any block.
  std::vector<std::vector<int>> partition(blocks);
  for (size_t i = 0; i < shuffled.size(); ++i) {
    const size_t block = i < static_cast<size_t>(blocks) ? i : rng() % blocks;
    partition[block].push_back(shuffled[i]);
  }
  for (auto& block : partition) std::sort(block.begin(), block.end());
  std::sort(partition.begin(), partition.end());
  return partition;
}

std::vector<int> DrawSubset(const std::vector<int>& nodes, std::mt19937_64& rng) {
  std::vector<int> subset;
  while (subset.empty() && !nodes.empty()) {
    for (int node : nodes) {
      if (rng() % 2 == 0) subset.push_back(node);
    }
  }
  return subset;
}

std::vector<int64_t> DrawDistinct(int64_t count, int64_t last, std::mt19937_64& rng) {
  std::vector<int64_t> all;
  for (int64_t v = 1; v <= last; ++v) all.push_back(v);
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(std::min<size_t>(all.size(), static_cast<size_t>(std::max<int64_t>(count, 0))));
  std::sort(all.begin(), all.end());
  return all;
}

absl::Status ExpandGenerators(Plan* plan, const TargetSpec& target, uint64_t seed,
                              const GeneratedPlanCheck& check) {
  if (plan->generate.empty()) return absl::OkStatus();
  std::vector<std::string> record;
  if (plan->draw_byzantine && plan->f > 0) {
    std::mt19937_64 rng(seed);
    std::vector<int> all = AllReplicas(plan->n);
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(1 + rng() % plan->f);
    std::sort(all.begin(), all.end());
    plan->byzantine = all;
    record.push_back(absl::StrCat("byzantine [", absl::StrJoin(all, ", "), "] drawn"));
  }
  plan->draw_byzantine = false;
  std::vector<std::string> generators;
  for (size_t i = 0; i < plan->generate.size(); ++i) {
    const GeneratorCall& call = plan->generate[i];
    const GeneratorInfo* info = GeneratorRegistry::Global().Find(call.name);
    const std::string where = absl::StrCat(plan->path, ":", call.line, ": generator '",
                                           call.name, "': ");
    if (info == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(where, "not in this build of turncoat"));
    }
    // Each generator its own stream, so adding one leaves the others' draws.
    std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                           static_cast<uint32_t>(i)};
    std::mt19937_64 rng(sequence);
    GeneratorInput input;
    input.plan = plan;
    input.target = &target;
    input.params = &call.params;
    input.rng = &rng;
    input.seed = seed;
    input.check = [&](const std::vector<Phase>& drawn, const Phase& phase) {
      Plan candidate = *plan;
      candidate.generate.clear();
      candidate.timeline.insert(candidate.timeline.end(), drawn.begin(), drawn.end());
      candidate.timeline.push_back(phase);
      candidate.timeline.back().line = call.line;
      return check(candidate);
    };
    absl::StatusOr<std::vector<Phase>> phases = info->generate(input);
    if (!phases.ok()) {
      return absl::Status(phases.status().code(), absl::StrCat(where, phases.status().message()));
    }
    for (Phase& phase : *phases) {
      phase.line = call.line;
      phase.generated = true;
      if (phase.end() > plan->duration) {
        return absl::InternalError(absl::StrCat(where, "drew a phase ending after the run; "
                                                       "this is a bug in the generator"));
      }
      plan->timeline.push_back(std::move(phase));
    }
    generators.push_back(CallText(call));
  }
  plan->generate.clear();
  record.insert(record.begin(), absl::StrCat(absl::StrJoin(generators, ", "), " with seed ", seed));
  plan->generated_by = absl::StrJoin(record, "; ");
  if (absl::Status s = check(*plan); !s.ok()) return s;
  return absl::OkStatus();
}

int64_t WholeOr(const Params& params, const std::string& name, int64_t fallback) {
  const double* value = FindParam<double>(params, name);
  return value == nullptr ? fallback : static_cast<int64_t>(*value);
}

absl::Status CheckRoundKeyedPhases(
    const std::function<absl::Status(const std::vector<Phase>&, const Phase&)>& check,
    const std::vector<Phase>& phases) {
  for (size_t i = 0; i < phases.size(); ++i) {
    std::vector<Phase> before(phases.begin(), phases.begin() + i);
    if (absl::Status s = check(before, phases[i]); !s.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "its phases are keyed to protocol rounds and must build against the target: ",
          s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status RequireRoundedPartitions(const TargetSpec& target) {
  if (HasRounds(target)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "its partitions are keyed to protocol rounds, but target ", target.name,
      " declares no `round` in protocol.messages; add one (docs/targets.md, \"Where is the "
      "round?\")"));
}

}  // namespace turncoat
