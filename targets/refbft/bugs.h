// Planted bugs: deliberate protocol flaws, each off by default and switched on
// with `--bug=NAME` (repeatable, or comma-separated). turncoat's adversaries and
// checkers are tested by showing they find each one and accuse none when all
// are off. docs in targets/refbft/README.md name the invariant each breaks.
#ifndef TURNCOAT_TARGETS_REFBFT_BUGS_H_
#define TURNCOAT_TARGETS_REFBFT_BUGS_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace refbft {

enum class Bug {
  kSkipSignatureCheck,   // accepts envelopes and votes without verifying them
  kSmallQuorum,          // n-f-1 votes make a quorum
  kIgnoreLock,           // votes for proposals that conflict with its lock
  kNoViewChange,         // never replaces a silent or faulty leader
  kDoubleCommit,         // no request deduplication
  kCountDuplicateVotes,  // counts one replica's vote more than once
  kNoTimeoutBackoff,     // a failed view never lengthens the next one's timeout
  kQcAnyRound,           // trusts a certificate's height and view; its votes may be of any
  kBackoffPerReplica,    // a view's timeout follows the views it saw fail, not the view
};

class BugSet {
 public:
  BugSet() = default;

  // Parses a comma-separated list of bug names; "" is the empty set.
  static absl::StatusOr<BugSet> Parse(absl::string_view names);
  // Every bug name, in declaration order.
  static std::vector<std::string> AllNames();

  bool Has(Bug bug) const { return bugs_.count(bug) > 0; }
  void Add(Bug bug) { bugs_.insert(bug); }
  bool empty() const { return bugs_.empty(); }
  std::string ToString() const;

 private:
  std::set<Bug> bugs_;
};

}  // namespace refbft

#endif  // TURNCOAT_TARGETS_REFBFT_BUGS_H_
