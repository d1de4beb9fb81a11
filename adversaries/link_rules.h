// Link rules: the building blocks of network adversaries.
//
// Most network faults are "this action on these links, for these messages":
// LinkRules turns a phase's `nodes`, `to` and `messages` parameters into the
// directed links and the agent rules that express that, and
// LinkRuleAdversary installs them when the phase starts and removes them
// when it ends. Only requests (the messages replicas send) are matched; the
// replies of the target's peer RPCs are transport acknowledgements.
#ifndef TURNCOAT_ADVERSARIES_LINK_RULES_H_
#define TURNCOAT_ADVERSARIES_LINK_RULES_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "adversaries/adversary.h"

namespace turncoat {

// Links from each of the phase's nodes to each replica in its `to` parameter
// (default: every other replica).
std::vector<std::pair<int, int>> OutgoingLinks(const AdversaryContext& context);

// Rules applying `action` with `probability` to the target's peer messages
// on `link`: one per peer method that can carry a kind the phase's
// `messages` names (every method without it), matching only those kinds.
// With `only`, messages it refuses get no rule.
std::vector<PlacedRule> RulesOnLink(const AdversaryContext& context, std::pair<int, int> link,
                                    const std::string& name, const agent::v1::Action& action,
                                    double probability,
                                    const std::function<bool(const MessageSpec&)>& only = nullptr);

// A `rewrite` action for the registered agent rewriter `rewriter`, acting on
// the target's peer messages as replica `node`: the agent reads them through
// the target's message model, and the action names the key that signs what
// the rewriter changes — only ever a Byzantine replica's (none for an honest
// `node`).
agent::v1::Action RewriteAction(const AdversaryContext& context, int node,
                                const std::string& rewriter);

// The directed links from each of the phase's nodes to every replica of
// `groups[g]`, for g >= 1, tagged with g; group 0 and replicas in no group
// are left alone. A node never gets a link to itself.
struct GroupLink {
  int from = 0;
  int to = 0;
  int group = 0;
};
std::vector<GroupLink> LinksToGroups(const std::vector<int>& nodes,
                                     const std::vector<std::vector<int>>& groups);

// Drop rules on every link, both ways, between replicas of different
// `groups`; a replica in no group is cut off from everyone.
std::vector<PlacedRule> CutBetweenGroups(const AdversaryContext& context,
                                         const std::vector<std::vector<int>>& groups,
                                         const std::string& name);

// The replicas of 0..n-1 outside every group of at least n - f: cut off
// from every quorum, so faulty while the cut lasts. All of them when no
// group holds a quorum.
std::vector<int> CutOffFromQuorums(const AdversaryContext& context,
                                   const std::vector<std::vector<int>>& groups);

// "[0, 1] | [2, 3]"
std::string GroupsText(const std::vector<std::vector<int>>& groups);

// The step of a phase whose only effect is latency, at most `added` to any
// one message: when the plan declares a synchrony bound Δ and `added` stays
// within it, a step naming nobody faulty, since a partially synchronous
// protocol must make progress through such a network (Dwork, Lynch,
// Stockmeyer 1988); otherwise none, and the phase's nodes are faulty.
std::optional<AdversaryStep> LatencyWithinDelta(const AdversaryContext& context,
                                                absl::Duration added);

// Whether turncoat can read and edit the content of `message`.
bool Decodable(const MessageSpec& message);

// Whether some kind of peer message says where its client values are, in a
// payload turncoat can decode (what value equivocation rewrites).
bool CarriesValues(const AdversaryContext& context);

// Fails for a target on TCP, whose byte streams turncoat proxies without a
// message model (docs/targets.md): `adversary` re-sends or rewrites decoded
// peer messages, which needs gRPC links so far.
absl::Status NeedsDecodedMessages(const AdversaryContext& context, absl::string_view adversary);

// Fails for a target on gRPC: `adversary` acts on TCP connections (cuts,
// resets, refuses or paces them), which only TCP links (`transport: tcp`)
// relay one by one; a gRPC link proxy multiplexes many calls on its own.
absl::Status NeedsTcpLinks(const AdversaryContext& context, absl::string_view adversary);

// `action` on every outgoing link of the phase (OutgoingLinks), the rules
// named `name` (ids "p<phase>-<name>").
std::vector<PlacedRule> RulesOnOutgoingLinks(const AdversaryContext& context,
                                             const std::string& name,
                                             const agent::v1::Action& action);

// Fails for a target on TCP that declares no `protocol.framing`: without
// it a link is a byte stream read in arbitrary pieces, and `adversary`
// would re-send or reorder pieces, breaking the stream rather than
// repeating messages. `what` says what the adversary does to messages.
absl::Status NeedsFramingOnTcp(const AdversaryContext& context, absl::string_view adversary,
                               absl::string_view what);

// The kind names a message can have.
std::vector<std::string> KindsOf(const MessageSpec& message);

// Installs every rule on Start and removes them on Stop, each as one change
// (FaultControl::ChangeRules), so the fault begins and heals on all its
// links together.
class LinkRuleAdversary : public Adversary {
 public:
  // `step`, when given, is the adversary's step for as long as it runs.
  explicit LinkRuleAdversary(std::vector<PlacedRule> rules,
                             std::optional<AdversaryStep> step = std::nullopt)
      : rules_(std::move(rules)), step_(std::move(step)) {}
  absl::Status Start(FaultControl& control) override;
  absl::Status Stop(FaultControl& control) override;
  std::optional<AdversaryStep> CurrentStep() const override { return step_; }
  const std::vector<PlacedRule>& rules() const { return rules_; }

 private:
  std::vector<PlacedRule> rules_;
  std::optional<AdversaryStep> step_;
  bool installed_ = false;
};

// A LinkRuleAdversary with `action` on every outgoing link of the phase,
// and `step` for as long as it runs.
std::unique_ptr<Adversary> OnOutgoingLinks(const AdversaryContext& context,
                                           const agent::v1::Action& action, double probability,
                                           std::optional<AdversaryStep> step = std::nullopt);
// The same with an action made per link (a rewriter's params may name the
// link), the rules named `name`.
std::unique_ptr<Adversary> OnOutgoingLinks(
    const AdversaryContext& context, const std::string& name,
    const std::function<agent::v1::Action(std::pair<int, int> link)>& action_for,
    double probability, std::optional<AdversaryStep> step = std::nullopt);

// Parameters every link adversary takes. Functions, not globals: adversaries
// declare them from static initialisers in other files, which may run first.
ParamSpec ToParam();        // to: only links towards these replicas
ParamSpec MessagesParam();  // messages: only these kinds of peer message

// Typed parameter access; the plan loader has checked kinds and presence.
double ParamOr(const Phase& phase, const std::string& name, double fallback);
absl::Duration ParamOr(const Phase& phase, const std::string& name, absl::Duration fallback);
std::string ParamOr(const Phase& phase, const std::string& name, const std::string& fallback);
std::vector<std::string> ParamOr(const Phase& phase, const std::string& name,
                                 const std::vector<std::string>& fallback);
std::vector<int> ParamOr(const Phase& phase, const std::string& name,
                         const std::vector<int>& fallback);
std::vector<std::vector<int>> ParamOr(const Phase& phase, const std::string& name,
                                      const std::vector<std::vector<int>>& fallback);

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_LINK_RULES_H_
