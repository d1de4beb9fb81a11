// ProposalLog: the major rounds in which the replicas an agent proxies have
// sent a proposal — what lets a rule act only in rounds its sender leads
// (RuleSpec::leader), observed black-box: a replica leads a round when it
// sends a proposal of that round, a proposal being a peer message whose
// kind carries client values (MessageView::proposal()).
//
// The rule engine records every proposal it processes before any rule
// looks at the frame, so a replica leads round k from the moment its first
// proposal of round k reaches its agent, that proposal included. Kept per
// sending replica (the link's source), bounded to the kMaxRounds highest
// rounds each: rules act on the rounds the run is in, never on ones that
// far back.
//
// Thread-safe.
#ifndef TURNCOAT_AGENTS_PROPOSAL_LOG_H_
#define TURNCOAT_AGENTS_PROPOSAL_LOG_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace turncoat {
namespace agent {

class ProposalLog {
 public:
  static constexpr size_t kMaxRounds = 4096;

  // `replica` sent a proposal of major round `round`.
  void Record(int replica, int64_t round);
  // Whether `replica` has sent a proposal of major round `round`.
  bool Led(int replica, int64_t round) const;

 private:
  mutable absl::Mutex mu_;
  std::map<int, std::set<int64_t>> led_ ABSL_GUARDED_BY(mu_);
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_PROPOSAL_LOG_H_
