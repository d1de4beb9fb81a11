#include "generators/minority.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "generators/content_fields.h"
#include "generators/generate.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

// How many ids after `from` the next Byzantine replica comes, cyclically
// (1: right after it).
int DistanceToNextByzantine(int from, int n, const std::vector<int>& byzantine) {
  int best = n;
  for (int b : byzantine) best = std::min(best, ((b - from) % n + n) % n);
  return best;
}

// Paths of the certificates the target names in its messages, and the kinds
// whose messages carry one (a kind is a segment of some path).
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

}  // namespace

const MinorityScenario& MinoritySpace::At(uint64_t seed) const {
  const uint64_t k = seed == 0 ? 0 : seed - 1;
  if (sides.empty()) return steps[k % steps.size()];
  if (k % 2 == 0) return sides[(k / 2) % sides.size()];
  return steps[(k / 2) % steps.size()];
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
      for (int b : plan.byzantine) sides.emplace_back(((b - v) % plan.n + plan.n) % plan.n, v, b);
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
  std::vector<std::string> by_proof = kinds;
  std::stable_partition(by_proof.begin(), by_proof.end(), [&](const std::string& kind) {
    return CarriesCertificate(kind, target, certificate_paths);
  });
  // Conflicting proposals without their certificate first, then as they
  // are (whose certificate may itself reveal the conflict).
  std::vector<std::vector<std::string>> clears;
  for (const std::string& path : ProposalCertificates(target, certificate_paths)) {
    clears.push_back({path});
  }
  clears.push_back({});
  // Diagonally, by the sum of the three ranks, so that the first scenarios
  // try the first of each rather than every kind for the first v.
  std::vector<std::tuple<size_t, size_t, size_t, size_t>> order;
  for (size_t i = 0; i < by_turn.size(); ++i) {
    for (size_t j = 0; j < by_proof.size(); ++j) {
      for (size_t c = 0; c < clears.size(); ++c) order.emplace_back(i + j + c, i, j, c);
    }
  }
  std::sort(order.begin(), order.end());
  for (const auto& [sum, i, j, c] : order) {
    MinorityScenario s;
    s.shape = MinorityScenario::Shape::kUnseenStep;
    s.honest = by_turn[i];
    s.kind = by_proof[j];
    s.clear = clears[c];
    space.steps.push_back(std::move(s));
  }
  return space;
}

std::vector<Phase> MinorityPhases(const MinorityScenario& scenario, int n,
                                  const std::vector<int>& byzantine, int64_t copies) {
  std::vector<Phase> phases(2);
  for (Phase& phase : phases) phase.generated = true;
  Phase& lost = phases[0];
  lost.adversary = "omission";
  lost.params["drop"] = 1.0;
  if (scenario.shape == MinorityScenario::Shape::kUnheardSide) {
    lost.nodes = {std::min(scenario.honest, scenario.byzantine),
                  std::max(scenario.honest, scenario.byzantine)};
    std::vector<int> rest;
    for (int r : AllReplicas(n)) {
      if (r != scenario.honest && r != scenario.byzantine) rest.push_back(r);
    }
    lost.params["to"] = rest;
    Phase& echo = phases[1];
    echo.adversary = "duplicate";
    echo.nodes = {scenario.honest};
    echo.params["probability"] = 1.0;
    echo.params["copies"] = static_cast<double>(copies);
    echo.params["to"] = std::vector<int>{scenario.byzantine};
    return phases;
  }
  lost.nodes = {scenario.honest};
  lost.params["messages"] = std::vector<std::string>{scenario.kind};
  Phase& lie = phases[1];
  lie.adversary = "collusion";
  lie.nodes = byzantine;
  lie.params["strategy"] = std::string("conflicting-proposal");
  if (!scenario.clear.empty()) lie.params["clear"] = scenario.clear;
  return phases;
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
  // As pairs times its phases: from a tenth of the fault window to its end.
  const absl::Duration window = FaultWindow(plan);
  const absl::Duration at = absl::Milliseconds(100 * (absl::ToInt64Milliseconds(window) / 1000));
  std::vector<Phase> drawn;
  for (Phase& phase : phases) {
    phase.at = at;
    phase.length = window - at;
    if (absl::Status s = in.check(drawn, phase); !s.ok()) return s;
    drawn.push_back(phase);
  }
  return phases;
}

const GeneratorRegistration kMinority({
    "minority",
    "a few replicas' progress unseen by the rest (one side cut one way, or one kind lost) "
    "against duplicated votes or conflicting proposals, by seed",
    {{"copies", ParamKind::kWhole, false,
      "unheard side: extra copies of each message the honest replica sends the Byzantine one "
      "(default 3)"}},
    GenerateMinority,
});

}  // namespace
}  // namespace turncoat
