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
// choices, or from the target where they say so (message kinds; fields of
// the messages' content read from the target's schema, to clear or to set
// to another value, of the kinds the phase acts on), probabilities from
// {0.1, 0.3, 0.6, 1}, durations log-uniformly from 20 ms to 3 s (beyond
// most targets' view timeouts), replica lists and groups over the replicas
// the phase does not act as. A draw the target cannot run (an adversary
// whose rewriting it does not support, a value an adversary rejects) is
// drawn again, up to a bound; adversaries that never fit are left out.
// When the plan declares Δ, a share of scenarios also slow every link
// within it (DrawSlowNetwork).
#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "generators/content_fields.h"
#include "generators/generate.h"
#include "model/adversary_registry.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

// Attempts per phase before giving up on filling it; each attempt is one
// build of the plan's phases against the target, a few milliseconds.
constexpr int kAttemptsPerPhase = 40;

class MixedDraw {
 public:
  explicit MixedDraw(const GeneratorInput& in)
      : in_(in), plan_(*in.plan), rng_(*in.rng), window_(FaultWindow(plan_)) {}

  absl::StatusOr<std::vector<Phase>> Draw() {
    absl::StatusOr<std::vector<std::string>> listed = Candidates();
    if (!listed.ok()) return listed.status();
    const std::vector<std::string>& candidates = *listed;
    if (candidates.empty()) {
      return absl::InvalidArgumentError("no adversary is left to draw from; check adversaries "
                                        "and exclude");
    }
    const int phases = static_cast<int>(WholeOr(*in_.params, "phases", 3));
    std::vector<Phase> drawn;
    std::vector<std::string> failures;
    // Plans without `pair` draw exactly what they drew before it existed.
    const bool pairs = FindParam<double>(*in_.params, "pair") != nullptr;
    for (int i = 0; i < phases; ++i) {
      const bool paired = pairs && Roll("pair", 0.0);
      for (int attempt = 0; attempt < kAttemptsPerPhase; ++attempt) {
        const AdversaryInfo& info =
            *AdversaryRegistry::Global().Find(candidates[rng_() % candidates.size()]);
        const bool lie = paired && info.nodes == NodeRule::kByzantine;
        sharp_ = lie;
        std::optional<Phase> phase = DrawPhase(info);
        sharp_ = false;
        if (!phase.has_value()) continue;
        if (lie) StretchToEnd(&*phase);
        if (absl::Status s = in_.check(drawn, *phase); !s.ok()) {
          if (failures.size() < 3) failures.push_back(std::string(s.message()));
          continue;
        }
        drawn.push_back(*std::move(phase));
        if (lie) AddCompanion(&drawn);
        break;
      }
    }
    if (std::optional<Phase> slow = DrawSlowNetwork(); slow.has_value()) {
      if (in_.check(drawn, *slow).ok()) drawn.push_back(*std::move(slow));
    }
    if (drawn.empty() && phases > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no drawn phase builds against target ", in_.target->name, " in ",
          phases * kAttemptsPerPhase, " attempts; e.g. ", absl::StrJoin(failures, " | ")));
    }
    return drawn;
  }

 private:
  // The adversaries to draw from; a name in `adversaries` or `exclude`
  // that no adversary has is an error (a typo would otherwise silently
  // narrow or widen the campaign).
  absl::StatusOr<std::vector<std::string>> Candidates() const {
    const AdversaryRegistry& registry = AdversaryRegistry::Global();
    for (const char* param : {"adversaries", "exclude"}) {
      if (absl::Status s = CheckAdversaryNames(*in_.params, param); !s.ok()) return s;
    }
    std::vector<std::string> names;
    for (const std::string& name : registry.Names()) {
      if (!registry.Find(name)->tcp_only || in_.target->transport == Transport::kTcp) {
        names.push_back(name);
      }
    }
    if (const auto* only = FindParam<std::vector<std::string>>(*in_.params, "adversaries")) {
      names = *only;
    }
    if (const auto* exclude = FindParam<std::vector<std::string>>(*in_.params, "exclude")) {
      names.erase(std::remove_if(names.begin(), names.end(),
                                 [&](const std::string& n) {
                                   return std::find(exclude->begin(), exclude->end(), n) !=
                                          exclude->end();
                                 }),
                  names.end());
    }
    return names;
  }

  std::optional<Phase> DrawPhase(const AdversaryInfo& info) {
    field_kind_.clear();
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
    // Message kinds first, so that fields are drawn from the kinds the
    // phase acts on.
    std::vector<std::string> kinds;
    for (bool kinds_pass : {true, false}) {
      for (const ParamSpec& spec : info.params) {
        if ((spec.source == ParamSource::kMessageKinds) != kinds_pass) continue;
        const bool sharpens = sharp_ && spec.source != ParamSource::kDeclared;
        if (!spec.required && !sharpens && rng_() % 2 == 0) continue;
        std::optional<ParamValue> value = DrawParam(spec, phase.nodes, kinds);
        if (!value.has_value()) {
          if (spec.required) return std::nullopt;
          continue;
        }
        if (const auto* drawn = std::get_if<std::vector<std::string>>(&*value);
            drawn != nullptr && kinds_pass) {
          kinds = *drawn;
        }
        phase.params[spec.name] = *std::move(value);
      }
    }
    // A field drawn from one kind of message, in a phase that could filter
    // on kinds but drew none, acts on that kind only: the change means
    // nothing to the others.
    if (const ParamSpec* messages = MessageKindsParam(info);
        messages != nullptr && kinds.empty() && !field_kind_.empty()) {
      phase.params[messages->name] = OneOrList(*messages, field_kind_);
    }
    return phase;
  }

  // Whether a draw with the chance the plan gives `param` (or `fallback`)
  // comes up.
  bool Roll(const std::string& param, double fallback) {
    const double* share = FindParam<double>(*in_.params, param);
    return static_cast<double>(rng_() % 1000) < 1000.0 * (share == nullptr ? fallback : *share);
  }

  // A lie that is paired starts within the first quarter of the fault
  // window and lasts to its end: a bug that needs a lie and a network fault
  // to meet at one height gets the attempt at every height, as the
  // hand-written nightly plans do. Never keyed to rounds: the first rounds
  // of a run pass within a second, too soon for the two to meet (over 40
  // seeds, every paired scenario keyed to them changed nothing).
  void StretchToEnd(Phase* phase) {
    phase->rounds.reset();
    const int64_t quarter = std::max<int64_t>(1, absl::ToInt64Milliseconds(window_) / 400);
    phase->at = absl::Milliseconds(100 * static_cast<int64_t>(rng_() % quarter));
    phase->length = window_ - phase->at;
  }

  // The network fault beside the lie just drawn (the last of `drawn`): one
  // of the link adversaries that can single out a kind of message, on one
  // kind, sent by the honest replicas (all of them, or some) and, half the
  // time, only towards the Byzantine ones, over the lie's window. Bugs that
  // need two faults at once (a forged vote and a held-back decision; a
  // proposal without its justification and decisions withheld from those
  // who locked) are otherwise found only when independent draws happen to
  // line up. Dropped if nothing fits.
  void AddCompanion(std::vector<Phase>* drawn) {
    const Phase& lie = drawn->back();
    const std::vector<int> honest = HonestReplicas(plan_);
    std::vector<const AdversaryInfo*> links;
    for (const std::string& name : AdversaryRegistry::Global().Names()) {
      const AdversaryInfo* info = AdversaryRegistry::Global().Find(name);
      if (info->nodes == NodeRule::kAny && info->round_keyed && MessageKindsParam(*info) != nullptr) {
        links.push_back(info);
      }
    }
    const std::vector<std::string> all_kinds = in_.target->protocol.KindNames();
    if (links.empty() || honest.empty() || all_kinds.empty()) return;
    for (int attempt = 0; attempt < kAttemptsPerPhase; ++attempt) {
      const AdversaryInfo& info = *links[rng_() % links.size()];
      Phase phase;
      phase.adversary = info.name;
      phase.nodes = rng_() % 2 == 0 ? honest : DrawSubset(honest, rng_);
      phase.at = lie.at;
      phase.length = lie.length;
      phase.rounds = lie.rounds;
      bool complete = true;
      for (const ParamSpec& spec : info.params) {
        if (spec.source == ParamSource::kMessageKinds) {
          phase.params[spec.name] = OneOrList(spec, all_kinds[rng_() % all_kinds.size()]);
          continue;
        }
        if (spec.kind == ParamKind::kNodes) {
          if (rng_() % 2 == 0) phase.params[spec.name] = plan_.byzantine;
          continue;
        }
        if (!spec.required && rng_() % 2 == 0) continue;
        std::optional<ParamValue> value = DrawParam(spec, phase.nodes, {});
        if (!value.has_value()) {
          complete = !spec.required;
          if (!complete) break;
          continue;
        }
        phase.params[spec.name] = *std::move(value);
      }
      if (!complete || !in_.check(*drawn, phase).ok()) continue;
      drawn->push_back(std::move(phase));
      return;
    }
  }

  void DrawTiming(const AdversaryInfo& info, Phase* phase) {
    const int64_t last_round = WholeOr(*in_.params, "rounds", 10);
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

  std::optional<ParamValue> DrawParam(const ParamSpec& spec, const std::vector<int>& nodes,
                                      const std::vector<std::string>& kinds) {
    switch (spec.source) {
      case ParamSource::kDeclared:
        break;
      case ParamSource::kMessageKinds:
        return DrawKinds(spec);
      case ParamSource::kContentFields:
      case ParamSource::kProposalFields:
      case ParamSource::kFieldAssignments:
        return DrawField(spec, kinds);
    }
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
      case ParamKind::kByteRate: {
        // Log-uniform from 1 KiB/s to 1 MiB/s, whole bytes.
        const double exponent = std::log(1024.0) + (std::log(1048576.0) - std::log(1024.0)) *
                                                        (static_cast<double>(rng_() % 10001) / 1e4);
        return std::floor(std::exp(exponent));
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

  // With probability `slow` when the plan declares Δ: every link delayed by
  // between Δ/2 and Δ (jitter included) from early in the fault window to
  // a second before the end. Slow is not faulty, so liveness is judged
  // throughout: a target whose timeouts cannot stretch to a network that
  // is merely slow stalls in plain sight.
  std::optional<Phase> DrawSlowNetwork() {
    if (!plan_.delta.has_value()) return std::nullopt;
    if (!Roll("slow", 0.25)) return std::nullopt;
    const int64_t delta_ms = absl::ToInt64Milliseconds(*plan_.delta);
    if (delta_ms < 2) return std::nullopt;
    Phase phase;
    phase.adversary = "delay";
    phase.nodes = AllReplicas(plan_.n);
    const int64_t by = delta_ms / 2 + static_cast<int64_t>(rng_() % (delta_ms / 2));
    phase.params["by"] = absl::Milliseconds(by);
    if (by < delta_ms) phase.params["jitter"] = absl::Milliseconds(delta_ms - by);
    const int64_t tenths = std::max<int64_t>(1, absl::ToInt64Milliseconds(window_) / 400);
    phase.at = absl::Milliseconds(100 * static_cast<int64_t>(rng_() % tenths));
    phase.length = std::max(absl::Seconds(1), plan_.duration - absl::Seconds(1) - phase.at);
    return phase;
  }

  // One to three of the target's kinds of peer message (mostly one: a
  // fault on one kind, such as delayed decisions, is the sharpest).
  std::optional<ParamValue> DrawKinds(const ParamSpec& spec) {
    std::vector<std::string> all = in_.target->protocol.KindNames();
    if (all.empty()) return std::nullopt;
    std::shuffle(all.begin(), all.end(), rng_);
    const uint64_t roll = rng_() % 10;
    all.resize(sharp_ ? 1 : std::min<size_t>(all.size(), roll < 6 ? 1 : roll < 9 ? 2 : 3));
    std::sort(all.begin(), all.end());
    if (spec.kind == ParamKind::kString) return all.front();
    return all;
  }

  // One field of the content, of the drawn kinds (or of any kind when none
  // was drawn): a message or list to clear, or an enum, bool or integer
  // set to another value.
  std::optional<ParamValue> DrawField(const ParamSpec& spec,
                                      const std::vector<std::string>& kinds) {
    const bool assign = spec.source == ParamSource::kFieldAssignments;
    std::vector<const ContentField*> pool;
    for (const ContentField& field : Fields()) {
      if (!FieldServes(field, spec.source)) continue;
      if (!kinds.empty() && !field.kind.empty() &&
          std::find(kinds.begin(), kinds.end(), field.kind) == kinds.end()) {
        continue;
      }
      pool.push_back(&field);
    }
    if (pool.empty()) return std::nullopt;
    const ContentField& field = *pool[rng_() % pool.size()];
    field_kind_ = field.kind;
    std::string text = field.path;
    if (assign) {
      switch (field.type) {
        case ContentField::Type::kEnum:
          if (field.enum_values.empty()) return std::nullopt;
          text = absl::StrCat(field.path, "=", field.enum_values[rng_() % field.enum_values.size()]);
          break;
        case ContentField::Type::kBool:
          text = absl::StrCat(field.path, "=", rng_() % 2 == 0 ? "true" : "false");
          break;
        default:
          text = absl::StrCat(field.path, "=", rng_() % 2);
          break;
      }
    }
    return OneOrList(spec, text);
  }

  // The content's fields, read from the target's schema once per draw.
  const std::vector<ContentField>& Fields() {
    if (!fields_.has_value()) {
      absl::StatusOr<std::vector<ContentField>> read = ContentFieldsOf(*in_.target);
      fields_ = read.ok() ? *std::move(read) : std::vector<ContentField>{};
    }
    return *fields_;
  }

  const GeneratorInput& in_;
  const Plan& plan_;
  std::mt19937_64& rng_;
  const absl::Duration window_;
  std::optional<std::vector<ContentField>> fields_;
  // Drawing a lie that gets a companion: one kind of message, and always a
  // change of its content where the adversary can make one, so that the
  // pair is about one kind of lie meeting one kind of network fault.
  bool sharp_ = false;
  // The kind of message the last field drawn belongs to ("" for any).
  std::string field_kind_;
};

const GeneratorRegistration kMixed({
    "mixed",
    "phases drawn from every registered adversary, parameters from their declarations",
    {{"phases", ParamKind::kWhole, false, "how many phases to draw (default 3)"},
     {"rounds", ParamKind::kWhole, false,
      "phases keyed to rounds fall among rounds 1..rounds (default 10; 0: never keyed)"},
     {"adversaries", ParamKind::kStringList, false, "draw only from these (default: all)"},
     {"exclude", ParamKind::kStringList, false, "never draw these"},
     {"slow", ParamKind::kProbability, false,
      "when the plan declares network.delta, the chance that every link is slowed within it "
      "for most of the run (default 0.25)"},
     {"pair", ParamKind::kProbability, false,
      "the chance that a lie of the Byzantine replicas gets a network fault beside it: one kind "
      "of message the honest replicas send delayed, dropped, duplicated or replayed over the "
      "lie's window, which then lasts to the end of the run (default 0)"}},
    [](const GeneratorInput& in) { return MixedDraw(in).Draw(); },
});

}  // namespace
}  // namespace turncoat
