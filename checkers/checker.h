// The checker interface: pure functions from a recorded History (plus the
// plan's and the target's facts) to findings with evidence.
//
// A checker never talks to a replica or reads a clock; it only reads the
// history, so every checker is unit-tested on synthetic histories, and a
// history replayed from disk gets exactly the verdict it got live. Each
// finding carries the observations it rests on: which replicas, which
// sequence numbers, which values, at what times.
//
// Checkers live in checkers/, one file pair each, and add themselves
// to the CheckerRegistry with a static CheckerRegistration. The registry is
// thread-safe; CheckResult and the other types are plain values.
#ifndef TURNCOAT_CHECKERS_CHECKER_H_
#define TURNCOAT_CHECKERS_CHECKER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "model/history.h"
#include "model/target_spec.h"

namespace turncoat {

struct Plan;

// The plan's and the target's facts a checker may use.
struct CheckContext {
  int n = 0;
  int f = 0;
  std::set<int> byzantine;
  // The liveness bound; unset when the plan expects no liveness.
  std::optional<absl::Duration> commit_within;
  // How the target's protocol is judged: pipeline depth, what integrity
  // means, which exit statuses are a clean shutdown (target file `checks`).
  CheckSpec checks;

  static CheckContext For(const Plan& plan, const TargetSpec& target);
  bool IsHonest(int replica) const { return byzantine.count(replica) == 0; }
  // An exit status as the target's `exit_ok` lists it: the exit code, or
  // 128 + the signal that killed the process; unset when neither is known.
  static std::optional<int> ExitStatus(const ProcessExit& exit);
  // `exit` is one of the statuses the target calls a clean shutdown.
  bool CleanShutdown(const ProcessExit& exit) const;
};

// One recorded event that a finding rests on.
struct Observation {
  absl::Duration t;   // since the run started
  std::string event;  // "commit", "submit", "exit", "fault_start", ... or "deadline"
  int replica = -1;   // -1: not about one replica
  std::optional<uint64_t> seq;
  std::optional<std::string> value;
  std::string note;  // what this observation shows, in a few words
};

Observation ObserveCommit(const Commit& commit, std::string note);
Observation ObserveSubmit(const Submit& submit, std::string note);

// A value quoted for a finding's message: printable as itself, else as hex,
// shortened past 48 characters.
std::string QuoteValue(absl::string_view value);

struct Finding {
  std::string message;  // one sentence naming replicas, seqs and values
  std::vector<Observation> evidence;
};

enum class InvariantKind { kSafety, kLiveness };

// What a checker that may excuse what it sees actually judged: `judged`
// items held to the invariant, and per reason (a phrase that reads after a
// count: "too close to the end of the run to judge") how many it excused.
// An invariant that holds because everything was excused proves nothing,
// which is what the report's inconclusive verdict looks for.
struct CheckCoverage {
  int64_t judged = 0;
  std::map<std::string, int64_t> excused;

  int64_t excused_total() const;
};

// What one checker concluded. `violations` counts every violation found;
// `findings` keeps the first kMaxFindings of them: enough that the report
// can group a run's findings into episodes and count the values each one
// affected, few enough that a divergence repeated at every later sequence
// number of a long run stays a bounded report.json. The HTML page shows a
// few examples per episode, not every finding.
struct CheckResult {
  static constexpr size_t kMaxFindings = 1000;

  std::string invariant;
  InvariantKind kind = InvariantKind::kSafety;
  int64_t violations = 0;
  std::vector<Finding> findings;
  // What was examined, for the report: "1200 commits at 3 honest replicas".
  std::string checked;
  // Set by checkers that excuse items (liveness); unset for those that
  // judge everything they see.
  std::optional<CheckCoverage> coverage;

  bool holds() const { return violations == 0; }
  void Add(Finding finding);
};

using CheckFn = void (*)(const History& history, const CheckContext& context, CheckResult* result);

struct CheckerInfo {
  std::string name;  // as plans write it in `expect`
  InvariantKind kind = InvariantKind::kSafety;
  std::string summary;
  CheckFn check = nullptr;
};

class CheckerRegistry {
 public:
  static CheckerRegistry& Global();

  // Fails if the name is empty, taken, or the function is missing.
  absl::Status Register(CheckerInfo info);
  // nullptr if no checker has that name.
  const CheckerInfo* Find(absl::string_view name) const;
  // Registered names of one kind, sorted.
  std::vector<std::string> Names(InvariantKind kind) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, CheckerInfo, std::less<>> checkers_ ABSL_GUARDED_BY(mu_);
};

// Runs one registered checker; the result is named and kinded after it.
CheckResult RunChecker(const CheckerInfo& checker, const History& history,
                       const CheckContext& context);

// Runs what the plan expects, judged as the target's `checks` say: its
// safety invariants in the order listed, then liveness if the plan sets a
// bound. The plan loader has made sure every name is registered.
std::vector<CheckResult> RunExpectedCheckers(const Plan& plan, const TargetSpec& target,
                                             const History& history);

// `static CheckerRegistration kRegistration({...});` in a checker's .cc file;
// a duplicate name aborts at start-up.
class CheckerRegistration {
 public:
  explicit CheckerRegistration(CheckerInfo info);
};

}  // namespace turncoat

#endif  // TURNCOAT_CHECKERS_CHECKER_H_
