// Replica: tcpbft's protocol, PBFT (Castro & Liskov, OSDI '99) without
// sockets or clocks, so that tests can drive it message by message.
//
// Normal case: the leader of view v (replica v mod n in config order) puts
// each client request at the next sequence number (PRE_PREPARE); a replica
// that accepts it sends PREPARE; PRE_PREPARE plus quorum-1 matching PREPAREs
// from others make the slot prepared, and it sends COMMIT; quorum matching
// COMMITs of one view commit the slot. Slots execute in order; each request
// executes once, printing the next commit number. Every
// `checkpoint_interval` slots replicas exchange CHECKPOINTs; quorum matching
// ones make a stable checkpoint, which bounds view changes and the leader's
// window (4 intervals). A replica that falls behind fetches commit
// certificates (FETCH / COMMITTED).
//
// View change: a replica that has waited `view_change_timeout` for a pending
// request sends VIEW_CHANGE with its stable checkpoint and prepared
// certificates. Quorum VIEW_CHANGEs for view w let its leader send NEW_VIEW,
// whose PRE_PREPAREs every replica recomputes from the VIEW_CHANGEs (the
// highest-view certificate per slot above the highest checkpoint, null
// requests in gaps). A replica moves past w only once a quorum asked for w
// and the timer (doubling, capped at 8x) expired again; f+1 VIEW_CHANGEs for
// higher views make it join the lowest. A replica asking for a view at or
// below ours gets our NEW_VIEW back, so an isolated replica rejoins.
//
// Quorum is 2f+1, or f+1 with the small-quorum bug (every quorum: prepare,
// commit, checkpoint, view change). Not thread-safe: one thread calls it.
#ifndef TURNCOAT_TARGETS_TCPBFT_REPLICA_H_
#define TURNCOAT_TARGETS_TCPBFT_REPLICA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "targets/tcpbft/config.h"
#include "targets/tcpbft/messages.h"

namespace tcpbft {

// Where a Replica's output goes.
class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual void ToReplica(int index, FrameType type, const std::string& payload) = 0;
  // A REPLY payload for `client`, dropped if it is not connected.
  virtual void ToClient(const std::string& client, const std::string& payload) = 0;
  // The `number`th distinct request executed, from 1.
  virtual void Commit(uint64_t number, const std::string& value) = 0;
  // A diagnostic line: view changes.
  virtual void Log(const std::string& line) = 0;
};

class Replica {
 public:
  Replica(const Config& config, Outbox* out, absl::Time now);

  // A client's REQUEST payload; the client's id if it is valid.
  std::optional<std::string> OnRequest(absl::string_view payload, absl::Time now);
  // A frame from another replica; invalid ones are dropped.
  void OnPeerMessage(uint8_t type, absl::string_view payload, absl::Time now);
  // Timers: view change, VIEW_CHANGE retransmission, fetching.
  void Tick(absl::Time now);

  uint64_t view() const { return view_; }
  bool in_view_change() const { return in_view_change_; }
  uint64_t last_executed() const { return last_executed_; }

 private:
  struct Slot {
    uint64_t view = 0;  // of the accepted PRE_PREPARE
    std::string digest;
    std::string pre_prepare;
    bool prepared = false;
    std::optional<PreparedCert> cert;  // of the highest view prepared
  };
  struct CommittedSlot {
    std::string request;
    std::vector<std::string> commits;
  };
  struct Plan {
    uint64_t min_seq = 0;
    std::string min_state;
    std::vector<std::string> min_proof;
    std::map<uint64_t, std::string> requests;  // (min_seq, max_seq]
  };
  using VoteKey = std::pair<uint64_t, uint64_t>;  // seq, view
  using Votes = std::map<int, std::pair<std::string, std::string>>;  // sender -> digest, payload

  int Leader(uint64_t view) const { return static_cast<int>(view % config_.n()); }
  uint64_t Window() const { return 4 * static_cast<uint64_t>(config_.checkpoint_interval); }
  void Broadcast(FrameType type, const std::string& payload);
  template <typename T>
  std::string SealBody(FrameType type, const T& message) const {
    return Seal(*config_.key, Encode(type, message));
  }

  // Opening and checking signed messages; nullopt if invalid.
  std::optional<Request> OpenRequest(absl::string_view payload) const;
  template <typename T>
  std::optional<T> OpenSigned(absl::string_view payload, FrameType type, int* sender) const;
  std::optional<PrePrepare> ValidPrePrepare(absl::string_view payload) const;
  std::optional<ViewChange> ValidViewChange(absl::string_view payload, std::string* state) const;
  std::optional<Plan> PlanNewView(const std::vector<std::string>& view_changes, uint64_t view) const;

  void OnPrePrepare(absl::string_view payload, absl::Time now);
  void OnVote(absl::string_view payload, FrameType type, absl::Time now);
  void OnCheckpoint(absl::string_view payload);
  void OnViewChange(absl::string_view payload, absl::Time now);
  void OnNewView(absl::string_view payload, absl::Time now);
  void OnFetch(absl::string_view payload);
  void OnCommitted(absl::string_view payload, absl::Time now);

  void AcceptPrePrepare(const PrePrepare& pp, const std::string& payload, absl::Time now);
  void CheckPrepared(uint64_t seq, absl::Time now);
  void CheckCommitted(uint64_t seq, uint64_t view, absl::Time now);
  void Execute(absl::Time now);
  void AdoptCheckpoint(uint64_t seq, const std::string& state, std::vector<std::string> proof);
  void TryPropose(absl::Time now);
  void StartViewChange(uint64_t view, absl::Time now);
  void CheckViewChangeQuorum(absl::Time now);
  void Install(const NewView& nv, const std::string& payload, const Plan& plan,
               const std::vector<std::pair<PrePrepare, std::string>>& pre_prepares, absl::Time now);
  void ArmTimer(absl::Time now);

  const Config config_;
  Outbox* const out_;
  const int me_;
  const int quorum_;

  uint64_t view_ = 0;
  bool in_view_change_ = false;
  uint64_t target_view_ = 0;  // while in_view_change_
  absl::Duration timeout_;
  absl::Time deadline_ = absl::InfiniteFuture();
  absl::Time resend_at_ = absl::InfiniteFuture();
  std::string new_view_payload_;  // the NEW_VIEW that installed view_
  std::map<uint64_t, std::map<int, std::string>> view_changes_;  // view -> sender -> payload
  std::set<uint64_t> new_views_sent_;

  std::map<uint64_t, Slot> slots_;
  std::map<VoteKey, Votes> prepares_, commits_;
  std::map<std::string, std::string> requests_;  // digest -> request payload
  std::map<uint64_t, CommittedSlot> committed_;
  uint64_t next_seq_ = 1;
  std::map<std::pair<std::string, uint64_t>, std::string> pending_;  // (client, rid) -> payload
  std::set<std::pair<std::string, uint64_t>> assigned_;             // in view_

  uint64_t last_executed_ = 0;
  uint64_t values_ = 0;
  std::string state_;
  std::map<std::string, std::map<uint64_t, std::string>> executed_;  // client -> rid -> value
  uint64_t stable_ = 0;
  std::string stable_state_;
  std::vector<std::string> stable_proof_;
  std::map<uint64_t, Votes> checkpoints_;  // seq -> sender -> state, payload

  uint64_t highest_seen_ = 0;
  absl::Time last_progress_;
  absl::Time next_fetch_ = absl::InfinitePast();
};

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_REPLICA_H_
