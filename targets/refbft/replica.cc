#include "targets/refbft/replica.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace refbft {
namespace {

// Bounds on what a peer can make us buffer.
constexpr size_t kMaxNextHeightBuffer = 4096;
constexpr size_t kMaxFutureDecisions = 1024;
constexpr size_t kMaxPending = 200000;
// How many consecutive decisions one SyncRequest is answered with.
constexpr uint64_t kSyncBatch = 64;
constexpr absl::Duration kSyncInterval = absl::Milliseconds(100);
// Most pending values re-forwarded when a view fails.
constexpr int kMaxReforward = 1024;
// How long after the last decision it caught up on a replica announces its
// view: once per burst of a sync batch, not once per decision.
constexpr absl::Duration kAnnounceDelay = absl::Milliseconds(20);

// The height a consensus message belongs to; nullopt for messages that are
// not tied to the current height (Decide, Forward, SyncRequest).
std::optional<uint64_t> ConsensusHeight(const Message& m) {
  switch (m.kind_case()) {
    case Message::kProposal:
      return m.proposal().height();
    case Message::kVote:
      return m.vote().height();
    case Message::kPhaseCert:
      return m.phase_cert().qc().height();
    case Message::kNewView:
      return m.new_view().height();
    default:
      return std::nullopt;
  }
}

}  // namespace

Replica::Replica(ReplicaConfig config, turncoat::Ed25519PrivateKey key,
                 std::vector<turncoat::Ed25519PublicKey> keys, Outbox* out)
    : config_(std::move(config)),
      key_(std::move(key)),
      rules_(config_.n, config_.f, config_.bugs, std::move(keys)),
      out_(out) {}

Envelope Replica::Seal(const Message& message) const {
  Envelope env;
  env.set_sender(config_.id);
  message.SerializeToString(env.mutable_payload());
  env.set_signature(key_.Sign(env.payload()));
  return env;
}

void Replica::Start(absl::Time now) {
  EnterHeight(1, now);
  DrainSelfQueue(now);
}

PacemakerTimings DefaultPacemaker(uint32_t n) {
  const ReplicaConfig base;
  const double scale = std::max(1.0, n / 7.0);
  return {scale * base.view_timeout, scale * base.max_view_timeout,
          scale * base.idle_propose_delay};
}

void Replica::HandleEnvelope(const Envelope& envelope, absl::Time now) {
  Deliver(envelope, now);
  DrainSelfQueue(now);
}

bool Replica::Submit(const std::string& value, absl::Time now) {
  if (!AddPending(value)) return false;
  Message m;
  m.mutable_forward()->add_values(value);
  SendToOthers(Seal(m));
  MaybePropose(now);
  DrainSelfQueue(now);
  return true;
}

void Replica::Tick(absl::Time now) {
  if (now >= view_deadline_) {
    ReforwardPending();
    ++failed_views_;
    EnterView(view_ + 1, now);
  }
  if (now >= propose_at_) {
    propose_at_ = absl::InfiniteFuture();
    MaybePropose(now);
  }
  if (now >= announce_at_) {
    // Catching up went quiet: every replica hears this replica's view at
    // its new height, and those in a later one answer (OnNewView).
    announce_at_ = absl::InfiniteFuture();
    SendToOthers(Seal(NewViewMessage()));
  }
  DrainSelfQueue(now);
}

absl::Duration Replica::ViewTimeout(uint64_t view) const {
  absl::Duration timeout = config_.view_timeout;
  if (config_.bugs.Has(Bug::kNoTimeoutBackoff)) return timeout;
  const uint64_t steps = config_.bugs.Has(Bug::kBackoffPerReplica) ? failed_views_ : view;
  for (uint64_t v = 0; v < steps && timeout < config_.max_view_timeout; ++v) timeout *= 1.5;
  return std::min(timeout, config_.max_view_timeout);
}

absl::Time Replica::NextDeadline() const {
  return std::min({view_deadline_, propose_at_, announce_at_});
}

void Replica::EnterHeight(uint64_t height, absl::Time now) {
  height_ = height;
  prepare_qc_.reset();
  locked_qc_.reset();
  blocks_.clear();
  voted_.clear();
  new_views_.clear();
  later_views_.clear();
  waiting_proposal_.reset();
  failed_views_ = 0;
  EnterView(0, now);
  // Messages of this height that overtook our decision are handled now.
  std::vector<Envelope> early = std::move(next_height_);
  next_height_.clear();
  for (Envelope& env : early) self_queue_.push_back(std::move(env));
}

void Replica::EnterView(uint64_t view, absl::Time now) {
  view_ = view;
  view_entered_ = now;
  proposed_ = false;
  propose_at_ = absl::InfiniteFuture();
  waiting_proposal_.reset();
  votes_.emplace(&rules_, height_, view_);
  new_views_.erase(new_views_.begin(), new_views_.lower_bound(view_));
  view_deadline_ = config_.bugs.Has(Bug::kNoViewChange) ? absl::InfiniteFuture()
                                                         : now + ViewTimeout(view_);
  const Message m = NewViewMessage();
  // After a timeout, to everyone, not only the leader: replicas whose views
  // drifted apart (after lost messages, each times out on its own schedule)
  // learn where the others are and catch up (NoteLaterView). Entering a
  // height's first view is no timeout, and every replica gets there from a
  // decision, not from a clock.
  if (view_ == 0) {
    SendTo(LeaderOf(height_, view_, config_.n), m, now);
  } else {
    Broadcast(m, now);
  }
}

Message Replica::NewViewMessage() const {
  Message m;
  NewView* nv = m.mutable_new_view();
  nv->set_height(height_);
  nv->set_view(view_);
  if (prepare_qc_) {
    *nv->mutable_prepare_qc() = *prepare_qc_;
    auto it = blocks_.find(prepare_qc_->block_hash());
    if (it != blocks_.end()) *nv->mutable_block() = it->second;
  }
  return m;
}

void Replica::SendTo(uint32_t to, const Message& message, absl::Time now) {
  Envelope env = Seal(message);
  if (to == config_.id) {
    self_queue_.push_back(std::move(env));
  } else {
    out_->Send(to, env);
  }
}

void Replica::SendToOthers(const Envelope& env) {
  for (uint32_t j = 0; j < config_.n; ++j) {
    if (j != config_.id) out_->Send(j, env);
  }
}

void Replica::Broadcast(const Message& message, absl::Time now) {
  Envelope env = Seal(message);
  SendToOthers(env);
  self_queue_.push_back(std::move(env));
}

void Replica::ReforwardPending() {
  // A lost Forward leaves a value known to one replica only; its proposals
  // of that value then get no votes and the view fails. Failed views are
  // therefore when pending values are passed on again.
  Message m;
  for (const std::string& v : pending_) {
    if (m.forward().values_size() >= kMaxReforward) break;
    if (pending_set_.contains(v)) m.mutable_forward()->add_values(v);
  }
  if (m.forward().values_size() > 0) SendToOthers(Seal(m));
}

void Replica::DrainSelfQueue(absl::Time now) {
  if (draining_) return;
  draining_ = true;
  while (!self_queue_.empty()) {
    Envelope env = std::move(self_queue_.front());
    self_queue_.pop_front();
    Deliver(env, now);
  }
  draining_ = false;
}

void Replica::Deliver(const Envelope& envelope, absl::Time now) {
  auto opened = rules_.Open(envelope);
  if (!opened.ok()) return;
  const Message& m = *opened;
  const uint32_t from = envelope.sender();

  if (std::optional<uint64_t> h = ConsensusHeight(m)) {
    if (*h < height_) return;
    if (*h > height_) {
      if (*h == height_ + 1 && next_height_.size() < kMaxNextHeightBuffer) {
        next_height_.push_back(envelope);
      }
      RequestSync(now);
      return;
    }
  }
  switch (m.kind_case()) {
    case Message::kProposal:
      OnProposal(from, m.proposal(), now);
      break;
    case Message::kVote:
      OnVote(envelope, m.vote(), now);
      break;
    case Message::kPhaseCert:
      OnPhaseCert(from, m.phase_cert(), now);
      break;
    case Message::kNewView:
      OnNewView(from, m.new_view(), now);
      break;
    case Message::kDecide:
      if (m.decide().block().height() > height_) RequestSync(now);
      OnDecide(m.decide(), now);
      break;
    case Message::kForward:
      OnForward(m.forward(), now);
      break;
    case Message::kSyncRequest:
      OnSyncRequest(from, m.sync_request(), now);
      break;
    case Message::KIND_NOT_SET:
      break;
  }
}

bool Replica::IsCert(const QuorumCert& qc, Phase phase, uint64_t height) const {
  return qc.phase() == phase && qc.height() == height && rules_.VerifyQc(qc).ok();
}

bool Replica::SafeToVote(const Block& block, const QuorumCert* justify) const {
  if (config_.bugs.Has(Bug::kIgnoreLock) || !locked_qc_) return true;
  // HotStuff's safeNode: the proposal extends (here: is) the locked block,
  // or it is justified by a certificate newer than the lock.
  if (BlockHash(block) == locked_qc_->block_hash()) return true;
  return justify != nullptr && justify->view() > locked_qc_->view();
}

bool Replica::ValuesKnown(const Block& block) const {
  for (const std::string& v : block.values()) {
    if (!pending_set_.contains(v) && !committed_.contains(v)) return false;
  }
  return true;
}

void Replica::OnProposal(uint32_t from, const Proposal& p, absl::Time now) {
  if (from != LeaderOf(p.height(), p.view(), config_.n)) return;
  if (p.view() < view_ || p.block().height() != p.height()) return;
  const std::string hash = BlockHash(p.block());
  if (p.has_justify()) {
    const QuorumCert& j = p.justify();
    if (!IsCert(j, PREPARE, height_) || j.view() >= p.view() || j.block_hash() != hash) return;
  }
  if (p.view() > view_) EnterView(p.view(), now);
  blocks_[hash] = p.block();
  TryVotePrepare(p, now);
}

void Replica::TryVotePrepare(const Proposal& p, absl::Time now) {
  if (voted_.count({view_, PREPARE})) return;
  // Validity: vote only for values some client submitted. A proposal may
  // overtake the Forward that carries its values, so it waits for them.
  if (!ValuesKnown(p.block())) {
    waiting_proposal_ = p;
    return;
  }
  waiting_proposal_.reset();
  if (!SafeToVote(p.block(), p.has_justify() ? &p.justify() : nullptr)) return;
  CastVote(PREPARE, BlockHash(p.block()), now);
}

void Replica::CastVote(Phase phase, const std::string& block_hash, absl::Time now) {
  voted_.insert({view_, phase});
  Message m;
  Vote* v = m.mutable_vote();
  v->set_phase(phase);
  v->set_height(height_);
  v->set_view(view_);
  v->set_block_hash(block_hash);
  SendTo(LeaderOf(height_, view_, config_.n), m, now);
}

void Replica::OnVote(const Envelope& envelope, const Vote& v, absl::Time now) {
  if (LeaderOf(v.height(), v.view(), config_.n) != config_.id || v.view() != view_) return;
  std::optional<QuorumCert> qc = votes_->Add(envelope, v);
  if (!qc) return;
  Message m;
  if (qc->phase() == COMMIT) {
    auto it = blocks_.find(qc->block_hash());
    if (it == blocks_.end()) return;
    *m.mutable_decide()->mutable_block() = it->second;
    *m.mutable_decide()->mutable_commit_qc() = *std::move(qc);
  } else {
    *m.mutable_phase_cert()->mutable_qc() = *std::move(qc);
  }
  Broadcast(m, now);
}

void Replica::OnPhaseCert(uint32_t from, const PhaseCert& c, absl::Time now) {
  const QuorumCert& qc = c.qc();
  if (qc.view() < view_ || (qc.phase() != PREPARE && qc.phase() != PRE_COMMIT)) return;
  if (!IsCert(qc, qc.phase(), height_)) return;
  // A valid certificate of a later view shows a quorum already moved there.
  if (qc.view() > view_) EnterView(qc.view(), now);
  if (qc.phase() == PREPARE) {
    if (!blocks_.count(qc.block_hash())) return;
    if (!prepare_qc_ || qc.view() > prepare_qc_->view()) prepare_qc_ = qc;
    if (!voted_.count({view_, PRE_COMMIT})) CastVote(PRE_COMMIT, qc.block_hash(), now);
  } else {
    if (!locked_qc_ || qc.view() >= locked_qc_->view()) locked_qc_ = qc;
    if (!voted_.count({view_, COMMIT})) CastVote(COMMIT, qc.block_hash(), now);
  }
}

void Replica::NoteLaterView(uint32_t from, uint64_t view, absl::Time now) {
  uint64_t& latest = later_views_[from];
  latest = std::max(latest, view);
  std::vector<uint64_t> views;
  for (const auto& [sender, v] : later_views_) {
    if (v > view_) views.push_back(v);
  }
  if (views.size() < static_cast<size_t>(config_.f) + 1) return;
  // Of any f + 1 replicas one is honest, so the (f+1)-th latest view is one
  // an honest replica has really entered; Byzantine claims alone move no one.
  std::sort(views.begin(), views.end(), std::greater<uint64_t>());
  EnterView(views[config_.f], now);
}

void Replica::OnNewView(uint32_t from, const NewView& nv, absl::Time now) {
  if (nv.view() < view_) {
    // The sender is behind at this height (it caught up on decisions, or
    // its timer lagged): it learns where this replica is now rather than
    // at its next timeout, and f + 1 such answers move it (NoteLaterView).
    // Only a later view is answered, so two replicas never ping-pong.
    if (from != config_.id) SendTo(from, NewViewMessage(), now);
    return;
  }
  if (nv.view() > view_ && from != config_.id) NoteLaterView(from, nv.view(), now);
  if (LeaderOf(nv.height(), nv.view(), config_.n) != config_.id || nv.view() < view_) return;
  NewView accepted = nv;
  if (nv.has_prepare_qc()) {
    const QuorumCert& qc = nv.prepare_qc();
    if (!IsCert(qc, PREPARE, height_) || qc.view() >= nv.view()) return;
    if (nv.has_block() && BlockHash(nv.block()) != qc.block_hash()) accepted.clear_block();
  } else {
    accepted.clear_block();
  }
  auto& senders = new_views_[nv.view()];
  senders[from] = std::move(accepted);
  if (nv.view() > view_ && senders.size() >= rules_.quorum_size()) EnterView(nv.view(), now);
  MaybePropose(now);
}

void Replica::MaybePropose(absl::Time now) {
  if (proposed_ || LeaderOf(height_, view_, config_.n) != config_.id) return;
  auto it = new_views_.find(view_);
  if (it == new_views_.end() || it->second.size() < rules_.quorum_size()) return;

  // The highest prepare certificate among the NEW-VIEWs: its block may have
  // committed somewhere, so it is the only safe thing to propose.
  const NewView* high = nullptr;
  for (const auto& [sender, nv] : it->second) {
    if (nv.has_prepare_qc() && (high == nullptr || nv.prepare_qc().view() > high->prepare_qc().view())) {
      high = &nv;
    }
  }
  Message m;
  Proposal* p = m.mutable_proposal();
  p->set_height(height_);
  p->set_view(view_);
  if (high != nullptr) {
    const std::string& hash = high->prepare_qc().block_hash();
    auto known = blocks_.find(hash);
    if (known != blocks_.end()) {
      *p->mutable_block() = known->second;
    } else {
      for (const auto& [sender, nv] : it->second) {
        if (nv.has_block() && nv.prepare_qc().block_hash() == hash) *p->mutable_block() = nv.block();
      }
      if (!p->has_block()) return;  // nobody sent the block; a later view will
    }
    *p->mutable_justify() = high->prepare_qc();
  } else {
    while (!pending_.empty() && !pending_set_.contains(pending_.front())) pending_.pop_front();
    if (pending_.empty() && now < view_entered_ + config_.idle_propose_delay) {
      propose_at_ = view_entered_ + config_.idle_propose_delay;
      return;
    }
    Block* b = p->mutable_block();
    b->set_height(height_);
    for (const std::string& v : pending_) {
      if (static_cast<size_t>(b->values_size()) >= config_.max_batch) break;
      if (pending_set_.contains(v)) b->add_values(v);
    }
  }
  proposed_ = true;
  propose_at_ = absl::InfiniteFuture();
  Broadcast(m, now);
}

void Replica::OnDecide(const Decide& d, absl::Time now) {
  // With qc-any-round a decision is filed under the height its commit
  // certificate names, which the certificate's votes do not vouch for.
  const uint64_t h = config_.bugs.Has(Bug::kQcAnyRound) ? d.commit_qc().height()
                                                         : d.block().height();
  if (h < height_ || decided_.count(h)) return;
  const QuorumCert& qc = d.commit_qc();
  if (!IsCert(qc, COMMIT, h) || qc.block_hash() != BlockHash(d.block())) return;
  // A decision of a block this replica never saw proposed: it is catching
  // up, and the others may be views ahead at the height it reaches.
  if (!blocks_.count(qc.block_hash())) announce_at_ = now + kAnnounceDelay;
  if (h > height_) {
    if (future_decisions_.size() < kMaxFutureDecisions) future_decisions_.emplace(h, d);
    return;
  }
  CommitBlock(h, d.block(), qc, now);
  while (!future_decisions_.empty()) {
    auto next = future_decisions_.begin();
    if (next->first < height_) {
      future_decisions_.erase(next);
      continue;
    }
    if (next->first != height_) break;
    const uint64_t next_height = next->first;
    Decide decided = std::move(next->second);
    future_decisions_.erase(next);
    CommitBlock(next_height, decided.block(), decided.commit_qc(), now);
  }
}

void Replica::CommitBlock(uint64_t height, const Block& block, const QuorumCert& commit_qc,
                          absl::Time now) {
  Decide& record = decided_[height];
  *record.mutable_block() = block;
  *record.mutable_commit_qc() = commit_qc;
  const bool dedup = !config_.bugs.Has(Bug::kDoubleCommit);
  for (const std::string& v : block.values()) {
    pending_set_.erase(v);
    if (dedup && !committed_.insert(v).second) continue;
    out_->Committed(CommitRecord{next_seq_++, height, commit_qc.view(), v});
  }
  EnterHeight(height + 1, now);
}

void Replica::OnForward(const Forward& fw, absl::Time now) {
  for (const std::string& v : fw.values()) AddPending(v);
  if (waiting_proposal_) {
    Proposal p = *waiting_proposal_;
    TryVotePrepare(p, now);
  }
  MaybePropose(now);
}

void Replica::OnSyncRequest(uint32_t from, const SyncRequest& req, absl::Time now) {
  for (uint64_t h = req.height(); h < req.height() + kSyncBatch; ++h) {
    auto it = decided_.find(h);
    if (it == decided_.end()) break;
    Message m;
    *m.mutable_decide() = it->second;
    SendTo(from, m, now);
  }
}

void Replica::RequestSync(absl::Time now) {
  if (now < last_sync_request_ + kSyncInterval) return;
  last_sync_request_ = now;
  // Every other replica is asked, not just the one whose message showed a
  // later height: a Byzantine peer may answer with nothing usable, and
  // asking it again and again would keep this replica behind for good.
  Message m;
  m.mutable_sync_request()->set_height(height_);
  SendToOthers(Seal(m));
}

bool Replica::AddPending(const std::string& value) {
  if (pending_set_.contains(value) || pending_set_.size() >= kMaxPending) return false;
  if (!config_.bugs.Has(Bug::kDoubleCommit) && committed_.contains(value)) return false;
  pending_set_.insert(value);
  pending_.push_back(value);
  return true;
}

}  // namespace refbft
