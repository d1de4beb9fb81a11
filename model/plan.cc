#include "model/plan.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {

int FaultBound(int n) { return n >= 1 ? (n - 1) / 3 : 0; }

std::string FaultBoundBreach(const Plan& plan) {
  std::vector<std::string> reasons;
  if (plan.n < 3 * plan.f + 1) {
    reasons.push_back(absl::StrCat("n = ", plan.n, " < 3f+1 = ", 3 * plan.f + 1));
  }
  const size_t traitors = plan.byzantine.size();
  if (traitors > static_cast<size_t>(plan.f)) {
    reasons.push_back(absl::StrCat(traitors, traitors == 1 ? " Byzantine replica" : " Byzantine replicas",
                                   " > f = ", plan.f));
  }
  return absl::StrJoin(reasons, " and ");
}

bool Plan::IsByzantine(int replica) const {
  return std::find(byzantine.begin(), byzantine.end(), replica) != byzantine.end();
}

}  // namespace turncoat
