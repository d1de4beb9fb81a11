// mixed: phases drawn from every registered adversary, so that a campaign
// against a new target needs no hand-written plan and no adversary's
// parameter space goes unexplored because no plan named it.
//
// Each phase: an adversary drawn uniformly (from `adversaries` if given,
// less `exclude`); its nodes by what it declares (Byzantine ones from the
// plan's Byzantine replicas, others 1 to f of any replicas); its timing
// either keyed to a drawn span of the first `rounds` protocol rounds (if it
// can be and the target has rounds, half the time) or a drawn start and
// length in the fault window, overlapping other phases freely; and its
// parameters from their declarations — every required one and each
// optional one half the time: strings and string lists from their declared
// choices, probabilities from {0.1, 0.3, 0.6, 1}, durations log-uniformly
// from 20 ms to 3 s (beyond most targets' view timeouts), replica lists and
// groups over the replicas the phase does not act as. A draw the target
// cannot run (an adversary whose rewriting it does not support, a value an
// adversary rejects) is drawn again, up to a bound; adversaries that never
// fit are left out.
#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "generators/generate.h"
#include "harness/adversary_registry.h"
#include "harness/generator_registry.h"

namespace turncoat {
namespace {

// Attempts per phase before giving up on filling it; each attempt is one
// build of the plan's phases against the target, a few milliseconds.
constexpr int kAttemptsPerPhase = 40;

template <typename T>
const T* Get(const Params& params, const char* name) {
  auto it = params.find(name);
  return it == params.end() ? nullptr : std::get_if<T>(&it->second);
}

class MixedDraw {
 public:
  explicit MixedDraw(const GeneratorInput& in)
      : in_(in), plan_(*in.plan), rng_(*in.rng), window_(FaultWindow(plan_)) {}

  absl::StatusOr<std::vector<Phase>> Draw() {
    const std::vector<std::string> candidates = Candidates();
    if (candidates.empty()) {
      return absl::InvalidArgumentError("no adversary is left to draw from; check adversaries "
                                        "and exclude");
    }
    const double* count = Get<double>(*in_.params, "phases");
    const int phases = count == nullptr ? 3 : static_cast<int>(*count);
    std::vector<Phase> drawn;
    std::vector<std::string> failures;
    for (int i = 0; i < phases; ++i) {
      for (int attempt = 0; attempt < kAttemptsPerPhase; ++attempt) {
        const std::string& name = candidates[rng_() % candidates.size()];
        std::optional<Phase> phase = DrawPhase(*AdversaryRegistry::Global().Find(name));
        if (!phase.has_value()) continue;
        if (absl::Status s = in_.check(drawn, *phase); !s.ok()) {
          if (failures.size() < 3) failures.push_back(std::string(s.message()));
          continue;
        }
        drawn.push_back(*std::move(phase));
        break;
      }
    }
    if (drawn.empty() && phases > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no drawn phase builds against target ", in_.target->name, " in ",
          phases * kAttemptsPerPhase, " attempts; e.g. ", absl::StrJoin(failures, " | ")));
    }
    return drawn;
  }

 private:
  std::vector<std::string> Candidates() const {
    std::vector<std::string> names = AdversaryRegistry::Global().Names();
    if (const auto* only = Get<std::vector<std::string>>(*in_.params, "adversaries")) {
      names = *only;
    }
    if (const auto* exclude = Get<std::vector<std::string>>(*in_.params, "exclude")) {
      names.erase(std::remove_if(names.begin(), names.end(),
                                 [&](const std::string& n) {
                                   return std::find(exclude->begin(), exclude->end(), n) !=
                                          exclude->end();
                                 }),
                  names.end());
    }
    names.erase(std::remove_if(names.begin(), names.end(),
                               [](const std::string& n) {
                                 return AdversaryRegistry::Global().Find(n) == nullptr;
                               }),
                names.end());
    return names;
  }

  std::optional<Phase> DrawPhase(const AdversaryInfo& info) {
    Phase phase;
    phase.adversary = info.name;
    switch (info.nodes) {
      case NodeRule::kNone:
        break;
      case NodeRule::kByzantine:
        if (plan_.byzantine.empty()) return std::nullopt;
        phase.nodes = DrawSubset(plan_.byzantine, rng_);
        break;
      case NodeRule::kAny: {
        std::vector<int> all = AllReplicas(plan_.n);
        std::shuffle(all.begin(), all.end(), rng_);
        all.resize(1 + rng_() % std::max(1, plan_.f));
        std::sort(all.begin(), all.end());
        phase.nodes = all;
        break;
      }
    }
    DrawTiming(info, &phase);
    for (const ParamSpec& spec : info.params) {
      if (!spec.required && rng_() % 2 == 0) continue;
      std::optional<ParamValue> value = DrawParam(spec, phase.nodes);
      if (!value.has_value()) {
        if (spec.required) return std::nullopt;
        continue;
      }
      phase.params[spec.name] = *std::move(value);
    }
    return phase;
  }

  void DrawTiming(const AdversaryInfo& info, Phase* phase) {
    const double* rounds = Get<double>(*in_.params, "rounds");
    const int64_t last_round = rounds == nullptr ? 10 : static_cast<int64_t>(*rounds);
    if (info.round_keyed && last_round > 0 && HasRounds(*in_.target) && rng_() % 2 == 0) {
      const int64_t first = 1 + static_cast<int64_t>(rng_() % last_round);
      const int64_t span = 1 + static_cast<int64_t>(rng_() % 3);
      phase->rounds = RoundSpan{first, std::min(last_round, first + span - 1)};
      phase->length = window_;
      return;
    }
    // Tenths of a second: plans are read by people, and finer starts add
    // nothing a loaded machine would honour.
    const int64_t tenths = std::max<int64_t>(10, absl::ToInt64Milliseconds(window_) / 100);
    const int64_t start = static_cast<int64_t>(rng_() % (tenths - 5));
    const int64_t length = 5 + static_cast<int64_t>(rng_() % (tenths - start - 4));
    phase->at = absl::Milliseconds(100 * start);
    phase->length = std::min(absl::Milliseconds(100 * length), window_ - phase->at);
  }

  std::optional<ParamValue> DrawParam(const ParamSpec& spec, const std::vector<int>& nodes) {
    std::vector<int> others;
    for (int r : AllReplicas(plan_.n)) {
      if (std::find(nodes.begin(), nodes.end(), r) == nodes.end()) others.push_back(r);
    }
    switch (spec.kind) {
      case ParamKind::kProbability: {
        static const double kProbabilities[] = {0.1, 0.3, 0.6, 1.0};
        return kProbabilities[rng_() % 4];
      }
      case ParamKind::kCount:
        return static_cast<double>(1 + rng_() % 5);
      case ParamKind::kWhole:
        return static_cast<double>(rng_() % 6);
      case ParamKind::kString:
        if (spec.choices.empty()) return std::nullopt;
        return spec.choices[rng_() % spec.choices.size()];
      case ParamKind::kStringList: {
        if (spec.choices.empty()) return std::nullopt;
        std::vector<std::string> picked;
        while (picked.empty()) {
          for (const std::string& choice : spec.choices) {
            if (rng_() % 2 == 0) picked.push_back(choice);
          }
        }
        return picked;
      }
      case ParamKind::kDuration: {
        // Log-uniform from 20 ms to 3 s, whole milliseconds.
        const double exponent = std::log(20.0) + (std::log(3000.0) - std::log(20.0)) *
                                                     (static_cast<double>(rng_() % 10001) / 1e4);
        return absl::Milliseconds(static_cast<int64_t>(std::exp(exponent)));
      }
      case ParamKind::kNodes:
        if (others.empty()) return std::nullopt;
        return DrawSubset(others, rng_);
      case ParamKind::kNodeGroups: {
        // Groups of whom a phase acting as `nodes` splits or cuts: everyone
        // when it acts on links alone.
        const std::vector<int>& pool = nodes.empty() ? AllReplicas(plan_.n) : others;
        if (pool.size() < 2) return std::nullopt;
        const int blocks = pool.size() >= 3 && rng_() % 3 == 0 ? 3 : 2;
        return DrawPartition(pool, blocks, rng_);
      }
    }
    return std::nullopt;
  }

  const GeneratorInput& in_;
  const Plan& plan_;
  std::mt19937_64& rng_;
  const absl::Duration window_;
};

const GeneratorRegistration kMixed({
    "mixed",
    "phases drawn from every registered adversary, parameters from their declarations",
    {{"phases", ParamKind::kWhole, false, "how many phases to draw (default 3)"},
     {"rounds", ParamKind::kWhole, false,
      "phases keyed to rounds fall among rounds 1..rounds (default 10; 0: never keyed)"},
     {"adversaries", ParamKind::kStringList, false, "draw only from these (default: all)"},
     {"exclude", ParamKind::kStringList, false, "never draw these"}},
    [](const GeneratorInput& in) { return MixedDraw(in).Draw(); },
});

}  // namespace
}  // namespace turncoat
