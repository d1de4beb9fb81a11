// Equivocation rules, shared by the `equivocation` adversary and the
// strategies of `collusion` that equivocate.
#ifndef TURNCOAT_ADVERSARIES_EQUIVOCATION_H_
#define TURNCOAT_ADVERSARIES_EQUIVOCATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "adversaries/link_rules.h"

namespace turncoat {

// Rules under which every proposal one of `nodes` sends to a replica of
// `split[g]` (g >= 1) is rewritten into variant g — its first g values
// removed, the payload fields `clear` cleared, re-signed with the sender's
// key — while group 0 and replicas in no group receive it as sent. Each
// replica of `both` receives every variant instead, whatever its group:
// variants 0 to max(2, split.size()) - 1, one message after the other, in an
// order drawn from the phase's seed per replica (named in its rules' ids).
// Rule ids start with `name`.
std::vector<PlacedRule> SplitEquivocation(const AdversaryContext& context,
                                          const std::vector<int>& nodes,
                                          const std::vector<std::vector<int>>& split,
                                          const std::vector<int>& both,
                                          const std::vector<std::string>& clear,
                                          const std::string& name);

// InvalidArgument, naming the phase and the fix, unless `both` (the `both`
// parameter of a phase acting as `nodes`) names only replicas the phase
// does not act as: they are the ones lied to.
absl::Status CheckBoth(const AdversaryContext& context, const std::vector<int>& nodes,
                       const std::vector<int>& both);

// The declaration of the `both` parameter, shared by the adversaries that
// equivocate.
ParamSpec BothParam();

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_EQUIVOCATION_H_
