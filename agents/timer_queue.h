// TimerQueue: runs callbacks at given times on one background thread, and an
// optional periodic tick (the agent uses it to flush expired hold windows).
//
// The link proxy delays frames with it, so delays never block a gRPC thread.
// The tick runs only while there is work for it: from StartTicking() until
// a tick returns false, so that an idle agent's thread sleeps instead of
// waking every few milliseconds (31 idle agents took a quarter of a core:
// bench/README.md, start-up, second round). A StartTicking() that races
// with a tick returning false still wins.
// Callbacks must be short and must not call back into the queue's destructor.
// Destroying the queue stops the thread and drops callbacks not yet run
// (their captured state is released). Thread-safe.
#ifndef TURNCOAT_AGENTS_TIMER_QUEUE_H_
#define TURNCOAT_AGENTS_TIMER_QUEUE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace turncoat {
namespace agent {

class TimerQueue {
 public:
  // `tick`, if set, runs about every `tick_every` with the current time
  // while ticking: after StartTicking(), until it returns false.
  explicit TimerQueue(std::function<bool(absl::Time)> tick = nullptr,
                      absl::Duration tick_every = absl::Milliseconds(5));
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  void Schedule(absl::Time when, std::function<void()> fn);
  // Runs the tick from now on (within `tick_every`) until it returns false.
  // Cheap when already ticking.
  void StartTicking();

 private:
  void Loop();

  const std::function<bool(absl::Time)> tick_;
  const absl::Duration tick_every_;
  absl::Mutex mu_;
  absl::CondVar cv_;
  // Keyed by (time, sequence) so equal times run in scheduling order.
  std::map<std::pair<absl::Time, uint64_t>, std::function<void()>> timers_
      ABSL_GUARDED_BY(mu_);
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool ticking_ ABSL_GUARDED_BY(mu_) = false;
  // Counts StartTicking() calls, so that one made during a tick that
  // returned false keeps the tick running.
  uint64_t tick_requests_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_TIMER_QUEUE_H_
