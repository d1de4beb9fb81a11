// Round base: how a run turns a plan's relative rounds into the absolute
// major rounds its agents match, so that every agent keys a phase to the
// same messages.
//
// Systems do not start at round 0, and a long-running cluster may be at
// round 1000 when a timeline begins. So each agent tracks the highest major
// round its replica has sent (LoadTargetRequest.track_rounds; the reply to
// GetRuleStats carries it), the controller reads them all when the timeline
// starts and takes the highest as the base: a phase's `rounds: 3..4` is
// base+3..base+4 on every link. A round-keyed phase heals early once every
// replica has sent a message of a later round. Pure functions over what the
// agents answered; thread-compatible.
#ifndef TURNCOAT_HARNESS_ROUND_BASE_H_
#define TURNCOAT_HARNESS_ROUND_BASE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "model/plan.h"
#include "proto/agent.pb.h"

namespace turncoat {

// Whether some phase of `plan` is keyed to rounds (its agents must track them).
bool KeyedToRounds(const Plan& plan);

// The highest major round an agent reported; nullopt when it saw none.
std::optional<int64_t> HighestRound(const agent::v1::RuleStatsReply& reply);

// The base: the highest round any agent saw, 0 when none saw one.
int64_t RoundBase(const std::vector<std::optional<int64_t>>& highest);

// Whether every agent has seen a round above `last`: each replica has moved
// past the phase's rounds, so none will send one of them again in normal
// operation. An agent that saw no round holds the phase.
bool RoundsPast(const std::vector<std::optional<int64_t>>& highest, int64_t last);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_ROUND_BASE_H_
