// Run under TSan (halt_on_error=1): each test hands data between threads
// through one of Abseil's primitives, with plain (non-atomic) accesses on
// both sides. Without absl_sync_annotations.cc TSan reports every one of
// them as a race and the test binary dies; with it, they pass and a real
// race elsewhere is still reported.
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace {

TEST(TsanAbslSyncTest, MutexLockOrdersGuardedWrites) {
  absl::Mutex mu;
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        absl::MutexLock lock(&mu);
        ++counter;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter, 4000);
}

TEST(TsanAbslSyncTest, ReaderLockSeesTheWritersData) {
  absl::Mutex mu;
  int value = 0;
  std::thread writer([&] {
    absl::MutexLock lock(&mu);
    value = 7;
  });
  writer.join();
  std::thread reader([&] {
    absl::ReaderMutexLock lock(&mu);
    EXPECT_EQ(value, 7);
  });
  reader.join();
}

TEST(TsanAbslSyncTest, CondVarWaitSeesWhatTheSignallerWrote) {
  absl::Mutex mu;
  absl::CondVar cv;
  bool ready = false;
  int payload = 0;
  std::thread producer([&] {
    absl::MutexLock lock(&mu);
    payload = 42;
    ready = true;
    cv.Signal();
  });
  {
    absl::MutexLock lock(&mu);
    while (!ready) cv.WaitWithTimeout(&mu, absl::Seconds(10));
    EXPECT_EQ(payload, 42);
  }
  producer.join();
}

TEST(TsanAbslSyncTest, AwaitSeesTheConditionsWrites) {
  absl::Mutex mu;
  int stage = 0;
  int payload = 0;
  std::thread producer([&] {
    absl::MutexLock lock(&mu);
    payload = 5;
    stage = 1;
  });
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(+[](int* s) { return *s == 1; }, &stage));
    EXPECT_EQ(payload, 5);
  }
  producer.join();
}

TEST(TsanAbslSyncTest, NotificationPublishesWhatCameBefore) {
  absl::Notification done;
  int payload = 0;
  std::thread producer([&] {
    payload = 9;
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(payload, 9);
  producer.join();
}

}  // namespace
