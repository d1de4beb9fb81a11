// mutate: the Byzantine `nodes` send small-scope mutations of their messages
// (ByzzFuzz, Winter et al., 2023): each message, with probability
// `probability`, has one integer or enum field of its content moved by one
// step and is re-signed with the sender's own key (agents/mutate_rewriter.cc).
// The same mutation `random` draws for its mutate rounds, as a phase of its
// own, so that it can be keyed to protocol rounds (`rounds:`) as ByzzFuzz
// keys its process faults. Only kinds with a decodable payload are touched.
#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

absl::StatusOr<std::unique_ptr<Adversary>> MakeMutate(const AdversaryContext& context) {
  const auto& messages = context.target->protocol.messages;
  if (std::none_of(messages.begin(), messages.end(), Decodable)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "phase ", context.phase_index, " (mutate): target ", context.target->name,
        " has no kind of peer message whose payload turncoat can decode, so nothing can be "
        "mutated; give a payload codec in protocol.messages (docs/targets.md)"));
  }
  std::mt19937_64 rng(context.seed);
  const double probability = ParamOr(*context.phase, "probability", 1.0);
  std::vector<PlacedRule> rules;
  for (const auto& link : OutgoingLinks(context)) {
    agent::v1::Action action = RewriteAction(context, link.first, "mutate");
    // The rewriter takes a non-negative 64-bit signed seed.
    (*action.mutable_params())["seed"] = absl::StrCat(rng() >> 1);
    for (PlacedRule& rule : RulesOnLink(context, link, "mutate", action, probability, Decodable)) {
      rules.push_back(std::move(rule));
    }
  }
  return std::unique_ptr<Adversary>(new LinkRuleAdversary(std::move(rules)));
}

const AdversaryImplementation kMutate(
    {"mutate",
     "the Byzantine `nodes` send messages with one integer field moved by one, re-signed",
     NodeRule::kByzantine,
     {{"probability", ParamKind::kProbability, false,
       "probability that a message is mutated (default 1)"},
      ToParam(),
      MessagesParam()},
     /*round_keyed=*/true},
    MakeMutate);

}  // namespace
}  // namespace turncoat
