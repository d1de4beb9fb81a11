// CampaignSchedule: which scenario (a plan and a seed) a campaign starts
// next, and whether it still fits in the time left.
//
// A campaign (campaign_command.h) runs scenarios until its budget is spent
// or its seeds run out. This class is the pure part of that decision, so it
// is tested without processes or clocks: the caller passes the time left
// and reports how long each finished scenario took.
//
// Order: corpus plans first (plans that failed before, each once with its
// own seed), then the other plans round-robin, each walking its own seeds:
// from the plan's seed upwards without a range (unbounded), or from..to
// with one (every plan gets from, then from + 1, ... so the budget spreads
// over the plans rather than exhausting one). A scenario whose estimate
// does not fit in the time left is passed over, not started; a shorter
// plan's may still fit, and the passed-over plan keeps its seed.
//
// Estimates: a plan's planned length (duration, plus the warm-up of
// `rate: auto`) plus the start-up and teardown overhead measured so far —
// the mean over that plan's finished scenarios, else over every plan's,
// else kDefaultOverhead. A scenario overruns when it is still running after
// Limit(): twice its estimate plus a minute.
//
// Not thread-safe: one owner (the campaign's loop) calls it.
#ifndef TURNCOAT_HARNESS_CAMPAIGN_H_
#define TURNCOAT_HARNESS_CAMPAIGN_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "model/campaign_plan.h"

namespace turncoat {

struct Scenario {
  int number = 0;   // 1, 2, ... in the order scenarios were started
  size_t plan = 0;  // index into the schedule's plans
  uint64_t seed = 0;
};

// Start-up and teardown assumed before any scenario has been measured: a
// four-replica refbft cluster takes 3-5 s on the project's 2-core machine.
inline constexpr absl::Duration kDefaultOverhead = absl::Seconds(10);

class CampaignSchedule {
 public:
  // `seeds` applies to the plans that are not from the corpus.
  CampaignSchedule(std::vector<CampaignPlan> plans, std::optional<SeedRange> seeds);

  const std::vector<CampaignPlan>& plans() const { return plans_; }

  // The next scenario whose estimate fits in `remaining`, or nullopt when
  // none does now. Starting it is the caller's promise: the seed is used.
  std::optional<Scenario> Next(absl::Duration remaining);

  // Whether every scenario the seeds allow has been handed out (never, for
  // plans without a seed range, which run until the budget ends).
  bool Exhausted() const;

  // The expected wall time of one scenario of plan `plan`.
  absl::Duration Estimate(size_t plan) const;
  // How long a scenario of plan `plan` may run before it counts as hung.
  absl::Duration Limit(size_t plan) const;
  // The shortest estimate among the plans that still have scenarios; for
  // telling a user the budget is too small. Infinite when none has.
  absl::Duration ShortestEstimate() const;

  // A scenario of plan `plan` finished after `wall`.
  void Record(size_t plan, absl::Duration wall);

 private:
  struct Cursor {
    uint64_t next = 0;
    uint64_t last = 0;
    bool done = false;
  };
  bool Fits(size_t plan, absl::Duration remaining) const;
  Scenario Take(size_t plan);

  std::vector<CampaignPlan> plans_;
  std::vector<Cursor> cursors_;
  size_t round_robin_ = 0;  // the plan whose turn it is among the non-corpus ones
  int started_ = 0;
  // Overhead (wall time beyond the planned length) measured per plan.
  std::vector<absl::Duration> overhead_sum_;
  std::vector<int> measured_;
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_CAMPAIGN_H_
