// MessageArchive: the peer messages an agent's proxies carried over the whole
// run, thinned by age, for replays from far back (the `replay` adversary's
// `older_than` and `rounds_ago`).
//
// A replay pool lives only while its phase does, so it can replay seconds
// of traffic; an attack that re-sends a vote from a thousand commits ago
// needs what was recorded from the moment the links opened. Keeping all of
// it is out of the question for hour-long runs, so the archive thins by age
// (an exponential histogram): every message younger than `recent` is kept
// (up to `recent_max` per series), and each older power-of-two age bucket
// [recent·2^(k-1), recent·2^k) keeps messages at least width/`per_bucket`
// apart — about `per_bucket` of them, evenly spread — up to `buckets`
// buckets (with the defaults, 18 hours); older ones are forgotten. So a
// message from 1 s, 10 s, 60 s or 10 min ago is always at hand, and the
// memory taken does not grow with run length or message rate.
//
// A series is one (link, method): messages only replay into calls of the
// method they were sent with. Bounds are per link and enforced on every
// record: at most `max_messages` messages and `max_bytes` bytes (payload
// plus a fixed per-entry overhead); past either, the fullest age bucket (by
// bytes) loses its second-oldest message, so each bucket keeps its oldest. An agent with L links therefore holds
// at most L·max_messages messages and L·max_bytes bytes.
//
// Times are passed in, so the archive runs deterministically on a fake
// clock. Thread-safe: one mutex per link, so the proxies of different links
// (different threads) never wait for each other.
#ifndef TURNCOAT_AGENTS_MESSAGE_ARCHIVE_H_
#define TURNCOAT_AGENTS_MESSAGE_ARCHIVE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agents/frame.h"

namespace turncoat {
namespace agent {

struct ArchiveLimits {
  absl::Duration recent = absl::Seconds(1);
  size_t recent_max = 2048;  // per series
  size_t per_bucket = 32;
  int buckets = 16;
  size_t max_messages = 4096;   // per link
  size_t max_bytes = 4 << 20;   // per link, overhead included
};

// What each archived message costs beyond its bytes, for the byte bound.
inline constexpr size_t kArchiveEntryOverhead = 64;

struct ArchivedMessage {
  absl::Time at;
  std::string bytes;
  std::optional<int64_t> round;  // its major round, when rounds were read
};

// Which archived messages a replay may take: of `method`, sent by `from` (to
// `to`, or to anyone when `to` < 0), recorded strictly after `after`, in
// [not_before, not_after], and when `max_round` is set only those whose
// major round is at most it.
struct ArchiveQuery {
  int from = 0;
  int to = -1;
  std::string method;
  absl::Time after = absl::InfinitePast();
  absl::Time not_before = absl::InfinitePast();
  absl::Time not_after = absl::InfiniteFuture();
  std::optional<int64_t> max_round;
};

struct ArchiveTotals {
  size_t messages = 0;
  size_t bytes = 0;
};

class MessageArchive {
 public:
  explicit MessageArchive(ArchiveLimits limits = {});
  ~MessageArchive();
  MessageArchive(const MessageArchive&) = delete;
  MessageArchive& operator=(const MessageArchive&) = delete;

  const ArchiveLimits& limits() const { return limits_; }

  // Records a message sent at `at` (times must not go backwards per link).
  void Record(LinkId link, absl::string_view method, absl::Time at, absl::string_view bytes,
              std::optional<int64_t> round);

  // The oldest message `query` admits, as of `now` (thinning first).
  std::optional<ArchivedMessage> Oldest(const ArchiveQuery& query, absl::Time now);

  // The highest major round recorded; nullopt if none carried one.
  std::optional<int64_t> MaxRound() const;

  // What the archive holds now, over all links (after thinning to `now`).
  ArchiveTotals Totals(absl::Time now);

 private:
  class Shard;
  Shard* ShardOf(LinkId link);

  const ArchiveLimits limits_;
  mutable absl::Mutex mu_;  // guards the map; shards guard themselves
  std::map<std::pair<int, int>, std::unique_ptr<Shard>> shards_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> max_round_{INT64_MIN};
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_MESSAGE_ARCHIVE_H_
