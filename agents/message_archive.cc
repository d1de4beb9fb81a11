#include "agents/message_archive.h"

#include <algorithm>
#include <deque>
#include <vector>

namespace turncoat {
namespace agent {
namespace {

struct Entry {
  absl::Time at;
  std::string bytes;
  std::optional<int64_t> round;
};

size_t Cost(const Entry& e) { return e.bytes.size() + kArchiveEntryOverhead; }

}  // namespace

// One link's series. Level 0 holds the recent messages, level k >= 1 the
// age bucket [recent·2^(k-1), recent·2^k); every message of level k+1 is
// older than every message of level k, so a series read from its last
// level to level 0 is in time order.
class MessageArchive::Shard {
 public:
  explicit Shard(const ArchiveLimits& limits) : limits_(limits) {}

  void Record(absl::string_view method, absl::Time at, absl::string_view bytes,
              std::optional<int64_t> round) {
    absl::MutexLock lock(&mu_);
    Series& series = SeriesOf(method);
    Age(series, at);
    Push(series, 0, Entry{at, std::string(bytes), round});
    // Under a flood the recent level fills before its messages are a
    // `recent` old; its oldest move on early, so older buckets still fill.
    while (series.levels[0].size() > limits_.recent_max) Offer(series, 1, PopFront(series, 0));
    while (messages_ > limits_.max_messages || bytes_ > limits_.max_bytes) EvictOne();
  }

  std::optional<ArchivedMessage> Oldest(const ArchiveQuery& q, absl::Time now) {
    absl::MutexLock lock(&mu_);
    auto it = series_.find(q.method);
    if (it == series_.end()) return std::nullopt;
    Series& series = it->second;
    Age(series, now);
    for (int k = static_cast<int>(series.levels.size()) - 1; k >= 0; --k) {
      const std::deque<Entry>& level = series.levels[k];
      auto e = std::partition_point(level.begin(), level.end(), [&](const Entry& x) {
        return !(x.at > q.after && x.at >= q.not_before);
      });
      for (; e != level.end(); ++e) {
        if (e->at > q.not_after) return std::nullopt;
        if (q.max_round.has_value() && !(e->round.has_value() && *e->round <= *q.max_round)) {
          continue;
        }
        return ArchivedMessage{e->at, e->bytes, e->round};
      }
    }
    return std::nullopt;
  }

  ArchiveTotals Totals(absl::Time now) {
    absl::MutexLock lock(&mu_);
    for (auto& [method, series] : series_) Age(series, now);
    return ArchiveTotals{messages_, bytes_};
  }

 private:
  struct Series {
    std::vector<std::deque<Entry>> levels;
    std::vector<size_t> level_bytes;
  };

  Series& SeriesOf(absl::string_view method) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = series_.find(method);
    if (it == series_.end()) {
      Series fresh;
      fresh.levels.resize(limits_.buckets + 1);
      fresh.level_bytes.resize(limits_.buckets + 1);
      it = series_.emplace(std::string(method), std::move(fresh)).first;
    }
    return it->second;
  }

  // The end of level k's age range.
  absl::Duration Upper(int k) const { return limits_.recent * static_cast<double>(1ull << k); }

  // Moves every message past its level's age range on, as of `now`.
  void Age(Series& s, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (int k = 0; k <= limits_.buckets; ++k) {
      const absl::Duration upper = Upper(k);
      while (!s.levels[k].empty() && now - s.levels[k].front().at >= upper) {
        Offer(s, k + 1, PopFront(s, k));
      }
    }
  }

  // Keeps `e` in level k if it lies far enough from the level's newest
  // message, which spreads about per_bucket messages evenly over the bucket.
  void Offer(Series& s, int k, Entry e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (k > limits_.buckets) return;
    const absl::Duration spacing =
        (Upper(k) - Upper(k - 1)) / static_cast<double>(limits_.per_bucket);
    std::deque<Entry>& level = s.levels[k];
    if (!level.empty() && e.at - level.back().at < spacing) return;
    Push(s, k, std::move(e));
  }

  void Push(Series& s, int k, Entry e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const size_t cost = Cost(e);
    s.levels[k].push_back(std::move(e));
    s.level_bytes[k] += cost;
    bytes_ += cost;
    ++messages_;
  }

  Entry PopFront(Series& s, int k) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Entry e = std::move(s.levels[k].front());
    s.levels[k].pop_front();
    const size_t cost = Cost(e);
    s.level_bytes[k] -= cost;
    bytes_ -= cost;
    --messages_;
    return e;
  }

  // Thins the level holding the most bytes by its second-oldest message
  // (its only one when alone): the bound then costs detail where there is
  // most of it, and every level keeps its oldest, so how far back the
  // archive reaches does not shrink.
  void EvictOne() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Series* fullest = nullptr;
    int fullest_level = 0;
    for (auto& [method, series] : series_) {
      for (int k = 0; k <= limits_.buckets; ++k) {
        if (series.levels[k].empty()) continue;
        if (fullest == nullptr || series.level_bytes[k] > fullest->level_bytes[fullest_level]) {
          fullest = &series;
          fullest_level = k;
        }
      }
    }
    if (fullest == nullptr) return;
    std::deque<Entry>& level = fullest->levels[fullest_level];
    if (level.size() == 1) {
      PopFront(*fullest, fullest_level);
      return;
    }
    const size_t cost = Cost(level[1]);
    level.erase(level.begin() + 1);
    fullest->level_bytes[fullest_level] -= cost;
    bytes_ -= cost;
    --messages_;
  }

  const ArchiveLimits& limits_;
  absl::Mutex mu_;
  std::map<std::string, Series, std::less<>> series_ ABSL_GUARDED_BY(mu_);
  size_t messages_ ABSL_GUARDED_BY(mu_) = 0;
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

MessageArchive::MessageArchive(ArchiveLimits limits) : limits_(limits) {}
MessageArchive::~MessageArchive() = default;

MessageArchive::Shard* MessageArchive::ShardOf(LinkId link) {
  const std::pair<int, int> key{link.from, link.to};
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = shards_.find(key);
    if (it != shards_.end()) return it->second.get();
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Shard>& shard = shards_[key];
  if (shard == nullptr) shard = std::make_unique<Shard>(limits_);
  return shard.get();
}

void MessageArchive::Record(LinkId link, absl::string_view method, absl::Time at,
                            absl::string_view bytes, std::optional<int64_t> round) {
  if (round.has_value()) {
    int64_t seen = max_round_.load(std::memory_order_relaxed);
    while (*round > seen &&
           !max_round_.compare_exchange_weak(seen, *round, std::memory_order_relaxed)) {
    }
  }
  ShardOf(link)->Record(method, at, bytes, round);
}

std::optional<ArchivedMessage> MessageArchive::Oldest(const ArchiveQuery& query,
                                                      absl::Time now) {
  std::vector<Shard*> shards;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [key, shard] : shards_) {
      if (key.first == query.from && (query.to < 0 || key.second == query.to)) {
        shards.push_back(shard.get());
      }
    }
  }
  std::optional<ArchivedMessage> oldest;
  for (Shard* shard : shards) {
    std::optional<ArchivedMessage> found = shard->Oldest(query, now);
    if (found.has_value() && (!oldest.has_value() || found->at < oldest->at)) {
      oldest = std::move(found);
    }
  }
  return oldest;
}

std::optional<int64_t> MessageArchive::MaxRound() const {
  const int64_t max = max_round_.load(std::memory_order_relaxed);
  return max == INT64_MIN ? std::nullopt : std::optional<int64_t>(max);
}

ArchiveTotals MessageArchive::Totals(absl::Time now) {
  std::vector<Shard*> shards;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [key, shard] : shards_) shards.push_back(shard.get());
  }
  ArchiveTotals totals;
  for (Shard* shard : shards) {
    const ArchiveTotals t = shard->Totals(now);
    totals.messages += t.messages;
    totals.bytes += t.bytes;
  }
  return totals;
}

}  // namespace agent
}  // namespace turncoat
