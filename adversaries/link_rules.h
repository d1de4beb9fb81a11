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

#include <string>
#include <utility>
#include <vector>

#include "adversaries/adversary.h"

namespace turncoat {

struct PlacedRule {
  int from = 0;
  int to = 0;
  agent::v1::Rule rule;
};

// Links from each of the phase's nodes to each replica in its `to` parameter
// (default: every other replica).
std::vector<std::pair<int, int>> OutgoingLinks(const AdversaryContext& context);

// Rules applying `action` with `probability` to the target's peer messages
// on `link`: one per peer method and, when the phase names `messages`, per
// payload kind (a oneof member of the payload, matched by presence).
std::vector<PlacedRule> RulesOnLink(const AdversaryContext& context, std::pair<int, int> link,
                                    const std::string& name, const agent::v1::Action& action,
                                    double probability);

// Installs every rule on Start and removes them on Stop.
class LinkRuleAdversary : public Adversary {
 public:
  explicit LinkRuleAdversary(std::vector<PlacedRule> rules) : rules_(std::move(rules)) {}
  absl::Status Start(FaultControl& control) override;
  absl::Status Stop(FaultControl& control) override;
  const std::vector<PlacedRule>& rules() const { return rules_; }

 private:
  std::vector<PlacedRule> rules_;
  size_t installed_ = 0;
};

// A LinkRuleAdversary with `action` on every outgoing link of the phase.
std::unique_ptr<Adversary> OnOutgoingLinks(const AdversaryContext& context,
                                           const agent::v1::Action& action, double probability);

// Parameters every link adversary takes.
extern const ParamSpec kToParam;        // to: only links towards these replicas
extern const ParamSpec kMessagesParam;  // messages: only these payload kinds

// Typed parameter access; the plan loader has checked kinds and presence.
double ParamOr(const Phase& phase, const std::string& name, double fallback);
absl::Duration ParamOr(const Phase& phase, const std::string& name, absl::Duration fallback);

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_LINK_RULES_H_
