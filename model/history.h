// History: everything observed during one run, in one record.
//
// As in Jepsen, client operations, commits at replicas, the adversary's
// fault phases, replica process starts and exits, per-link message counters
// and traced message fates all land in the same history, so the checkers
// and the report read a single account of the run. Times are offsets from
// the run's start on the controller's monotonic clock.
//
// Traced message fates are counted, not kept: a full trace of a busy run is
// hundreds of thousands of messages, more than the checkers' copy of the
// history should hold, and no checker reads them. Each one is a line of
// history.jsonl (event_log.h); the History keeps per-link, per-action
// counts for the report.
//
// Events arrive from several sources, so a History keeps arrival order,
// which need not be time order; checkers must not assume sorted input.
// History is a value; it is not thread-safe (the collector owns it, or it is
// rebuilt from the event log after the run).
#ifndef TURNCOAT_MODEL_HISTORY_H_
#define TURNCOAT_MODEL_HISTORY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/time/time.h"

namespace turncoat {

// The controller started the run: t = 0 is this moment.
struct RunStart {
  absl::Duration t;
  std::string wall_time;  // RFC 3339, for people
};

// Every replica is ready (as the target's `replica.ready` says): the
// plan's timeline counts from here, so phase `at` times are planned as
// t + at.
struct ClusterReady {
  absl::Duration t;
};

// `rate: auto` measured the target during its warm-up (closed-loop
// clients): it committed `commit_rate` values per second with these
// commit latencies, so the run paces at `rate`, and a liveness bound given
// relative to the latency became `commit_within`. The timeline starts
// after the warm-up: the ClusterReady that follows.
struct Calibration {
  absl::Duration t;
  double commit_rate = 0;
  absl::Duration latency_p50;
  absl::Duration latency_p99;
  double rate = 0;
  std::optional<absl::Duration> commit_within;
};

// The controller stopped the workload and the adversary and began teardown.
struct RunEnd {
  absl::Duration t;
};

// A client sent `value` to `replica`.
struct Submit {
  absl::Duration t;
  int client = 0;
  int replica = 0;
  std::string value;
};

// How the error of an Ack of a client program's submission starts when the
// program said it refused the value (its `fail` line), as opposed to a
// value that was never acknowledged.
inline constexpr char kProgramRefusal[] = "refused: ";

// The reply to a Submit (or its failure: accepted = false with an error).
struct Ack {
  absl::Duration t;
  int client = 0;
  int replica = 0;
  std::string value;
  bool accepted = false;
  std::string error;
};

// `replica` reported committing `value` at sequence number `seq` (from 1).
struct Commit {
  absl::Duration t;
  int replica = 0;
  uint64_t seq = 0;
  std::string value;
};

// Timeline phase `phase` (index into the plan's timeline) began. `nodes` are
// the replicas it makes faulty, which is what counts against the fault
// bound: the phase's nodes, or those of the step it begins with (none for
// a delay within the plan's synchrony bound Δ).
struct FaultStart {
  absl::Duration t;
  int phase = 0;
  std::string adversary;
  std::vector<int> nodes;
};

struct FaultEnd {
  absl::Duration t;
  int phase = 0;
};

// Phase `phase` changed what it does while active: from t until its next
// step or its end, `nodes` are the replicas it makes faulty (in place of
// its FaultStart's), e.g. a random schedule's new round, or a partition
// that cuts replicas off from every quorum. `what` says it for a reader.
struct FaultStep {
  absl::Duration t;
  int phase = 0;
  std::string what;
  std::vector<int> nodes;
};

struct ProcessStart {
  absl::Duration t;
  int replica = 0;
  int pid = 0;
};

// A replica process ended. `requested` is true when the harness stopped it
// (teardown or a process fault), false when it exited on its own.
struct ProcessExit {
  absl::Duration t;
  int replica = 0;
  bool requested = false;
  std::optional<int> exit_code;  // set if it exited
  std::optional<int> signal;     // set if a signal killed it
  std::string detail;            // e.g. the last lines of its stderr
};

// Cumulative message counters of the directed link from -> to, as of t:
// "forwarded", "dropped", "delayed", ... one per rule outcome.
struct LinkStats {
  absl::Duration t;
  int from = 0;
  int to = 0;
  std::map<std::string, int64_t> counters;
};

// What the proxies of a TCP target carried on the directed link from -> to,
// as of t (cumulative over the run): frames and bytes per kind of frame
// (the kind its framing names, "type N" for a type it does not name,
// "unframed" for raw reads of a stream without framing), bytes passed raw
// after the stream stopped parsing, connections that carried the link's
// bytes, and connections its source dialled that did not reach the
// destination. For a gRPC target's link, only what its proxy rejected:
// connections ended because a peer broke HTTP/2, and calls ended because a
// message exceeded the proxy's limit (the other counts stay 0). Recorded
// once per link at the end of the run.
struct LinkTraffic {
  struct Count {
    int64_t frames = 0;
    int64_t bytes = 0;
    bool operator==(const Count& o) const { return frames == o.frames && bytes == o.bytes; }
  };
  absl::Duration t;
  int from = 0;
  int to = 0;
  std::map<std::string, Count> kinds;
  int64_t unparsed_bytes = 0;
  int64_t connections = 0;
  int64_t refused = 0;
  int64_t malformed_connections = 0;
  int64_t oversized_messages = 0;
};

// The agents began tracing message fates: one message in `sample_every` of
// each agent's, so a reader scales the counts by it.
struct TraceStart {
  absl::Duration t;
  uint32_t sample_every = 1;
};

enum class MessageDirection { kRequest, kResponse };

// The fate of one traced message on the directed link from -> to: what the
// link's fault rules did with it. `action` is the agent's name for it
// ("pass", "drop", "delay", "duplicate", "hold", "replace", "rewrite");
// `rule` names the adversary rule that decided, empty when none matched.
// A twin's links leave from its FaultControl id n + r, as in LinkStats.
struct MessageFate {
  absl::Duration t;
  int from = 0;
  int to = 0;
  std::string method;
  MessageDirection direction = MessageDirection::kRequest;
  uint64_t bytes = 0;
  std::string action;
  std::string rule;
};

// Traced messages counted by directed link (from, to), then by action.
using MessageCounts = std::map<std::pair<int, int>, std::map<std::string, int64_t>>;

using Event = std::variant<RunStart, ClusterReady, Calibration, RunEnd, Submit, Ack, Commit, FaultStart, FaultEnd,
                           FaultStep, ProcessStart, ProcessExit, LinkStats, LinkTraffic,
                           TraceStart, MessageFate>;

absl::Duration EventTime(const Event& event);

// A fault phase as an interval. A phase that never reported its end (a run
// cut short) lasts until the end of the history.
struct FaultInterval {
  int phase = 0;
  std::string adversary;
  std::vector<int> nodes;
  absl::Duration start;
  absl::Duration end;
  bool ended = false;  // a FaultEnd was recorded
  std::vector<FaultStep> steps;  // the phase's steps within [start, end], in time order

  // A stretch of the interval over which the same replicas are faulty:
  // `what` is the step's (empty before the first step).
  struct Stretch {
    absl::Duration start;
    absl::Duration end;
    std::vector<int> nodes;
    std::string what;
  };
  // The interval cut at its steps: the start's nodes until the first step,
  // then each step's until the next; stretches of no length left out.
  std::vector<Stretch> Stretches() const;
};

class History {
 public:
  void Add(Event event);

  const std::optional<RunStart>& run_start() const { return run_start_; }
  const std::optional<ClusterReady>& cluster_ready() const { return cluster_ready_; }
  const std::optional<Calibration>& calibration() const { return calibration_; }
  const std::optional<RunEnd>& run_end() const { return run_end_; }
  const std::vector<Submit>& submits() const { return submits_; }
  const std::vector<Ack>& acks() const { return acks_; }
  const std::vector<Commit>& commits() const { return commits_; }
  const std::vector<FaultStart>& fault_starts() const { return fault_starts_; }
  const std::vector<FaultEnd>& fault_ends() const { return fault_ends_; }
  const std::vector<FaultStep>& fault_steps() const { return fault_steps_; }
  const std::vector<ProcessStart>& process_starts() const { return process_starts_; }
  const std::vector<ProcessExit>& process_exits() const { return process_exits_; }
  // Each link's latest counters only (the latest t; of equal ones, the last
  // added), in the order links first reported: LinkStats are cumulative,
  // and the controller records a link's after every phase that touched it,
  // so keeping them all would grow with phases times rules (history.jsonl
  // keeps every record).
  const std::vector<LinkStats>& link_stats() const { return link_stats_; }
  const std::vector<LinkTraffic>& link_traffic() const { return link_traffic_; }
  // The sampling rate of the message trace; unset when nothing was traced.
  const std::optional<uint32_t>& trace_sample_every() const { return trace_sample_every_; }
  const MessageCounts& message_counts() const { return message_counts_; }

  // The RunEnd time if recorded, else the latest event time.
  absl::Duration end() const;
  // Fault phases paired start to end, ordered by start time.
  std::vector<FaultInterval> FaultIntervals() const;

 private:
  void AddLinkStats(LinkStats e);

  std::optional<RunStart> run_start_;
  std::optional<ClusterReady> cluster_ready_;
  std::optional<Calibration> calibration_;
  std::optional<RunEnd> run_end_;
  absl::Duration latest_ = absl::ZeroDuration();
  std::vector<Submit> submits_;
  std::vector<Ack> acks_;
  std::vector<Commit> commits_;
  std::vector<FaultStart> fault_starts_;
  std::vector<FaultEnd> fault_ends_;
  std::vector<FaultStep> fault_steps_;
  std::vector<ProcessStart> process_starts_;
  std::vector<ProcessExit> process_exits_;
  std::vector<LinkStats> link_stats_;
  std::vector<LinkTraffic> link_traffic_;
  std::optional<uint32_t> trace_sample_every_;
  MessageCounts message_counts_;
};

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_HISTORY_H_
