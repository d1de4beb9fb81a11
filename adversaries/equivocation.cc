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
// replicas are locked on. Replicas in `both` receive every version, as a
// Twins partition holding both twins does (docs/adversaries.md says why in
// a drawn order).
#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adversaries/equivocation.h"

namespace turncoat {
namespace {

// Rules rewriting the proposals `from` sends to `to` into the variants
// `variants`, sent in that order.
std::vector<PlacedRule> EquivocationRules(const AdversaryContext& context, int from, int to,
                                          const std::vector<int>& variants,
                                          const std::vector<std::string>& clear,
                                          const std::string& name) {
  agent::v1::Action action = RewriteAction(context, from, "equivocate");
  auto& params = *action.mutable_params();
  if (variants.size() == 1) {
    params["variant"] = absl::StrCat(variants[0]);
  } else {
    params["variants"] = absl::StrJoin(variants, ",");
  }
  if (!clear.empty()) params["clear"] = absl::StrJoin(clear, ",");
  // Every message, not only proposals: the rewriter changes the proposed
  // block wherever it appears (a decision carries it too).
  return RulesOnLink(context, {from, to}, name, action, 1.0);
}

}  // namespace

std::vector<PlacedRule> SplitEquivocation(const AdversaryContext& context,
                                          const std::vector<int>& nodes,
                                          const std::vector<std::vector<int>>& split,
                                          const std::vector<int>& both,
                                          const std::vector<std::string>& clear,
                                          const std::string& name) {
  const std::set<int> hears_all(both.begin(), both.end());
  std::vector<PlacedRule> rules;
  auto add = [&rules](std::vector<PlacedRule> more) {
    for (PlacedRule& r : more) rules.push_back(std::move(r));
  };
  for (const GroupLink& link : LinksToGroups(nodes, split)) {
    if (hears_all.count(link.to)) continue;
    add(EquivocationRules(context, link.from, link.to, {link.group}, clear, name));
  }
  // A stream of its own, so that the orders are not tied to what a caller
  // draws from the same phase seed (collusion's strategy and split).
  std::mt19937_64 rng(context.seed ^ 0x626f7468);  // "both"
  const int variants = std::max<int>(2, static_cast<int>(split.size()));
  for (int to : both) {
    std::vector<int> order(variants);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const std::string both_name = absl::StrCat(name, "-both-", absl::StrJoin(order, "-"));
    for (int from : nodes) {
      if (from != to) add(EquivocationRules(context, from, to, order, clear, both_name));
    }
  }
  return rules;
}

absl::Status CheckBoth(const AdversaryContext& context, const std::vector<int>& nodes,
                       const std::vector<int>& both) {
  for (int r : both) {
    const std::string where =
        absl::StrCat("phase ", context.phase_index, " (", context.phase->adversary, "): both: ");
    if (r < 0 || r >= context.n) {
      return absl::InvalidArgumentError(absl::StrCat(where, "replica ", r, " is not in 0..",
                                                     context.n - 1, "; name replicas of the plan"));
    }
    if (std::find(nodes.begin(), nodes.end(), r) != nodes.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "replica ", r, " is one of the phase's nodes [", absl::StrJoin(nodes, ", "),
          "], which send the versions; list in both only replicas that receive them, or take ", r,
          " out of nodes"));
    }
  }
  return absl::OkStatus();
}

ParamSpec BothParam() {
  return {"both", ParamKind::kNodes, false,
          "replicas that receive every version, the proposal as sent and each changed one, in "
          "an order drawn from the seed (may overlap split; both wins)"};
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
  const auto both = ParamOr(*context.phase, "both", std::vector<int>{});
  if (absl::Status s = CheckBoth(context, context.phase->nodes, both); !s.ok()) return s;
  const auto clear = ParamOr(*context.phase, "clear", std::vector<std::string>{});
  return std::unique_ptr<Adversary>(new LinkRuleAdversary(
      SplitEquivocation(context, context.phase->nodes, split, both, clear, "equivocation")));
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
       ParamSource::kProposalFields},
      BothParam()},
     /*round_keyed=*/true},
    MakeEquivocation);

}  // namespace
}  // namespace turncoat
