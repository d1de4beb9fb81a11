// SimNetwork: n refbft Replicas wired through an in-memory network with a
// virtual clock. Delivery order and timing are deterministic, so protocol
// tests run in milliseconds and never flake. Tests drop, inspect or inject
// messages to play a faulty network or a Byzantine peer.
#ifndef TURNCOAT_TESTS_TARGETS_REFBFT_SIM_NETWORK_H_
#define TURNCOAT_TESTS_TARGETS_REFBFT_SIM_NETWORK_H_

#include <functional>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/time/time.h"
#include "common/ed25519.h"
#include "targets/refbft/replica.h"

namespace refbft {

class SimNetwork {
 public:
  // Returns true to drop a message from `from` to `to`.
  using DropRule = std::function<bool(uint32_t from, uint32_t to, const Message& m)>;

  // `bugs[i]` is planted in replica i (missing entries: none). `base` gives
  // timeouts and batch size; id, n and f are filled in.
  SimNetwork(uint32_t n, std::vector<BugSet> bugs = {}, ReplicaConfig base = DefaultConfig());
  ~SimNetwork();

  static ReplicaConfig DefaultConfig();

  Replica& replica(uint32_t i) { return *replicas_[i]; }
  const turncoat::Ed25519PrivateKey& key(uint32_t i) const { return keys_[i]; }
  const std::vector<CommitRecord>& commits(uint32_t i) const { return commits_[i]; }
  std::vector<std::string> committed_values(uint32_t i) const;
  absl::Time now() const { return now_; }

  void SetDropRule(DropRule rule) { drop_ = std::move(rule); }
  // Every message sent from now on takes `latency` (1 ms by default).
  void SetLatency(absl::Duration latency) { latency_ = latency; }
  // A crashed replica neither sends, receives nor ticks.
  void Crash(uint32_t i) { crashed_.insert(i); }
  bool Submit(uint32_t i, const std::string& value) { return replicas_[i]->Submit(value, now_); }
  // Delivers `env` to `to` after the usual latency, bypassing the drop rule.
  void Inject(uint32_t to, const Envelope& env);
  // Every message sent so far, as (from, to, message).
  const std::vector<std::tuple<uint32_t, uint32_t, Message>>& sent() const { return sent_; }

  void RunFor(absl::Duration d);
  // Runs until `done` holds or `limit` of virtual time passes; returns done().
  bool RunUntil(const std::function<bool()>& done, absl::Duration limit);

 private:
  class Port;
  struct InFlight {
    absl::Time at;
    uint64_t order;
    uint32_t to;
    Envelope env;
    bool operator>(const InFlight& o) const { return std::tie(at, order) > std::tie(o.at, o.order); }
  };
  void Enqueue(uint32_t from, uint32_t to, const Envelope& env);
  // Handles the next event due no later than `end`; false if there is none.
  bool Step(absl::Time end);

  absl::Time now_ = absl::UnixEpoch();
  absl::Duration latency_ = absl::Milliseconds(1);
  uint64_t order_ = 0;
  std::vector<turncoat::Ed25519PrivateKey> keys_;
  std::vector<std::unique_ptr<Port>> ports_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<std::vector<CommitRecord>> commits_;
  std::set<uint32_t> crashed_;
  DropRule drop_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<InFlight>> queue_;
  std::vector<std::tuple<uint32_t, uint32_t, Message>> sent_;
};

}  // namespace refbft

#endif  // TURNCOAT_TESTS_TARGETS_REFBFT_SIM_NETWORK_H_
