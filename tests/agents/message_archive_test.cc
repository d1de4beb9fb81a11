// Tests of the run-long message archive on a fake clock: what thinning
// keeps, that the memory bound holds under a flood, and what queries find.
#include "agents/message_archive.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace agent {
namespace {

constexpr char kMethod[] = "/svc.Peer/Send";
const absl::Time kStart = absl::FromUnixSeconds(1'000'000);

// Every message `query` admits, oldest first, as a replay walking the
// archive would take them.
std::vector<absl::Time> Walk(MessageArchive& archive, ArchiveQuery query, absl::Time now) {
  std::vector<absl::Time> times;
  while (std::optional<ArchivedMessage> m = archive.Oldest(query, now)) {
    times.push_back(m->at);
    query.after = m->at;
  }
  return times;
}

ArchiveQuery On(int from, int to) {
  ArchiveQuery q;
  q.from = from;
  q.to = to;
  q.method = kMethod;
  return q;
}

// Whether some message of link 0->1 is between `age` and `age` - age/8 old.
bool HasMessageAged(MessageArchive& archive, absl::Time now, absl::Duration age) {
  ArchiveQuery q = On(0, 1);
  q.not_before = now - age;
  q.not_after = now - age + age / 8;
  return archive.Oldest(q, now).has_value();
}

TEST(MessageArchiveTest, KeepsEveryMessageOfTheLastSecond) {
  MessageArchive archive;
  for (int i = 0; i < 500; ++i) {
    archive.Record({0, 1}, kMethod, kStart + absl::Milliseconds(i), absl::StrCat(i), i);
  }
  const absl::Time now = kStart + absl::Milliseconds(600);
  const std::vector<absl::Time> times = Walk(archive, On(0, 1), now);
  ASSERT_EQ(times.size(), 500u);
  EXPECT_EQ(times.front(), kStart);
  EXPECT_EQ(times.back(), kStart + absl::Milliseconds(499));
}

TEST(MessageArchiveTest, OldBucketsKeepMessagesOfEveryAgeAndTheVeryFirst) {
  MessageArchive archive;
  const absl::Duration run = absl::Minutes(20);
  for (absl::Duration t; t < run; t += absl::Milliseconds(10)) {
    archive.Record({0, 1}, kMethod, kStart + t, "vote", std::nullopt);
  }
  const absl::Time now = kStart + run;
  for (absl::Duration age : {absl::Seconds(1), absl::Seconds(10), absl::Seconds(60),
                             absl::Minutes(10), absl::Minutes(19)}) {
    EXPECT_TRUE(HasMessageAged(archive, now, age)) << age;
  }
  std::optional<ArchivedMessage> first = archive.Oldest(On(0, 1), now);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->at, kStart);
  // 120,000 messages recorded; thinning keeps the last second's and about
  // per_bucket per older bucket.
  const ArchiveLimits& limits = archive.limits();
  EXPECT_LE(archive.Totals(now).messages,
            100 + limits.buckets * (2 * limits.per_bucket + 1));
  EXPECT_GE(archive.Totals(now).messages, 100 + limits.per_bucket);
}

TEST(MessageArchiveTest, BoundHoldsUnderAFloodOfAMillionMessages) {
  MessageArchive archive;
  const ArchiveLimits& limits = archive.limits();
  const std::string bytes(200, 'x');
  // A million messages in 100 s: 10,000 a second, ten times what the
  // recent level keeps.
  for (int i = 0; i < 1'000'000; ++i) {
    const absl::Time at = kStart + absl::Microseconds(100) * i;
    archive.Record({0, 1}, kMethod, at, bytes, std::nullopt);
    if (i % 100'000 == 0) {
      const ArchiveTotals totals = archive.Totals(at);
      ASSERT_LE(totals.messages, limits.max_messages) << i;
      ASSERT_LE(totals.bytes, limits.max_bytes) << i;
    }
  }
  const absl::Time now = kStart + absl::Seconds(100);
  const ArchiveTotals totals = archive.Totals(now);
  EXPECT_LE(totals.messages, limits.recent_max + limits.buckets * (2 * limits.per_bucket + 1));
  EXPECT_LE(totals.bytes, totals.messages * (bytes.size() + kArchiveEntryOverhead));
  for (absl::Duration age : {absl::Seconds(2), absl::Seconds(10), absl::Seconds(60)}) {
    EXPECT_TRUE(HasMessageAged(archive, now, age)) << age;
  }
}

TEST(MessageArchiveTest, ByteBoundDropsDetailNotHistory) {
  ArchiveLimits limits;
  limits.max_bytes = 1 << 20;
  MessageArchive archive(limits);
  const std::string block(50'000, 'b');  // 21 of them exceed the bound
  for (int i = 0; i < 6000; ++i) {
    const absl::Time at = kStart + absl::Milliseconds(100) * i;
    archive.Record({0, 1}, kMethod, at, block, std::nullopt);
    ASSERT_LE(archive.Totals(at).bytes, limits.max_bytes) << i;
  }
  const absl::Time now = kStart + absl::Seconds(600);
  // The fullest bucket pays: the oldest messages are still there.
  std::optional<ArchivedMessage> first = archive.Oldest(On(0, 1), now);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->at, kStart);
  ArchiveQuery minutes_ago = On(0, 1);
  minutes_ago.not_before = now - absl::Minutes(2);
  minutes_ago.not_after = now - absl::Seconds(30);
  EXPECT_TRUE(archive.Oldest(minutes_ago, now).has_value());
}

TEST(MessageArchiveTest, SameInputsKeepTheSameMessages) {
  const auto fill = [](MessageArchive& archive) {
    uint64_t x = 7;
    absl::Time at = kStart;
    for (int i = 0; i < 200'000; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      at += absl::Microseconds(x >> 54);  // irregular gaps, up to 1 ms
      archive.Record({0, 1}, kMethod, at, absl::StrCat(i), std::nullopt);
    }
    return at;
  };
  MessageArchive a, b;
  const absl::Time end_a = fill(a);
  const absl::Time end_b = fill(b);
  ASSERT_EQ(end_a, end_b);
  const std::vector<absl::Time> kept = Walk(a, On(0, 1), end_a + absl::Seconds(5));
  EXPECT_GT(kept.size(), 100u);
  EXPECT_EQ(kept, Walk(b, On(0, 1), end_b + absl::Seconds(5)));
}

TEST(MessageArchiveTest, QueriesSelectByLinkMethodAgeAndRound) {
  MessageArchive archive;
  archive.Record({0, 1}, kMethod, kStart, "to-1", 3);
  archive.Record({0, 2}, kMethod, kStart + absl::Milliseconds(1), "to-2", 4);
  archive.Record({0, 1}, "/svc.Peer/Other", kStart + absl::Milliseconds(2), "other", 5);
  archive.Record({1, 0}, kMethod, kStart + absl::Milliseconds(3), "from-1", 9);
  archive.Record({0, 1}, kMethod, kStart + absl::Seconds(30), "recent", 8);
  const absl::Time now = kStart + absl::Seconds(31);
  EXPECT_EQ(archive.MaxRound(), 9);

  const auto bytes = [&](const ArchiveQuery& q) {
    std::optional<ArchivedMessage> m = archive.Oldest(q, now);
    return m.has_value() ? m->bytes : "";
  };
  EXPECT_EQ(bytes(On(0, 1)), "to-1");
  EXPECT_EQ(bytes(On(0, 2)), "to-2");
  ArchiveQuery any = On(0, -1);
  any.after = kStart;
  EXPECT_EQ(bytes(any), "to-2");  // any link of replica 0, never replica 1's
  ArchiveQuery other = On(0, 1);
  other.method = "/svc.Peer/Other";
  EXPECT_EQ(bytes(other), "other");

  ArchiveQuery young = On(0, 1);
  young.not_before = now - absl::Seconds(10);
  EXPECT_EQ(bytes(young), "recent");
  ArchiveQuery old = On(0, 1);
  old.after = kStart;
  old.not_after = now - absl::Seconds(10);
  EXPECT_EQ(bytes(old), "");
  ArchiveQuery low_round = On(0, -1);
  low_round.after = kStart;
  low_round.max_round = 3;
  EXPECT_EQ(bytes(low_round), "");
  low_round.max_round = 4;
  EXPECT_EQ(bytes(low_round), "to-2");
}

TEST(MessageArchiveTest, ForgetsWhatIsOlderThanTheLastBucket) {
  ArchiveLimits limits;
  limits.buckets = 3;  // keeps 8 s
  MessageArchive archive(limits);
  archive.Record({0, 1}, kMethod, kStart, "old", std::nullopt);
  archive.Record({0, 1}, kMethod, kStart + absl::Seconds(5), "newer", std::nullopt);
  std::optional<ArchivedMessage> m = archive.Oldest(On(0, 1), kStart + absl::Seconds(9));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bytes, "newer");
  EXPECT_EQ(archive.Totals(kStart + absl::Seconds(9)).messages, 1u);
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
