// FaultRule: one compiled fault-injection rule — a match and an action — and
// the counters and hold buffer that belong to it.
//
// Like the settings of Envoy's fault filter, a RuleSpec is compiled once
// (method regex, field paths checked against the schema, rewriter built) into
// an immutable FaultRule; the proxy hot path only matches, applies and counts.
// What an action does to a frame comes back as a value (Decision: a list of
// delayed sends), so every action is testable without sockets.
//
// Thread-safe: Matches() reads immutable state; Apply() touches atomics and,
// for actions that need randomness or holding, a per-rule mutex.
#ifndef TURNCOAT_AGENTS_FAULT_RULE_H_
#define TURNCOAT_AGENTS_FAULT_RULE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agents/field_path.h"
#include "agents/frame.h"
#include "agents/frame_format.h"
#include "agents/message_rewriter.h"
#include "agents/proposal_log.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace turncoat {
namespace agent {

// In the order of agent.proto's Action.Kind, which converts by number.
enum class ActionKind {
  kPass,
  kDrop,
  kDelay,
  kDuplicate,
  kHold,
  kReplace,
  kRewrite,
  kCut,
  kReset,
  kRefuse,
  kPace,
};
absl::string_view ActionName(ActionKind kind);

// Whether `kind` acts on connections rather than messages (kCut, kReset,
// kRefuse): such a rule matches no frame, only links (see
// FaultRule::MatchesConnection), and only TCP links act on it.
bool ActsOnConnections(ActionKind kind);

// A condition on the values a field path reaches in the decoded message.
struct FieldMatch {
  enum class Op { kEquals, kIn, kRange, kPresent, kAbsent };
  std::string path;
  Op op = Op::kEquals;
  std::vector<std::string> values;  // kEquals: one; kIn: any of these
  double min = 0;                   // kRange: inclusive bounds
  double max = 0;
};

struct ActionSpec {
  ActionKind kind = ActionKind::kPass;
  // kDelay: each frame waits delay + uniform[0, jitter].
  absl::Duration delay = absl::ZeroDuration();
  absl::Duration jitter = absl::ZeroDuration();
  // kDuplicate: extra copies sent right after the original.
  int duplicates = 1;
  // kHold: hold up to `hold_count` frames, at most `hold_time` after the
  // first one arrived, then release them together in `order`.
  int hold_count = 2;
  absl::Duration hold_time = absl::Milliseconds(100);
  enum class Order { kReverse, kShuffle };
  Order order = Order::kReverse;
  // kReplace: the bytes sent instead.
  std::string payload;
  // kRewrite: a registered MessageRewriter and its parameters.
  std::string rewriter;
  RewriterParams params;
  // kPace: what the rule's frames may use of their link, together: each
  // frame is sent once the link's budget has room for it, in order.
  double bytes_per_second = 0;
};

// Major rounds [first, last], both inclusive (see MessageView::major_round).
struct RoundRange {
  int64_t first = 0;
  int64_t last = 0;
};

// Whether the rule acts only in rounds its sender leads (see ProposalLog):
// a message of major round k matches kSelf iff the link's source replica
// has sent a proposal of round k by the time the message reaches the rule
// (its proposal itself included), and kNotSelf iff it has not.
enum class LeaderCondition { kAny, kSelf, kNotSelf };

// What to match; empty or negative fields match anything. Conditions are
// checked cheapest first and the message is decoded only if one needs it.
struct RuleSpec {
  std::string id;  // unique within an engine; names the rule in counters
  int from = -1;
  int to = -1;
  std::string method;        // exact "/pkg.Service/Method"
  std::string method_regex;  // RE2, must match the whole method path
  std::optional<Direction> direction;
  std::string message_type;  // full name of the frame's type
  // Kinds of peer message (the target's message model names them); empty
  // matches any frame.
  std::vector<std::string> kinds;
  std::vector<FieldMatch> fields;
  // Set: only peer messages whose major round lies in the range. A message
  // that has none (no peer message, a kind without round fields, fields
  // absent, content that does not decode) does not match.
  std::optional<RoundRange> rounds;
  // Not kAny: only peer messages with a major round, by whether their
  // sender leads it. Like `rounds`, a message without one does not match.
  LeaderCondition leader = LeaderCondition::kAny;
  double probability = 1.0;  // of acting once everything else matched
  ActionSpec action;
};

struct RuleStats {
  std::string id;
  uint64_t matched = 0;  // frames that met every condition
  uint64_t applied = 0;  // frames the action changed the fate of (after the coin)
  uint64_t rewrite_errors = 0;  // rewriter failures (frame passed intact)
  uint64_t unchanged = 0;       // rewrites that gave the frame back as it was
  uint64_t hold_overflows = 0;  // frames passed because the hold bound was hit
  uint64_t held_now = 0;
  std::map<std::string, int64_t> rewriter_counters;  // MessageRewriter::Counters
};

// One send the proxy must make.
struct Emit {
  uint64_t frame_id = 0;
  std::shared_ptr<FrameSink> sink;
  absl::Duration delay = absl::ZeroDuration();
  std::string bytes;
  bool from_hold = false;
};

// The fate of one frame, plus sends of earlier frames its arrival released.
struct Decision {
  ActionKind action = ActionKind::kPass;
  std::string rule_id;  // empty when no rule matched
  bool held = false;    // the frame entered a hold buffer
  std::vector<Emit> emits;
};

// Shared by all rules of an engine: how many frames may be held at once.
struct HoldBudget {
  size_t max_held = 10000;
  std::atomic<size_t> held{0};
};

class FaultRule {
 public:
  // Validates and compiles `spec`. `codec` (may be null) checks field paths
  // and message types, `model` (may be null) kinds and the rewriter's
  // params; `seed` drives this rule's coin, jitter and shuffles; `archive`
  // (may be null) is the agent's run-long archive, for rewriters;
  // `proposals` (may be null: no replica leads any round) is the engine's
  // record of who led which round, for `leader`. `framing` (may be null)
  // is a TCP target's framing (agents/frame_format.h): rules may match the
  // kinds it names without a message model, and rewriters get it.
  static absl::StatusOr<std::shared_ptr<FaultRule>> Compile(
      RuleSpec spec, std::shared_ptr<const MessageCodec> codec,
      std::shared_ptr<const MessageModel> model, uint64_t seed,
      std::shared_ptr<MessageArchive> archive = nullptr,
      std::shared_ptr<const ProposalLog> proposals = nullptr,
      std::shared_ptr<const FrameFormat> framing = nullptr);
  ~FaultRule();

  const RuleSpec& spec() const { return spec_; }
  const std::string& id() const { return spec_.id; }

  // True if `frame` meets every condition; counts it as matched. Never
  // for a rule that acts on connections.
  bool Matches(const Frame& frame) const;
  // For a rule that acts on connections (ActsOnConnections): true if a
  // connection carrying `link`'s bytes is one it acts on; counts it as
  // matched. Always false for other rules.
  bool MatchesConnection(LinkId link) const;
  // Counts one connection the rule cut, reset or refused.
  void CountApplied() const { applied_.fetch_add(1, std::memory_order_relaxed); }
  // Tosses the rule's coin; true with the rule's probability.
  bool Roll() const;
  // Applies the action to `frame` (which matched and won the toss).
  void Apply(Frame frame, absl::Time now, HoldBudget* budget,
             Decision* decision) const;

  // Releases held frames if the hold window has passed (or `all`).
  void ReleaseHeld(absl::Time now, bool all, HoldBudget* budget,
                   std::vector<Emit>* out) const;
  // The time the current hold window ends, if frames are held.
  std::optional<absl::Time> HoldDeadline() const;
  // Stops holding: later frames pass; releases what is held.
  void Retire(HoldBudget* budget, std::vector<Emit>* out) const;

  RuleStats Stats() const;

 private:
  FaultRule(RuleSpec spec, std::shared_ptr<const MessageCodec> codec,
            std::shared_ptr<const MessageModel> model, uint64_t seed);
  bool FieldsMatch(const Frame& frame) const;
  bool RoundMatches(const Frame& frame) const;
  bool LeaderMatches(const Frame& frame) const;
  void ReleaseLocked(HoldBudget* budget, std::vector<Emit>* out) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RuleSpec spec_;
  const std::shared_ptr<const MessageCodec> codec_;
  const std::shared_ptr<const MessageModel> model_;
  std::unique_ptr<re2::RE2> method_regex_;
  struct CompiledField {
    FieldPath path;
    const FieldMatch* match;  // into spec_.fields
    // kEquals/kIn values as text and, when they parse, as numbers (so "3"
    // equals an enum numbered 3 and "3.0" equals 3).
    std::vector<std::pair<std::string, std::optional<double>>> values;
  };
  std::vector<CompiledField> fields_;
  std::unique_ptr<MessageRewriter> rewriter_;
  std::shared_ptr<const ProposalLog> proposals_;

  mutable std::atomic<uint64_t> matched_{0};
  mutable std::atomic<uint64_t> applied_{0};
  mutable std::atomic<uint64_t> rewrite_errors_{0};
  mutable std::atomic<uint64_t> unchanged_{0};
  mutable std::atomic<uint64_t> hold_overflows_{0};

  mutable absl::Mutex mu_;
  mutable std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  mutable std::vector<Frame> held_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time hold_started_ ABSL_GUARDED_BY(mu_);
  // kPace: when the link's budget has sent everything paced so far.
  mutable absl::Time paced_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  mutable bool retired_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_FAULT_RULE_H_
