#include "generators/pairs.h"

#include <algorithm>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "generators/content_fields.h"
#include "generators/generate.h"
#include "model/adversary_registry.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

// How early a lie comes in the walk: claims of the last value of an enum
// first (protocols declare their phases and steps in order, so the last is
// the most decisive claim: a vote of the last phase, a decision), then
// lies that change nothing but who speaks or to whom, then cleared fields
// (a proposal without its justification), then other values. An order,
// not a filter: every lie is in the space.
enum Promise { kLastOfEnum = 0, kAsItIs = 1, kCleared = 2, kOtherValue = 3 };

struct FieldChoice {
  std::string text;  // as the parameter takes it: a path, or path=value
  Promise promise;
  int depth;  // segments of the path: a message's own claims before those it embeds
};

// Every change a field parameter can name among the fields of `kind` (any
// kind when empty): a path to clear, or path=value for each value of an
// enum or bool and 0 and 1 for an integer.
std::vector<FieldChoice> FieldChoices(const std::vector<ContentField>& fields,
                                      const ParamSpec& spec, const std::string& kind) {
  const bool assign = spec.source == ParamSource::kFieldAssignments;
  std::vector<FieldChoice> choices;
  for (const ContentField& field : fields) {
    if (!FieldServes(field, spec.source)) continue;
    if (!kind.empty() && !field.kind.empty() && field.kind != kind) continue;
    const int depth = 1 + static_cast<int>(std::count(field.path.begin(), field.path.end(), '.'));
    if (!assign) {
      choices.push_back({field.path, kCleared, depth});
      continue;
    }
    switch (field.type) {
      case ContentField::Type::kEnum:
        for (const std::string& value : field.enum_values) {
          choices.push_back({absl::StrCat(field.path, "=", value),
                             value == field.enum_values.back() ? kLastOfEnum : kOtherValue,
                             depth});
        }
        break;
      case ContentField::Type::kBool:
        choices.push_back({absl::StrCat(field.path, "=true"), kOtherValue, depth});
        choices.push_back({absl::StrCat(field.path, "=false"), kOtherValue, depth});
        break;
      default:
        choices.push_back({absl::StrCat(field.path, "=0"), kOtherValue, depth});
        choices.push_back({absl::StrCat(field.path, "=1"), kOtherValue, depth});
        break;
    }
  }
  return choices;
}

// The variants of one adversary: per kind of message it can single out
// (or once, if it cannot), as it is and with each change of content its
// field parameters can name.
std::vector<PairVariant> VariantsOf(const AdversaryInfo& info,
                                    const std::vector<std::string>& kinds,
                                    const std::vector<ContentField>& fields, bool changes) {
  const ParamSpec* kinds_param = MessageKindsParam(info);
  std::vector<std::string> per_kind = kinds_param != nullptr ? kinds : std::vector<std::string>{""};
  std::vector<PairVariant> variants;
  for (const std::string& kind : per_kind) {
    PairVariant base{info.name, {}, kAsItIs};
    if (!kind.empty()) base.params[kinds_param->name] = OneOrList(*kinds_param, kind);
    variants.push_back(base);
    if (!changes) continue;
    for (const ParamSpec& spec : info.params) {
      if (spec.source != ParamSource::kContentFields &&
          spec.source != ParamSource::kProposalFields &&
          spec.source != ParamSource::kFieldAssignments) {
        continue;
      }
      for (const FieldChoice& choice : FieldChoices(fields, spec, kind)) {
        PairVariant changed = base;
        changed.params[spec.name] = OneOrList(spec, choice.text);
        changed.promise = choice.promise;
        changed.depth = choice.depth;
        variants.push_back(std::move(changed));
      }
    }
  }
  return variants;
}

absl::StatusOr<std::vector<const AdversaryInfo*>> Listed(const Params& params,
                                                         const std::string& param,
                                                         const std::vector<std::string>& fallback,
                                                         NodeRule nodes, bool need_kinds) {
  if (absl::Status s = CheckAdversaryNames(params, param); !s.ok()) return s;
  const auto* names = FindParam<std::vector<std::string>>(params, param);
  std::vector<const AdversaryInfo*> out;
  for (const std::string& name : names != nullptr ? *names : fallback) {
    const AdversaryInfo* info = AdversaryRegistry::Global().Find(name);
    const bool fits = info->nodes == nodes && (!need_kinds || MessageKindsParam(*info) != nullptr);
    if (!fits && names != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          param, ": '", name, "' cannot be ",
          nodes == NodeRule::kByzantine
              ? "a lie: it does not speak for the Byzantine replicas"
              : "a network fault here: it does not act on the links of any replica by kind "
                "of message"));
    }
    if (fits) out.push_back(info);
  }
  return out;
}

// `lies` by promise, and within one promise taking each adversary's next
// variant in turn, so a short campaign meets every adversary; each
// adversary's own variants in order of depth, so a message's claims about
// itself (a vote's phase) come before those about what it embeds (the
// phase of a vote inside a certificate).
std::vector<PairVariant> InOrderOfPromise(std::vector<PairVariant> lies) {
  std::map<int, std::map<std::string, std::vector<PairVariant>>> tiers;
  for (PairVariant& lie : lies) {
    tiers[lie.promise][lie.adversary].push_back(std::move(lie));
  }
  std::vector<PairVariant> ordered;
  for (auto& [promise, by_adversary] : tiers) {
    for (auto& [adversary, variants] : by_adversary) {
      std::stable_sort(variants.begin(), variants.end(),
                       [](const PairVariant& a, const PairVariant& b) { return a.depth < b.depth; });
    }
    for (size_t turn = 0;; ++turn) {
      bool any = false;
      for (auto& [adversary, variants] : by_adversary) {
        if (turn >= variants.size()) continue;
        ordered.push_back(std::move(variants[turn]));
        any = true;
      }
      if (!any) break;
    }
  }
  return ordered;
}

}  // namespace

std::pair<const PairVariant*, const PairVariant*> PairSpace::At(int64_t index) const {
  const int64_t faults_n = static_cast<int64_t>(faults.size());
  return {&lies[static_cast<size_t>(index / faults_n)],
          &faults[static_cast<size_t>(index % faults_n)]};
}

Phase CompletePair(const PairVariant& variant, const std::vector<int>& nodes, int n,
                   absl::Duration by, std::mt19937_64& rng) {
  Phase phase;
  phase.adversary = variant.adversary;
  phase.nodes = nodes;
  phase.params = variant.params;
  phase.generated = true;
  std::vector<int> others;
  for (int r : AllReplicas(n)) {
    if (std::find(nodes.begin(), nodes.end(), r) == nodes.end()) others.push_back(r);
  }
  const AdversaryInfo* info = AdversaryRegistry::Global().Find(variant.adversary);
  for (const ParamSpec& spec : info->params) {
    if (!spec.required || phase.params.count(spec.name) > 0) continue;
    switch (spec.kind) {
      case ParamKind::kProbability:
      case ParamKind::kCount:
      case ParamKind::kWhole:
        phase.params[spec.name] = 1.0;
        break;
      case ParamKind::kDuration:
        phase.params[spec.name] = by;
        break;
      case ParamKind::kByteRate:
        // Slow enough to hold back a replica's traffic, fast enough to
        // carry its messages one by one.
        phase.params[spec.name] = 16.0 * 1024;
        break;
      case ParamKind::kNodes:
        if (!others.empty()) phase.params[spec.name] = others;
        break;
      case ParamKind::kNodeGroups: {
        const std::vector<int>& pool = nodes.empty() ? AllReplicas(n) : others;
        if (pool.size() >= 2) phase.params[spec.name] = DrawPartition(pool, 2, rng);
        break;
      }
      case ParamKind::kString:
      case ParamKind::kStringList:
        if (spec.choices.empty()) break;
        phase.params[spec.name] = OneOrList(spec, spec.choices[rng() % spec.choices.size()]);
        break;
    }
  }
  return phase;
}

absl::StatusOr<PairSpace> BuildPairSpace(const Plan& plan, const TargetSpec& target,
                                         const Params& params,
                                         const std::function<bool(const Phase&)>& runs) {
  std::vector<std::string> byzantine_names;
  for (const std::string& name : AdversaryRegistry::Global().Names()) {
    if (AdversaryRegistry::Global().Find(name)->nodes == NodeRule::kByzantine) {
      byzantine_names.push_back(name);
    }
  }
  absl::StatusOr<std::vector<const AdversaryInfo*>> lies =
      Listed(params, "adversaries", byzantine_names, NodeRule::kByzantine, false);
  if (!lies.ok()) return lies.status();
  absl::StatusOr<std::vector<const AdversaryInfo*>> faults =
      Listed(params, "faults", {"delay", "omission"}, NodeRule::kAny, true);
  if (!faults.ok()) return faults.status();
  if (plan.byzantine.empty() || static_cast<int>(plan.byzantine.size()) >= plan.n) {
    return absl::FailedPreconditionError(
        "pairs need Byzantine replicas to lie and honest ones whose messages the network faults "
        "act on; set `byzantine`");
  }

  const std::vector<std::string> kinds = target.protocol.KindNames();
  if (kinds.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "target ", target.name, " names no kinds of peer message, and every pair is a fault on "
        "one kind; declare `kind` in its protocol.messages (docs/targets.md)"));
  }
  absl::StatusOr<std::vector<ContentField>> read = ContentFieldsOf(target);
  const std::vector<ContentField> fields =
      read.ok() ? *std::move(read) : std::vector<ContentField>{};

  // A variant the target cannot run (a rewriting its codec lacks, a change
  // an adversary refuses) is left out, judged once with parameters drawn
  // from a fixed seed.
  const std::vector<int> honest = HonestReplicas(plan);
  std::mt19937_64 probe_rng(0);
  PairSpace space;
  auto keep = [&](const AdversaryInfo& info, bool lie, std::vector<PairVariant>* into) {
    for (PairVariant& v : VariantsOf(info, kinds, fields, lie)) {
      Phase probe = CompletePair(v, lie ? plan.byzantine : honest, plan.n,
                                 absl::Milliseconds(100), probe_rng);
      probe.length = plan.duration;
      if (runs(probe)) into->push_back(std::move(v));
    }
  };
  for (const AdversaryInfo* info : *lies) keep(*info, true, &space.lies);
  space.lies = InOrderOfPromise(std::move(space.lies));
  for (const AdversaryInfo* info : *faults) keep(*info, false, &space.faults);
  if (space.lies.empty() || space.faults.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no ", space.lies.empty() ? "lie" : "network fault", " of the listed adversaries builds "
        "against target ", target.name, "; check `adversaries` and `faults`"));
  }
  return space;
}

namespace {

absl::StatusOr<std::vector<Phase>> DrawPair(const GeneratorInput& in) {
  const Plan& plan = *in.plan;
  absl::StatusOr<PairSpace> space =
      BuildPairSpace(plan, *in.target, *in.params, [&](const Phase& phase) {
        return in.check({}, phase).ok();
      });
  if (!space.ok()) return space.status();
  const absl::Duration* by = FindParam<absl::Duration>(*in.params, "by");
  const absl::Duration delay = by != nullptr ? *by : absl::Milliseconds(1500);
  const int64_t index = static_cast<int64_t>((in.seed == 0 ? 0 : in.seed - 1) %
                                             static_cast<uint64_t>(space->size()));
  const auto [lie, fault] = space->At(index);
  std::vector<Phase> phases = {CompletePair(*lie, plan.byzantine, plan.n, delay, *in.rng),
                               CompletePair(*fault, HonestReplicas(plan), plan.n, delay, *in.rng)};
  // The lie and the fault meet at every height of most of the window.
  for (Phase& phase : phases) SpanMostOfTheFaultWindow(plan, &phase);
  if (absl::Status s = in.check({}, phases[0]); !s.ok()) return s;
  if (absl::Status s = in.check({phases[0]}, phases[1]); !s.ok()) return s;
  return phases;
}

const GeneratorRegistration kPairs({
    "pairs",
    "every lie about one kind of message against every network fault on one kind, by seed",
    {{"adversaries", ParamKind::kStringList, false,
      "the lies: adversaries that speak for the Byzantine replicas (default: all of them)"},
     {"faults", ParamKind::kStringList, false,
      "the network faults: adversaries on any replica's links that single out a kind of "
      "message (default: delay, omission)"},
     {"by", ParamKind::kDuration, false,
      "how long a delay holds messages back; make it longer than the target's view timeout "
      "(default 1500ms)"}},
    DrawPair,
});

}  // namespace
}  // namespace turncoat
