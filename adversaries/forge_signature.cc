// forge-signature: the Byzantine replicas in `nodes` speak in the name of the
// replicas in `as`, without their keys. Each message they send (optionally
// only `messages` kinds, only towards `to`) is delivered as sent and then
// once more per impersonated replica: the envelope's sender changed to it,
// the payload fields in `set` changed ("vote.phase=COMMIT" turns a vote into
// a commit vote), and the signature chosen by `signature`:
//   random         64 random bytes
//   empty          no signature
//   byzantine      a valid signature by the sender's own (Byzantine) key
//   other-content  the Byzantine key's signature over the unchanged payload
//   replayed       the original signature, valid for other content or sender
// A correct target rejects every copy; one that skips a check acts on them.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const std::vector<std::string>& SignatureKinds() {
  static const auto* kinds =
      new std::vector<std::string>{"random", "empty", "byzantine", "other-content", "replayed"};
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
  for (const std::string& assignment : set) {
    if (assignment.find('=') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "phase ", context.phase_index, " (forge-signature): set entry '", assignment,
          "' must be path=value, e.g. vote.phase=COMMIT"));
    }
  }
  const auto as = ParamOr(phase, "as", std::vector<int>{});
  return OnOutgoingLinks(
      context, "forge",
      [&](std::pair<int, int> link) {
        agent::v1::Action action = RewriteAction(context, link.first, "forge");
        auto& params = *action.mutable_params();
        params["as"] = absl::StrJoin(as, ",");
        params["signature"] = signature;
        if (!set.empty()) params["set"] = absl::StrJoin(set, ";");
        params["seed"] = absl::StrCat(context.seed + static_cast<uint64_t>(link.first) * 131 +
                                      static_cast<uint64_t>(link.second));
        return action;
      },
      ParamOr(phase, "probability", 1.0));
}

const AdversaryImplementation kForgeSignature(
    {"forge-signature",
     "Byzantine `nodes` send messages in the name of other replicas without their keys",
     NodeRule::kByzantine,
     {{"as", ParamKind::kNodes, true, "the replicas impersonated"},
      {"signature", ParamKind::kString, false,
       "random, empty, byzantine, other-content or replayed (default random)"},
      {"set", ParamKind::kStringList, false,
       "payload fields the forged copies change, as path=value"},
      {"probability", ParamKind::kProbability, false,
       "probability that a message is forged (default 1)"},
      ToParam(),
      MessagesParam()}},
    MakeForgeSignature);

}  // namespace
}  // namespace turncoat
