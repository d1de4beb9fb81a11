// collusion: the Byzantine replicas in `nodes` follow one joint strategy,
// named by `strategy` or, with `strategy: random` (the default), drawn from
// the run's seed:
//   equivocate            all equivocate along the same split of the honest
//                         replicas (`split`, or drawn): one group receives
//                         their proposals as sent, the other a variant
//   withhold              all drop what they send to one victim (`victim`,
//                         or a drawn honest replica): only `messages` kinds,
//                         default all
//   conflicting-proposal  all send every replica the same kind of
//                         conflicting proposal (the variant of equivocation,
//                         with `clear` fields cleared), and vote for it when
//                         it reaches them
// Under the two that rewrite proposals, replicas in `both` receive the
// proposal as sent and the changed one (equivocation.h).
// The strategy and its draws are part of every rule id, so the report's link
// counters say what the coalition did.
#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adversaries/equivocation.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const std::vector<std::string>& Strategies() {
  static const auto* strategies =
      new std::vector<std::string>{"equivocate", "withhold", "conflicting-proposal"};
  return *strategies;
}

std::vector<int> Honest(const AdversaryContext& context) {
  std::vector<int> honest;
  for (int r = 0; r < context.n; ++r) {
    if (!context.byzantine.count(r)) honest.push_back(r);
  }
  return honest;
}

absl::StatusOr<std::unique_ptr<Adversary>> MakeCollusion(const AdversaryContext& context) {
  if (absl::Status s = NeedsDecodedMessages(context, "collusion"); !s.ok()) return s;
  const Phase& phase = *context.phase;
  std::mt19937_64 rng(context.seed);
  std::string strategy = ParamOr(phase, "strategy", std::string("random"));
  const auto& strategies = Strategies();
  if (strategy == "random") {
    strategy = strategies[rng() % strategies.size()];
  } else if (std::find(strategies.begin(), strategies.end(), strategy) == strategies.end()) {
    return absl::InvalidArgumentError(absl::StrCat("phase ", context.phase_index,
                                                   " (collusion): strategy '", strategy,
                                                   "' is not random, ", absl::StrJoin(strategies, ", ")));
  }
  std::vector<int> honest = Honest(context);
  if (honest.size() < 2) {
    return absl::FailedPreconditionError(absl::StrCat(
        "phase ", context.phase_index, " (collusion) needs at least two honest replicas"));
  }
  const auto clear = ParamOr(phase, "clear", std::vector<std::string>{});
  const auto both = ParamOr(phase, "both", std::vector<int>{});
  if (absl::Status s = CheckBoth(context, phase.nodes, both); !s.ok()) return s;
  std::vector<PlacedRule> rules;
  if (strategy == "withhold") {
    std::vector<int> victim = ParamOr(phase, "victim", std::vector<int>{});
    if (victim.empty()) victim = {honest[rng() % honest.size()]};
    agent::v1::Action drop;
    drop.set_kind(agent::v1::Action::DROP);
    const std::string name = absl::StrCat("collusion-withhold-from", victim[0]);
    for (int from : phase.nodes) {
      if (from == victim[0]) continue;
      for (PlacedRule& r : RulesOnLink(context, {from, victim[0]}, name, drop, 1.0)) {
        rules.push_back(std::move(r));
      }
    }
  } else {
    if (!CarriesValues(context)) {
      return absl::FailedPreconditionError(absl::StrCat(
          context.target->path, ": collusion strategy ", strategy,
          " rewrites client values, but no kind of peer message says where they are in a payload "
          "turncoat can decode; set values in protocol.messages, or use strategy: withhold"));
    }
    std::vector<std::vector<int>> split;
    if (strategy == "conflicting-proposal") {
      std::vector<int> everyone;
      for (int r = 0; r < context.n; ++r) everyone.push_back(r);
      split = {{}, everyone};
    } else {
      split = ParamOr(phase, "split", std::vector<std::vector<int>>{});
      if (split.empty()) {
        std::shuffle(honest.begin(), honest.end(), rng);
        const size_t cut = 1 + rng() % (honest.size() - 1);
        split = {std::vector<int>(honest.begin(), honest.begin() + cut),
                 std::vector<int>(honest.begin() + cut, honest.end())};
      }
    }
    rules = SplitEquivocation(
        context, phase.nodes, split, both,
        strategy == "conflicting-proposal" ? clear : std::vector<std::string>{},
        absl::StrCat("collusion-", strategy));
  }
  return std::unique_ptr<Adversary>(new LinkRuleAdversary(std::move(rules)));
}

const AdversaryImplementation kCollusion(
    {"collusion",
     "the Byzantine `nodes` follow one joint strategy",
     NodeRule::kByzantine,
     {{"strategy", ParamKind::kString, false,
       "equivocate, withhold, conflicting-proposal, or random (default: drawn from the seed)",
       {"equivocate", "withhold", "conflicting-proposal", "random"}},
      {"split", ParamKind::kNodeGroups, false, "equivocate: the two groups (default: drawn)"},
      {"victim", ParamKind::kNodes, false, "withhold: the one replica starved (default: drawn)"},
      {"clear", ParamKind::kStringList, false,
       "conflicting-proposal: payload fields to clear, e.g. proposal.justify",
       {},
       ParamSource::kProposalFields},
      BothParam(),
      MessagesParam()},
     /*round_keyed=*/true},
    MakeCollusion);

}  // namespace
}  // namespace turncoat
