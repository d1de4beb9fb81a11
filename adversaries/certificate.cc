// certificate: the Byzantine replicas in `nodes` lie inside the
// certificates they send. Each message they send (optionally only
// `messages` kinds, only towards `to`, with `probability`) that carries a
// certificate the target names — a quorum certificate's embedded votes —
// has it changed by one mutation the seed draws among `mutations`:
//   swap     a vote replaced by one seen earlier, of another round or block
//   drop     votes removed until fewer than a quorum (min(2f+1, n-f)) remain
//   repeat   one vote copied over another
//   relabel  the certificate's own height or view moved by one, its votes
//            left as they are
// Embedded votes are never re-signed; the outer message is, with the
// Byzantine replica's own key. A correct target refuses every changed
// certificate; one that skips a check acts on it. The rewriter is the
// agent's `certificate` (agents/certificate_rewriter.cc); a target whose
// messages name no certificate is refused.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const std::vector<std::string>& Mutations() {
  static const auto* names = new std::vector<std::string>{"swap", "drop", "repeat", "relabel"};
  return *names;
}

absl::StatusOr<std::unique_ptr<Adversary>> MakeCertificate(const AdversaryContext& context) {
  const Phase& phase = *context.phase;
  const std::string name = absl::StrCat("phase ", context.phase_index, " (certificate)");
  const auto mutations = ParamOr(phase, "mutations", Mutations());
  if (mutations.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": mutations is empty; name at least one of ", absl::StrJoin(Mutations(), ", ")));
  }
  for (const std::string& m : mutations) {
    if (std::find(Mutations().begin(), Mutations().end(), m) == Mutations().end()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": mutation '", m, "' is not one of ",
                                                     absl::StrJoin(Mutations(), ", ")));
    }
  }
  const auto wanted = ParamOr(phase, "messages", std::vector<std::string>{});
  // The messages this phase changes: of the wanted kinds, naming a
  // certificate, with a payload turncoat can decode.
  const auto certified = [&](const MessageSpec& m) {
    if (m.certificates.empty() || !Decodable(m)) return false;
    if (wanted.empty()) return true;
    for (const std::string& kind : KindsOf(m)) {
      if (std::find(wanted.begin(), wanted.end(), kind) != wanted.end()) return true;
    }
    return false;
  };
  if (std::none_of(context.target->protocol.messages.begin(),
                   context.target->protocol.messages.end(), certified)) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, ": no kind of peer message ",
        wanted.empty() ? "" : absl::StrCat("among ", absl::StrJoin(wanted, ", "), " "), "in ",
        context.target->path,
        " names a certificate; describe where a message embeds other replicas' signed messages "
        "under certificates: in its protocol.messages entry (docs/target-format.md)"));
  }
  std::vector<PlacedRule> rules;
  for (const auto& link : OutgoingLinks(context)) {
    agent::v1::Action action = RewriteAction(context, link.first, "certificate");
    auto& params = *action.mutable_params();
    params["n"] = absl::StrCat(context.n);
    params["f"] = absl::StrCat(context.f);
    params["mutations"] = absl::StrJoin(mutations, ",");
    params["pool"] = absl::StrCat("certificate-", context.phase_index, "-", link.first);
    params["seed"] = absl::StrCat(context.seed + static_cast<uint64_t>(link.first) * 131 +
                                  static_cast<uint64_t>(link.second));
    for (PlacedRule& r : RulesOnLink(context, link, "certificate", action,
                                     ParamOr(phase, "probability", 1.0), certified)) {
      rules.push_back(std::move(r));
    }
  }
  return std::unique_ptr<Adversary>(new LinkRuleAdversary(std::move(rules)));
}

const AdversaryImplementation kCertificate(
    {"certificate",
     "Byzantine `nodes` send certificates whose embedded votes were swapped, dropped or repeated, "
     "or whose own round was relabelled",
     NodeRule::kByzantine,
     {{"mutations", ParamKind::kStringList, false,
       "the mutations the seed draws from: swap, drop, repeat, relabel (default all)",
       {"swap", "drop", "repeat", "relabel"}},
      {"probability", ParamKind::kProbability, false,
       "probability that a message carrying a certificate is changed (default 1)"},
      ToParam(),
      MessagesParam()}},
    MakeCertificate);

}  // namespace
}  // namespace turncoat
