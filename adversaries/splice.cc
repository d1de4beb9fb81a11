// splice: equivocation that needs no decoding. The Byzantine replicas in
// `nodes` send group 0 of `split` (and replicas in no group) their messages
// as they are; group g >= 1 gets, in place of each message, another message
// of the same kind from the same replica:
//   take: earlier  (default) the most recent earlier one
//   take: later    the next one, once the replica sends it (the group hears
//                  each message one message late, relabelled)
// With `relabel` (default true) the spliced message carries the round of
// the one it replaces, re-signed with the replica's own key, wherever the
// target names the round fields of that kind and its payload decodes: then
// each group gets a valid message of the same round saying something else.
// Without it (or on opaque payloads) the earlier message goes as it was:
// genuinely signed, of another round, the strong tool where nothing can be
// decoded. `take: later` needs relabelling and is refused for targets whose
// messages have no round fields.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

bool Relabels(const MessageSpec& m) { return !m.round.empty() && Decodable(m); }

absl::StatusOr<std::unique_ptr<Adversary>> MakeSplice(const AdversaryContext& context) {
  const Phase& phase = *context.phase;
  const auto split = ParamOr(phase, "split", std::vector<std::vector<int>>{});
  const std::string take = ParamOr(phase, "take", std::string("earlier"));
  if (take != "earlier" && take != "later") {
    return absl::InvalidArgumentError(absl::StrCat("phase ", context.phase_index,
                                                   " (splice): take must be earlier or later, not '",
                                                   take, "'"));
  }
  const std::string relabel = ParamOr(phase, "relabel", std::string("true"));
  if (relabel != "true" && relabel != "false") {
    return absl::InvalidArgumentError(absl::StrCat(
        "phase ", context.phase_index, " (splice): relabel must be true or false, not '", relabel, "'"));
  }
  const auto wanted = ParamOr(phase, "messages", std::vector<std::string>{});
  const auto spliced = [&](const MessageSpec& m) {
    if (take == "later" && !Relabels(m)) return false;
    if (wanted.empty()) return true;
    for (const std::string& kind : KindsOf(m)) {
      if (std::find(wanted.begin(), wanted.end(), kind) != wanted.end()) return true;
    }
    return false;
  };
  const auto& messages = context.target->protocol.messages;
  if (std::none_of(messages.begin(), messages.end(), spliced)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "phase ", context.phase_index, " (splice): take: later relabels each message with the "
        "round of the one it replaces, but no kind of peer message",
        wanted.empty() ? "" : " among those in messages", " of ", context.target->path,
        " names its round fields in a payload turncoat can decode; set round in "
        "protocol.messages, or use take: earlier"));
  }
  if (take == "later" && relabel == "false") {
    return absl::InvalidArgumentError(absl::StrCat(
        "phase ", context.phase_index,
        " (splice): take: later needs relabel: true (the next message sent as itself is no "
        "equivocation)"));
  }
  std::vector<int> group_of(context.n, 0);
  for (size_t g = 0; g < split.size(); ++g) {
    for (int r : split[g]) group_of[r] = static_cast<int>(g);
  }
  std::vector<PlacedRule> rules;
  for (int from : phase.nodes) {
    for (int to = 0; to < context.n; ++to) {
      if (to == from) continue;
      agent::v1::Action action = RewriteAction(context, from, "splice");
      auto& params = *action.mutable_params();
      // Every link of the replica records into one pool, so a group's
      // earlier message can be one another group received.
      params["pool"] = absl::StrCat("p", context.phase_index, "-splice-from", from);
      params["variant"] = absl::StrCat(group_of[to]);
      params["take"] = take;
      params["relabel"] = relabel;
      for (PlacedRule& r : RulesOnLink(context, {from, to}, "splice", action, 1.0, spliced)) {
        rules.push_back(std::move(r));
      }
    }
  }
  return std::unique_ptr<Adversary>(new LinkRuleAdversary(std::move(rules)));
}

const AdversaryImplementation kSplice(
    {"splice",
     "Byzantine `nodes` send one group their messages and another group other messages of the "
     "same kind, relabelled with the round where possible: equivocation without decoding",
     NodeRule::kByzantine,
     {{"split", ParamKind::kNodeGroups, true,
       "group 0 receives messages as sent, groups 1.. spliced ones"},
      {"take", ParamKind::kString, false, "earlier (default) or later", {"earlier", "later"}},
      {"relabel", ParamKind::kString, false,
       "true (default): give the spliced message the replaced one's round and re-sign",
       {"true", "false"}},
      MessagesParam()},
     /*round_keyed=*/true},
    MakeSplice);

}  // namespace
}  // namespace turncoat
