#include "harness/plan.h"

#include <algorithm>

namespace turncoat {

int FaultBound(int n) { return n >= 1 ? (n - 1) / 3 : 0; }

bool Plan::IsByzantine(int replica) const {
  return std::find(byzantine.begin(), byzantine.end(), replica) != byzantine.end();
}

}  // namespace turncoat
