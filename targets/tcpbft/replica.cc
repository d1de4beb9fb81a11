#include "targets/tcpbft/replica.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tcpbft {
namespace {

constexpr int kMaxBackoff = 8;
constexpr int kFetchBatch = 32;
constexpr absl::Duration kFetchInterval = absl::Milliseconds(300);
// How far ahead of our own view other replicas' votes are kept.
constexpr uint64_t kViewHorizon = 64;

// The votes in `votes` for `digest` from senders other than `skip`.
std::vector<std::string> Matching(const std::map<int, std::pair<std::string, std::string>>& votes,
                                  const std::string& digest, int skip) {
  std::vector<std::string> out;
  for (const auto& [sender, vote] : votes) {
    if (sender != skip && vote.first == digest) out.push_back(vote.second);
  }
  return out;
}

}  // namespace

Replica::Replica(const Config& config, Outbox* out, absl::Time now)
    : config_(config),
      out_(out),
      me_(config.index),
      quorum_(config.quorum()),
      timeout_(config.view_change_timeout),
      state_(32, '\0'),
      last_progress_(now) {
  requests_[Sha256("")] = "";
}

void Replica::Broadcast(FrameType type, const std::string& payload) {
  for (int i = 0; i < config_.n(); ++i) {
    if (i != me_) out_->ToReplica(i, type, payload);
  }
}

std::optional<Request> Replica::OpenRequest(absl::string_view payload) const {
  absl::string_view body, signature;
  if (!Unseal(payload, FrameType::kRequest, &body, &signature)) return std::nullopt;
  std::optional<Request> request = Decode<Request>(body, FrameType::kRequest);
  if (!request) return std::nullopt;
  auto client = config_.clients.find(request->client);
  if (client == config_.clients.end() || !client->second.Verify(body, signature)) return std::nullopt;
  return request;
}

template <typename T>
std::optional<T> Replica::OpenSigned(absl::string_view payload, FrameType type, int* sender) const {
  absl::string_view body, signature;
  if (!Unseal(payload, type, &body, &signature)) return std::nullopt;
  std::optional<T> message = Decode<T>(body, type);
  if (!message) return std::nullopt;
  *sender = config_.IndexOf(message->sender);
  if (*sender < 0 || !config_.replicas[*sender].key.Verify(body, signature)) return std::nullopt;
  return message;
}

std::optional<PrePrepare> Replica::ValidPrePrepare(absl::string_view payload) const {
  int sender = -1;
  std::optional<PrePrepare> pp = OpenSigned<PrePrepare>(payload, FrameType::kPrePrepare, &sender);
  if (!pp || sender != Leader(pp->view) || pp->seq == 0) return std::nullopt;
  if (!pp->request.empty() && !OpenRequest(pp->request)) return std::nullopt;
  return pp;
}

std::optional<ViewChange> Replica::ValidViewChange(absl::string_view payload, std::string* state) const {
  int sender = -1;
  std::optional<ViewChange> vc = OpenSigned<ViewChange>(payload, FrameType::kViewChange, &sender);
  if (!vc) return std::nullopt;
  state->assign(32, '\0');
  if (vc->checkpoint_seq > 0) {
    std::set<int> senders;
    for (const std::string& proof : vc->checkpoint_proof) {
      int from = -1;
      std::optional<Checkpoint> cp = OpenSigned<Checkpoint>(proof, FrameType::kCheckpoint, &from);
      if (!cp || cp->seq != vc->checkpoint_seq || (!senders.empty() && cp->state != *state)) {
        return std::nullopt;
      }
      *state = cp->state;
      senders.insert(from);
    }
    if (static_cast<int>(senders.size()) < quorum_) return std::nullopt;
  }
  for (const PreparedCert& cert : vc->prepared) {
    std::optional<PrePrepare> pp = ValidPrePrepare(cert.pre_prepare);
    if (!pp || pp->view >= vc->new_view || pp->seq <= vc->checkpoint_seq) return std::nullopt;
    const std::string digest = Sha256(pp->request);
    std::set<int> senders;
    for (const std::string& prepare : cert.prepares) {
      int from = -1;
      std::optional<Vote> vote = OpenSigned<Vote>(prepare, FrameType::kPrepare, &from);
      if (!vote || vote->view != pp->view || vote->seq != pp->seq || vote->digest != digest ||
          from == Leader(pp->view)) {
        return std::nullopt;
      }
      senders.insert(from);
    }
    if (static_cast<int>(senders.size()) < quorum_ - 1) return std::nullopt;
  }
  return vc;
}

std::optional<Replica::Plan> Replica::PlanNewView(const std::vector<std::string>& view_changes,
                                                  uint64_t view) const {
  std::vector<ViewChange> vcs;
  std::vector<std::string> states;
  std::set<std::string> senders;
  for (const std::string& payload : view_changes) {
    std::string state;
    std::optional<ViewChange> vc = ValidViewChange(payload, &state);
    if (!vc || vc->new_view != view) return std::nullopt;
    senders.insert(vc->sender);
    vcs.push_back(*std::move(vc));
    states.push_back(state);
  }
  if (static_cast<int>(senders.size()) < quorum_ || senders.size() != vcs.size()) return std::nullopt;
  Plan plan;
  plan.min_state.assign(32, '\0');
  for (size_t i = 0; i < vcs.size(); ++i) {
    if (vcs[i].checkpoint_seq > plan.min_seq) {
      plan.min_seq = vcs[i].checkpoint_seq;
      plan.min_state = states[i];
      plan.min_proof = vcs[i].checkpoint_proof;
    }
  }
  // Per slot: the certificate of the highest view; ties (possible only when
  // quorums do not intersect) go to the larger digest, so every replica
  // computes the same plan.
  std::map<uint64_t, std::pair<uint64_t, std::string>> best;  // seq -> view, digest
  uint64_t max_seq = plan.min_seq;
  for (const ViewChange& vc : vcs) {
    for (const PreparedCert& cert : vc.prepared) {
      std::optional<PrePrepare> pp = Decode<PrePrepare>(
          absl::string_view(cert.pre_prepare).substr(0, cert.pre_prepare.size() - kSignatureSize),
          FrameType::kPrePrepare);
      if (pp->seq <= plan.min_seq) continue;
      std::pair<uint64_t, std::string> rank(pp->view, Sha256(pp->request));
      auto it = best.find(pp->seq);
      if (it == best.end() || it->second < rank) {
        best[pp->seq] = rank;
        plan.requests[pp->seq] = pp->request;
      }
      max_seq = std::max(max_seq, pp->seq);
    }
  }
  for (uint64_t seq = plan.min_seq + 1; seq <= max_seq; ++seq) plan.requests.emplace(seq, "");
  return plan;
}

std::optional<std::string> Replica::OnRequest(absl::string_view payload, absl::Time now) {
  std::optional<Request> request = OpenRequest(payload);
  if (!request) return std::nullopt;
  auto done = executed_[request->client].find(request->rid);
  if (done != executed_[request->client].end()) {
    out_->ToClient(request->client,
                   SealBody(FrameType::kReply, Reply{config_.id, request->client, request->rid, done->second}));
    return request->client;
  }
  pending_.emplace(std::make_pair(request->client, request->rid), std::string(payload));
  if (!in_view_change_ && deadline_ == absl::InfiniteFuture()) ArmTimer(now);
  TryPropose(now);
  return request->client;
}

void Replica::OnPeerMessage(uint8_t type, absl::string_view payload, absl::Time now) {
  switch (static_cast<FrameType>(type)) {
    case FrameType::kPrePrepare: return OnPrePrepare(payload, now);
    case FrameType::kPrepare:
    case FrameType::kCommit: return OnVote(payload, static_cast<FrameType>(type), now);
    case FrameType::kCheckpoint: return OnCheckpoint(payload);
    case FrameType::kViewChange: return OnViewChange(payload, now);
    case FrameType::kNewView: return OnNewView(payload, now);
    case FrameType::kFetch: return OnFetch(payload);
    case FrameType::kCommitted: return OnCommitted(payload, now);
    default: return;
  }
}

void Replica::OnPrePrepare(absl::string_view payload, absl::Time now) {
  std::optional<PrePrepare> pp = ValidPrePrepare(payload);
  if (!pp || in_view_change_ || pp->view != view_) return;
  if (pp->seq <= stable_ || pp->seq > stable_ + Window()) return;
  highest_seen_ = std::max(highest_seen_, pp->seq);
  AcceptPrePrepare(*pp, std::string(payload), now);
}

void Replica::AcceptPrePrepare(const PrePrepare& pp, const std::string& payload, absl::Time now) {
  Slot& slot = slots_[pp.seq];
  if (!slot.pre_prepare.empty() && slot.view == pp.view) return;  // first one of a view wins
  slot.view = pp.view;
  slot.digest = Sha256(pp.request);
  slot.pre_prepare = payload;
  slot.prepared = false;
  requests_[slot.digest] = pp.request;
  if (std::optional<Request> request = OpenRequest(pp.request)) {
    assigned_.insert({request->client, request->rid});
  }
  if (me_ != Leader(pp.view)) {
    const std::string prepare =
        SealBody(FrameType::kPrepare, Vote{config_.id, pp.view, pp.seq, slot.digest});
    prepares_[{pp.seq, pp.view}][me_] = {slot.digest, prepare};
    Broadcast(FrameType::kPrepare, prepare);
  }
  CheckPrepared(pp.seq, now);
  CheckCommitted(pp.seq, pp.view, now);
}

void Replica::OnVote(absl::string_view payload, FrameType type, absl::Time now) {
  int sender = -1;
  std::optional<Vote> vote = OpenSigned<Vote>(payload, type, &sender);
  if (!vote || vote->seq <= last_executed_ || vote->seq > stable_ + 2 * Window() ||
      vote->view > view_ + kViewHorizon) {
    return;
  }
  highest_seen_ = std::max(highest_seen_, vote->seq);
  auto& votes = (type == FrameType::kPrepare ? prepares_ : commits_)[{vote->seq, vote->view}];
  votes.emplace(sender, std::make_pair(vote->digest, std::string(payload)));
  if (type == FrameType::kPrepare) {
    CheckPrepared(vote->seq, now);
  } else {
    CheckCommitted(vote->seq, vote->view, now);
  }
}

void Replica::CheckPrepared(uint64_t seq, absl::Time now) {
  auto it = slots_.find(seq);
  if (it == slots_.end() || in_view_change_) return;
  Slot& slot = it->second;
  if (slot.view != view_ || slot.prepared || slot.pre_prepare.empty()) return;
  std::vector<std::string> prepares = Matching(prepares_[{seq, view_}], slot.digest, Leader(view_));
  if (static_cast<int>(prepares.size()) < quorum_ - 1) return;
  prepares.resize(quorum_ - 1);
  slot.prepared = true;
  slot.cert = PreparedCert{slot.pre_prepare, prepares};
  const std::string commit =
      SealBody(FrameType::kCommit, Vote{config_.id, view_, seq, slot.digest});
  commits_[{seq, view_}][me_] = {slot.digest, commit};
  Broadcast(FrameType::kCommit, commit);
  CheckCommitted(seq, view_, now);
}

void Replica::CheckCommitted(uint64_t seq, uint64_t view, absl::Time now) {
  if (seq <= last_executed_ || committed_.count(seq) > 0) return;
  auto votes = commits_.find({seq, view});
  if (votes == commits_.end()) return;
  std::map<std::string, int> counts;
  for (const auto& [sender, vote] : votes->second) {
    if (++counts[vote.first] < quorum_) continue;
    auto request = requests_.find(vote.first);
    if (request == requests_.end()) continue;  // a FETCH will bring it
    std::vector<std::string> commits = Matching(votes->second, vote.first, -1);
    commits.resize(quorum_);
    committed_[seq] = CommittedSlot{request->second, std::move(commits)};
    Execute(now);
    return;
  }
}

void Replica::Execute(absl::Time now) {
  bool progress = false;
  for (auto it = committed_.find(last_executed_ + 1); it != committed_.end();
       it = committed_.find(last_executed_ + 1)) {
    ++last_executed_;
    progress = true;
    const std::string& payload = it->second.request;
    state_ = Sha256(Writer().Bytes(state_).U64(last_executed_).Bytes(Sha256(payload)).data());
    if (std::optional<Request> request = OpenRequest(payload)) {
      auto& done = executed_[request->client];
      if (done.emplace(request->rid, request->value).second) out_->Commit(++values_, request->value);
      pending_.erase({request->client, request->rid});
      assigned_.erase({request->client, request->rid});
      out_->ToClient(request->client,
                     SealBody(FrameType::kReply, Reply{config_.id, request->client, request->rid, done[request->rid]}));
    }
    prepares_.erase(prepares_.begin(), prepares_.lower_bound({last_executed_ + 1, 0}));
    commits_.erase(commits_.begin(), commits_.lower_bound({last_executed_ + 1, 0}));
    if (last_executed_ % config_.checkpoint_interval == 0) {
      const std::string checkpoint =
          SealBody(FrameType::kCheckpoint, Checkpoint{config_.id, last_executed_, state_});
      Broadcast(FrameType::kCheckpoint, checkpoint);
      OnCheckpoint(checkpoint);
    }
  }
  if (!progress) return;
  last_progress_ = now;
  if (!in_view_change_) ArmTimer(now);
  TryPropose(now);
}

void Replica::OnCheckpoint(absl::string_view payload) {
  int sender = -1;
  std::optional<Checkpoint> cp = OpenSigned<Checkpoint>(payload, FrameType::kCheckpoint, &sender);
  if (!cp || cp->seq <= stable_ || cp->seq > stable_ + 64 * Window()) return;
  highest_seen_ = std::max(highest_seen_, cp->seq);
  Votes& votes = checkpoints_[cp->seq];
  votes.emplace(sender, std::make_pair(cp->state, std::string(payload)));
  std::vector<std::string> proof = Matching(votes, cp->state, -1);
  if (static_cast<int>(proof.size()) >= quorum_) AdoptCheckpoint(cp->seq, cp->state, std::move(proof));
}

void Replica::AdoptCheckpoint(uint64_t seq, const std::string& state, std::vector<std::string> proof) {
  if (seq <= stable_) return;
  stable_ = seq;
  stable_state_ = state;
  stable_proof_ = std::move(proof);
  slots_.erase(slots_.begin(), slots_.upper_bound(seq));
  checkpoints_.erase(checkpoints_.begin(), checkpoints_.upper_bound(seq));
}

void Replica::OnFetch(absl::string_view payload) {
  int sender = -1;
  std::optional<Fetch> fetch = OpenSigned<Fetch>(payload, FrameType::kFetch, &sender);
  if (!fetch) return;
  for (uint64_t seq = fetch->seq; seq < fetch->seq + kFetchBatch; ++seq) {
    auto it = committed_.find(seq);
    if (it == committed_.end()) break;
    out_->ToReplica(sender, FrameType::kCommitted,
                    SealBody(FrameType::kCommitted, Committed{config_.id, seq, it->second.request, it->second.commits}));
  }
}

void Replica::OnCommitted(absl::string_view payload, absl::Time now) {
  int sender = -1;
  std::optional<Committed> proof = OpenSigned<Committed>(payload, FrameType::kCommitted, &sender);
  if (!proof || proof->seq <= last_executed_ || committed_.count(proof->seq) > 0) return;
  if (!proof->request.empty() && !OpenRequest(proof->request)) return;
  const std::string digest = Sha256(proof->request);
  std::set<int> senders;
  std::optional<uint64_t> view;
  for (const std::string& commit : proof->commits) {
    int from = -1;
    std::optional<Vote> vote = OpenSigned<Vote>(commit, FrameType::kCommit, &from);
    if (!vote || vote->seq != proof->seq || vote->digest != digest || (view && *view != vote->view)) return;
    view = vote->view;
    senders.insert(from);
  }
  if (static_cast<int>(senders.size()) < quorum_) return;
  committed_[proof->seq] = CommittedSlot{proof->request, proof->commits};
  highest_seen_ = std::max(highest_seen_, proof->seq);
  Execute(now);
}

void Replica::TryPropose(absl::Time now) {
  if (in_view_change_ || Leader(view_) != me_) return;
  next_seq_ = std::max(next_seq_, stable_ + 1);
  // Chosen first: accepting a proposal may execute requests, which changes
  // pending_.
  std::vector<std::pair<std::pair<std::string, uint64_t>, std::string>> batch;
  for (const auto& [key, request] : pending_) {
    if (next_seq_ + batch.size() > stable_ + Window()) break;
    if (assigned_.insert(key).second) batch.emplace_back(key, request);
  }
  for (const auto& [key, request] : batch) {
    PrePrepare pp{config_.id, view_, next_seq_++, request};
    const std::string payload = SealBody(FrameType::kPrePrepare, pp);
    Broadcast(FrameType::kPrePrepare, payload);
    AcceptPrePrepare(pp, payload, now);
  }
}

void Replica::ArmTimer(absl::Time now) {
  deadline_ = pending_.empty() ? absl::InfiniteFuture() : now + timeout_;
}

void Replica::StartViewChange(uint64_t view, absl::Time now) {
  if (view <= view_ || (in_view_change_ && view <= target_view_)) return;
  in_view_change_ = true;
  target_view_ = view;
  out_->Log(absl::StrCat("asks for view ", view));
  deadline_ = absl::InfiniteFuture();  // armed once a quorum asks for `view`
  resend_at_ = now + config_.view_change_timeout;
  ViewChange vc{config_.id, view, stable_, stable_proof_, {}};
  for (const auto& [seq, slot] : slots_) {
    if (seq > stable_ && slot.cert) vc.prepared.push_back(*slot.cert);
  }
  const std::string payload = SealBody(FrameType::kViewChange, vc);
  view_changes_[view][me_] = payload;
  Broadcast(FrameType::kViewChange, payload);
  CheckViewChangeQuorum(now);
}

void Replica::OnViewChange(absl::string_view payload, absl::Time now) {
  std::string state;
  std::optional<ViewChange> vc = ValidViewChange(payload, &state);
  if (!vc) return;
  const int sender = config_.IndexOf(vc->sender);
  if (!in_view_change_) {
    // We do not share the sender's doubt about our view: it may have been cut
    // off. Our NEW_VIEW proves our view to it, and our latest commit
    // certificate shows it how far to fetch.
    if (vc->new_view <= view_ && !new_view_payload_.empty()) {
      out_->ToReplica(sender, FrameType::kNewView, new_view_payload_);
    }
    auto latest = committed_.find(last_executed_);
    if (latest != committed_.end()) {
      out_->ToReplica(sender, FrameType::kCommitted,
                      SealBody(FrameType::kCommitted,
                               Committed{config_.id, last_executed_, latest->second.request, latest->second.commits}));
    }
  }
  if (vc->new_view <= view_) return;
  if (vc->new_view > view_ + kViewHorizon) return;
  view_changes_[vc->new_view][sender] = std::string(payload);
  // f+1 replicas want a view above ours: at least one is honest, so join the
  // lowest of their views.
  const uint64_t current = in_view_change_ ? target_view_ : view_;
  std::map<int, uint64_t> lowest;
  for (auto it = view_changes_.upper_bound(current); it != view_changes_.end(); ++it) {
    for (const auto& entry : it->second) lowest.emplace(entry.first, it->first);
  }
  if (static_cast<int>(lowest.size()) >= config_.f + 1) {
    uint64_t join = UINT64_MAX;
    for (const auto& entry : lowest) join = std::min(join, entry.second);
    StartViewChange(join, now);
  }
  CheckViewChangeQuorum(now);
}

void Replica::CheckViewChangeQuorum(absl::Time now) {
  if (!in_view_change_) return;
  const auto& vcs = view_changes_[target_view_];
  if (static_cast<int>(vcs.size()) < quorum_) return;
  if (deadline_ == absl::InfiniteFuture()) deadline_ = now + timeout_;
  if (Leader(target_view_) != me_ || !new_views_sent_.insert(target_view_).second) return;
  std::vector<std::string> chosen;
  for (const auto& entry : vcs) {
    if (static_cast<int>(chosen.size()) < quorum_) chosen.push_back(entry.second);
  }
  std::optional<Plan> plan = PlanNewView(chosen, target_view_);
  if (!plan) return;
  NewView nv{config_.id, target_view_, chosen, {}};
  std::vector<std::pair<PrePrepare, std::string>> pre_prepares;
  for (const auto& [seq, request] : plan->requests) {
    PrePrepare pp{config_.id, target_view_, seq, request};
    pre_prepares.emplace_back(pp, SealBody(FrameType::kPrePrepare, pp));
    nv.pre_prepares.push_back(pre_prepares.back().second);
  }
  const std::string payload = SealBody(FrameType::kNewView, nv);
  Broadcast(FrameType::kNewView, payload);
  Install(nv, payload, *plan, pre_prepares, now);
}

void Replica::OnNewView(absl::string_view payload, absl::Time now) {
  int sender = -1;
  std::optional<NewView> nv = OpenSigned<NewView>(payload, FrameType::kNewView, &sender);
  // Having asked for target_view_, we take part in no lower view.
  if (!nv || nv->view <= view_ || (in_view_change_ && nv->view < target_view_) ||
      sender != Leader(nv->view)) {
    return;
  }
  std::optional<Plan> plan = PlanNewView(nv->view_changes, nv->view);
  if (!plan || plan->requests.size() != nv->pre_prepares.size()) return;
  std::vector<std::pair<PrePrepare, std::string>> pre_prepares;
  for (const std::string& pp_payload : nv->pre_prepares) {
    std::optional<PrePrepare> pp = ValidPrePrepare(pp_payload);
    if (!pp || pp->view != nv->view) return;
    auto planned = plan->requests.find(pp->seq);
    if (planned == plan->requests.end() || planned->second != pp->request) return;
    pre_prepares.emplace_back(*pp, pp_payload);
  }
  Install(*nv, std::string(payload), *plan, pre_prepares, now);
}

void Replica::Install(const NewView& nv, const std::string& payload, const Plan& plan,
                      const std::vector<std::pair<PrePrepare, std::string>>& pre_prepares,
                      absl::Time now) {
  view_ = nv.view;
  in_view_change_ = false;
  out_->Log(absl::StrCat("entered view ", view_, ", led by ", config_.replicas[Leader(view_)].id));
  timeout_ = config_.view_change_timeout;
  resend_at_ = absl::InfiniteFuture();
  new_view_payload_ = payload;
  view_changes_.erase(view_changes_.begin(), view_changes_.upper_bound(view_));
  if (plan.min_seq > 0) AdoptCheckpoint(plan.min_seq, plan.min_state, plan.min_proof);
  assigned_.clear();
  next_seq_ = std::max(stable_, plan.requests.empty() ? 0 : plan.requests.rbegin()->first) + 1;
  for (const auto& [pp, pp_payload] : pre_prepares) AcceptPrePrepare(pp, pp_payload, now);
  ArmTimer(now);
  TryPropose(now);
}

void Replica::Tick(absl::Time now) {
  if (now >= deadline_) {
    if (in_view_change_) timeout_ = std::min(timeout_ * 2, config_.view_change_timeout * kMaxBackoff);
    StartViewChange((in_view_change_ ? target_view_ : view_) + 1, now);
  }
  if (in_view_change_ && now >= resend_at_) {
    resend_at_ = now + config_.view_change_timeout;
    auto own = view_changes_[target_view_].find(me_);
    if (own != view_changes_[target_view_].end()) Broadcast(FrameType::kViewChange, own->second);
  }
  const bool behind = stable_ > last_executed_ || highest_seen_ > last_executed_;
  if (behind && now - last_progress_ >= kFetchInterval && now >= next_fetch_) {
    next_fetch_ = now + kFetchInterval;
    Broadcast(FrameType::kFetch, SealBody(FrameType::kFetch, Fetch{config_.id, last_executed_ + 1}));
  }
}

}  // namespace tcpbft
