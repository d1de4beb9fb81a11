#include "adversaries/link_rules.h"

#include "absl/strings/str_cat.h"

namespace turncoat {
namespace {

template <typename T>
const T* FindParam(const Phase& phase, const std::string& name) {
  auto it = phase.params.find(name);
  return it == phase.params.end() ? nullptr : std::get_if<T>(&it->second);
}

}  // namespace

const ParamSpec kToParam{"to", ParamKind::kNodes, false,
                         "only links towards these replicas (default: all)"};
const ParamSpec kMessagesParam{"messages", ParamKind::kStringList, false,
                               "only these payload kinds, by oneof field name (default: all)"};

double ParamOr(const Phase& phase, const std::string& name, double fallback) {
  const double* v = FindParam<double>(phase, name);
  return v == nullptr ? fallback : *v;
}

absl::Duration ParamOr(const Phase& phase, const std::string& name, absl::Duration fallback) {
  const absl::Duration* v = FindParam<absl::Duration>(phase, name);
  return v == nullptr ? fallback : *v;
}

std::vector<std::pair<int, int>> OutgoingLinks(const AdversaryContext& context) {
  std::vector<int> to;
  if (const auto* listed = FindParam<std::vector<int>>(*context.phase, "to")) {
    to = *listed;
  } else {
    for (int j = 0; j < context.n; ++j) to.push_back(j);
  }
  std::vector<std::pair<int, int>> links;
  for (int from : context.phase->nodes) {
    for (int j : to) {
      if (j != from) links.emplace_back(from, j);
    }
  }
  return links;
}

std::vector<PlacedRule> RulesOnLink(const AdversaryContext& context, std::pair<int, int> link,
                                    const std::string& name, const agent::v1::Action& action,
                                    double probability) {
  std::vector<std::string> kinds;
  if (const auto* listed = FindParam<std::vector<std::string>>(*context.phase, "messages")) {
    kinds = *listed;
  }
  const EnvelopeSpec& envelope = context.target->protocol.envelope;
  const std::string prefix = envelope.payload.empty() ? "" : absl::StrCat(envelope.payload, ".");
  std::vector<PlacedRule> rules;
  const auto& methods = context.target->protocol.peer_methods;
  for (size_t m = 0; m < methods.size(); ++m) {
    // An empty kind list means one rule for every message of the method.
    const size_t variants = kinds.empty() ? 1 : kinds.size();
    for (size_t k = 0; k < variants; ++k) {
      PlacedRule placed{link.first, link.second, {}};
      agent::v1::Rule& rule = placed.rule;
      rule.set_id(absl::StrCat("p", context.phase_index, "-", name, "-m", m, kinds.empty() ? "" : "-",
                               kinds.empty() ? "" : kinds[k]));
      rule.set_method(methods[m]);
      rule.set_direction(agent::v1::REQUEST);
      if (!kinds.empty()) {
        agent::v1::FieldMatch* match = rule.add_fields();
        match->set_path(prefix + kinds[k]);
        match->set_op(agent::v1::FieldMatch::PRESENT);
      }
      if (probability < 1) rule.set_probability(probability);
      *rule.mutable_action() = action;
      rules.push_back(std::move(placed));
    }
  }
  return rules;
}

absl::Status LinkRuleAdversary::Start(FaultControl& control) {
  for (; installed_ < rules_.size(); ++installed_) {
    const PlacedRule& r = rules_[installed_];
    if (absl::Status s = control.InstallRule(r.from, r.to, r.rule); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status LinkRuleAdversary::Stop(FaultControl& control) {
  absl::Status first;
  // Only what Start installed, so a phase that failed half-way heals too.
  for (size_t i = 0; i < installed_; ++i) {
    const PlacedRule& r = rules_[i];
    absl::Status s = control.RemoveRule(r.from, r.to, r.rule.id());
    if (!s.ok() && first.ok()) first = s;
  }
  installed_ = 0;
  return first;
}

std::unique_ptr<Adversary> OnOutgoingLinks(const AdversaryContext& context,
                                           const agent::v1::Action& action, double probability) {
  std::vector<PlacedRule> rules;
  for (const auto& link : OutgoingLinks(context)) {
    for (PlacedRule& r : RulesOnLink(context, link, context.phase->adversary, action, probability)) {
      rules.push_back(std::move(r));
    }
  }
  return std::make_unique<LinkRuleAdversary>(std::move(rules));
}

}  // namespace turncoat
