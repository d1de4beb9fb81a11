// AgentHandle: the controller's side of one turncoat-agent.
//
// SpawnAll() starts turncoat-agent processes (each in its own process
// group, dying with the controller), waits for each to publish its control
// port and connects to it on 127.0.0.1 (over mutual TLS when given
// certificates, harness/agent_tls.h): every process is forked first, then
// all are awaited together, so a cluster of n agents starts in about the
// time of one rather than n. Every control call is a blocking unary RPC
// with a deadline, returning a Status whose message names the agent and the
// call; StreamEvents() pumps the agent's event stream into a callback on a
// background thread. CheckAlive() tells whether the agent is still there (its
// process runs and its event stream is open), so that the controller can
// tell a harness failure from a fault of the system under test. Destroying
// the handle stops the agent, which stops its replica and proxies: nothing
// it started outlives it.
//
// Control calls are thread-safe (gRPC stubs are); StreamEvents is called
// once; CheckAlive and Shutdown are called by the thread that owns the
// handle.
#ifndef TURNCOAT_HARNESS_AGENT_HANDLE_H_
#define TURNCOAT_HARNESS_AGENT_HANDLE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "harness/agent_tls.h"
#include "proto/agent.pb.h"

namespace turncoat {

struct AgentSpawnOptions {
  std::string binary;   // the turncoat-agent executable
  std::string workdir;  // the agent's own files: port file, stdout, stderr
  uint64_t seed = 0;    // seeds the agent's fault-rule randomness
  // How messages name what the agent runs ("replica 2", "twin of replica
  // 2"); empty: "replica <id>".
  std::string label;
  absl::Duration start_timeout = absl::Seconds(10);
  absl::Duration call_timeout = absl::Seconds(10);
  // Mutual TLS on the control API (`turncoat run --agent-tls`); null: plain
  // gRPC, which the agent serves on loopback only.
  std::shared_ptr<const AgentTls> tls;
};

class AgentHandle {
 public:
  // One agent per (replica, options) entry, the processes started one after
  // another and then awaited together. Returns the handles in entry order,
  // or the first failure in entry order, after stopping every agent it
  // started. Must be called on a thread that lives as long as the agents:
  // an agent dies with the thread that forked it (common/subprocess.h).
  static absl::StatusOr<std::vector<std::unique_ptr<AgentHandle>>> SpawnAll(
      const std::vector<std::pair<int, AgentSpawnOptions>>& agents);
  ~AgentHandle();
  AgentHandle(const AgentHandle&) = delete;
  AgentHandle& operator=(const AgentHandle&) = delete;

  int replica() const;

  absl::Status LoadTarget(const agent::v1::LoadTargetRequest& request);
  absl::Status Observe(const agent::v1::ObserveRequest& request);
  // One link replica() -> to: where it leads and, for a target on TCP, the
  // inbound proxy of the destination's agent it goes through.
  struct LinkOpening {
    int to = -1;
    std::string target;   // host:port
    std::string inbound;  // host:port; empty: a gRPC link
  };
  // Opens the proxies of links replica() -> to in one call, all or none;
  // returns the ports replica() must dial to reach them, in order.
  absl::StatusOr<std::vector<int>> OpenLinks(const std::vector<LinkOpening>& links);
  // Targets on TCP: starts (once) the agent's inbound proxy; its port.
  absl::StatusOr<int> OpenInbound();
  // Targets on TCP in network namespaces: the agent takes the connections
  // netfilter redirects from replica() to `listen`; its port.
  absl::StatusOr<int> Intercept(const agent::v1::InterceptRequest& request);
  // Starts the replica; returns its pid.
  absl::StatusOr<int> StartReplica(const agent::v1::StartReplicaRequest& request);
  absl::Status StopReplica(absl::Duration grace);
  absl::Status KillReplica();
  absl::Status RestartReplica();
  absl::Status PauseReplica();
  absl::Status ResumeReplica();
  // Removes and installs rules on the agent's links in one step; returns
  // the removed rules' final counters.
  absl::StatusOr<agent::v1::RuleChangeReply> ChangeRules(
      const agent::v1::RuleChangeRequest& request);
  // The counters of the rules installed now.
  absl::StatusOr<agent::v1::RuleStatsReply> RuleStats();
  absl::Status SetTrace(uint32_t sample_every);

  // Delivers every event the agent reports, from now until Shutdown, to
  // `sink` on a background thread.
  void StreamEvents(std::function<void(const agent::v1::Event&)> sink);

  // OK while the agent runs and its event stream is open. Otherwise an
  // Unavailable error naming the agent, its pid and what ended it (its exit
  // status, or the stream's error) and pointing at its stderr: the agent
  // was lost, for instance killed. An exited agent is reaped here. OK after
  // Shutdown, which ends both on purpose.
  absl::Status CheckAlive();

  // Ends the event stream and stops the agent (SIGTERM, then SIGKILL after
  // `grace`). Idempotent; the destructor calls it.
  void Shutdown(absl::Duration grace = absl::Seconds(5));

 private:
  class Impl;
  explicit AgentHandle(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_AGENT_HANDLE_H_
