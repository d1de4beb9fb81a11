// forge-signature: the Byzantine replicas in `nodes` speak in the name of the
// replicas in `as`, without their keys. Each message they send (optionally
// only `messages` kinds, only towards `to`) is delivered as sent and then
// once more per impersonated replica: its sender field changed to it, the
// content fields in `set` changed ("vote.phase=COMMIT" turns a vote into a
// commit vote) and, with `mutate: true`, one integer or enum field moved by
// one as `mutate` does (the same attack without naming the target's fields,
// which is how generated scenarios reach it), and the signature chosen by
// `signature`:
//   random         random bytes of a signature's length
//   empty          no signature
//   wrong-length   random bytes one short of a signature's length
//   byzantine      a valid signature by the sender's own (Byzantine) key
//   other-content  the Byzantine key's signature over the unchanged message
//   replayed       the original signature, valid for other content or sender
// Messages the target says are unsigned are simply sent again as each
// replica in `as` (a proposal "from the leader" nobody can check). A correct
// target rejects every copy; one that skips a check acts on them. Messages
// whose sender is known only from the link cannot claim another and get no
// rule; a target with none that can is refused.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const std::vector<std::string>& SignatureKinds() {
  static const auto* kinds =
      new std::vector<std::string>{"random",    "empty",         "wrong-length",
                                   "byzantine", "other-content", "replayed"};
  return *kinds;
}

absl::StatusOr<std::unique_ptr<Adversary>> MakeForgeSignature(const AdversaryContext& context) {
  const Phase& phase = *context.phase;
  const std::string signature = ParamOr(phase, "signature", std::string("random"));
  const auto& kinds = SignatureKinds();
  if (std::find(kinds.begin(), kinds.end(), signature) == kinds.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "phase ", context.phase_index, " (forge-signature): signature '", signature,
        "' is not one of ", absl::StrJoin(kinds, ", ")));
  }
  const auto set = ParamOr(phase, "set", std::vector<std::string>{});
  const std::string mutate = ParamOr(phase, "mutate", std::string("false"));
  for (const std::string& assignment : set) {
    if (assignment.find('=') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "phase ", context.phase_index, " (forge-signature): set entry '", assignment,
          "' must be path=value, e.g. vote.phase=COMMIT"));
    }
  }
  const auto as = ParamOr(phase, "as", std::vector<int>{});
  const auto wanted = ParamOr(phase, "messages", std::vector<std::string>{});
  // The messages this phase forges: of the wanted kinds, with a sender
  // field, and decodable when fields are `set`.
  const auto forgeable = [&](const MessageSpec& m) {
    if (m.sender.empty() || ((!set.empty() || mutate == "true") && !Decodable(m))) return false;
    if (wanted.empty()) return true;
    for (const std::string& kind : KindsOf(m)) {
      if (std::find(wanted.begin(), wanted.end(), kind) != wanted.end()) return true;
    }
    return false;
  };
  if (std::none_of(context.target->protocol.messages.begin(),
                   context.target->protocol.messages.end(), forgeable)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "phase ", context.phase_index, " (forge-signature): no kind of peer message ",
        wanted.empty() ? "" : absl::StrCat("among ", absl::StrJoin(wanted, ", "), " "),
        "in ", context.target->path, " has a sender field",
        set.empty() ? "" : " and a payload turncoat can decode (needed by set)",
        "; a message whose sender is known only from the link cannot claim another"));
  }
  std::vector<PlacedRule> rules;
  for (const auto& link : OutgoingLinks(context)) {
    agent::v1::Action action = RewriteAction(context, link.first, "forge");
    auto& params = *action.mutable_params();
    params["as"] = absl::StrJoin(as, ",");
    params["signature"] = signature;
    if (!set.empty()) params["set"] = absl::StrJoin(set, ";");
    if (mutate == "true") params["mutate"] = "true";
    params["seed"] = absl::StrCat(context.seed + static_cast<uint64_t>(link.first) * 131 +
                                  static_cast<uint64_t>(link.second));
    for (PlacedRule& r : RulesOnLink(context, link, "forge", action,
                                     ParamOr(phase, "probability", 1.0), forgeable)) {
      rules.push_back(std::move(r));
    }
  }
  return std::unique_ptr<Adversary>(new LinkRuleAdversary(std::move(rules)));
}

const AdversaryImplementation kForgeSignature(
    {"forge-signature",
     "Byzantine `nodes` send messages in the name of other replicas without their keys",
     NodeRule::kByzantine,
     {{"as", ParamKind::kNodes, true, "the replicas impersonated"},
      {"signature", ParamKind::kString, false,
       "random, empty, wrong-length, byzantine, other-content or replayed (default random)",
       SignatureKinds()},
      {"set", ParamKind::kStringList, false,
       "content fields the forged copies change, as path=value",
       {},
       ParamSource::kFieldAssignments},
      {"mutate", ParamKind::kString, false,
       "true: the forged copies also get one integer or enum field moved by one (default false)",
       {"true", "false"}},
      {"probability", ParamKind::kProbability, false,
       "probability that a message is forged (default 1)"},
      ToParam(),
      MessagesParam()},
     /*round_keyed=*/true},
    MakeForgeSignature);

}  // namespace
}  // namespace turncoat
