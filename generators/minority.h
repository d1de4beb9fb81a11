// minority: can a few replicas decide what the rest never hear of?
// (docs/generators.md, "minority").
//
// Quorum intersection is what keeps a BFT protocol safe: a decision needs a
// quorum, and any two quorums share an honest replica. The bugs that break
// it (counting a vote twice, a quorum one short, voting against a lock)
// show only when some replicas make progress the others do not see, and a
// lie or the network then leads the others elsewhere. `pairs` and `mixed`
// rarely build that: it takes two faults aimed at the same honest replica.
// This generator builds nothing else, in three shapes walked seed by seed
// (seed 1 the first, 2 the second, 3 the third, 4 the first again, ...;
// shapes with nothing to walk are skipped):
//
// - unheard side: one honest replica v and one Byzantine replica b, whose
//   messages the others never hear (cut one way: the side still hears
//   them), while the network delivers everything v sends to b `copies`
//   more times. A side of two is at most f, so the rest is a quorum and
//   goes on; the side must never decide on its own. Only when f >= 2.
// - unseen step: every message of one kind v sends is lost, while the
//   Byzantine replicas propose blocks that conflict with what they were
//   given (collusion's conflicting-proposal), without the certificates the
//   target names in proposals. What v did alone must not be contradicted.
// - told alone: the Byzantine replicas change the certificates one kind
//   of their messages carries (the `certificate` adversary, one mutation),
//   to v only, so that v alone acts on what the rest never saw. Only when
//   the target names certificates.
//
// Honest replicas come in order of how soon a Byzantine replica follows
// them in id order, since leaders commonly take turns in that order and v
// then hands its round to a liar; the kinds carrying certificates (proof of
// progress) come first, and a certificate's claim about itself (its round
// relabelled) before changes to the votes it embeds, as `pairs` puts a
// message's own claims first. An order, not a filter: all is walked.
#ifndef TURNCOAT_GENERATORS_MINORITY_H_
#define TURNCOAT_GENERATORS_MINORITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/plan.h"
#include "model/target_spec.h"

namespace turncoat {

struct MinorityScenario {
  enum class Shape { kUnheardSide, kUnseenStep, kToldAlone };
  Shape shape = Shape::kUnheardSide;
  int honest = 0;                  // v
  int byzantine = -1;              // b (unheard side only)
  std::string kind;                // the kind v loses, or whose certificates are changed
  std::vector<std::string> clear;  // proposal fields the liars clear (unseen step only)
  std::string mutation;            // the certificate's change (told alone only)
};

struct MinoritySpace {
  std::vector<MinorityScenario> sides;  // unheard side, in order
  std::vector<MinorityScenario> steps;  // unseen step, in order
  std::vector<MinorityScenario> alone;  // told alone, in order
  // The scenario of `seed` (1, 2, ...; 0 counts as 1): the shapes that have
  // scenarios take turns, seed by seed, each walking its list in order and
  // then again.
  const MinorityScenario& At(uint64_t seed) const;
  size_t size() const { return sides.size() + steps.size() + alone.size(); }
};

// The space for `plan` on `target`. Fails when the plan has no Byzantine
// or no honest replica, or the target names no kinds of message.
absl::StatusOr<MinoritySpace> BuildMinoritySpace(const Plan& plan, const TargetSpec& target);

// The phases of `scenario` in a cluster of `n`, untimed: unheard side: an
// omission cutting the side off and a duplicate of v's messages to b
// (`copies` each); unseen step: an omission of v's kind and collusion by
// `byzantine`; told alone: `certificate` by `byzantine` to v.
std::vector<Phase> MinorityPhases(const MinorityScenario& scenario, int n,
                                  const std::vector<int>& byzantine, int64_t copies);

}  // namespace turncoat

#endif  // TURNCOAT_GENERATORS_MINORITY_H_
