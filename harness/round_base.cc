#include "harness/round_base.h"

#include <algorithm>

namespace turncoat {

bool KeyedToRounds(const Plan& plan) {
  return std::any_of(plan.timeline.begin(), plan.timeline.end(),
                     [](const Phase& phase) { return phase.rounds.has_value(); });
}

std::optional<int64_t> HighestRound(const agent::v1::RuleStatsReply& reply) {
  if (!reply.round_seen()) return std::nullopt;
  return reply.max_round();
}

int64_t RoundBase(const std::vector<std::optional<int64_t>>& highest) {
  int64_t base = 0;
  for (const std::optional<int64_t>& round : highest) {
    if (round.has_value()) base = std::max(base, *round);
  }
  return base;
}

bool RoundsPast(const std::vector<std::optional<int64_t>>& highest, int64_t last) {
  if (highest.empty()) return false;
  return std::all_of(highest.begin(), highest.end(),
                     [last](const std::optional<int64_t>& round) {
                       return round.has_value() && *round > last;
                     });
}

}  // namespace turncoat
