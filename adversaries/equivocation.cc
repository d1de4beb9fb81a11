// equivocation: the Byzantine replicas in `nodes` tell different groups of
// replicas different things. Every proposal they send (a message carrying
// client values: `values` in the target's protocol.messages) reaches group 0
// of `split` as sent and group g >= 1 with its first g values removed — and
// so does the same block wherever else it appears in their messages — the
// fields in `clear` cleared, and the message re-signed with the sender's own
// key — so
// each honest replica sees a validly signed proposal of only submitted
// values, and different replicas see conflicting ones. Clearing the
// proposal's justification (`clear: [proposal.justify]` for refbft) makes a
// Byzantine leader re-propose a block that conflicts with what honest
// replicas are locked on.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adversaries/equivocation.h"

namespace turncoat {
namespace {

// Rules rewriting the proposals `from` sends to `to` into variant `variant`.
std::vector<PlacedRule> EquivocationRules(const AdversaryContext& context, int from, int to,
                                          int variant, const std::vector<std::string>& clear,
                                          const std::string& name) {
  agent::v1::Action action = RewriteAction(context, from, "equivocate");
  auto& params = *action.mutable_params();
  params["variant"] = absl::StrCat(variant);
  if (!clear.empty()) params["clear"] = absl::StrJoin(clear, ",");
  // Every message, not only proposals: the rewriter changes the proposed
  // block wherever it appears (a decision carries it too).
  return RulesOnLink(context, {from, to}, name, action, 1.0);
}

}  // namespace

std::vector<PlacedRule> SplitEquivocation(const AdversaryContext& context,
                                          const std::vector<int>& nodes,
                                          const std::vector<std::vector<int>>& split,
                                          const std::vector<std::string>& clear,
                                          const std::string& name) {
  std::vector<PlacedRule> rules;
  for (const GroupLink& link : LinksToGroups(nodes, split)) {
    for (PlacedRule& r : EquivocationRules(context, link.from, link.to, link.group, clear, name)) {
      rules.push_back(std::move(r));
    }
  }
  return rules;
}

namespace {

absl::StatusOr<std::unique_ptr<Adversary>> MakeEquivocation(const AdversaryContext& context) {
  if (!CarriesValues(context)) {
    return absl::FailedPreconditionError(absl::StrCat(
        context.target->path,
        ": equivocation rewrites client values, but no kind of peer message says where they are "
        "in a payload turncoat can decode; set values in protocol.messages, or use splice or "
        "twins, which need no decoding"));
  }
  const auto split = ParamOr(*context.phase, "split", std::vector<std::vector<int>>{});
  const auto clear = ParamOr(*context.phase, "clear", std::vector<std::string>{});
  return std::unique_ptr<Adversary>(new LinkRuleAdversary(
      SplitEquivocation(context, context.phase->nodes, split, clear, "equivocation")));
}

const AdversaryImplementation kEquivocation(
    {"equivocation",
     "Byzantine `nodes` send conflicting proposals to different replicas, re-signed with their "
     "own keys",
     NodeRule::kByzantine,
     {{"split", ParamKind::kNodeGroups, true,
       "group 0 receives proposals as sent, group g the variant with the first g values removed"},
      {"clear", ParamKind::kStringList, false,
       "payload fields to clear in the changed variants, e.g. proposal.justify",
       {},
       ParamSource::kProposalFields}},
     /*round_keyed=*/true},
    MakeEquivocation);

}  // namespace
}  // namespace turncoat
