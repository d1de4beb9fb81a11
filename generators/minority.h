// minority: can a few replicas decide what the rest never hear of?
// (docs/generators.md, "minority").
//
// Quorum intersection is what keeps a BFT protocol safe: a decision needs a
// quorum, and any two quorums share an honest replica. The bugs that break
// it (counting a vote twice, a quorum one short, voting against a lock)
// show only when some replicas make progress the others do not see, and a
// lie or the network then leads the others elsewhere. `pairs` and `mixed`
// rarely build that: it takes two faults aimed at the same honest replica.
// This generator builds nothing else, in two shapes walked seed by seed
// (odd seeds the first, even the second; only the second when f < 2):
//
// - unheard side: one honest replica v and one Byzantine replica b, whose
//   messages the others never hear (cut one way: the side still hears
//   them), while the network delivers everything v sends to b `copies`
//   more times. A side of two is at most f, so the rest is a quorum and
//   goes on; the side must never decide on its own.
// - unseen step: every message of one kind v sends is lost, while the
//   Byzantine replicas propose blocks that conflict with what they were
//   given (collusion's conflicting-proposal), without the certificates the
//   target names in proposals. What v did alone must not be contradicted.
//
// Honest replicas come in order of how soon a Byzantine replica follows
// them in id order, since leaders commonly take turns in that order and v
// then hands its round to a liar; the kinds carrying certificates (proof of
// progress) come first. An order, not a filter: every v and kind is walked.
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
  enum class Shape { kUnheardSide, kUnseenStep };
  Shape shape = Shape::kUnheardSide;
  int honest = 0;                  // v
  int byzantine = -1;              // b (unheard side only)
  std::string kind;                // the kind v loses (unseen step only)
  std::vector<std::string> clear;  // proposal fields the liars clear (unseen step only)
};

struct MinoritySpace {
  std::vector<MinorityScenario> sides;  // unheard side, in order
  std::vector<MinorityScenario> steps;  // unseen step, in order
  // The scenario of `seed` (1, 2, ...; 0 counts as 1): sides on odd seeds
  // and steps on even ones, each list walked in turn and then again; steps
  // only when there are no sides.
  const MinorityScenario& At(uint64_t seed) const;
  size_t size() const { return sides.size() + steps.size(); }
};

// The space for `plan` on `target`. Fails when the plan has no Byzantine
// or no honest replica, or the target names no kinds of message.
absl::StatusOr<MinoritySpace> BuildMinoritySpace(const Plan& plan, const TargetSpec& target);

// The phases of `scenario` in a cluster of `n`, untimed: unheard side: an
// omission cutting the side off and a duplicate of v's messages to b
// (`copies` each); unseen step: an omission of v's kind and collusion by
// `byzantine`.
std::vector<Phase> MinorityPhases(const MinorityScenario& scenario, int n,
                                  const std::vector<int>& byzantine, int64_t copies);

}  // namespace turncoat

#endif  // TURNCOAT_GENERATORS_MINORITY_H_
