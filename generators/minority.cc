#include "generators/minority.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "generators/content_fields.h"
#include "generators/generate.h"
#include "model/adversary_registry.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

// How many ids after `from` replica `to` comes, cyclically (1: right after).
int TurnsAfter(int from, int to, int n) { return ((to - from) % n + n) % n; }

// How many ids after `from` the next Byzantine replica comes.
int DistanceToNextByzantine(int from, int n, const std::vector<int>& byzantine) {
  int best = n;
  for (int b : byzantine) best = std::min(best, TurnsAfter(from, b, n));
  return best;
}

// Paths of the certificates the target names in its messages.
std::vector<std::string> CertificatePaths(const TargetSpec& target) {
  std::vector<std::string> paths;
  for (const MessageSpec& m : target.protocol.messages) {
    for (const CertificateSpec& c : m.certificates) {
      paths.insert(paths.end(), c.at.begin(), c.at.end());
    }
  }
  return paths;
}

bool CarriesCertificate(const std::string& kind, const TargetSpec& target,
                        const std::vector<std::string>& certificate_paths) {
  for (const MessageSpec& m : target.protocol.messages) {
    if (m.kind == kind && !m.certificates.empty()) return true;
  }
  for (const std::string& path : certificate_paths) {
    for (absl::string_view segment : absl::StrSplit(path, '.')) {
      if (segment == kind) return true;
    }
  }
  return false;
}

// The proposal fields that are certificates, as collusion's `clear` names
// them (relative to the content): the proof a conflicting proposal drops.
std::vector<std::string> ProposalCertificates(const TargetSpec& target,
                                              const std::vector<std::string>& certificate_paths) {
  absl::StatusOr<std::vector<ContentField>> fields = ContentFieldsOf(target);
  std::vector<std::string> out;
  if (!fields.ok()) return out;
  for (const ContentField& field : *fields) {
    if (!FieldServes(field, ParamSource::kProposalFields)) continue;
    for (const std::string& path : certificate_paths) {
      if (path == field.path || absl::EndsWith(path, absl::StrCat(".", field.path))) {
        out.push_back(field.path);
        break;
      }
    }
  }
  return out;
}

// Every (i, j, k) below (a, b, c), by the sum i + j + k and then in order:
// the first scenarios try the first of each list rather than all of the
// last list for the first of the others.
std::vector<std::tuple<size_t, size_t, size_t>> Diagonally(size_t a, size_t b, size_t c) {
  std::vector<std::tuple<size_t, size_t, size_t, size_t>> order;
  for (size_t i = 0; i < a; ++i) {
    for (size_t j = 0; j < b; ++j) {
      for (size_t k = 0; k < c; ++k) order.emplace_back(i + j + k, i, j, k);
    }
  }
  std::sort(order.begin(), order.end());
  std::vector<std::tuple<size_t, size_t, size_t>> out;
  for (const auto& [sum, i, j, k] : order) out.emplace_back(i, j, k);
  return out;
}

// The certificate adversary's mutations, a certificate's claim about itself
// (its round relabelled) before changes to the votes it embeds.
std::vector<std::string> CertificateMutations() {
  const AdversaryInfo* info = AdversaryRegistry::Global().Find("certificate");
  std::vector<std::string> mutations;
  if (info == nullptr) return mutations;
  for (const ParamSpec& spec : info->params) {
    if (spec.name == "mutations") mutations = spec.choices;
  }
  std::stable_partition(mutations.begin(), mutations.end(),
                        [](const std::string& m) { return m == "relabel"; });
  return mutations;
}

}  // namespace

const MinorityScenario& MinoritySpace::At(uint64_t seed) const {
  std::vector<const std::vector<MinorityScenario>*> shapes;
  for (const auto* list : {&sides, &steps, &alone}) {
    if (!list->empty()) shapes.push_back(list);
  }
  const uint64_t k = seed == 0 ? 0 : seed - 1;
  const std::vector<MinorityScenario>& list = *shapes[k % shapes.size()];
  return list[(k / shapes.size()) % list.size()];
}

absl::StatusOr<MinoritySpace> BuildMinoritySpace(const Plan& plan, const TargetSpec& target) {
  const std::vector<int> honest = HonestReplicas(plan);
  if (plan.byzantine.empty() || honest.empty()) {
    return absl::FailedPreconditionError(
        "minority needs Byzantine replicas to lie and honest ones to single out; set `byzantine`");
  }
  const std::vector<std::string> kinds = target.protocol.KindNames();
  if (kinds.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "target ", target.name, " names no kinds of peer message, and an unseen step loses one "
        "kind; declare `kind` in its protocol.messages (docs/targets.md)"));
  }

  MinoritySpace space;
  // An unheard side of two is within the fault bound only when f >= 2.
  if (plan.f >= 2) {
    std::vector<std::tuple<int, int, int>> sides;  // distance, v, b
    for (int v : honest) {
      for (int b : plan.byzantine) sides.emplace_back(TurnsAfter(v, b, plan.n), v, b);
    }
    std::sort(sides.begin(), sides.end());
    for (const auto& [distance, v, b] : sides) {
      MinorityScenario s;
      s.shape = MinorityScenario::Shape::kUnheardSide;
      s.honest = v;
      s.byzantine = b;
      space.sides.push_back(s);
    }
  }

  std::vector<int> by_turn = honest;
  std::stable_sort(by_turn.begin(), by_turn.end(), [&](int a, int b) {
    return DistanceToNextByzantine(a, plan.n, plan.byzantine) <
           DistanceToNextByzantine(b, plan.n, plan.byzantine);
  });
  const std::vector<std::string> certificate_paths = CertificatePaths(target);
  // Kinds carrying a certificate (proof of progress) first.
  std::vector<std::string> carriers;
  std::vector<std::string> by_proof;
  for (const std::string& kind : kinds) {
    (CarriesCertificate(kind, target, certificate_paths) ? carriers : by_proof).push_back(kind);
  }
  by_proof.insert(by_proof.begin(), carriers.begin(), carriers.end());
  // Conflicting proposals without their certificate first, then as they
  // are (whose certificate may itself reveal the conflict).
  std::vector<std::vector<std::string>> clears;
  for (const std::string& path : ProposalCertificates(target, certificate_paths)) {
    clears.push_back({path});
  }
  clears.push_back({});
  for (const auto& [i, j, c] : Diagonally(by_turn.size(), by_proof.size(), clears.size())) {
    MinorityScenario s;
    s.shape = MinorityScenario::Shape::kUnseenStep;
    s.honest = by_turn[i];
    s.kind = by_proof[j];
    s.clear = clears[c];
    space.steps.push_back(std::move(s));
  }

  std::vector<std::string> mutations = CertificateMutations();
  for (const auto& [i, j, m] : Diagonally(by_turn.size(), carriers.size(), mutations.size())) {
    MinorityScenario s;
    s.shape = MinorityScenario::Shape::kToldAlone;
    s.honest = by_turn[i];
    s.kind = carriers[j];
    s.mutation = mutations[m];
    space.alone.push_back(std::move(s));
  }
  return space;
}

std::vector<Phase> MinorityPhases(const MinorityScenario& scenario, int n,
                                  const std::vector<int>& byzantine, int64_t copies) {
  auto phase = [](const std::string& adversary, std::vector<int> nodes) {
    Phase p;
    p.generated = true;
    p.adversary = adversary;
    p.nodes = std::move(nodes);
    return p;
  };
  switch (scenario.shape) {
    case MinorityScenario::Shape::kUnheardSide: {
      Phase cut = phase("omission", {std::min(scenario.honest, scenario.byzantine),
                                     std::max(scenario.honest, scenario.byzantine)});
      cut.params["drop"] = 1.0;
      std::vector<int> rest;
      for (int r : AllReplicas(n)) {
        if (r != scenario.honest && r != scenario.byzantine) rest.push_back(r);
      }
      cut.params["to"] = rest;
      Phase echo = phase("duplicate", {scenario.honest});
      echo.params["probability"] = 1.0;
      echo.params["copies"] = static_cast<double>(copies);
      echo.params["to"] = std::vector<int>{scenario.byzantine};
      return {cut, echo};
    }
    case MinorityScenario::Shape::kUnseenStep: {
      Phase lost = phase("omission", {scenario.honest});
      lost.params["drop"] = 1.0;
      lost.params["messages"] = std::vector<std::string>{scenario.kind};
      Phase lie = phase("collusion", byzantine);
      lie.params["strategy"] = std::string("conflicting-proposal");
      if (!scenario.clear.empty()) lie.params["clear"] = scenario.clear;
      return {lost, lie};
    }
    case MinorityScenario::Shape::kToldAlone: {
      Phase changed = phase("certificate", byzantine);
      changed.params["mutations"] = std::vector<std::string>{scenario.mutation};
      changed.params["messages"] = std::vector<std::string>{scenario.kind};
      changed.params["to"] = std::vector<int>{scenario.honest};
      return {changed};
    }
  }
  return {};
}

namespace {

absl::StatusOr<std::vector<Phase>> GenerateMinority(const GeneratorInput& in) {
  const Plan& plan = *in.plan;
  absl::StatusOr<MinoritySpace> space = BuildMinoritySpace(plan, *in.target);
  if (!space.ok()) return space.status();
  const int64_t copies = WholeOr(*in.params, "copies", 3);
  if (copies < 1) return absl::InvalidArgumentError("copies must be at least 1");
  std::vector<Phase> phases =
      MinorityPhases(space->At(in.seed), plan.n, plan.byzantine, copies);
  std::vector<Phase> drawn;
  for (Phase& phase : phases) {
    SpanMostOfTheFaultWindow(plan, &phase);
    if (absl::Status s = in.check(drawn, phase); !s.ok()) return s;
    drawn.push_back(phase);
  }
  return phases;
}

const GeneratorRegistration kMinority({
    "minority",
    "a few replicas' progress unseen by the rest (one side cut one way, one kind lost, or "
    "certificates changed for one replica) against duplicated votes or conflicting proposals, "
    "by seed",
    {{"copies", ParamKind::kWhole, false,
      "unheard side: extra copies of each message the honest replica sends the Byzantine one "
      "(default 3)"}},
    GenerateMinority,
});

}  // namespace
}  // namespace turncoat
