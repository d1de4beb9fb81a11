#include "agents/timer_queue.h"

#include <vector>

namespace turncoat {
namespace agent {

TimerQueue::TimerQueue(std::function<void(absl::Time)> tick,
                       absl::Duration tick_every)
    : tick_(std::move(tick)), tick_every_(tick_every) {
  thread_ = std::thread([this] { Loop(); });
}

TimerQueue::~TimerQueue() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    cv_.Signal();
  }
  thread_.join();
  // Release captured state outside the lock: it may own objects whose
  // destructors schedule nothing but do take their own locks.
  decltype(timers_) dropped;
  {
    absl::MutexLock lock(&mu_);
    dropped.swap(timers_);
  }
}

void TimerQueue::Schedule(absl::Time when, std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  const bool earliest = timers_.empty() || when < timers_.begin()->first.first;
  timers_.emplace(std::make_pair(when, sequence_++), std::move(fn));
  if (earliest) cv_.Signal();
}

void TimerQueue::Loop() {
  absl::Time next_tick = absl::Now() + tick_every_;
  while (true) {
    std::vector<std::function<void()>> due;
    {
      absl::MutexLock lock(&mu_);
      absl::Time wake = tick_ ? next_tick : absl::InfiniteFuture();
      if (!timers_.empty() && timers_.begin()->first.first < wake) {
        wake = timers_.begin()->first.first;
      }
      // Schedule() signals when it adds an earlier timer; the loop then
      // recomputes its wake-up time. Spurious wake-ups just loop.
      if (!stop_ && absl::Now() < wake) cv_.WaitWithDeadline(&mu_, wake);
      if (stop_) return;
      const absl::Time now = absl::Now();
      while (!timers_.empty() && timers_.begin()->first.first <= now) {
        due.push_back(std::move(timers_.begin()->second));
        timers_.erase(timers_.begin());
      }
    }
    for (auto& fn : due) fn();
    if (tick_ && absl::Now() >= next_tick) {
      tick_(absl::Now());
      next_tick = absl::Now() + tick_every_;
    }
  }
}

}  // namespace agent
}  // namespace turncoat
