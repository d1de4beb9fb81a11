// The "replay" rewriter: sends, beside each message, an older message again,
// as an attacker on the network (or a Byzantine replica) that recorded
// traffic would.
//
// A replayed message is genuine — its sender really signed it — but stale,
// so it tests that a system binds messages to their (height, view) and
// ignores duplicates. Bytes are replayed as they were, so no envelope
// params are needed.
//
// Two sources. From a pool the rewriter fills itself (param `after`, e.g.
// 2s: how old a frame must be to be replayed; `max_stored`, default 1000:
// the oldest unreplayed frames are forgotten beyond it), which reaches back
// only as far as the rule has been installed; with a shared `pool` name,
// what one link recorded is replayed on another (a vote meant for one
// replica shown to a different one). Or from the agent's run-long
// archive (agents/message_archive.h; params `older_than`, `rounds_ago`,
// `links`), which reaches back to the start of the run: each frame carries
// the oldest archived message of its method not replayed yet that is at
// least `older_than` old and whose major round lies at least `rounds_ago` below the highest the
// agent has seen; sent by this link (`links: same`, the default) or by any
// link of this sender (`links: any`). So a replay walks forward through
// the run's history. `pool` (optional) names what rewriters of this agent
// share: the recorded frames, or in archive mode how far the walk got.
#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agents/message_archive.h"
#include "agents/message_rewriter.h"
#include "agents/named_pool.h"
#include "agents/rewriter_params.h"

namespace turncoat {
namespace agent {
namespace {

// Recorded frames not replayed yet, oldest first. A replayed frame leaves the
// pool, which is how each is replayed at most once.
class Pool {
 public:
  // The oldest frame recorded at or before `cutoff`, taken out of the pool.
  std::optional<std::string> TakeOldest(absl::Time cutoff) {
    absl::MutexLock lock(&mu_);
    if (frames_.empty() || frames_.front().first > cutoff) return std::nullopt;
    std::string bytes = std::move(frames_.front().second);
    frames_.pop_front();
    return bytes;
  }

  void Record(absl::Time at, std::string bytes, size_t max_stored) {
    absl::MutexLock lock(&mu_);
    frames_.emplace_back(at, std::move(bytes));
    while (frames_.size() > max_stored) frames_.pop_front();
  }

 private:
  absl::Mutex mu_;
  std::deque<std::pair<absl::Time, std::string>> frames_ ABSL_GUARDED_BY(mu_);
};

class ReplayRewriter : public MessageRewriter {
 public:
  ReplayRewriter(absl::Duration after, std::shared_ptr<Pool> pool, size_t max_stored)
      : after_(after), pool_(std::move(pool)), max_stored_(max_stored) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    const absl::Time now = absl::Now();
    std::vector<std::string> out{frame.bytes()};
    if (std::optional<std::string> old = pool_->TakeOldest(now - after_)) {
      out.push_back(*std::move(old));
    }
    pool_->Record(now, frame.bytes(), max_stored_);
    return out;
  }

 private:
  const absl::Duration after_;
  const std::shared_ptr<Pool> pool_;
  const size_t max_stored_;
};

// How far an archive replay got: the time of the newest message it
// replayed, so each archived message is replayed at most once per cursor.
struct Cursor {
  absl::Mutex mu;
  absl::Time last ABSL_GUARDED_BY(mu) = absl::InfinitePast();
};

struct ArchiveReplay {
  std::optional<absl::Duration> older_than;
  std::optional<int64_t> rounds_ago;
  bool any_link = false;
};

class ArchiveRewriter : public MessageRewriter {
 public:
  ArchiveRewriter(ArchiveReplay replay, std::shared_ptr<MessageArchive> archive,
                  std::shared_ptr<Cursor> cursor)
      : replay_(replay), archive_(std::move(archive)), cursor_(std::move(cursor)) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    const absl::Time now = absl::Now();
    std::vector<std::string> out{frame.bytes()};
    ArchiveQuery query;
    query.from = frame.link().from;
    query.to = replay_.any_link ? -1 : frame.link().to;
    query.method = frame.method();
    query.not_after = now - replay_.older_than.value_or(absl::ZeroDuration());
    const std::optional<int64_t> highest = archive_->MaxRound();
    if (replay_.rounds_ago.has_value()) {
      if (!highest.has_value()) return out;
      query.max_round = *highest - *replay_.rounds_ago;
    }
    std::optional<ArchivedMessage> old;
    {
      absl::MutexLock lock(&cursor_->mu);
      query.after = cursor_->last;
      old = archive_->Oldest(query, now);
      if (!old.has_value()) return out;
      cursor_->last = old->at;
    }
    Count(now - old->at, highest.has_value() && old->round.has_value()
                             ? std::optional<int64_t>(*highest - *old->round)
                             : std::nullopt);
    out.push_back(std::move(old->bytes));
    return out;
  }

  std::map<std::string, int64_t> Counters() const override {
    absl::MutexLock lock(&mu_);
    std::map<std::string, int64_t> counters;
    if (replayed_ == 0) return counters;
    counters["replayed"] = replayed_;
    counters["replayed age ms min"] = age_min_ms_;
    counters["replayed age ms max"] = age_max_ms_;
    if (behind_min_.has_value()) {
      counters["replayed rounds behind min"] = *behind_min_;
      counters["replayed rounds behind max"] = *behind_max_;
    }
    return counters;
  }

 private:
  void Count(absl::Duration age, std::optional<int64_t> behind) {
    const int64_t ms = absl::ToInt64Milliseconds(age);
    absl::MutexLock lock(&mu_);
    age_min_ms_ = replayed_ == 0 ? ms : std::min(age_min_ms_, ms);
    age_max_ms_ = replayed_ == 0 ? ms : std::max(age_max_ms_, ms);
    ++replayed_;
    if (behind.has_value()) {
      behind_min_ = std::min(behind_min_.value_or(*behind), *behind);
      behind_max_ = std::max(behind_max_.value_or(*behind), *behind);
    }
  }

  const ArchiveReplay replay_;
  const std::shared_ptr<MessageArchive> archive_;
  const std::shared_ptr<Cursor> cursor_;
  mutable absl::Mutex mu_;
  int64_t replayed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t age_min_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t age_max_ms_ ABSL_GUARDED_BY(mu_) = 0;
  // How far below the highest round seen the replayed messages' rounds were.
  std::optional<int64_t> behind_min_ ABSL_GUARDED_BY(mu_);
  std::optional<int64_t> behind_max_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::optional<absl::Duration>> AgeParam(const RewriterParams& params,
                                                       absl::string_view name) {
  auto it = params.find(std::string(name));
  if (it == params.end()) return std::nullopt;
  absl::Duration d;
  if (!absl::ParseDuration(it->second, &d) || d <= absl::ZeroDuration() ||
      d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("param '", name,
                                                   "' must be a duration > 0 like 20s or 5m, not '",
                                                   it->second, "'"));
  }
  return d;
}

absl::StatusOr<std::unique_ptr<MessageRewriter>> CreateFromArchive(const RewriterContext& c) {
  const RewriterParams& params = *c.params;
  if (params.count("after") > 0 || params.count("max_stored") > 0) {
    return absl::InvalidArgumentError(
        "'after' and 'max_stored' replay from the rule's own pool, 'older_than' and "
        "'rounds_ago' from the run-long archive: give one or the other");
  }
  if (c.archive == nullptr) {
    return absl::FailedPreconditionError(
        "'older_than' and 'rounds_ago' replay from the agent's run-long archive, and this agent "
        "keeps none: load the target with `archive` set (the controller does so for plans "
        "whose replay phases use them)");
  }
  ArchiveReplay replay;
  auto older = AgeParam(params, "older_than");
  if (!older.ok()) return older.status();
  replay.older_than = *older;
  if (params.count("rounds_ago") > 0) {
    if (c.model == nullptr || !c.model->has_rounds()) {
      return absl::InvalidArgumentError(
          "param 'rounds_ago' needs round fields, and the target declares none; add `round` to "
          "its protocol.messages or replay by age with 'older_than'");
    }
    auto rounds = IntParam(params, "rounds_ago", 1, 1, INT64_MAX);
    if (!rounds.ok()) return rounds.status();
    replay.rounds_ago = *rounds;
  }
  auto links = params.find("links");
  if (links != params.end()) {
    if (links->second != "same" && links->second != "any") {
      return absl::InvalidArgumentError(
          absl::StrCat("param 'links' must be same or any, not '", links->second, "'"));
    }
    replay.any_link = links->second == "any";
  }
  auto pool_name = params.find("pool");
  std::shared_ptr<Cursor> cursor = pool_name == params.end()
                                       ? std::make_shared<Cursor>()
                                       : NamedPool<Cursor>(pool_name->second);
  return std::make_unique<ArchiveRewriter>(replay, c.archive, std::move(cursor));
}

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  if (c.params->count("older_than") > 0 || c.params->count("rounds_ago") > 0) {
    return CreateFromArchive(c);
  }
  auto after_text = RequiredParam(
      *c.params, "after", "how old a frame must be to be replayed, e.g. 2s or 500ms");
  if (!after_text.ok()) return after_text.status();
  absl::Duration after;
  if (!absl::ParseDuration(*after_text, &after) || after < absl::ZeroDuration() ||
      after == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("param 'after' must be a duration >= 0 like 2s or 500ms, not '",
                     *after_text, "'"));
  }
  auto max_stored = IntParam(*c.params, "max_stored", 1000, 1, INT64_MAX);
  if (!max_stored.ok()) return max_stored.status();
  auto pool_name = c.params->find("pool");
  std::shared_ptr<Pool> pool = pool_name == c.params->end()
                                   ? std::make_shared<Pool>()
                                   : NamedPool<Pool>(pool_name->second);
  return std::make_unique<ReplayRewriter>(after, std::move(pool),
                                          static_cast<size_t>(*max_stored));
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("replay", Create);

}  // namespace agent
}  // namespace turncoat
