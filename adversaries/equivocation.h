// Equivocation rules, shared by the `equivocation` adversary and the
// strategies of `collusion` that equivocate.
#ifndef TURNCOAT_ADVERSARIES_EQUIVOCATION_H_
#define TURNCOAT_ADVERSARIES_EQUIVOCATION_H_

#include <string>
#include <vector>

#include "adversaries/link_rules.h"

namespace turncoat {

// Rules under which every proposal one of `nodes` sends to a replica of
// `split[g]` (g >= 1) is rewritten into variant g — its first g values
// removed, the payload fields `clear` cleared, re-signed with the sender's
// key — while group 0 and replicas in no group receive it as sent. Rule ids
// start with `name`.
std::vector<PlacedRule> SplitEquivocation(const AdversaryContext& context,
                                          const std::vector<int>& nodes,
                                          const std::vector<std::vector<int>>& split,
                                          const std::vector<std::string>& clear,
                                          const std::string& name);

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_EQUIVOCATION_H_
