#include "model/campaign_plan.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "model/plan.h"

namespace turncoat {

CampaignPlan ToCampaignPlan(const Plan& plan, bool corpus) {
  CampaignPlan p;
  p.name = plan.name;
  p.path = plan.path;
  p.seed = plan.seed;
  p.length = plan.duration + (plan.workload.rate_auto ? plan.workload.warmup : absl::ZeroDuration());
  p.corpus = corpus;
  return p;
}

absl::StatusOr<SeedRange> ParseSeedRange(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits("..", 1));
  SeedRange range;
  bool ok = absl::SimpleAtoi(parts[0], &range.from);
  range.to = range.from;
  if (parts.size() == 2) ok = ok && absl::SimpleAtoi(parts[1], &range.to);
  if (!ok || range.from > range.to) {
    return absl::InvalidArgumentError(
        absl::StrCat("--seeds: '", text,
                     "' is not a seed range; write FROM..TO with FROM <= TO, e.g. --seeds=1..200"));
  }
  return range;
}

}  // namespace turncoat
