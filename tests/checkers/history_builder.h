// Builds synthetic histories for checker tests, with times in milliseconds
// so expected messages read "2s" rather than floating-point noise.
#ifndef TURNCOAT_TESTS_CHECKERS_HISTORY_BUILDER_H_
#define TURNCOAT_TESTS_CHECKERS_HISTORY_BUILDER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "checkers/checker.h"
#include "model/history.h"

namespace turncoat {

class HistoryBuilder {
 public:
  // A submission and, 1 ms later, its reply.
  HistoryBuilder& Submit(int64_t ms, int replica, const std::string& value, bool accepted = true,
                         int client = 0) {
    history_.Add(turncoat::Submit{absl::Milliseconds(ms), client, replica, value});
    // A client program (replica -1) refuses with its fail line.
    const std::string error =
        accepted ? "" : replica < 0 ? absl::StrCat(kProgramRefusal, "fail ", value) : "rejected";
    history_.Add(Ack{absl::Milliseconds(ms + 1), client, replica, value, accepted, error});
    return *this;
  }
  // A client program's submission that was never acknowledged: its Ack,
  // at the deadline `deadline_ms` later, says so.
  HistoryBuilder& Unacknowledged(int64_t ms, const std::string& value, int64_t deadline_ms,
                                 int client = 0) {
    history_.Add(turncoat::Submit{absl::Milliseconds(ms), client, -1, value});
    history_.Add(Ack{absl::Milliseconds(ms + deadline_ms), client, -1, value, false,
                     "DEADLINE_EXCEEDED: no acknowledgement"});
    return *this;
  }
  HistoryBuilder& Commit(int64_t ms, int replica, uint64_t seq, const std::string& value) {
    history_.Add(turncoat::Commit{absl::Milliseconds(ms), replica, seq, value});
    return *this;
  }
  // The same commit at each of `replicas`, all at time `ms`.
  HistoryBuilder& CommitAt(int64_t ms, const std::vector<int>& replicas, uint64_t seq,
                           const std::string& value) {
    for (int r : replicas) Commit(ms, r, seq, value);
    return *this;
  }
  HistoryBuilder& Fault(int64_t start_ms, std::optional<int64_t> end_ms, int phase,
                        const std::string& adversary, std::vector<int> nodes) {
    history_.Add(FaultStart{absl::Milliseconds(start_ms), phase, adversary, std::move(nodes)});
    if (end_ms.has_value()) history_.Add(FaultEnd{absl::Milliseconds(*end_ms), phase});
    return *this;
  }
  HistoryBuilder& Step(int64_t ms, int phase, std::vector<int> nodes) {
    history_.Add(FaultStep{absl::Milliseconds(ms), phase, "step", std::move(nodes)});
    return *this;
  }
  HistoryBuilder& Start(int64_t ms, int replica) {
    history_.Add(ProcessStart{absl::Milliseconds(ms), replica, 1000 + replica});
    return *this;
  }
  HistoryBuilder& Exit(int64_t ms, int replica, bool requested, std::optional<int> code,
                       std::optional<int> signal, const std::string& detail = "") {
    history_.Add(ProcessExit{absl::Milliseconds(ms), replica, requested, code, signal, detail});
    return *this;
  }
  // The link's cumulative rule counters as of `ms`, e.g.
  // {{"p0-omission-m0 matched", 12}, {"p0-omission-m0 applied", 12}}.
  HistoryBuilder& Counters(int64_t ms, int from, int to, std::map<std::string, int64_t> counters) {
    history_.Add(LinkStats{absl::Milliseconds(ms), from, to, std::move(counters)});
    return *this;
  }
  HistoryBuilder& End(int64_t ms) {
    history_.Add(RunEnd{absl::Milliseconds(ms)});
    return *this;
  }

  const History& history() const { return history_; }

 private:
  History history_;
};

inline CheckContext Context(int n, std::set<int> byzantine = {},
                            std::optional<absl::Duration> commit_within = std::nullopt) {
  CheckContext c;
  c.n = n;
  c.f = (n - 1) / 3;
  c.byzantine = std::move(byzantine);
  c.commit_within = commit_within;
  return c;
}

// Runs a registered checker by name, as the controller does.
inline CheckResult RunRegistered(const std::string& name, const History& history,
                                 const CheckContext& context) {
  const CheckerInfo* checker = CheckerRegistry::Global().Find(name);
  if (checker == nullptr) {
    CheckResult missing;
    missing.invariant = "missing checker " + name;
    return missing;
  }
  return RunChecker(*checker, history, context);
}

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_CHECKERS_HISTORY_BUILDER_H_
