// Pacer: when each client of a workload may send its next value.
//
// Paced at `rate` values per second over `clients` clients, client c's
// slots fall at start + c/rate + k*clients/rate, so the clients interleave
// into one evenly paced stream. A client that takes its slot late (its
// in-flight limit was reached, or its thread woke late) resumes at the
// latest slot already due: the slots missed meanwhile are dropped, never
// sent in a burst. Closed loop, every client may send at any time; the
// limit is how many values it keeps in flight, which the caller enforces.
//
// SetRate switches to (or between) paced rates from a given moment: every
// client's schedule restarts there with its offset, so in the first
// interval after the switch each client sends at most one value whatever it
// did before.
//
// The Pacer only does arithmetic on the times it is given; it is a value
// and not thread-safe.
#ifndef TURNCOAT_HARNESS_PACER_H_
#define TURNCOAT_HARNESS_PACER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace turncoat {

class Pacer {
 public:
  // Paced at `rate` from `t0`, or closed loop when `rate` is unset. A rate
  // CheckRate refuses makes it closed loop.
  Pacer(int clients, std::optional<double> rate, absl::Duration t0);

  // When client `client` may send next: -infinity in closed loop.
  absl::Duration NextDue(int client) const;

  // Client `client` sends a value at `now` (not before NextDue): takes the
  // slot due, or the latest one already due if it is late.
  void Take(int client, absl::Duration now);

  // Paces every client at `rate` values per second from `now` on; fails as
  // CheckRate.
  absl::Status SetRate(double rate, absl::Duration now);

  // InvalidArgument unless `rate` is a positive, finite number of values per
  // second.
  static absl::Status CheckRate(double rate);

  bool closed_loop() const { return !interval_.has_value(); }

 private:
  struct Schedule {
    absl::Duration start;  // of slot 0
    int64_t slot = 0;      // the next slot to take
  };

  const int clients_;
  std::optional<absl::Duration> interval_;  // between two slots of one client; unset: closed loop
  std::vector<Schedule> schedules_;         // index = client
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_PACER_H_
