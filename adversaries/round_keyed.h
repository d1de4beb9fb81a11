// Round keying: a phase with `rounds` (model/plan.h, RoundSpan) acts on the
// messages of those protocol rounds only, whenever they are sent, as
// ByzzFuzz keys its faults to the sender's round rather than to the clock.
//
// The phase's adversary is built as usual and wrapped: every rule it
// installs is given the phase's absolute major-round range (the run's round
// base plus the plan's relative rounds), which the agents match per message
// (agents/fault_rule.h). So every link-rule adversary can be keyed to rounds
// without knowing it; those that also act on processes or change with time
// declare `round_keyed = false` and the plan loader refuses `rounds` for
// them.
//
// A phase's `leader` goes the same way: every rule also gets the agents'
// leader condition (agents/fault_rule.h: SELF or NOT_SELF, judged for the
// sender of each message), so a rule acts on a message of round k only
// when its sender has (self) or has not (other) sent a proposal of round k.
//
// Used by one thread at a time, like every Adversary.
#ifndef TURNCOAT_ADVERSARIES_ROUND_KEYED_H_
#define TURNCOAT_ADVERSARIES_ROUND_KEYED_H_

#include <memory>

#include "absl/status/status.h"
#include "adversaries/adversary.h"

namespace turncoat {

// The absolute major rounds `context`'s phase acts on: its `rounds` shifted
// by the run's round base. The phase must have rounds.
agent::v1::RoundRange AbsoluteRounds(const AdversaryContext& context);

// `inner`, with every rule it installs keyed to AbsoluteRounds(context), and
// its step saying so. Process actions are refused.
std::unique_ptr<Adversary> KeyToRounds(std::unique_ptr<Adversary> inner,
                                       const AdversaryContext& context);

// OK when `context`'s target says where some kind of peer message keeps
// its round; otherwise an error saying how to fix the target or the phase.
absl::Status CheckTargetHasRounds(const AdversaryContext& context);

// OK unless `context`'s phase has a `leader` and its target has no kind of
// peer message that carries values and a round (no proposals to see).
absl::Status CheckTargetHasProposals(const AdversaryContext& context);

}  // namespace turncoat

#endif  // TURNCOAT_ADVERSARIES_ROUND_KEYED_H_
