// Episodes: a run's findings grouped into the few stories a person reads
// first, so hundreds of findings that say the same thing read as one.
//
// Liveness findings whose windows (from a value's submission to its
// deadline) overlap form one episode: a stretch in which values did not
// commit, with when it began (the moment the late replicas' commits stopped,
// when they stopped), which replicas, which fault phases were active, how
// many values it affected and when commits resumed. Each violated safety
// invariant is one episode about its first divergence (the finding at the
// lowest sequence number, else the earliest), with the logs of the replicas
// it names side by side around that sequence number.
//
// Every finding the checkers kept belongs to exactly one episode; an episode
// keeps at most kMaxEpisodeExamples of them as examples. BuildEpisodes is a
// pure function of its inputs; Episode is a plain value.
#ifndef TURNCOAT_REPORTS_EPISODES_H_
#define TURNCOAT_REPORTS_EPISODES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "checkers/checker.h"
#include "model/history.h"
#include "model/plan.h"

namespace turncoat {

inline constexpr size_t kMaxEpisodeExamples = 3;
// Log entries shown either side of a safety episode's first divergence.
inline constexpr uint64_t kLogContext = 3;

// One commit in a replica's log as an episode shows it.
struct LogEntry {
  uint64_t seq = 0;
  std::string value;
  absl::Duration t;
  bool cited = false;  // part of the episode's first finding's evidence
};

struct ReplicaLog {
  int replica = 0;
  std::vector<LogEntry> entries;  // by seq, then time
};

// A fault phase (or a step of one) active during an episode's beginning.
struct ActiveFault {
  int phase = 0;
  std::string adversary;
  std::vector<int> nodes;
  absl::Duration start;
  absl::Duration end;
  std::string what;  // the step's description; empty for the phase as a whole
};

struct Episode {
  std::string invariant;
  InvariantKind kind = InvariantKind::kSafety;
  // Liveness: when commits stopped at the late replicas (the earliest of
  // their last commits by their first late deadline), or when the first
  // late value was submitted if they kept committing other values. Safety:
  // when the first divergence became one (its evidence first shows two
  // different values, else its last observation).
  absl::Duration began;
  // Liveness: the first late value's submission to the last one's deadline.
  absl::Duration first_submitted;
  absl::Duration last_deadline;
  // Liveness, when every late replica committed nothing in the second half
  // of its first late value's wait, up to the deadline.
  bool stalled = false;
  // Liveness: when the last of the late replicas committed again after the
  // first deadline; unset if one never did.
  std::optional<absl::Duration> resumed;
  std::vector<int> replicas;  // the late replicas, or those the divergence names
  std::vector<ActiveFault> faults;
  int64_t findings = 0;  // findings grouped here
  int64_t values = 0;    // distinct values they name
  // One line: what happened, when, where.
  std::string summary;
  // One sentence: why this is a violation.
  std::string why;
  std::vector<Finding> examples;  // at most kMaxEpisodeExamples, the first finding first
  std::vector<ReplicaLog> logs;   // safety: around the first divergence
  // Safety, when the run traced messages: those on links from or to
  // `replicas` in the moments before `began`, counted by action, and the
  // last few of them (reports/episode_messages.h; empty from BuildEpisodes).
  std::map<std::string, int64_t> message_actions;
  std::vector<MessageFate> messages;
};

// The episodes of `results` in the order they began (ties in the results'
// order), so the page tells the run's story in time. `history` supplies the
// commit logs and fault phases; `plan` the fault bound and the liveness
// bound the sentences cite.
std::vector<Episode> BuildEpisodes(const Plan& plan, const History& history,
                                   const std::vector<CheckResult>& results);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_EPISODES_H_
