// Replica: the refbft protocol as a pure state machine.
//
// refbft decides one block (a batch of client values) per height with the
// three voting phases and the locking rule of Basic HotStuff (Yin et al.,
// "HotStuff: BFT Consensus with Linearity and Responsiveness", PODC 2019,
// Algorithm 2), run per height as Tendermint does: a height goes through
// views until one decides, the leader of (height, view) is
// (height + view) mod n, and a timeout pacemaker with exponential back-off
// replaces a silent or faulty leader. See targets/refbft/README.md.
//
// The class does no I/O and reads no clock: the caller passes the time in,
// delivers envelopes, and receives sends and commits through Outbox. That
// keeps every protocol rule unit-testable without sockets. Not thread-safe;
// the caller serialises all calls.
#ifndef TURNCOAT_TARGETS_REFBFT_REPLICA_H_
#define TURNCOAT_TARGETS_REFBFT_REPLICA_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "common/ed25519.h"
#include "targets/refbft/bugs.h"
#include "targets/refbft/quorum.h"
#include "targets/refbft/refbft.pb.h"

namespace refbft {

struct ReplicaConfig {
  uint32_t id = 0;
  uint32_t n = 4;
  uint32_t f = 1;
  // The timeout of a height's first view; each later view's is 1.5 times
  // its predecessor's, up to max_view_timeout (ViewTimeout).
  absl::Duration view_timeout = absl::Milliseconds(1000);
  absl::Duration max_view_timeout = absl::Seconds(8);
  // A leader with no pending values waits this long before proposing an
  // empty block, so an idle cluster does not spin.
  absl::Duration idle_propose_delay = absl::Milliseconds(100);
  size_t max_batch = 256;
  BugSet bugs;
};

// The pacemaker timings refbft runs n replicas with unless told otherwise.
// Up to n = 7 they are ReplicaConfig's (view timeout 1 s, back-off cap 8 s,
// empty blocks after 100 ms idle); beyond, all three grow in proportion to
// n. A decision costs every replica a verification of each of n - f votes
// in four certificates, so on a shared machine a view of 31 replicas takes
// several times as long as one of 7: with 7's timeout it is abandoned as
// if its leader were dead, and the view change costs more of the same. An
// idle cluster's empty blocks cost as much each, so they come less often.
// Safety does not depend on any timing; liveness needs the timeout to
// exceed a view's duration once the network is stable, which this keeps.
struct PacemakerTimings {
  absl::Duration view_timeout;
  absl::Duration max_view_timeout;
  absl::Duration idle_propose_delay;
};
PacemakerTimings DefaultPacemaker(uint32_t n);

// One value committed at this replica, in commit order. `seq` counts from 1.
struct CommitRecord {
  uint64_t seq = 0;
  uint64_t height = 0;
  uint64_t view = 0;
  std::string value;
};

// Where a Replica's effects go: the gRPC node in production, a simulated
// network in tests.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // Best-effort delivery to replica `to` (never the sender itself).
  virtual void Send(uint32_t to, const Envelope& envelope) = 0;
  virtual void Committed(const CommitRecord& commit) = 0;
};

class Replica {
 public:
  // `keys[i]` is replica i's public key; keys.size() must equal config.n.
  Replica(ReplicaConfig config, turncoat::Ed25519PrivateKey key,
          std::vector<turncoat::Ed25519PublicKey> keys, Outbox* out);

  static uint32_t LeaderOf(uint64_t height, uint64_t view, uint32_t n) {
    return static_cast<uint32_t>((height + view) % n);
  }

  // Enters view 0 of height 1.
  void Start(absl::Time now);
  // A message from a peer. Invalid or unverifiable envelopes are dropped.
  void HandleEnvelope(const Envelope& envelope, absl::Time now);
  // A client value. Returns false when it is already committed or pending
  // (unless the double-commit bug is planted).
  bool Submit(const std::string& value, absl::Time now);
  // Fires every timer due at `now`.
  void Tick(absl::Time now);
  // When Tick next has work to do.
  absl::Time NextDeadline() const;

  uint32_t id() const { return config_.id; }
  uint64_t height() const { return height_; }
  uint64_t view() const { return view_; }
  uint64_t committed_count() const { return next_seq_ - 1; }
  size_t pending_count() const { return pending_.size(); }
  // The pre-commit certificate this replica is locked on at the current
  // height, if any.
  const std::optional<QuorumCert>& locked_qc() const { return locked_qc_; }
  const QuorumRules& rules() const { return rules_; }

  // Signs `message` as this replica. Exposed for tests that play a
  // Byzantine peer with this replica's own key.
  Envelope Seal(const Message& message) const;

 private:
  // How long view `view` of any height lasts before this replica gives up
  // on it. A function of the view alone, not of how many views this
  // replica saw fail: one that joins a view late (on f + 1 NEW-VIEWs) must
  // time out with the replicas already there, or it runs ahead of them
  // view after view, and once every timeout is at its cap the gap stays.
  absl::Duration ViewTimeout(uint64_t view) const;
  void EnterView(uint64_t view, absl::Time now);
  // This replica's NEW-VIEW for its current height and view.
  Message NewViewMessage() const;
  void EnterHeight(uint64_t height, absl::Time now);
  void Broadcast(const Message& message, absl::Time now);
  void SendToOthers(const Envelope& env);
  void ReforwardPending();
  void SendTo(uint32_t to, const Message& message, absl::Time now);
  void Deliver(const Envelope& envelope, absl::Time now);
  void DrainSelfQueue(absl::Time now);

  void OnProposal(uint32_t from, const Proposal& p, absl::Time now);
  void OnVote(const Envelope& envelope, const Vote& v, absl::Time now);
  void OnPhaseCert(uint32_t from, const PhaseCert& c, absl::Time now);
  void OnNewView(uint32_t from, const NewView& nv, absl::Time now);
  void NoteLaterView(uint32_t from, uint64_t view, absl::Time now);
  void OnDecide(const Decide& d, absl::Time now);
  void OnForward(const Forward& fw, absl::Time now);
  void OnSyncRequest(uint32_t from, const SyncRequest& req, absl::Time now);

  void MaybePropose(absl::Time now);
  void RequestSync(absl::Time now);
  bool SafeToVote(const Block& block, const QuorumCert* justify) const;
  bool ValuesKnown(const Block& block) const;
  void TryVotePrepare(const Proposal& p, absl::Time now);
  bool IsCert(const QuorumCert& qc, Phase phase, uint64_t height) const;
  void CastVote(Phase phase, const std::string& block_hash, absl::Time now);
  // Commits `block` as the decision of `height` (its own height unless a
  // planted bug says otherwise).
  void CommitBlock(uint64_t height, const Block& block, const QuorumCert& commit_qc,
                   absl::Time now);
  bool AddPending(const std::string& value);

  ReplicaConfig config_;
  turncoat::Ed25519PrivateKey key_;
  QuorumRules rules_;
  Outbox* out_;

  uint64_t height_ = 0;
  uint64_t view_ = 0;
  uint64_t next_seq_ = 1;
  absl::Time view_deadline_ = absl::InfiniteFuture();
  // Views of this height that timed out here (the backoff-per-replica bug
  // times views by it).
  uint64_t failed_views_ = 0;
  absl::Time view_entered_ = absl::InfinitePast();
  // Leader with nothing to propose: when it proposes an empty block.
  absl::Time propose_at_ = absl::InfiniteFuture();
  // After catching up on decisions: when it tells every replica its view.
  absl::Time announce_at_ = absl::InfiniteFuture();

  // Per-height protocol state, reset by EnterHeight.
  std::optional<QuorumCert> prepare_qc_;  // highest prepare QC seen
  std::optional<QuorumCert> locked_qc_;   // the pre-commit QC we are locked on
  std::map<std::string, Block> blocks_;   // proposals seen at this height, by hash
  std::set<std::pair<uint64_t, Phase>> voted_;  // (view, phase) we voted in
  bool proposed_ = false;                 // leader: proposed in this view
  // leader: NEW-VIEW messages by view (>= view_), then by sender.
  std::map<uint64_t, std::map<uint32_t, NewView>> new_views_;
  // The latest view each other replica announced a NEW-VIEW for, when later
  // than ours: f + 1 of them pull us forward (view synchronisation).
  std::map<uint32_t, uint64_t> later_views_;
  std::optional<VoteCollector> votes_;    // leader: votes in view_
  // A proposal of view_ that names values this replica has not seen
  // submitted yet; retried as Forward messages bring them.
  std::optional<Proposal> waiting_proposal_;
  // Envelopes for height_ + 1 that arrived before our decision at height_.
  std::vector<Envelope> next_height_;

  // Decided blocks with their commit QCs, by height, to answer SyncRequests.
  std::map<uint64_t, Decide> decided_;
  // Decisions that arrived for heights above height_ + 0 while earlier ones
  // are missing; applied in order once the gap closes.
  std::map<uint64_t, Decide> future_decisions_;
  absl::Time last_sync_request_ = absl::InfinitePast();

  // Client values not yet committed, in arrival order, and the same set for
  // lookups. committed_ holds every value committed so far (dedup).
  std::deque<std::string> pending_;
  absl::flat_hash_set<std::string> pending_set_;
  absl::flat_hash_set<std::string> committed_;

  // Messages addressed to ourselves, handled after the current one so that
  // handlers never re-enter.
  std::deque<Envelope> self_queue_;
  bool draining_ = false;
};

}  // namespace refbft

#endif  // TURNCOAT_TARGETS_REFBFT_REPLICA_H_
