// The traced messages beside a safety episode: what the links of the
// replicas a divergence names carried, and what the adversary did with it,
// just before the divergence.
//
// The History counts traced messages but does not keep them (a full trace
// is hundreds of thousands), so they are read back from history.jsonl once
// the episodes are known. EpisodeMessages is the pure part, fed one message
// at a time; AttachTraceMessages streams the file through it. Not
// thread-safe.
#ifndef TURNCOAT_REPORTS_EPISODE_MESSAGES_H_
#define TURNCOAT_REPORTS_EPISODE_MESSAGES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "model/history.h"
#include "reports/episodes.h"

namespace turncoat {

// How long before a divergence messages are gathered, and how many of the
// last ones are kept for the page (all are counted by action).
inline constexpr absl::Duration kEpisodeMessageWindow = absl::Seconds(1);
inline constexpr size_t kMaxEpisodeMessages = 20;
// The agent's action for a message no fault rule changed (history.h).
inline constexpr char kPassAction[] = "pass";

class EpisodeMessages {
 public:
  // `n` tells a twin's sender id (n + r) from a replica's: a twin's
  // messages count as its replica's. `episodes` must outlive this object.
  EpisodeMessages(int n, std::vector<Episode>* episodes) : n_(n), episodes_(episodes) {}

  // Counts `message` in every safety episode whose window (the
  // kEpisodeMessageWindow up to its `began`) it falls in, on a link from or
  // to one of the episode's replicas.
  void Add(const MessageFate& message);
  // Keeps, per episode, kMaxEpisodeMessages in time order: the last ones a
  // fault rule acted on (any action but kPassAction), then the last others.
  void Finish();

 private:
  const int n_;
  std::vector<Episode>* episodes_;
};

// Feeds every `message` line of the history file at `path` to
// EpisodeMessages. Does nothing without a safety episode. Lines that are
// not messages are skipped unparsed; a malformed message line other than a
// cut-off last one is an error naming path:line.
absl::Status AttachTraceMessages(const std::string& path, int n, std::vector<Episode>* episodes);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_EPISODE_MESSAGES_H_
