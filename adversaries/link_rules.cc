#include "adversaries/link_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {

ParamSpec ToParam() {
  return {"to", ParamKind::kNodes, false, "only links towards these replicas (default: all)"};
}

ParamSpec MessagesParam() {
  return {"messages", ParamKind::kStringList, false,
          "only these kinds of peer message, as the target names them (default: all)",
          {},
          ParamSource::kMessageKinds};
}

double ParamOr(const Phase& phase, const std::string& name, double fallback) {
  const double* v = FindParam<double>(phase.params, name);
  return v == nullptr ? fallback : *v;
}

absl::Duration ParamOr(const Phase& phase, const std::string& name, absl::Duration fallback) {
  const absl::Duration* v = FindParam<absl::Duration>(phase.params, name);
  return v == nullptr ? fallback : *v;
}

std::string ParamOr(const Phase& phase, const std::string& name, const std::string& fallback) {
  const std::string* v = FindParam<std::string>(phase.params, name);
  return v == nullptr ? fallback : *v;
}

std::vector<std::string> ParamOr(const Phase& phase, const std::string& name,
                                 const std::vector<std::string>& fallback) {
  const auto* v = FindParam<std::vector<std::string>>(phase.params, name);
  return v == nullptr ? fallback : *v;
}

std::vector<int> ParamOr(const Phase& phase, const std::string& name,
                         const std::vector<int>& fallback) {
  const auto* v = FindParam<std::vector<int>>(phase.params, name);
  return v == nullptr ? fallback : *v;
}

std::vector<std::vector<int>> ParamOr(const Phase& phase, const std::string& name,
                                      const std::vector<std::vector<int>>& fallback) {
  const auto* v = FindParam<std::vector<std::vector<int>>>(phase.params, name);
  return v == nullptr ? fallback : *v;
}

agent::v1::Action RewriteAction(const AdversaryContext& context, int node,
                                const std::string& rewriter) {
  agent::v1::Action action;
  action.set_kind(agent::v1::Action::REWRITE);
  action.set_rewriter(rewriter);
  if (context.byzantine_key_path) {
    const std::string key = context.byzantine_key_path(node);
    if (!key.empty()) (*action.mutable_params())["key"] = key;
  }
  return action;
}

std::vector<GroupLink> LinksToGroups(const std::vector<int>& nodes,
                                     const std::vector<std::vector<int>>& groups) {
  std::vector<GroupLink> links;
  for (int from : nodes) {
    for (size_t g = 1; g < groups.size(); ++g) {
      for (int to : groups[g]) {
        if (to != from) links.push_back({from, to, static_cast<int>(g)});
      }
    }
  }
  return links;
}

std::vector<PlacedRule> CutBetweenGroups(const AdversaryContext& context,
                                         const std::vector<std::vector<int>>& groups,
                                         const std::string& name) {
  std::vector<int> group_of(context.n, -1);
  for (size_t g = 0; g < groups.size(); ++g) {
    for (int r : groups[g]) group_of[r] = static_cast<int>(g);
  }
  agent::v1::Action drop;
  drop.set_kind(agent::v1::Action::DROP);
  std::vector<PlacedRule> rules;
  for (int i = 0; i < context.n; ++i) {
    for (int j = 0; j < context.n; ++j) {
      if (i == j || (group_of[i] >= 0 && group_of[i] == group_of[j])) continue;
      for (PlacedRule& r : RulesOnLink(context, {i, j}, name, drop, 1.0)) {
        rules.push_back(std::move(r));
      }
    }
  }
  return rules;
}

std::vector<int> CutOffFromQuorums(const AdversaryContext& context,
                                   const std::vector<std::vector<int>>& groups) {
  std::vector<bool> reaches_quorum(context.n, false);
  for (const std::vector<int>& group : groups) {
    if (static_cast<int>(group.size()) < context.n - context.f) continue;
    for (int r : group) reaches_quorum[r] = true;
  }
  std::vector<int> cut;
  for (int r = 0; r < context.n; ++r) {
    if (!reaches_quorum[r]) cut.push_back(r);
  }
  return cut;
}

std::string GroupsText(const std::vector<std::vector<int>>& groups) {
  return absl::StrJoin(groups, " | ", [](std::string* out, const std::vector<int>& g) {
    absl::StrAppend(out, "[", absl::StrJoin(g, ", "), "]");
  });
}

std::optional<AdversaryStep> LatencyWithinDelta(const AdversaryContext& context,
                                                absl::Duration added) {
  if (!context.delta.has_value() || added > *context.delta) return std::nullopt;
  return AdversaryStep{absl::StrCat("at most ", absl::FormatDuration(added),
                                    " added latency, within delta ",
                                    absl::FormatDuration(*context.delta), ": slow, not faulty"),
                       {}};
}

bool Decodable(const MessageSpec& message) {
  return message.payload.codec != PayloadSpec::Codec::kOpaque;
}

absl::Status NeedsDecodedMessages(const AdversaryContext& context, absl::string_view adversary) {
  if (context.target->transport != Transport::kTcp) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "phase ", context.phase_index, " (", adversary, "): target ", context.target->name,
      " is on TCP, whose messages turncoat passes as bytes, and ", adversary,
      " needs decoded peer messages (gRPC links); on TCP use omission, delay, partition, "
      "duplicate, reorder, corrupt, or replay (with protocol.framing)"));
}

absl::Status NeedsFramingOnTcp(const AdversaryContext& context, absl::string_view adversary,
                               absl::string_view what) {
  if (context.target->transport != Transport::kTcp || context.target->protocol.framing.has_value()) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "phase ", context.phase_index, " (", adversary, "): target ", context.target->name,
      " is on TCP without protocol.framing, so turncoat sees its links as bytes read in "
      "arbitrary pieces, and ", adversary, " ", what,
      ", which would break the stream rather than repeat a message; declare the target's "
      "framing (docs/target-format.md, \"TCP targets\")"));
}

absl::Status NeedsTcpLinks(const AdversaryContext& context, absl::string_view adversary) {
  if (context.target->transport == Transport::kTcp) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "phase ", context.phase_index, " (", adversary, "): target ", context.target->name,
      " is on gRPC, and ", adversary,
      " acts on TCP connections, which only TCP links relay one by one (a target with "
      "`transport: tcp`); on gRPC use partition, omission or delay"));
}

std::vector<PlacedRule> RulesOnOutgoingLinks(const AdversaryContext& context,
                                             const std::string& name,
                                             const agent::v1::Action& action) {
  std::vector<PlacedRule> rules;
  for (const auto& link : OutgoingLinks(context)) {
    for (PlacedRule& r : RulesOnLink(context, link, name, action, 1.0)) {
      rules.push_back(std::move(r));
    }
  }
  return rules;
}

bool CarriesValues(const AdversaryContext& context) {
  for (const MessageSpec& m : context.target->protocol.messages) {
    if (!m.values.empty() && m.payload.codec != PayloadSpec::Codec::kOpaque) return true;
  }
  return false;
}

std::vector<std::string> KindsOf(const MessageSpec& message) {
  if (!message.kind.empty()) return {message.kind};
  return message.kinds;
}

std::vector<std::pair<int, int>> OutgoingLinks(const AdversaryContext& context) {
  std::vector<int> to;
  if (const auto* listed = FindParam<std::vector<int>>(context.phase->params, "to")) {
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
                                    double probability,
                                    const std::function<bool(const MessageSpec&)>& only) {
  const auto* wanted = FindParam<std::vector<std::string>>(context.phase->params, "messages");
  std::vector<PlacedRule> rules;
  const auto add = [&](const std::string& id, const std::string& method,
                       const std::vector<std::string>& kinds) {
    PlacedRule placed{link.first, link.second, {}};
    agent::v1::Rule& rule = placed.rule;
    rule.set_id(id);
    rule.set_method(method);
    rule.set_direction(agent::v1::REQUEST);
    for (const std::string& kind : kinds) rule.add_kinds(kind);
    if (probability < 1) rule.set_probability(probability);
    *rule.mutable_action() = action;
    rules.push_back(std::move(placed));
  };
  if (context.target->transport == Transport::kTcp) {
    // No gRPC methods: one rule over the link's byte stream, on the kinds
    // its framing names when the phase asks for some.
    const std::vector<std::string> kinds = wanted != nullptr ? *wanted : std::vector<std::string>{};
    add(absl::StrCat("p", context.phase_index, "-", name, kinds.empty() ? "" : "-",
                     absl::StrJoin(kinds, "+")),
        "", kinds);
    return rules;
  }
  int index = 0;
  for (const MessageSpec& message : context.target->protocol.messages) {
    if (only && !only(message)) {
      index += static_cast<int>(message.methods.size());
      continue;
    }
    // Which of this message's kinds the rule is for; a message none of whose
    // kinds is wanted gets no rule, and one whose kind is fixed needs no
    // kind predicate (so nothing is decoded to match it).
    std::vector<std::string> kinds;
    if (wanted != nullptr) {
      for (const std::string& kind : KindsOf(message)) {
        if (std::find(wanted->begin(), wanted->end(), kind) != wanted->end()) kinds.push_back(kind);
      }
      if (kinds.empty()) {
        index += static_cast<int>(message.methods.size());
        continue;
      }
      if (!message.kind.empty()) kinds.clear();
    }
    for (const std::string& method : message.methods) {
      add(absl::StrCat("p", context.phase_index, "-", name, "-m", index++,
                       kinds.empty() ? "" : "-", absl::StrJoin(kinds, "+")),
          method, kinds);
    }
  }
  return rules;
}

absl::Status LinkRuleAdversary::Start(FaultControl& control) {
  if (installed_) return absl::OkStatus();
  if (absl::Status s = control.InstallRules(rules_); !s.ok()) return s;
  installed_ = true;
  return absl::OkStatus();
}

absl::Status LinkRuleAdversary::Stop(FaultControl& control) {
  if (!installed_) return absl::OkStatus();
  installed_ = false;
  return control.RemoveRules(rules_);
}

std::unique_ptr<Adversary> OnOutgoingLinks(const AdversaryContext& context,
                                           const agent::v1::Action& action, double probability,
                                           std::optional<AdversaryStep> step) {
  return OnOutgoingLinks(
      context, context.phase->adversary, [&](std::pair<int, int>) { return action; }, probability,
      std::move(step));
}

std::unique_ptr<Adversary> OnOutgoingLinks(
    const AdversaryContext& context, const std::string& name,
    const std::function<agent::v1::Action(std::pair<int, int> link)>& action_for,
    double probability, std::optional<AdversaryStep> step) {
  std::vector<PlacedRule> rules;
  for (const auto& link : OutgoingLinks(context)) {
    for (PlacedRule& r : RulesOnLink(context, link, name, action_for(link), probability)) {
      rules.push_back(std::move(r));
    }
  }
  return std::make_unique<LinkRuleAdversary>(std::move(rules), std::move(step));
}

}  // namespace turncoat
