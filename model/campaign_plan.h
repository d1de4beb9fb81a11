// CampaignPlan and SeedRange: what a campaign knows of each plan it runs,
// and the seeds it walks. The campaign's schedule (harness/campaign.h)
// decides from them, and its reports (reports/campaign_report.h) show them,
// which is why they are model and not controller. Plain values.
#ifndef TURNCOAT_MODEL_CAMPAIGN_PLAN_H_
#define TURNCOAT_MODEL_CAMPAIGN_PLAN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace turncoat {

struct Plan;

// What a campaign needs to know of a plan.
struct CampaignPlan {
  std::string name;
  std::string path;
  uint64_t seed = 0;       // the plan's own
  absl::Duration length;   // planned: duration, plus the warm-up of `rate: auto`
  bool corpus = false;     // from the regression corpus: runs first, once, with `seed`
};

CampaignPlan ToCampaignPlan(const Plan& plan, bool corpus);

// Seeds from..to, both included.
struct SeedRange {
  uint64_t from = 0;
  uint64_t to = 0;
};

// "FROM..TO" (from <= to), e.g. "1..200"; a single "N" is N..N.
absl::StatusOr<SeedRange> ParseSeedRange(absl::string_view text);

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_CAMPAIGN_PLAN_H_
