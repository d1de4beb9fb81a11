#include "agents/proposal_log.h"

namespace turncoat {
namespace agent {

void ProposalLog::Record(int replica, int64_t round) {
  absl::MutexLock lock(&mu_);
  std::set<int64_t>& rounds = led_[replica];
  rounds.insert(round);
  if (rounds.size() > kMaxRounds) rounds.erase(rounds.begin());
}

bool ProposalLog::Led(int replica, int64_t round) const {
  absl::MutexLock lock(&mu_);
  auto it = led_.find(replica);
  return it != led_.end() && it->second.count(round) > 0;
}

}  // namespace agent
}  // namespace turncoat
