#include "tests/targets/refbft/sim_network.h"

namespace refbft {

class SimNetwork::Port : public Outbox {
 public:
  Port(SimNetwork* net, uint32_t id) : net_(net), id_(id) {}
  void Send(uint32_t to, const Envelope& envelope) override { net_->Enqueue(id_, to, envelope); }
  void Committed(const CommitRecord& commit) override { net_->commits_[id_].push_back(commit); }

 private:
  SimNetwork* net_;
  uint32_t id_;
};

ReplicaConfig SimNetwork::DefaultConfig() {
  ReplicaConfig c;
  c.view_timeout = absl::Milliseconds(100);
  c.max_view_timeout = absl::Seconds(1);
  c.idle_propose_delay = absl::Milliseconds(5);
  c.max_batch = 16;
  return c;
}

SimNetwork::SimNetwork(uint32_t n, std::vector<BugSet> bugs, ReplicaConfig base) {
  bugs.resize(n);
  commits_.resize(n);
  std::vector<turncoat::Ed25519PublicKey> pubs;
  for (uint32_t i = 0; i < n; ++i) {
    keys_.push_back(*turncoat::Ed25519PrivateKey::Generate());
    pubs.push_back(keys_.back().PublicKey());
  }
  for (uint32_t i = 0; i < n; ++i) {
    ReplicaConfig c = base;
    c.id = i;
    c.n = n;
    c.f = (n - 1) / 3;
    c.bugs = bugs[i];
    ports_.push_back(std::make_unique<Port>(this, i));
    replicas_.push_back(std::make_unique<Replica>(c, keys_[i], pubs, ports_.back().get()));
  }
  for (auto& r : replicas_) r->Start(now_);
}

SimNetwork::~SimNetwork() = default;

std::vector<std::string> SimNetwork::committed_values(uint32_t i) const {
  std::vector<std::string> out;
  for (const CommitRecord& c : commits_[i]) out.push_back(c.value);
  return out;
}

void SimNetwork::Enqueue(uint32_t from, uint32_t to, const Envelope& env) {
  Message m;
  m.ParseFromString(env.payload());
  sent_.emplace_back(from, to, m);
  if (crashed_.count(from) || (drop_ && drop_(from, to, m))) return;
  queue_.push(InFlight{now_ + latency_, order_++, to, env});
}

void SimNetwork::Inject(uint32_t to, const Envelope& env) {
  queue_.push(InFlight{now_ + latency_, order_++, to, env});
}

bool SimNetwork::Step(absl::Time end) {
  absl::Time next = absl::InfiniteFuture();
  int timer_owner = -1;
  for (uint32_t i = 0; i < replicas_.size(); ++i) {
    if (crashed_.count(i)) continue;
    absl::Time t = replicas_[i]->NextDeadline();
    if (t < next) {
      next = t;
      timer_owner = static_cast<int>(i);
    }
  }
  // Messages go before timers due at the same instant.
  if (!queue_.empty() && queue_.top().at <= next) {
    if (queue_.top().at > end) return false;
    InFlight msg = queue_.top();
    queue_.pop();
    now_ = std::max(now_, msg.at);
    if (!crashed_.count(msg.to)) replicas_[msg.to]->HandleEnvelope(msg.env, now_);
    return true;
  }
  if (timer_owner < 0 || next > end) return false;
  now_ = std::max(now_, next);
  replicas_[timer_owner]->Tick(now_);
  return true;
}

void SimNetwork::RunFor(absl::Duration d) {
  const absl::Time end = now_ + d;
  while (Step(end)) {
  }
  now_ = end;
}

bool SimNetwork::RunUntil(const std::function<bool()>& done, absl::Duration limit) {
  const absl::Time end = now_ + limit;
  while (!done()) {
    if (!Step(end)) {
      now_ = end;
      return done();
    }
  }
  return true;
}

}  // namespace refbft
