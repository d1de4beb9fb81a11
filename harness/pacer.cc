#include "harness/pacer.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace turncoat {

Pacer::Pacer(int clients, std::optional<double> rate, absl::Duration t0)
    : clients_(std::max(clients, 1)), schedules_(clients_) {
  if (rate.has_value()) (void)SetRate(*rate, t0);
}

absl::Duration Pacer::NextDue(int client) const {
  if (closed_loop()) return -absl::InfiniteDuration();
  const Schedule& s = schedules_[client];
  return s.start + s.slot * *interval_;
}

void Pacer::Take(int client, absl::Duration now) {
  if (closed_loop()) return;
  Schedule& s = schedules_[client];
  // Late by a whole interval or more: this value takes the latest slot
  // already due, so the schedule resumes after now instead of bursting the
  // slots missed meanwhile.
  if (now >= s.start) {
    absl::Duration unused;
    s.slot = std::max(s.slot, absl::IDivDuration(now - s.start, *interval_, &unused));
  }
  ++s.slot;
}

absl::Status Pacer::CheckRate(double rate) {
  if (!(rate > 0) || !std::isfinite(rate)) {
    return absl::InvalidArgumentError(
        absl::StrCat("workload rate must be a positive number of values per second, not ", rate));
  }
  return absl::OkStatus();
}

absl::Status Pacer::SetRate(double rate, absl::Duration now) {
  if (absl::Status s = CheckRate(rate); !s.ok()) return s;
  interval_ = absl::Seconds(clients_ / rate);
  // Offsetting client c by c/rate interleaves the clients evenly.
  for (int c = 0; c < clients_; ++c) {
    schedules_[c] = Schedule{now + c * *interval_ / clients_, 0};
  }
  return absl::OkStatus();
}

}  // namespace turncoat
