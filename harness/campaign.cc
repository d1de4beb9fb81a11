#include "harness/campaign.h"

#include <algorithm>
#include <limits>

namespace turncoat {

CampaignSchedule::CampaignSchedule(std::vector<CampaignPlan> plans,
                                   std::optional<SeedRange> seeds)
    : plans_(std::move(plans)),
      cursors_(plans_.size()),
      overhead_sum_(plans_.size(), absl::ZeroDuration()),
      measured_(plans_.size(), 0) {
  for (size_t i = 0; i < plans_.size(); ++i) {
    Cursor& c = cursors_[i];
    if (plans_[i].corpus) {
      c.next = c.last = plans_[i].seed;
    } else if (seeds.has_value()) {
      c.next = seeds->from;
      c.last = seeds->to;
    } else {
      c.next = plans_[i].seed;
      c.last = std::numeric_limits<uint64_t>::max();
    }
  }
}

absl::Duration CampaignSchedule::Estimate(size_t plan) const {
  absl::Duration overhead = kDefaultOverhead;
  if (measured_[plan] > 0) {
    overhead = overhead_sum_[plan] / measured_[plan];
  } else {
    absl::Duration sum = absl::ZeroDuration();
    int count = 0;
    for (size_t i = 0; i < plans_.size(); ++i) {
      sum += overhead_sum_[i];
      count += measured_[i];
    }
    if (count > 0) overhead = sum / count;
  }
  return plans_[plan].length + overhead;
}

absl::Duration CampaignSchedule::Limit(size_t plan) const {
  return 2 * Estimate(plan) + absl::Minutes(1);
}

absl::Duration CampaignSchedule::ShortestEstimate() const {
  absl::Duration shortest = absl::InfiniteDuration();
  for (size_t i = 0; i < plans_.size(); ++i) {
    if (!cursors_[i].done) shortest = std::min(shortest, Estimate(i));
  }
  return shortest;
}

void CampaignSchedule::Record(size_t plan, absl::Duration wall) {
  overhead_sum_[plan] += std::max(absl::ZeroDuration(), wall - plans_[plan].length);
  ++measured_[plan];
}

bool CampaignSchedule::Fits(size_t plan, absl::Duration remaining) const {
  return !cursors_[plan].done && Estimate(plan) <= remaining;
}

Scenario CampaignSchedule::Take(size_t plan) {
  Cursor& c = cursors_[plan];
  Scenario s;
  s.number = ++started_;
  s.plan = plan;
  s.seed = c.next;
  if (c.next == c.last) {
    c.done = true;
  } else {
    ++c.next;
  }
  return s;
}

std::optional<Scenario> CampaignSchedule::Next(absl::Duration remaining) {
  for (size_t i = 0; i < plans_.size(); ++i) {
    if (plans_[i].corpus && Fits(i, remaining)) return Take(i);
  }
  for (size_t k = 0; k < plans_.size(); ++k) {
    const size_t i = (round_robin_ + k) % plans_.size();
    if (plans_[i].corpus || !Fits(i, remaining)) continue;
    round_robin_ = (i + 1) % plans_.size();
    return Take(i);
  }
  return std::nullopt;
}

bool CampaignSchedule::Exhausted() const {
  return std::all_of(cursors_.begin(), cursors_.end(), [](const Cursor& c) { return c.done; });
}

}  // namespace turncoat
