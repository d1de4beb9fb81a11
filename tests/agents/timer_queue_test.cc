#include "agents/timer_queue.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace agent {
namespace {

// Polls `done` for up to 5 s: generous, the machine is shared.
template <typename F>
bool Eventually(F done) {
  for (absl::Time end = absl::Now() + absl::Seconds(5); absl::Now() < end;) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return done();
}

TEST(TimerQueueTest, TicksOnlyFromStartTickingUntilTheTickSaysDone) {
  std::atomic<int> ticks{0};
  std::atomic<int> ticks_wanted{3};
  TimerQueue queue(
      [&](absl::Time) { return ticks.fetch_add(1) + 1 < ticks_wanted.load(); },
      absl::Milliseconds(1));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(ticks.load(), 0) << "ticked before StartTicking";

  queue.StartTicking();
  ASSERT_TRUE(Eventually([&] { return ticks.load() >= 3; }));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(ticks.load(), 3) << "kept ticking after the tick returned false";

  ticks_wanted = 5;
  queue.StartTicking();
  ASSERT_TRUE(Eventually([&] { return ticks.load() >= 5; }));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(ticks.load(), 5);
}

TEST(TimerQueueTest, StartTickingDuringATickThatReturnsFalseKeepsTicking) {
  std::atomic<int> ticks{0};
  TimerQueue* queue_ptr = nullptr;
  absl::Notification ready;
  TimerQueue queue(
      [&](absl::Time) {
        ready.WaitForNotification();
        // The first tick finds nothing left, but work arrives meanwhile.
        if (ticks.fetch_add(1) == 0) queue_ptr->StartTicking();
        return false;
      },
      absl::Milliseconds(1));
  queue_ptr = &queue;
  ready.Notify();
  queue.StartTicking();
  EXPECT_TRUE(Eventually([&] { return ticks.load() >= 2; }));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(ticks.load(), 2);
}

TEST(TimerQueueTest, TimersRunWithoutTicking) {
  std::atomic<int> ticks{0};
  TimerQueue queue([&](absl::Time) {
    ticks.fetch_add(1);
    return true;
  });
  absl::Notification fired;
  queue.Schedule(absl::Now() + absl::Milliseconds(10), [&] { fired.Notify(); });
  EXPECT_TRUE(fired.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(ticks.load(), 0);
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
