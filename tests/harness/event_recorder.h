// Recorder: the controller's side of a WorkloadRunner in tests, a run clock
// and a thread-safe history sink, with views of what was recorded.
#ifndef TURNCOAT_TESTS_HARNESS_EVENT_RECORDER_H_
#define TURNCOAT_TESTS_HARNESS_EVENT_RECORDER_H_

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "model/history.h"

namespace turncoat {

// The controller's side: a run clock and a thread-safe history sink.
class Recorder {
 public:
  std::function<absl::Duration()> clock() {
    return [start = start_] { return absl::Now() - start; };
  }
  std::function<void(Event)> sink() {
    return [this](Event e) {
      absl::MutexLock lock(&mu_);
      events_.push_back(std::move(e));
    };
  }
  absl::Duration now() const { return absl::Now() - start_; }

  std::vector<Event> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  std::vector<Submit> submits() {
    std::vector<Submit> out;
    for (const Event& e : events()) {
      if (const auto* s = std::get_if<Submit>(&e)) out.push_back(*s);
    }
    return out;
  }
  std::vector<Ack> acks() {
    std::vector<Ack> out;
    for (const Event& e : events()) {
      if (const auto* a = std::get_if<Ack>(&e)) out.push_back(*a);
    }
    return out;
  }
  // Each client's first attempts, in the order it made them.
  std::map<int, std::vector<Submit>> first_attempts() {
    std::map<int, std::vector<Submit>> out;
    std::set<std::string> seen;
    for (const Submit& s : submits()) {
      if (seen.insert(s.value).second) out[s.client].push_back(s);
    }
    return out;
  }
  // The most values each client had outstanding (submitted, not yet
  // acked) at once, in the order events were recorded.
  std::map<int, int> max_outstanding() {
    std::map<int, int> now;
    std::map<int, int> most;
    for (const Event& e : events()) {
      if (const auto* s = std::get_if<Submit>(&e)) {
        most[s->client] = std::max(most[s->client], ++now[s->client]);
      }
      if (const auto* a = std::get_if<Ack>(&e)) --now[a->client];
    }
    return most;
  }
  // Every value's events, in the order they were recorded.
  std::map<std::string, std::vector<Event>> by_value() {
    std::map<std::string, std::vector<Event>> out;
    for (const Event& e : events()) {
      if (const auto* s = std::get_if<Submit>(&e)) out[s->value].push_back(e);
      if (const auto* a = std::get_if<Ack>(&e)) out[a->value].push_back(e);
    }
    return out;
  }

 private:
  const absl::Time start_ = absl::Now();
  absl::Mutex mu_;
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
};

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_HARNESS_EVENT_RECORDER_H_
