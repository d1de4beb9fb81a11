#include "agents/rule_engine.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agents/message_codec.h"
#include "agents/message_view.h"

namespace turncoat {
namespace agent {

RuleEngine::RuleEngine(EngineOptions options)
    : options_(options), current_(std::make_shared<RuleSet>()) {
  budget_.max_held = options_.max_held;
}

RuleEngine::~RuleEngine() = default;

void RuleEngine::Publish(std::vector<std::shared_ptr<FaultRule>> rules) {
  auto set = std::make_shared<RuleSet>();
  set->rules_ = std::move(rules);
  set->codec_ = codec_;
  set->model_ = model_;
  set->track_rounds_ = track_rounds_ || track_leaders_;
  set->archive_ = archive_;
  current_ = std::move(set);
}

void RuleEngine::SetCodec(std::shared_ptr<const MessageCodec> codec,
                          std::shared_ptr<const MessageModel> model) {
  absl::MutexLock changing(&change_mu_);
  absl::MutexLock lock(&mu_);
  codec_ = std::move(codec);
  model_ = std::move(model);
  Publish(current_->rules_);
}

absl::Status RuleEngine::Install(RuleSpec spec, absl::string_view before) {
  RuleChange change;
  change.install.push_back({std::move(spec), std::string(before)});
  return Change(std::move(change)).status();
}

absl::StatusOr<std::vector<Emit>> RuleEngine::Remove(absl::string_view id) {
  RuleChange change;
  change.remove.emplace_back(id);
  return Change(std::move(change));
}

absl::StatusOr<std::vector<Emit>> RuleEngine::Change(RuleChange change,
                                                     std::vector<RuleStats>* removed_stats) {
  // Compiling can take long (a rewriter loads keys and resolves its fields
  // against the schema; hundreds of ms for a phase on a busy machine), and
  // every proxied frame takes a Snapshot(): so the work happens under
  // change_mu_, which only changes wait on, and mu_ is held just to read
  // and publish.
  absl::MutexLock changing(&change_mu_);
  std::shared_ptr<const RuleSet> current;
  std::shared_ptr<const MessageCodec> codec;
  std::shared_ptr<const MessageModel> model;
  std::shared_ptr<MessageArchive> archive;
  std::shared_ptr<const FrameFormat> framing;
  bool track_leaders = false;
  {
    absl::MutexLock lock(&mu_);
    framing = framing_;
    track_leaders = track_leaders_;
    current = current_;
    codec = codec_;
    model = model_;
    archive = archive_;
  }
  std::vector<std::shared_ptr<FaultRule>> rules = current->rules_;
  // Everything is checked and compiled before anything is retired, so a
  // change that fails leaves the published rules (and held frames) alone.
  std::vector<std::shared_ptr<FaultRule>> removed;
  std::vector<std::shared_ptr<FaultRule>> cutting;  // installed cut and reset rules
  for (const std::string& id : change.remove) {
    auto it = std::find_if(rules.begin(), rules.end(),
                           [&](const auto& rule) { return rule->id() == id; });
    if (it == rules.end()) return absl::NotFoundError(absl::StrCat("no rule '", id, "' installed"));
    removed.push_back(*it);
    rules.erase(it);
  }
  for (RuleChange::Install& install : change.install) {
    auto position = rules.end();
    for (auto it = rules.begin(); it != rules.end(); ++it) {
      if ((*it)->id() == install.spec.id) {
        return absl::AlreadyExistsError(
            absl::StrCat("rule '", install.spec.id, "' is already installed"));
      }
      if (!install.before.empty() && (*it)->id() == install.before) position = it;
    }
    if (!install.before.empty() && position == rules.end()) {
      return absl::NotFoundError(absl::StrCat("cannot install '", install.spec.id,
                                              "' before unknown rule '", install.before, "'"));
    }
    track_leaders = track_leaders || install.spec.leader != LeaderCondition::kAny;
    const bool cuts = install.spec.action.kind == ActionKind::kCut ||
                      install.spec.action.kind == ActionKind::kReset;
    auto rule = FaultRule::Compile(std::move(install.spec), codec, model, options_.seed, archive,
                                   proposals_, framing);
    if (!rule.ok()) return rule.status();
    if (cuts) cutting.push_back(*rule);
    rules.insert(position, std::move(*rule));
  }
  // Retire before unpublishing: a Process() still on the old snapshot then
  // passes its frame instead of stranding it in a dead buffer.
  std::vector<Emit> released;
  for (const auto& rule : removed) {
    rule->Retire(&budget_, &released);
    if (removed_stats != nullptr) removed_stats->push_back(rule->Stats());
  }
  {
    absl::MutexLock lock(&mu_);
    track_leaders_ = track_leaders;
    Publish(std::move(rules));
  }
  if (!cutting.empty()) {
    absl::MutexLock lock(&watchers_mu_);
    for (const auto& rule : cutting) {
      for (const auto& [id, watcher] : watchers_) watcher(*rule);
    }
  }
  return released;
}

bool RuleEngine::Refuses(LinkId link) const {
  for (const auto& rule : Snapshot()->rules_) {
    if (rule->spec().action.kind == ActionKind::kRefuse && rule->MatchesConnection(link) &&
        rule->Roll()) {
      rule->CountApplied();
      return true;
    }
  }
  return false;
}

int RuleEngine::WatchConnections(ConnectionWatcher watcher) {
  absl::MutexLock lock(&watchers_mu_);
  watchers_[next_watcher_] = std::move(watcher);
  return next_watcher_++;
}

void RuleEngine::UnwatchConnections(int id) {
  absl::MutexLock lock(&watchers_mu_);
  watchers_.erase(id);
}

std::vector<Emit> RuleEngine::Clear() {
  std::vector<Emit> released;
  absl::MutexLock changing(&change_mu_);
  absl::MutexLock lock(&mu_);
  for (const auto& rule : current_->rules_) rule->Retire(&budget_, &released);
  Publish({});
  return released;
}

void RuleEngine::SetFrameFormat(std::shared_ptr<const FrameFormat> framing) {
  absl::MutexLock lock(&mu_);
  framing_ = std::move(framing);
}

void RuleEngine::TrackRounds(bool on) {
  absl::MutexLock changing(&change_mu_);
  absl::MutexLock lock(&mu_);
  track_rounds_ = on;
  Publish(current_->rules_);
}

void RuleEngine::EnableArchive(ArchiveLimits limits) {
  absl::MutexLock changing(&change_mu_);
  absl::MutexLock lock(&mu_);
  if (archive_ != nullptr) return;
  archive_ = std::make_shared<MessageArchive>(limits);
  Publish(current_->rules_);
}

std::optional<int64_t> RuleEngine::MaxRound() const {
  const int64_t max = max_round_.load(std::memory_order_relaxed);
  return max == INT64_MIN ? std::nullopt : std::optional<int64_t>(max);
}

std::shared_ptr<const RuleSet> RuleEngine::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

Decision RuleEngine::Process(const RuleSet& rules, Frame frame, absl::Time now) {
  Decision decision;
  std::optional<int64_t> round;
  if (rules.track_rounds_) {
    round = frame.major_round();
    if (round.has_value()) {
      int64_t seen = max_round_.load(std::memory_order_relaxed);
      while (*round > seen &&
             !max_round_.compare_exchange_weak(seen, *round, std::memory_order_relaxed)) {
      }
      // Before any rule acts, so a leader rule already matches the
      // proposal that makes its sender the leader.
      if (frame.view() != nullptr && frame.view()->proposal()) {
        proposals_->Record(frame.link().from, *round);
      }
    }
  }
  // Before any rule acts: the archive keeps what the replica sent, whatever
  // its fate on this link.
  if (rules.archive_ != nullptr && frame.direction() == Direction::kRequest) {
    rules.archive_->Record(frame.link(), frame.method(), now, frame.bytes(), round);
  }
  for (const auto& rule : rules.rules_) {
    if (rule->Matches(frame) && rule->Roll()) {
      rule->Apply(std::move(frame), now, &budget_, &decision);
      return decision;
    }
  }
  decision.emits.push_back(Emit{frame.id(), frame.sink(), absl::ZeroDuration(),
                                frame.TakeBytes(), false});
  return decision;
}

std::vector<Emit> RuleEngine::ReleaseExpired(absl::Time now) {
  std::vector<Emit> released;
  if (held() == 0) return released;
  for (const auto& rule : Snapshot()->rules_) {
    rule->ReleaseHeld(now, /*all=*/false, &budget_, &released);
  }
  return released;
}

std::optional<absl::Time> RuleEngine::NextRelease() const {
  std::optional<absl::Time> next;
  if (held() == 0) return next;
  for (const auto& rule : Snapshot()->rules_) {
    std::optional<absl::Time> t = rule->HoldDeadline();
    if (t.has_value() && (!next.has_value() || *t < *next)) next = t;
  }
  return next;
}

std::vector<RuleStats> RuleEngine::Stats() const {
  std::vector<RuleStats> stats;
  for (const auto& rule : Snapshot()->rules_) stats.push_back(rule->Stats());
  return stats;
}

void DeliverAll(std::vector<Emit> emits) {
  for (Emit& e : emits) {
    if (e.sink != nullptr) e.sink->Deliver(e.delay, std::move(e.bytes), e.from_hold);
  }
}

}  // namespace agent
}  // namespace turncoat
