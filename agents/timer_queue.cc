#include "agents/timer_queue.h"

#include <vector>

namespace turncoat {
namespace agent {

TimerQueue::TimerQueue(std::function<bool(absl::Time)> tick,
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

void TimerQueue::StartTicking() {
  absl::MutexLock lock(&mu_);
  ++tick_requests_;
  if (ticking_ || !tick_) return;
  ticking_ = true;
  cv_.Signal();
}

void TimerQueue::Loop() {
  absl::Time next_tick = absl::Now() + tick_every_;
  bool was_ticking = false;
  while (true) {
    std::vector<std::function<void()>> due;
    bool tick_due = false;
    uint64_t requests = 0;
    {
      absl::MutexLock lock(&mu_);
      if (ticking_ && !was_ticking) next_tick = absl::Now() + tick_every_;
      was_ticking = ticking_;
      absl::Time wake = ticking_ ? next_tick : absl::InfiniteFuture();
      if (!timers_.empty() && timers_.begin()->first.first < wake) {
        wake = timers_.begin()->first.first;
      }
      // Schedule() signals when it adds an earlier timer, StartTicking()
      // when the tick starts; the loop then recomputes its wake-up time.
      // Spurious wake-ups just loop.
      if (!stop_ && absl::Now() < wake) cv_.WaitWithDeadline(&mu_, wake);
      if (stop_) return;
      const absl::Time now = absl::Now();
      while (!timers_.empty() && timers_.begin()->first.first <= now) {
        due.push_back(std::move(timers_.begin()->second));
        timers_.erase(timers_.begin());
      }
      tick_due = ticking_ && was_ticking && now >= next_tick;
      requests = tick_requests_;
    }
    for (auto& fn : due) fn();
    if (tick_due) {
      const bool more = tick_(absl::Now());
      next_tick = absl::Now() + tick_every_;
      if (!more) {
        absl::MutexLock lock(&mu_);
        if (tick_requests_ == requests) ticking_ = false;
        was_ticking = ticking_;
      }
    }
  }
}

}  // namespace agent
}  // namespace turncoat
