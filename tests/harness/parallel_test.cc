#include "harness/parallel.h"

#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

TEST(ForEachInParallelTest, RunsEveryIndexOnce) {
  std::vector<std::atomic<int>> runs(40);
  EXPECT_TRUE(ForEachInParallel(runs.size(), 8, [&](size_t i) {
                ++runs[i];
                return absl::OkStatus();
              }).ok());
  for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << i;
  EXPECT_TRUE(ForEachInParallel(0, 8, [](size_t) { return absl::InternalError("never"); }).ok());
}

TEST(ForEachInParallelTest, OverlapsTasksUpToTheBound) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  const auto task = [&](size_t) {
    const int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    absl::SleepFor(absl::Milliseconds(100));
    --running;
    return absl::OkStatus();
  };
  ASSERT_TRUE(ForEachInParallel(12, 4, task).ok());
  // Never above the bound; side by side at all (usually all 4 at once, but
  // a loaded machine may start a thread late).
  EXPECT_LE(most.load(), 4);
  EXPECT_GE(most.load(), 2);
  most = 0;
  ASSERT_TRUE(ForEachInParallel(5, 0, task).ok());
  EXPECT_EQ(most.load(), 1);  // a bound of 0 still runs, one at a time
}

TEST(ForEachInParallelTest, ReportsTheLowestFailingIndexAfterRunningAll) {
  std::atomic<int> ran{0};
  const absl::Status s = ForEachInParallel(10, 10, [&](size_t i) {
    ++ran;
    // The higher index fails first.
    if (i == 3) absl::SleepFor(absl::Milliseconds(50));
    if (i == 3 || i == 7) return absl::UnavailableError(absl::StrCat("agent ", i));
    return absl::OkStatus();
  });
  EXPECT_EQ(s, absl::UnavailableError("agent 3"));
  EXPECT_EQ(ran.load(), 10);
}

}  // namespace
}  // namespace turncoat
