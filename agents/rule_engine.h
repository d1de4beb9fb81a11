// RuleEngine: the ordered list of fault rules every proxied message passes.
//
// The controller installs and removes rules at run time; each change builds a
// new immutable RuleSet (rules themselves are compiled once and shared
// between sets, so their counters survive). For each frame the first rule
// whose conditions match and whose coin lands decides its fate; a frame no
// rule takes passes unchanged. Decisions are values (see fault_rule.h), so the
// engine runs without sockets or clocks: the caller passes the time in and
// calls ReleaseExpired() to flush hold windows that ran out.
//
// This is the extension point for adversaries: they compile their behaviour
// into RuleSpecs, with MessageRewriters for anything that changes content.
//
// Thread-safe. Process() takes no engine-wide lock: it reads a snapshot.
#ifndef TURNCOAT_AGENTS_RULE_ENGINE_H_
#define TURNCOAT_AGENTS_RULE_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agents/fault_rule.h"
#include "agents/message_archive.h"
#include "agents/proposal_log.h"

namespace turncoat {
namespace agent {

class MessageCodec;

// An immutable view of the installed rules and the schema frames decode with.
class RuleSet {
 public:
  bool empty() const { return rules_.empty(); }
  // Whether frames must be read for their round even when no rule matches:
  // while rounds are tracked, and once a rule asked who leads a round (the
  // proposals of later rounds must be seen whatever rules are installed).
  bool track_rounds() const { return track_rounds_; }
  const MessageCodec* codec() const { return codec_.get(); }
  const MessageModel* model() const { return model_.get(); }
  // Set while the engine keeps an archive: Process() records every request
  // in it, and a caller that skips Process() (no rules) must record itself.
  MessageArchive* archive() const { return archive_.get(); }
  const std::vector<std::shared_ptr<FaultRule>>& rules() const { return rules_; }

 private:
  friend class RuleEngine;
  std::vector<std::shared_ptr<FaultRule>> rules_;
  std::shared_ptr<const MessageCodec> codec_;
  std::shared_ptr<const MessageModel> model_;
  std::shared_ptr<MessageArchive> archive_;
  bool track_rounds_ = false;
};

struct EngineOptions {
  uint64_t seed = 1;
  // Frames held at once across all hold rules; past it, hold rules pass.
  size_t max_held = 10000;
};

// Rules to remove and rules to install, applied as one step (see Change).
struct RuleChange {
  struct Install {
    RuleSpec spec;
    std::string before;  // insert before this rule id; empty: append
  };
  std::vector<std::string> remove;
  std::vector<Install> install;
};

class RuleEngine {
 public:
  explicit RuleEngine(EngineOptions options = {});
  ~RuleEngine();

  // Sets the schema that frames decode with and later rules compile against,
  // and the message model built on it (may be null).
  void SetCodec(std::shared_ptr<const MessageCodec> codec,
                std::shared_ptr<const MessageModel> model = nullptr);

  // Compiles `spec` and inserts it before the rule `before` (appends when
  // `before` is empty). Fails on a duplicate id or an invalid spec.
  absl::Status Install(RuleSpec spec, absl::string_view before = "");
  // Removes a rule; returns the frames it held, to be sent now.
  absl::StatusOr<std::vector<Emit>> Remove(absl::string_view id);
  // Removes `change.remove`, then installs `change.install` in order, and
  // publishes the result at once: no frame sees half of the change, which
  // is what lets a phase's faults start and heal on all links together.
  // All or nothing: on an error (unknown id, duplicate id, invalid spec)
  // nothing changes. Returns the frames the removed rules held, and puts
  // the removed rules' final counters in `removed_stats` if given. Frames
  // do not wait while a change compiles: they see the rules before it
  // until it is published.
  absl::StatusOr<std::vector<Emit>> Change(RuleChange change,
                                           std::vector<RuleStats>* removed_stats = nullptr);
  // Removes every rule; returns every held frame.
  std::vector<Emit> Clear();

  std::shared_ptr<const RuleSet> Snapshot() const;

  // Round tracking, for plans keyed to rounds relative to the run: while
  // on, Process() reads the major round of every peer request (decoding
  // it, which is why it is off by default) and MaxRound() is the highest.
  void TrackRounds(bool on);
  // The highest major round a processed frame carried; nullopt if none did
  // while tracking was on.
  std::optional<int64_t> MaxRound() const;

  // Who led which round: every peer request Process() reads a round from
  // (see track_rounds()) and that is a proposal (MessageView::proposal) is
  // recorded for its link's source before any rule sees it, which rules
  // with a `leader` condition consult.
  const ProposalLog& proposals() const { return *proposals_; }

  // A TCP target's framing (agents/frame_format.h): rules compiled from
  // now on may match the kinds it names without a message model, and their
  // rewriters may cut and reseal frames with it.
  void SetFrameFormat(std::shared_ptr<const FrameFormat> framing);

  // Starts a run-long archive of every request Process() sees (with its
  // major round while rounds are tracked), which rules compiled from now
  // on hand to their rewriters (the `replay` rewriter's `older_than`). Off
  // by default: it copies every message. Enabling twice keeps the first.
  void EnableArchive(ArchiveLimits limits = {});

  // Decides `frame`'s fate against `rules` (a snapshot the caller took, so it
  // can skip building frames when it is empty).
  Decision Process(const RuleSet& rules, Frame frame, absl::Time now);
  Decision Process(Frame frame, absl::Time now) {
    return Process(*Snapshot(), std::move(frame), now);
  }

  // Releases the frames of hold windows that ended at or before `now`.
  std::vector<Emit> ReleaseExpired(absl::Time now);
  // When the earliest hold window ends, if any frame is held.
  std::optional<absl::Time> NextRelease() const;
  size_t held() const { return budget_.held.load(std::memory_order_relaxed); }

  std::vector<RuleStats> Stats() const;

  // Connection faults (ActsOnConnections). A connection that opens on
  // `link` (the link of the bytes this agent's rules see on it) is refused
  // when a refuse rule matches it and its coin lands; the rule counts it.
  bool Refuses(LinkId link) const;
  // Who holds live connections: once per installed cut or reset rule,
  // right after the change that installs it is published (so a rule acts
  // on the connections open at that moment, and once), every watcher is
  // called with it and counts on it what it cut. Returns an id for
  // Unwatch; the watcher must be thread-safe and must not change rules.
  using ConnectionWatcher = std::function<void(const FaultRule& rule)>;
  int WatchConnections(ConnectionWatcher watcher);
  void UnwatchConnections(int id);

 private:
  void Publish(std::vector<std::shared_ptr<FaultRule>> rules)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EngineOptions options_;
  HoldBudget budget_;
  // Serialises changes, held while they compile; frames never wait on it.
  absl::Mutex change_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;  // guards the snapshot pointer, held only briefly
  std::shared_ptr<const RuleSet> current_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const MessageCodec> codec_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const MessageModel> model_ ABSL_GUARDED_BY(mu_);
  bool track_rounds_ ABSL_GUARDED_BY(mu_) = false;
  // Set for good by the first rule with a leader condition.
  bool track_leaders_ ABSL_GUARDED_BY(mu_) = false;
  const std::shared_ptr<ProposalLog> proposals_ = std::make_shared<ProposalLog>();
  std::shared_ptr<MessageArchive> archive_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const FrameFormat> framing_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> max_round_{INT64_MIN};  // INT64_MIN: none seen
  // Called under change_mu_, so watchers see cut rules in install order.
  absl::Mutex watchers_mu_ ABSL_ACQUIRED_AFTER(change_mu_);
  std::map<int, ConnectionWatcher> watchers_ ABSL_GUARDED_BY(watchers_mu_);
  int next_watcher_ ABSL_GUARDED_BY(watchers_mu_) = 0;
};

// Hands each emit to its frame's sink (emits without one are dropped).
void DeliverAll(std::vector<Emit> emits);

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_RULE_ENGINE_H_
