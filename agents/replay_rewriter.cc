// The "replay" rewriter: sends, beside each message, an older message again,
// as an attacker on the network (or a Byzantine replica) that recorded
// traffic would.
//
// A replayed message is genuine — its sender really signed it — but stale,
// so it tests that a system binds messages to their (height, view) and
// ignores duplicates. Frames are recorded in a pool; with a shared `pool`
// name, what one link recorded is replayed on another (a vote meant for one
// replica shown to a different one). Bytes are replayed as they were, so
// no envelope params are needed.
//
// Params: after (duration, e.g. 2s: how old a frame must be to be replayed),
// pool (optional name shared by rewriters in this agent; default: a pool of
// this rewriter's own), max_stored (default 1000: the oldest unreplayed
// frames are forgotten beyond it).
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

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
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
