#include "harness/controller.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "adversaries/adversary.h"
#include "adversaries/phase_check.h"
#include "adversaries/staged_control.h"
#include "adversaries/twins.h"
#include "common/file_io.h"
#include "common/ports.h"
#include "common/untrusted_text.h"
#include "harness/agent_handle.h"
#include "harness/agent_target.h"
#include "harness/archive_use.h"
#include "harness/netns.h"
#include "harness/parallel.h"
#include "harness/readiness.h"
#include "harness/replay.h"
#include "harness/round_base.h"
#include "harness/run_keys.h"
#include "harness/version.h"
#include "harness/workload.h"
#include "model/event_log.h"
#include "model/exit_codes.h"
#include "model/history.h"
#include "model/proto_schema.h"
#include "model/value_text.h"
#include "reports/episode_messages.h"
#include "reports/report.h"
#include "reports/report_files.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;
namespace v1 = agent::v1;
using google::protobuf::RepeatedPtrField;

// The live line waits this many times as long as it took to compute.
constexpr int kProgressCostFactor = 20;

// Control calls in flight at once while a cluster starts: enough to overlap
// the round trips of a few dozen agents, few enough to stay a small pool.
constexpr size_t kControlThreads = 16;

// Everything recorded during the run, appended to history.jsonl as it
// arrives (so a killed run leaves its history). The run itself needs little
// of it while it lasts — commits per replica, which replicas exited — so
// that is all the collector keeps: the controller's memory does not grow
// with the history, over an hour's run as over twenty seconds. Whoever
// needs whole events (calibration, the live line's findings, the checkers
// and reports at the end) reads the file back (ReadBack).
class Collector {
 public:
  Collector(std::unique_ptr<EventLog> log, std::string path, absl::Time start)
      : log_(std::move(log)), path_(std::move(path)), start_(start) {}

  absl::Duration Now() const { return absl::Now() - start_; }
  absl::Duration Since(int64_t unix_micros) const {
    return absl::FromUnixMicros(unix_micros) - start_;
  }

  void Record(const Event& event) {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = log_->Append(event); !s.ok() && log_error_.ok()) log_error_ = s;
    if (const auto* commit = std::get_if<Commit>(&event)) ++commits_[commit->replica];
    if (const auto* exit = std::get_if<ProcessExit>(&event)) exited_.insert(exit->replica);
  }

  // Every event written so far. After an append failed (a full disk) that
  // is what the file holds, the history the run can still vouch for.
  absl::StatusOr<History> ReadBack() const {
    absl::StatusOr<LoadedHistory> loaded = ReadEventLog(path_);
    if (!loaded.ok()) return loaded.status();
    return std::move(loaded->history);
  }

  std::map<int, int64_t> CommitsByReplica() const {
    std::lock_guard<std::mutex> lock(mu_);
    return commits_;
  }
  std::set<int> ExitedReplicas() const {
    std::lock_guard<std::mutex> lock(mu_);
    return exited_;
  }

  absl::Status log_error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_error_;
  }

 private:
  mutable std::mutex mu_;
  std::unique_ptr<EventLog> log_;
  const std::string path_;
  const absl::Time start_;
  std::map<int, int64_t> commits_;
  std::set<int> exited_;
  absl::Status log_error_;
};

// An agent rule id: the adversary's rule id made unique per agent by naming
// the link, since one agent's engine serves all of its links.
std::string LinkRuleId(int from, int to, const std::string& id) {
  return absl::StrCat(id, "@", from, "->", to);
}

// The adversary's rule id and the link's destination from a LinkRuleId.
struct ParsedLinkRuleId {
  std::string rule;
  int to = -1;
};
std::optional<ParsedLinkRuleId> ParseLinkRuleId(const std::string& id) {
  const size_t at = id.rfind('@');
  if (at == std::string::npos) return std::nullopt;
  const size_t arrow = id.find("->", at);
  ParsedLinkRuleId parsed{id.substr(0, at)};
  if (arrow == std::string::npos || !absl::SimpleAtoi(id.substr(arrow + 2), &parsed.to)) {
    return std::nullopt;
  }
  return parsed;
}

// FaultControl over the agents. Ids 0..n-1 are the replicas; TwinId(n, r) =
// n + r is the twin of r (adversaries/twins.h), whose agent runs a second
// process of replica r. The final counters of every rule a change removes
// go to `on_removed` with the id of the agent that ran it.
class ClusterControl : public FaultControl {
 public:
  using RemovedRules = std::function<void(int id, const v1::RuleChangeReply& reply)>;

  ClusterControl(int n, std::vector<std::unique_ptr<AgentHandle>>* agents,
                 std::map<int, std::unique_ptr<AgentHandle>>* twin_agents, RemovedRules on_removed)
      : n_(n), agents_(agents), twin_agents_(twin_agents), on_removed_(std::move(on_removed)) {}

  absl::Status ChangeRules(const std::vector<PlacedRule>& remove,
                           const std::vector<PlacedRule>& install) override {
    // One request per agent (by FaultControl id), built and checked before
    // any is sent.
    std::map<int, v1::RuleChangeRequest> requests;
    for (const PlacedRule& r : remove) {
      if (agent(r.from) == nullptr) return Unknown(r.from);
      requests[r.from].add_remove(LinkRuleId(r.from, r.to, r.rule.id()));
    }
    for (const PlacedRule& r : install) {
      AgentHandle* a = agent(r.from);
      if (a == nullptr) return Unknown(r.from);
      if (r.to < 0 || r.to >= n_) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rule ", r.rule.id(), ": link ", r.from, " -> ", r.to, " leads to no replica"));
      }
      v1::Rule* placed = requests[r.from].add_install();
      *placed = r.rule;
      placed->set_id(LinkRuleId(r.from, r.to, r.rule.id()));
      if (!r.rule.before().empty()) placed->set_before(LinkRuleId(r.from, r.to, r.rule.before()));
      // The agent knows its links by the replica it runs: a twin's links
      // leave replica r, not n + r.
      placed->set_from(a->replica());
      placed->set_to(r.to);
    }
    // In parallel, so that every agent switches within about one control
    // call of the others rather than one after another.
    std::vector<const std::pair<const int, v1::RuleChangeRequest>*> ordered;
    for (const auto& entry : requests) ordered.push_back(&entry);
    std::vector<absl::StatusOr<v1::RuleChangeReply>> results(ordered.size());
    // One thread per agent, no fewer: a bound would switch some agents a
    // whole call later than the rest. Failures are collected below.
    ForEachInParallel(ordered.size(), ordered.size(), [&](size_t k) {
      results[k] = agent(ordered[k]->first)->ChangeRules(ordered[k]->second);
      return absl::OkStatus();
    }).IgnoreError();
    absl::Status status;
    size_t i = 0;
    for (const auto& [id, request] : requests) {
      const absl::StatusOr<v1::RuleChangeReply>& result = results[i++];
      if (result.ok()) {
        on_removed_(id, *result);
      } else if (status.ok()) {
        status = result.status();
      }
    }
    return status;
  }
  absl::Status Kill(int replica) override {
    AgentHandle* a = agent(replica);
    if (a == nullptr) return Unknown(replica);
    ExpectExit(replica);
    return a->KillReplica();
  }
  absl::Status Restart(int replica) override {
    AgentHandle* a = agent(replica);
    if (a == nullptr) return Unknown(replica);
    ExpectExit(replica);
    return a->RestartReplica();
  }
  absl::Status Pause(int replica) override {
    AgentHandle* a = agent(replica);
    return a == nullptr ? Unknown(replica) : a->PauseReplica();
  }
  absl::Status Resume(int replica) override {
    AgentHandle* a = agent(replica);
    return a == nullptr ? Unknown(replica) : a->ResumeReplica();
  }

  // Whether the next exit of `replica` was asked for; consumes the mark.
  bool TakeExpectedExit(int replica) {
    std::lock_guard<std::mutex> lock(mu_);
    return expected_exits_.erase(replica) > 0;
  }
  void ExpectExit(int replica) {
    std::lock_guard<std::mutex> lock(mu_);
    expected_exits_.insert(replica);
  }

 private:
  // The agent behind a FaultControl id, or nullptr.
  AgentHandle* agent(int id) {
    if (id >= 0 && id < n_) {
      return static_cast<size_t>(id) < agents_->size() ? (*agents_)[id].get() : nullptr;
    }
    auto it = twin_agents_->find(id - n_);
    return id >= n_ && it != twin_agents_->end() ? it->second.get() : nullptr;
  }
  absl::Status Unknown(int id) const {
    return absl::NotFoundError(absl::StrCat("no replica ", id, ": ids 0..", n_ - 1,
                                            " are replicas, n + r the twin of replica r"));
  }

  const int n_;
  std::vector<std::unique_ptr<AgentHandle>>* agents_;
  std::map<int, std::unique_ptr<AgentHandle>>* twin_agents_;
  const RemovedRules on_removed_;
  std::mutex mu_;
  std::set<int> expected_exits_;
};

std::string DecodeValue(const std::string& text, ValueEncoding encoding) {
  switch (encoding) {
    case ValueEncoding::kText:
      return text;
    case ValueEncoding::kHex:
      return HexDecode(text).value_or(text);
    case ValueEncoding::kBase64: {
      std::string out;
      return absl::Base64Unescape(text, &out) ? out : text;
    }
  }
  return text;
}

// A key binding without its private half: what a replica may know of its
// peers and clients.
KeyBinding PublicOnly(KeyBinding key) {
  key.private_file.clear();
  key.private_text.clear();
  return key;
}

// The directory of the agent with FaultControl id `id` in a cluster of n:
// agent-2, or agent-2-twin for TwinId(n, 2).
std::string AgentDirName(int id, int n) {
  return id < n ? absl::StrCat("agent-", id) : absl::StrCat("agent-", id - n, "-twin");
}

// One run, from keys to reports. Members are torn down in reverse order, so
// the workload stops before the agents do.
class Run {
 public:
  Run(const Plan& plan, const TargetSpec& target, const RunOptions& options)
      : plan_(plan),
        target_(target),
        options_(options),
        seed_(options.seed.value_or(plan.seed)),
        trace_sample_every_(options.trace_sample_every.value_or(plan.trace_sample_every)) {}

  RunOutcome Execute();

 private:
  absl::Status Prepare();
  absl::Status StartAgents();
  absl::Status StartReplicas();
  void OnAgentEvent(int replica, const v1::Event& event);
  void OnTwinEvent(int replica, const v1::Event& event);
  // `from` is the sender's FaultControl id: the replica, or TwinId(n, r).
  void RecordMessage(int from, const v1::Event& event);
  bool TwinExited(int replica);
  // Where replica `replica` (or its twin) listens: on 127.0.0.1, or at its
  // address in its network namespace.
  std::string ListenAddress(int replica, bool twin) const;
  // Unavailable, naming the port, when replica `name`'s listen `port` is
  // held by some other program now: checked before the replicas start, and
  // again for one that exits during start-up (the program may have bound
  // the port in between), so that neither is blamed on its command.
  absl::Status PortTaken(const std::string& name, int port) const;
  int NetnsIndex(int replica, bool twin) const;
  // Every agent with the FaultControl id it answers to.
  std::vector<std::pair<int, AgentHandle*>> AllAgents();
  // OK while every agent is there; otherwise the harness failure of the
  // first one lost (killed, crashed, its stream broken), which marks the
  // run's agent_lost_. Every wait of the run calls it each round, so a lost
  // agent ends the run within one round rather than leaving its replica's
  // silence to be blamed on the system under test.
  absl::Status CheckAgents();
  // OK while the history is still being written; otherwise the harness
  // failure that says why and what to do.
  absl::Status HistoryError();
  // HistoryError, then CheckAgents: a run whose events no longer reach the
  // disk (the disk is full) stops at once rather than going on with its
  // data only in memory.
  absl::Status CheckHarness();
  // With `ready: first_commit`, waits for the first commit at a replica;
  // returns at once otherwise.
  absl::Status AwaitFirstCommit();
  // The system's own client programs, one per turncoat client, when the
  // target has one; nothing for a gRPC client.
  absl::Status AddClientPrograms(WorkloadOptions* workload);
  // With `rate: auto`: the closed-loop warm-up, then the paced rate and the
  // liveness bound it implies (recorded as a calibration event).
  absl::Status Calibrate();
  absl::Status DriveTimeline();
  // The highest major round each replica's agent has seen it send.
  absl::StatusOr<std::vector<std::optional<int64_t>>> ReadHighestRounds();
  // Heals the active phases keyed to rounds that every replica has moved past.
  absl::Status HealPassedRounds();
  // Starts `phase` through `control`.
  absl::Status StartPhase(size_t phase, FaultControl& control);
  // Heals `phase` through `control`; a failure is recorded, the run goes on.
  void StopPhase(size_t phase, FaultControl& control);
  // Records the counters of rules of the agent `from`, as of their removal.
  void RecordRuleCounters(int from, const RepeatedPtrField<v1::RuleStat>& rules);
  // What an agent's TCP proxies carried per link and kind of frame.
  void RecordTraffic(const RepeatedPtrField<v1::LinkTraffic>& links);
  // Records the phase's adversary's current step if it is new.
  void RecordStep(size_t phase);
  void Teardown();
  void PrintProgress(const std::string& phase_text, bool final);
  bool interrupted() const { return options_.interrupted != nullptr && options_.interrupted->load(); }
  std::string AgentDir(int id) const { return AgentDirName(id, plan_.n); }

  // A copy: `rate: auto` fills in the rate and liveness bound it measures.
  Plan plan_;
  const TargetSpec& target_;
  const RunOptions& options_;
  const uint64_t seed_;
  const uint32_t trace_sample_every_;  // 0: no trace

  std::string keys_dir_;
  RunKeys keys_;
  std::vector<int> listen_ports_;
  // Twinned replicas (adversaries/twins.h) and their twins' listen ports.
  std::map<int, TwinLayout> twins_;
  std::map<int, int> twin_listen_ports_;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<ProtoSchema> schema_;
  // links: netns (harness/netns.h); removed after the agents stopped the
  // processes in it. Process k: replica k, or the twin of the k-n-th
  // twinned replica.
  std::unique_ptr<NetnsCluster> netns_;
  std::vector<std::unique_ptr<AgentHandle>> agents_;
  std::map<int, std::unique_ptr<AgentHandle>> twin_agents_;  // by twinned replica
  std::unique_ptr<ClusterControl> control_;
  std::mutex twin_mu_;
  std::set<int> twin_exits_;  // twins that exited unasked
  std::atomic<bool> replicas_started_{false};
  std::unique_ptr<WorkloadRunner> workload_;
  std::map<size_t, std::unique_ptr<Adversary>> active_;  // by phase index
  std::map<size_t, AdversaryStep> recorded_steps_;        // the last step recorded, by phase
  std::string failure_;     // harness failure, for the report
  bool bad_input_ = false;  // the failure is the target's
  bool was_interrupted_ = false;
  bool agent_lost_ = false;
  absl::Duration next_progress_;
  absl::Duration ready_at_;  // when the cluster became ready: the timeline's 0
  int64_t round_base_ = 0;   // the major round the timeline began in (round_base.h)
  std::map<std::pair<int, int>, std::map<std::string, int64_t>> link_counters_;
};

absl::Status Run::Prepare() {
  // Twins are processes of their own, routed when links open: the plan's
  // twins phases decide them before anything starts.
  auto twins = TwinsOf(plan_);
  if (!twins.ok()) {
    bad_input_ = true;
    return absl::InvalidArgumentError(absl::StrCat(plan_.path, ": ", twins.status().message()));
  }
  twins_ = *std::move(twins);
  for (const auto& [r, layout] : twins_) {
    auto port = PickFreePort();
    if (!port.ok()) return port.status();
    twin_listen_ports_[r] = *port;
  }
  keys_dir_ = absl::StrCat(options_.run_dir, "/keys");
  for (int i = 0; i < plan_.n; ++i) {
    auto port = PickFreePort();
    if (!port.ok()) return port.status();
    listen_ports_.push_back(*port);
  }
  if (options_.ports_picked) options_.ports_picked(listen_ports_);
  auto keys = MakeRunKeys(target_, plan_.n, plan_.workload.clients, keys_dir_,
                          options_.layout.build_dir);
  if (!keys.ok()) {
    if (absl::IsInvalidArgument(keys.status())) bad_input_ = true;
    return keys.status();
  }
  keys_ = *std::move(keys);
  auto schema = ProtoSchema::Load(target_.protocol.import_paths, target_.protocol.protos);
  if (!schema.ok()) {
    bad_input_ = true;
    return absl::InvalidArgumentError(absl::StrCat(target_.path, ": ", schema.status().message()));
  }
  schema_ = *std::move(schema);
  if (options_.links.value_or(target_.links) == LinkMode::kNetns && !options_.direct_links) {
    auto netns = NetnsCluster::Create(plan_.n + static_cast<int>(twins_.size()));
    if (!netns.ok()) return netns.status();
    netns_ = *std::move(netns);
  }
  return absl::OkStatus();
}

absl::Status Run::StartAgents() {
  control_ = std::make_unique<ClusterControl>(
      plan_.n, &agents_, &twin_agents_,
      [this](int from, const v1::RuleChangeReply& reply) {
        RecordRuleCounters(from, reply.removed());
      });
  // Every agent is forked here, on the thread that outlives them all, and
  // awaited together. A twin's agent runs replica r a second time: links
  // and messages of replica r, its own directory, seed and FaultControl id
  // n + r.
  std::vector<std::pair<int, AgentSpawnOptions>> spawns;
  const auto add = [&](int replica, int id, std::string label) {
    AgentSpawnOptions spawn;
    spawn.binary = options_.layout.agent;
    spawn.workdir = absl::StrCat(options_.run_dir, "/", AgentDir(id));
    spawn.seed = seed_ * 1000003 + static_cast<uint64_t>(id);
    spawn.label = std::move(label);
    spawn.tls = options_.agent_tls;
    fs::create_directories(spawn.workdir);
    spawns.emplace_back(replica, std::move(spawn));
  };
  for (int i = 0; i < plan_.n; ++i) add(i, i, "");
  for (const auto& [r, layout] : twins_) {
    add(r, TwinId(plan_.n, r), absl::StrCat("the twin of replica ", r));
  }
  auto spawned = AgentHandle::SpawnAll(spawns);
  if (!spawned.ok()) return spawned.status();
  for (size_t k = 0; k < spawned->size(); ++k) {
    if (k < static_cast<size_t>(plan_.n)) {
      agents_.push_back(std::move((*spawned)[k]));
    } else {
      twin_agents_[spawns[k].first] = std::move((*spawned)[k]);
    }
  }

  const std::vector<std::pair<int, AgentHandle*>> all = AllAgents();
  std::vector<v1::LoadTargetRequest> requests;
  const ArchiveUse archive = PlanArchiveUse(plan_);
  for (const auto& [id, agent] : all) {
    auto request = LoadTargetRequestFor(target_, plan_.n, options_.layout.build_dir,
                                        absl::StrCat(options_.run_dir, "/", AgentDir(id)));
    if (!request.ok()) return request.status();
    request->set_track_rounds(KeyedToRounds(plan_) || archive.rounds);
    request->set_archive(archive.archive);
    requests.push_back(*std::move(request));
  }
  const auto load = [&](size_t k) { return all[k].second->LoadTarget(requests[k]); };
  if (absl::Status s = ForEachInParallel(all.size(), kControlThreads, load); !s.ok()) {
    bad_input_ = true;
    return absl::Status(s.code(), absl::StrCat(target_.path, ": the agents cannot load the "
                                                             "target: ", s.message()));
  }
  for (auto& agent : agents_) {
    const int from = agent->replica();
    agent->StreamEvents([this, from](const v1::Event& e) { OnAgentEvent(from, e); });
  }
  for (auto& [r, agent] : twin_agents_) {
    const int replica = r;
    agent->StreamEvents([this, replica](const v1::Event& e) { OnTwinEvent(replica, e); });
  }
  // Before any replica starts, so that the trace covers the whole run.
  if (trace_sample_every_ > 0) {
    if (absl::Status s = ForEachInParallel(
            all.size(), kControlThreads,
            [&](size_t k) { return all[k].second->SetTrace(trace_sample_every_); });
        !s.ok()) {
      return s;
    }
    collector_->Record(TraceStart{collector_->Now(), trace_sample_every_});
  }
  return absl::OkStatus();
}

std::vector<std::pair<int, AgentHandle*>> Run::AllAgents() {
  std::vector<std::pair<int, AgentHandle*>> all;
  for (auto& agent : agents_) all.emplace_back(agent->replica(), agent.get());
  for (auto& [r, agent] : twin_agents_) all.emplace_back(TwinId(plan_.n, r), agent.get());
  return all;
}

absl::Status Run::CheckAgents() {
  for (const auto& [id, agent] : AllAgents()) {
    absl::Status s = agent->CheckAlive();
    if (s.ok()) continue;
    agent_lost_ = true;
    const absl::Duration at = absl::Trunc(collector_->Now(), absl::Milliseconds(100));
    return absl::UnavailableError(absl::StrCat(
        s.message(), ". turncoat could no longer see or control what that agent ran, so it "
        "stopped the run ", absl::FormatDuration(at), " after it began: a harness failure, not "
        "the system's; the reports are partial"));
  }
  return absl::OkStatus();
}

absl::Status Run::HistoryError() {
  if (absl::Status s = collector_->log_error(); !s.ok()) {
    const absl::Duration at = absl::Trunc(collector_->Now(), absl::Milliseconds(100));
    return absl::ResourceExhaustedError(absl::StrCat(
        "history.jsonl: ", s.message(), ". turncoat stopped the run ", absl::FormatDuration(at),
        " after it began, since what happened next could not be kept; the history up to then "
        "is readable. Free space there, or give the run a directory elsewhere (--out=DIR)"));
  }
  return absl::OkStatus();
}

absl::Status Run::CheckHarness() {
  if (absl::Status s = HistoryError(); !s.ok()) return s;
  return CheckAgents();
}

absl::Status Run::StartReplicas() {
  // One process per replica, plus one per twin (adversaries/twins.h): the
  // twin of r runs as replica r with r's key, on a port of its own.
  struct Instance {
    int replica;
    bool twin;
    AgentHandle* agent;
    int port;
    std::string name;  // for messages: "replica 2", "the twin of replica 2"
    std::string dir;   // replica-2, replica-2-twin
    std::vector<PeerBinding> peers;
  };
  std::vector<Instance> instances;
  for (int i = 0; i < plan_.n; ++i) {
    instances.push_back({i, false, agents_[i].get(), listen_ports_[i], absl::StrCat("replica ", i),
                         absl::StrCat("replica-", i), {}});
  }
  for (const auto& [r, layout] : twins_) {
    instances.push_back({r, true, twin_agents_.at(r).get(), twin_listen_ports_.at(r),
                         absl::StrCat("the twin of replica ", r), absl::StrCat("replica-", r, "-twin"),
                         {}});
  }

  // Replica i reaches replica j through the proxy of link i -> j, which its
  // own agent opens; on proxy ports only the target's listen address is
  // real, in network namespaces every address a replica is given. An honest
  // replica in group 1 of a twinned j reaches j's twin; everyone else,
  // twins included, reaches the original.
  const auto reaches_twin = [this](int from, int to) {
    auto it = twins_.find(to);
    if (it == twins_.end()) return false;
    const std::vector<int>& group = it->second.twin_group;
    return std::find(group.begin(), group.end(), from) != group.end();
  };
  // A target on TCP: a connection's bytes pass the agents of both its
  // ends (agents/tcp_link.h), entering the destination's through its
  // inbound proxy.
  std::vector<std::string> inbound(instances.size());
  if (target_.transport == Transport::kTcp && !options_.direct_links) {
    const auto open_inbound = [&](size_t k) -> absl::Status {
      auto port = instances[k].agent->OpenInbound();
      if (!port.ok()) return port.status();
      inbound[k] = absl::StrCat("127.0.0.1:", *port);
      return absl::OkStatus();
    };
    if (absl::Status s = ForEachInParallel(instances.size(), kControlThreads, open_inbound);
        !s.ok()) {
      return s;
    }
  }
  const auto instance_of = [&](int replica, bool twin) {
    for (size_t k = 0; k < instances.size(); ++k) {
      if (instances[k].replica == replica && instances[k].twin == twin) return k;
    }
    return size_t{0};
  };
  // The proxies of an instance's links on loopback, one per peer (gRPC, or
  // TCP on ports of their own), each dialling the peer's listen address or
  // its twin's: by peer, the port each takes connections on.
  const auto open_proxies = [&](const Instance& self) -> absl::StatusOr<std::map<int, int>> {
    std::vector<AgentHandle::LinkOpening> proxied;
    for (int j = 0; j < plan_.n; ++j) {
      if (j == self.replica || options_.direct_links) continue;
      const bool to_twin = !self.twin && reaches_twin(self.replica, j);
      proxied.push_back({j, ListenAddress(j, to_twin), inbound[instance_of(j, to_twin)]});
    }
    std::map<int, int> ports;
    if (proxied.empty()) return ports;
    auto opened = self.agent->OpenLinks(proxied);
    if (!opened.ok()) return opened.status();
    for (size_t p = 0; p < proxied.size(); ++p) ports[proxied[p].to] = (*opened)[p];
    return ports;
  };
  // Each agent opens its own links, all in one call; the agents work side
  // by side.
  const auto open_links = [&](size_t k) -> absl::Status {
    Instance& self = instances[k];
    if (netns_ != nullptr) {
      // Replicas dial their peers' real addresses; netfilter brings every
      // such connection to this agent's interceptor. A gRPC target's
      // connections go on to the links' gRPC proxies, where the rules read
      // decoded messages; a TCP target's to the destination's agent.
      std::map<int, int> grpc_ports;
      if (target_.transport == Transport::kGrpc) {
        auto ports = open_proxies(self);
        if (!ports.ok()) return ports.status();
        grpc_ports = *std::move(ports);
      }
      const int process = NetnsIndex(self.replica, self.twin);
      v1::InterceptRequest intercept;
      intercept.set_from(self.replica);
      intercept.set_listen(absl::StrCat(netns_->HostAddress(process), ":0"));
      for (int j = 0; j < plan_.n; ++j) {
        PeerBinding peer;
        peer.index = j;
        peer.key = PublicOnly(keys_.replicas[j]);
        peer.addr = ListenAddress(j, false);
        self.peers.push_back(std::move(peer));
        if (j == self.replica) continue;
        v1::InterceptRequest::Peer& route =
            (*intercept.mutable_peers())[netns_->Address(NetnsIndex(j, false))];
        route.set_index(j);
        if (target_.transport == Transport::kGrpc) {
          route.set_proxy(absl::StrCat("127.0.0.1:", grpc_ports.at(j)));
          continue;
        }
        const bool to_twin = !self.twin && reaches_twin(self.replica, j);
        route.set_inbound(inbound[instance_of(j, to_twin)]);
        if (to_twin) route.set_target(ListenAddress(j, true));
      }
      auto port = self.agent->Intercept(intercept);
      if (!port.ok()) return port.status();
      return netns_->Redirect(process, *port);
    }
    auto ports = open_proxies(self);
    if (!ports.ok()) return ports.status();
    for (int j = 0; j < plan_.n; ++j) {
      PeerBinding peer;
      peer.index = j;
      peer.key = PublicOnly(keys_.replicas[j]);
      if (j == self.replica) {
        peer.addr = absl::StrCat("127.0.0.1:", self.port);
      } else if (options_.direct_links) {
        peer.addr = absl::StrCat("127.0.0.1:", listen_ports_[j]);
      } else {
        peer.addr = absl::StrCat("127.0.0.1:", ports->at(j));
      }
      self.peers.push_back(std::move(peer));
    }
    return absl::OkStatus();
  };
  if (absl::Status s = ForEachInParallel(instances.size(), kControlThreads, open_links); !s.ok()) {
    return s;
  }
  // Twins start dormant: nothing they send gets through until a twins
  // phase lets them speak.
  if (absl::Status s = InstallDormantTwinRules(*control_, target_, plan_.n, twins_); !s.ok()) {
    return s;
  }

  std::vector<ClientKeyBinding> clients;
  for (size_t c = 0; c < keys_.clients.size(); ++c) {
    clients.push_back({static_cast<int>(c), PublicOnly(keys_.clients[c])});
  }
  // Rendered here, one replica after another (a bad template is bad input
  // before anything starts); started by their agents side by side.
  const CommitObservation& commits = target_.commits;
  std::vector<std::optional<v1::ObserveRequest>> observes;
  std::vector<v1::StartReplicaRequest> starts;
  for (const Instance& self : instances) {
    ReplicaBinding binding;
    binding.index = self.replica;
    binding.n = plan_.n;
    binding.f = plan_.f;
    binding.listen = ListenAddress(self.replica, self.twin);
    binding.key = keys_.replicas[self.replica];
    binding.pubkeys = keys_dir_;
    binding.workdir = absl::StrCat(options_.run_dir, "/", self.dir);
    binding.build_dir = options_.layout.build_dir;
    binding.peers = self.peers;
    binding.clients = clients;
    fs::create_directories(binding.workdir);
    auto rendered = RenderReplica(target_, binding);
    if (!rendered.ok()) {
      bad_input_ = true;
      return absl::InvalidArgumentError(absl::StrCat(target_.path, ": ", rendered.status().message()));
    }
    if (absl::Status s = WriteFiles(rendered->process.files); !s.ok()) return s;

    // A twin's commits are not recorded: it is a Byzantine replica, whose
    // log no checker judges.
    std::optional<v1::ObserveRequest> observe;
    if (!self.twin) {
      observe.emplace();
      switch (commits.stream) {
        case CommitStream::kStdout:
          observe->set_stream(v1::ObserveRequest::STDOUT);
          break;
        case CommitStream::kStderr:
          observe->set_stream(v1::ObserveRequest::STDERR);
          break;
        case CommitStream::kFile:
          observe->set_stream(v1::ObserveRequest::FILE);
          observe->set_path(rendered->commit_file);
          break;
      }
      if (commits.format == CommitFormat::kJson) {
        observe->set_json_seq(commits.json_seq);
        observe->set_json_value(commits.json_value);
      } else {
        observe->set_regex(commits.regex);
      }
    }
    observes.push_back(std::move(observe));

    v1::StartReplicaRequest start;
    std::vector<std::string> argv = rendered->process.argv;
    argv.insert(argv.end(), options_.replica_args.begin(), options_.replica_args.end());
    if (netns_ != nullptr) argv = netns_->Wrap(NetnsIndex(self.replica, self.twin), std::move(argv));
    for (const std::string& arg : argv) start.add_argv(arg);
    for (const auto& [name, value] : rendered->process.env) (*start.mutable_env())[name] = value;
    start.set_workdir(binding.workdir);
    start.set_cwd(rendered->process.cwd);
    starts.push_back(std::move(start));
  }
  // Ports were picked free before the agents and links started, seconds
  // ago; a program outside turncoat may have taken one since. Its replica
  // would fail to bind, and a readiness probe that waits for the port to
  // open would take the intruder's listener for the replica.
  for (const Instance& self : instances) {
    if (absl::Status taken = PortTaken(self.name, self.port); !taken.ok()) return taken;
  }
  // Which start failures are the target's (its command does not run) rather
  // than the harness's; each task writes only its own element.
  std::vector<char> refused(instances.size(), 0);
  absl::Status started = ForEachInParallel(instances.size(), kControlThreads, [&](size_t k) {
    const Instance& self = instances[k];
    if (observes[k].has_value()) {
      if (absl::Status s = self.agent->Observe(*observes[k]); !s.ok()) return s;
    }
    auto pid = self.agent->StartReplica(starts[k]);
    if (pid.ok()) return absl::OkStatus();
    refused[k] = 1;
    return absl::FailedPreconditionError(absl::StrCat(
        self.name, " did not start: ", pid.status().message(), "; check replica.command in ",
        target_.path));
  });
  if (!started.ok()) {
    bad_input_ = std::find(refused.begin(), refused.end(), 1) != refused.end();
    return started;
  }

  // A replica that cannot start (a bad flag, a missing binary) exits at
  // once; one that can becomes ready as its target says. Bounded wait for
  // either, every replica probed in each round, so that one slow to start
  // does not hold up noticing the others.
  const absl::Duration timeout = target_.replica.startup_timeout;
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::unique_ptr<ReadinessProbe>> waiting(instances.size());
  for (size_t k = 0; k < instances.size(); ++k) {
    waiting[k] = std::make_unique<ReadinessProbe>(
        target_.replica.ready, ListenAddress(instances[k].replica, instances[k].twin),
        absl::StrCat(options_.run_dir, "/", instances[k].dir));
  }
  for (size_t left = instances.size(); left > 0;) {
    if (absl::Status s = CheckHarness(); !s.ok()) return s;
    const std::set<int> exits = collector_->ExitedReplicas();
    left = 0;
    for (size_t k = 0; k < instances.size(); ++k) {
      if (waiting[k] == nullptr) continue;
      if (waiting[k]->Poll()) {
        waiting[k].reset();
        continue;
      }
      const Instance& self = instances[k];
      const bool exited = self.twin ? TwinExited(self.replica) : exits.count(self.replica) > 0;
      if (exited || absl::Now() > deadline) {
        const std::string stderr_path =
            absl::StrCat(options_.run_dir, "/", self.dir, "/stderr.log");
        if (exited) {
          if (absl::Status taken = PortTaken(self.name, self.port); !taken.ok()) {
            return absl::UnavailableError(absl::StrCat(taken.message(), "; last lines of ",
                                                       stderr_path, ":\n",
                                                       UntrustedFileTail(stderr_path, 5)));
          }
        }
        bad_input_ = true;
        return absl::FailedPreconditionError(absl::StrCat(
            self.name,
            exited ? " exited during start-up"
                   : absl::StrCat(" was not ready within ", absl::FormatDuration(timeout),
                                  " (it waited for ", waiting[k]->Describe(),
                                  "; a slow system may need a longer replica.startup_timeout)"),
            " (its command is replica.command in ", target_.path, "); last lines of ",
            stderr_path, ":\n", UntrustedFileTail(stderr_path, 5)));
      }
      ++left;
    }
    if (left > 0) absl::SleepFor(absl::Milliseconds(10));
  }
  replicas_started_ = true;
  return absl::OkStatus();
}

void Run::OnAgentEvent(int replica, const v1::Event& event) {
  const absl::Duration t = collector_->Since(event.time_unix_micros());
  switch (event.kind_case()) {
    case v1::Event::kProcess: {
      const v1::ProcessEvent& p = event.process();
      if (p.kind() == v1::ProcessEvent::STARTED) {
        collector_->Record(ProcessStart{t, replica, p.pid()});
      } else if (p.kind() == v1::ProcessEvent::EXITED) {
        ProcessExit exit;
        exit.t = t;
        exit.replica = replica;
        exit.requested = control_->TakeExpectedExit(replica);
        if (p.signal() != 0) {
          exit.signal = p.signal();
        } else {
          exit.exit_code = p.exit_code();
        }
        if (!exit.requested) {
          exit.detail = UntrustedFileTail(
              absl::StrCat(options_.run_dir, "/replica-", replica, "/stderr.log"), 5);
        }
        collector_->Record(std::move(exit));
      }
      break;
    }
    case v1::Event::kCommit:
      collector_->Record(Commit{t, replica, event.commit().seq(),
                                DecodeValue(event.commit().value(), target_.commits.value_encoding)});
      break;
    case v1::Event::kMessage:
      RecordMessage(replica, event);
      break;
    default:
      break;
  }
}

void Run::RecordMessage(int from, const v1::Event& event) {
  const v1::MessageEvent& m = event.message();
  MessageFate fate;
  fate.t = collector_->Since(event.time_unix_micros());
  fate.from = from;
  fate.to = m.to();
  fate.method = m.method();
  fate.direction =
      m.direction() == v1::RESPONSE ? MessageDirection::kResponse : MessageDirection::kRequest;
  fate.bytes = m.bytes();
  fate.action = m.action();
  // Rule ids are "<adversary rule>@<from>-><to>" (ClusterControl); the
  // event names its link already, and link_stats names rules without it.
  const std::optional<ParsedLinkRuleId> rule = ParseLinkRuleId(m.rule_id());
  fate.rule = rule.has_value() ? rule->rule : m.rule_id();
  collector_->Record(std::move(fate));
}

// A twin's process events stay out of the history: its exits are not an
// honest replica's crashes and its start is not a restart of replica r (the
// prefix checker would take it for a new incarnation). An exit nobody asked
// for is noted on stderr, since its phases no longer equivocate. Its traced
// messages are recorded under its FaultControl id, as its link counters are.
void Run::OnTwinEvent(int replica, const v1::Event& event) {
  if (event.kind_case() == v1::Event::kMessage) {
    RecordMessage(TwinId(plan_.n, replica), event);
    return;
  }
  if (event.kind_case() != v1::Event::kProcess ||
      event.process().kind() != v1::ProcessEvent::EXITED) {
    return;
  }
  if (control_->TakeExpectedExit(TwinId(plan_.n, replica))) return;
  {
    std::lock_guard<std::mutex> lock(twin_mu_);
    twin_exits_.insert(replica);
  }
  if (replicas_started_) {
    const v1::ProcessEvent& p = event.process();
    std::fprintf(stderr, "\nturncoat: the twin of replica %d exited (%s %d); see %s/replica-%d-twin/stderr.log\n",
                 replica, p.signal() != 0 ? "signal" : "exit code",
                 p.signal() != 0 ? p.signal() : p.exit_code(), options_.run_dir.c_str(), replica);
  }
}

int Run::NetnsIndex(int replica, bool twin) const {
  if (!twin) return replica;
  return plan_.n + static_cast<int>(std::distance(twins_.begin(), twins_.find(replica)));
}

absl::Status Run::PortTaken(const std::string& name, int port) const {
  // In namespaces each replica has an address of its own, which no program
  // outside the run shares.
  if (netns_ != nullptr || !PortInUse(port)) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      name, " did not start: its port 127.0.0.1:", port,
      " was free when turncoat picked it, but a program outside turncoat took it before the "
      "replica could listen on it (`ss -ltnp 'sport = :", port,
      "'` names the program); this is no fault of the target: run again"));
}

std::string Run::ListenAddress(int replica, bool twin) const {
  const int port = twin ? twin_listen_ports_.at(replica) : listen_ports_[replica];
  const std::string host =
      netns_ != nullptr ? netns_->Address(NetnsIndex(replica, twin)) : "127.0.0.1";
  return absl::StrCat(host, ":", port);
}

bool Run::TwinExited(int replica) {
  std::lock_guard<std::mutex> lock(twin_mu_);
  return twin_exits_.count(replica) > 0;
}

absl::Status Run::AddClientPrograms(WorkloadOptions* workload) {
  if (target_.client.kind != ClientSpec::Kind::kCommand) return absl::OkStatus();
  std::vector<PeerBinding> replicas;
  for (int i = 0; i < plan_.n; ++i) {
    PeerBinding replica;
    replica.index = i;
    // Clients reach replicas directly: they are not part of the system
    // under attack.
    replica.addr = ListenAddress(i, false);
    replica.key = PublicOnly(keys_.replicas[i]);
    replicas.push_back(std::move(replica));
  }
  std::vector<ClientKeyBinding> clients;
  for (size_t c = 0; c < keys_.clients.size(); ++c) {
    clients.push_back({static_cast<int>(c), PublicOnly(keys_.clients[c])});
  }
  for (int c = 0; c < plan_.workload.clients; ++c) {
    ClientBinding binding;
    binding.index = c;
    binding.n = plan_.n;
    binding.f = plan_.f;
    binding.key = keys_.clients[c];
    binding.pubkeys = keys_dir_;
    binding.workdir = absl::StrCat(options_.run_dir, "/client-", c);
    binding.build_dir = options_.layout.build_dir;
    binding.replicas = replicas;
    binding.clients = clients;
    fs::create_directories(binding.workdir);
    auto process = RenderClient(target_, binding);
    if (!process.ok()) {
      bad_input_ = true;
      return absl::InvalidArgumentError(
          absl::StrCat(target_.path, ": client.program: ", process.status().message()));
    }
    const TargetSpec& target = target_;
    workload->programs.push_back(
        {*std::move(process), binding.workdir,
         [&target, binding](absl::string_view value, int64_t seq) {
           return RenderRequest(target, binding, value, seq);
         }});
  }
  return absl::OkStatus();
}

absl::Status Run::Calibrate() {
  if (!plan_.workload.rate_auto) return absl::OkStatus();
  // The first half of the warm-up fills the pipeline; the second is
  // measured.
  const absl::Duration begin = collector_->Now();
  const absl::Duration half = plan_.workload.warmup / 2;
  while (collector_->Now() < begin + plan_.workload.warmup) {
    if (interrupted()) {
      was_interrupted_ = true;
      return absl::CancelledError("interrupted");
    }
    if (absl::Status s = CheckHarness(); !s.ok()) return s;
    absl::SleepFor(absl::Milliseconds(50));
  }
  const absl::Duration from = begin + half;
  const absl::Duration to = collector_->Now();
  absl::StatusOr<History> history = collector_->ReadBack();
  if (!history.ok()) return history.status();
  // Commit rate: distinct values committed in the window at the replica
  // that committed the most (a lagging replica is not the target's pace).
  std::map<int, std::set<std::string>> committed;
  std::map<std::string, absl::Duration> first_commit;
  for (const Commit& c : history->commits()) {
    if (plan_.IsByzantine(c.replica)) continue;
    if (c.t >= from && c.t <= to) committed[c.replica].insert(c.value);
    auto [it, inserted] = first_commit.emplace(c.value, c.t);
    if (!inserted && c.t < it->second) it->second = c.t;
  }
  size_t most = 0;
  for (const auto& [replica, values] : committed) most = std::max(most, values.size());
  const double commit_rate = static_cast<double>(most) / absl::ToDoubleSeconds(to - from);
  // Latency: from a value's first submission to its first commit, for the
  // values first submitted in the window.
  std::map<std::string, absl::Duration> first_submit;
  for (const Submit& s : history->submits()) {
    auto [it, inserted] = first_submit.emplace(s.value, s.t);
    if (!inserted && s.t < it->second) it->second = s.t;
  }
  std::vector<absl::Duration> latencies;
  for (const auto& [value, submitted] : first_submit) {
    auto c = first_commit.find(value);
    if (submitted >= from && c != first_commit.end()) latencies.push_back(c->second - submitted);
  }
  if (commit_rate <= 0 || latencies.empty()) {
    bad_input_ = true;
    return absl::FailedPreconditionError(absl::StrCat(
        "rate: auto measured nothing: no value committed in the second half of the ",
        absl::FormatDuration(plan_.workload.warmup), " warm-up; check the client and "
        "observe.commits in ", target_.path, ", or give a fixed rate"));
  }
  std::sort(latencies.begin(), latencies.end());
  Calibration calibration;
  calibration.t = collector_->Now();
  calibration.commit_rate = commit_rate;
  calibration.latency_p50 = latencies[latencies.size() / 2];
  calibration.latency_p99 = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  calibration.rate = std::max(1.0, plan_.workload.share * commit_rate);
  plan_.workload.rate = calibration.rate;
  if (plan_.expect.commit_within_factor.has_value()) {
    plan_.expect.commit_within =
        std::max(absl::Seconds(1), *plan_.expect.commit_within_factor * calibration.latency_p99);
    calibration.commit_within = plan_.expect.commit_within;
  }
  collector_->Record(calibration);
  return workload_->SetRate(calibration.rate);
}

absl::Status Run::AwaitFirstCommit() {
  if (target_.replica.ready.kind != ReadySpec::Kind::kFirstCommit) return absl::OkStatus();
  const absl::Duration timeout = target_.replica.startup_timeout;
  const absl::Time deadline = absl::Now() + timeout;
  while (collector_->CommitsByReplica().empty()) {
    if (interrupted()) {
      was_interrupted_ = true;
      return absl::CancelledError("interrupted");
    }
    if (absl::Status s = CheckHarness(); !s.ok()) return s;
    if (absl::Now() > deadline) {
      bad_input_ = true;
      return absl::FailedPreconditionError(absl::StrCat(
          "the cluster committed nothing within ", absl::FormatDuration(timeout),
          " of starting (replica.ready is first_commit in ", target_.path,
          "); check how commits are observed (observe.commits), the client, and the replicas' "
          "logs in ", options_.run_dir, "/replica-*/"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::OkStatus();
}

absl::Status Run::DriveTimeline() {
  // Phase boundaries in time order; at equal times ends go first, so a
  // phase that follows another on the same nodes starts on a healed cluster.
  struct Boundary {
    absl::Duration t;
    bool start;
    size_t phase;
  };
  std::vector<Boundary> boundaries;
  for (size_t i = 0; i < plan_.timeline.size(); ++i) {
    boundaries.push_back({plan_.timeline[i].at, true, i});
    boundaries.push_back({plan_.timeline[i].end(), false, i});
  }
  std::stable_sort(boundaries.begin(), boundaries.end(), [](const Boundary& a, const Boundary& b) {
    return a.t != b.t ? a.t < b.t : (!a.start && b.start);
  });
  boundaries.push_back({plan_.duration, false, SIZE_MAX});  // the end of the run, from ready

  if (KeyedToRounds(plan_)) {
    auto highest = ReadHighestRounds();
    if (!highest.ok()) return highest.status();
    round_base_ = RoundBase(*highest);
  }
  StagedControl boundary(control_.get());
  for (const Boundary& b : boundaries) {
    // The plan's times count from the moment the cluster was ready.
    const absl::Duration due = ready_at_ + b.t;
    while (collector_->Now() < due) {
      if (interrupted()) {
        was_interrupted_ = true;
        return absl::CancelledError("interrupted");
      }
      if (absl::Status s = CheckHarness(); !s.ok()) return s;
      for (auto& [i, adversary] : active_) {
        absl::Status s =
            adversary->Tick(*control_, collector_->Now() - ready_at_ - plan_.timeline[i].at);
        if (!s.ok()) return s;
        RecordStep(i);
      }
      if (absl::Status s = HealPassedRounds(); !s.ok()) return s;
      if (options_.progress && collector_->Now() >= next_progress_) {
        std::vector<std::string> names;
        for (const auto& [i, adversary] : active_) {
          // A phase that changes as it runs says what it does now.
          auto step = recorded_steps_.find(i);
          names.push_back(step == recorded_steps_.end()
                              ? plan_.timeline[i].adversary
                              : absl::StrCat(plan_.timeline[i].adversary, " (", step->second.what,
                                             ")"));
        }
        const absl::Time started = absl::Now();
        PrintProgress(names.empty() ? "no faults" : absl::StrJoin(names, "+"), false);
        // The line reads the whole history and runs the safety checkers, work
        // that grows with the run: every second while that is cheap, later
        // no more than a twentieth of the time.
        next_progress_ = collector_->Now() +
                         std::max(absl::Seconds(1), kProgressCostFactor * (absl::Now() - started));
      }
      absl::SleepFor(std::min(due - collector_->Now(), absl::Milliseconds(200)));
    }
    if (b.phase == SIZE_MAX) break;
    // Every phase that ends or starts now changes the network in one go
    // (staged_control.h): they stage their rule changes, sent once all are
    // prepared.
    boundary.NextPhase();
    if (b.start) {
      if (absl::Status s = StartPhase(b.phase, boundary); !s.ok()) return s;
    } else {
      StopPhase(b.phase, boundary);
    }
    const Boundary& next = (&b)[1];  // the end-of-run entry follows every phase
    if (next.t != b.t || next.phase == SIZE_MAX) {
      if (absl::Status s = boundary.Flush(); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("the phases at ", absl::FormatDuration(b.t),
                                                   " could not change the network: ", s.message()));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::optional<int64_t>>> Run::ReadHighestRounds() {
  std::vector<std::optional<int64_t>> highest;
  for (auto& agent : agents_) {
    auto stats = agent->RuleStats();
    if (!stats.ok()) {
      return absl::Status(stats.status().code(),
                          absl::StrCat("cannot read the rounds replica ", agent->replica(),
                                       " has reached: ", stats.status().message()));
    }
    highest.push_back(HighestRound(*stats));
  }
  return highest;
}

absl::Status Run::HealPassedRounds() {
  std::vector<size_t> keyed;
  for (const auto& [i, adversary] : active_) {
    if (plan_.timeline[i].rounds.has_value()) keyed.push_back(i);
  }
  if (keyed.empty()) return absl::OkStatus();
  auto highest = ReadHighestRounds();
  if (!highest.ok()) return highest.status();
  for (size_t i : keyed) {
    if (RoundsPast(*highest, round_base_ + plan_.timeline[i].rounds->last)) {
      StopPhase(i, *control_);
    }
  }
  return absl::OkStatus();
}

absl::Status Run::StartPhase(size_t index, FaultControl& control) {
  const Phase& phase = plan_.timeline[index];
  AdversaryContext context = PhaseContext(plan_, target_, index, seed_, keys_dir_);
  context.round_base = round_base_;
  auto adversary = MakeAdversary(context);
  if (!adversary.ok()) return adversary.status();
  collector_->Record(FaultStart{collector_->Now(), static_cast<int>(index), phase.adversary,
                                FaultyAtStart(**adversary, phase)});
  if (absl::Status s = (*adversary)->Start(control); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("phase ", index, " (", phase.adversary,
                                               ") did not start: ", s.message()));
  }
  active_[index] = *std::move(adversary);
  RecordStep(index);
  return absl::OkStatus();
}

void Run::RecordStep(size_t phase) {
  std::optional<AdversaryStep> step = active_.at(phase)->CurrentStep();
  if (!step.has_value()) return;
  auto recorded = recorded_steps_.find(phase);
  if (recorded != recorded_steps_.end() && recorded->second == *step) return;
  collector_->Record(FaultStep{collector_->Now(), static_cast<int>(phase), step->what, step->faulty});
  recorded_steps_[phase] = *std::move(step);
}

void Run::RecordRuleCounters(int from, const RepeatedPtrField<v1::RuleStat>& rules) {
  // One LinkStats per directed link named: the link's cumulative record of
  // what each of its rules matched and did, as of the rule's removal (or
  // the run's end). Rule names carry their phase (and a random round its
  // index), so earlier rules keep their lines beside later ones. A twin's
  // links are recorded under its FaultControl id, n + r.
  std::set<int> touched;
  for (const v1::RuleStat& rule : rules) {
    const std::optional<ParsedLinkRuleId> id = ParseLinkRuleId(rule.id());
    if (!id.has_value()) continue;
    auto& counters = link_counters_[{from, id->to}];
    counters[absl::StrCat(id->rule, " matched")] = static_cast<int64_t>(rule.matched());
    counters[absl::StrCat(id->rule, " applied")] = static_cast<int64_t>(rule.applied());
    // A failing rewriter passes frames intact; the count makes that visible.
    // A rewriter that returns a frame as it was passed it: the count says
    // how much of what matched it left alone.
    if (rule.unchanged() > 0) {
      counters[absl::StrCat(id->rule, " unchanged")] = static_cast<int64_t>(rule.unchanged());
    }
    if (rule.rewrite_errors() > 0) {
      counters[absl::StrCat(id->rule, " rewrite errors")] =
          static_cast<int64_t>(rule.rewrite_errors());
    }
    for (const auto& [name, value] : rule.rewriter_counters()) {
      counters[absl::StrCat(id->rule, " ", name)] = value;
    }
    touched.insert(id->to);
  }
  for (int to : touched) {
    collector_->Record(LinkStats{collector_->Now(), from, to, link_counters_[{from, to}]});
  }
}

void Run::RecordTraffic(const RepeatedPtrField<v1::LinkTraffic>& links) {
  for (const v1::LinkTraffic& link : links) {
    LinkTraffic e;
    e.t = collector_->Now();
    e.from = link.from();
    e.to = link.to();
    for (const v1::KindTraffic& kind : link.kinds()) {
      e.kinds[kind.kind()] = {static_cast<int64_t>(kind.frames()), static_cast<int64_t>(kind.bytes())};
    }
    e.unparsed_bytes = static_cast<int64_t>(link.unparsed_bytes());
    e.connections = static_cast<int64_t>(link.connections());
    e.refused = static_cast<int64_t>(link.refused());
    e.malformed_connections = static_cast<int64_t>(link.malformed_connections());
    e.oversized_messages = static_cast<int64_t>(link.oversized_messages());
    collector_->Record(std::move(e));
  }
}

void Run::StopPhase(size_t phase, FaultControl& control) {
  auto it = active_.find(phase);
  if (it == active_.end()) return;
  absl::Status s = it->second->Stop(control);
  if (!s.ok() && failure_.empty()) {
    failure_ = absl::StrCat("phase ", phase, " (", plan_.timeline[phase].adversary,
                            ") did not heal: ", s.message());
  }
  collector_->Record(FaultEnd{collector_->Now(), static_cast<int>(phase)});
  active_.erase(it);
  recorded_steps_.erase(phase);
}

void Run::Teardown() {
  if (workload_ != nullptr) workload_->Stop();
  while (!active_.empty()) StopPhase(active_.begin()->first, *control_);
  if (collector_ != nullptr) {
    // Rules that outlive every phase (a dormant twin's) report at the end.
    for (const auto& [id, agent] : AllAgents()) {
      auto stats = agent->RuleStats();
      if (!stats.ok()) continue;
      if (stats->stats_size() > 0) RecordRuleCounters(id, stats->stats());
      RecordTraffic(stats->traffic());
    }
    collector_->Record(RunEnd{collector_->Now()});
  }

  // Twins too: every replica process and every agent of the run stops here.
  for (const auto& [id, agent] : AllAgents()) {
    control_->ExpectExit(id);
    agent->StopReplica(absl::Seconds(2)).IgnoreError();
  }
  // Exit events travel on the agents' streams; give them a moment.
  absl::SleepFor(absl::Milliseconds(100));
  for (const auto& [id, agent] : AllAgents()) agent->Shutdown();
}

void Run::PrintProgress(const std::string& phase_text, bool final) {
  std::vector<int64_t> commits(plan_.n, 0);
  for (const auto& [replica, count] : collector_->CommitsByReplica()) {
    if (replica >= 0 && replica < plan_.n) commits[replica] = count;
  }
  int64_t findings = 0;
  const absl::StatusOr<History> history = collector_->ReadBack();
  for (const std::string& name : plan_.expect.safety) {
    const CheckerInfo* checker = CheckerRegistry::Global().Find(name);
    if (checker != nullptr && history.ok()) {
      findings += RunChecker(*checker, *history, CheckContext::For(plan_, target_)).violations;
    }
  }
  std::fprintf(stderr, "\r\033[K%s %5.1fs/%.0fs  %s  commits [%s]  findings %lld%s",
               plan_.name.c_str(), absl::ToDoubleSeconds(collector_->Now() - ready_at_),
               absl::ToDoubleSeconds(plan_.duration), phase_text.c_str(),
               absl::StrJoin(commits, " ").c_str(), static_cast<long long>(findings),
               final ? "\n" : "");
  std::fflush(stderr);
}

RunOutcome Run::Execute() {
  RunOutcome outcome;
  outcome.run_dir = options_.run_dir;
  const std::string history_path = absl::StrCat(options_.run_dir, "/history.jsonl");
  auto log = EventLog::Create(history_path);
  if (!log.ok()) {
    outcome.error = std::string(log.status().message());
    return outcome;
  }
  const absl::Time start = absl::Now();
  collector_ = std::make_unique<Collector>(*std::move(log), history_path, start);
  collector_->Record(RunStart{absl::ZeroDuration(), absl::FormatTime(absl::RFC3339_sec, start, absl::UTCTimeZone())});

  absl::Status status = Prepare();
  if (status.ok()) status = StartAgents();
  if (status.ok()) status = StartReplicas();
  WorkloadOptions workload;
  if (status.ok()) {
    for (int i = 0; i < plan_.n; ++i) workload.addresses.push_back(ListenAddress(i, false));
    workload.workload = plan_.workload;
    workload.seed = seed_;
    workload.closed_loop = plan_.workload.rate_auto;
    status = AddClientPrograms(&workload);
  }
  if (status.ok()) {
    auto runner = WorkloadRunner::Create(
        target_.client, *schema_, workload, [this] { return collector_->Now(); },
        [this](Event e) { collector_->Record(std::move(e)); });
    if (!runner.ok() && target_.client.kind == ClientSpec::Kind::kCommand) bad_input_ = true;
    if (runner.ok()) {
      workload_ = *std::move(runner);
      workload_->Start();
      status = AwaitFirstCommit();
      if (status.ok()) status = Calibrate();
      if (status.ok()) {
        ready_at_ = collector_->Now();
        collector_->Record(ClusterReady{ready_at_});
        status = DriveTimeline();
      }
    } else {
      status = runner.status();
    }
  }
  if (!status.ok() && !was_interrupted_ && !agent_lost_) {
    // A control call to a lost agent fails too, and a replica whose agent
    // died looks like one that would not start: name the cause, which is
    // the harness's, not the target's.
    if (absl::Status lost = CheckAgents(); !lost.ok()) {
      status = lost;
      bad_input_ = false;
    }
  }
  if (!status.ok() && !was_interrupted_ && failure_.empty()) failure_ = std::string(status.message());
  Teardown();
  if (options_.progress) PrintProgress(was_interrupted_ ? "interrupted" : "done", true);
  if (absl::Status s = HistoryError(); !s.ok() && failure_.empty()) {
    failure_ = std::string(s.message());
  }

  History history;
  if (absl::StatusOr<History> read = collector_->ReadBack(); read.ok()) {
    history = *std::move(read);
  } else if (failure_.empty()) {
    failure_ = absl::StrCat("reading the history back: ", read.status().message());
  }
  ReportInputs inputs;
  inputs.plan = &plan_;
  inputs.target = &target_;
  inputs.history = &history;
  if (!failure_.empty() && !bad_input_) inputs.harness_error = failure_;
  if (was_interrupted_) inputs.harness_error = "interrupted before the plan's duration; partial results";
  if (!bad_input_) inputs.results = RunExpectedCheckers(plan_, target_, history);
  inputs.versions["turncoat"] = TurncoatVersion();
  outcome.results = inputs.results;
  Report report = BuildReport(inputs);
  // The seed the run used (--seed overrides the plan's): the one that
  // reproduces it.
  report.plan.seed = seed_;
  report.replay = outcome.replay = ReplaySpecFor(plan_, target_, options_);
  if (report.trace.sample_every > 0) {
    if (absl::Status s = AttachTraceMessages(history_path, plan_.n, &report.episodes); !s.ok()) {
      report.warnings.push_back(absl::StrCat(
          "the traced messages beside the safety episodes are missing: ", s.message()));
    }
  }
  if (bad_input_) report.harness_error = failure_;
  if (absl::Status s = WriteReportFiles(report, options_.run_dir); !s.ok() && failure_.empty()) {
    failure_ = absl::StrCat("writing reports: ", s.message());
  }

  outcome.error = was_interrupted_ ? "interrupted" : failure_;
  // After a harness failure only a safety violation outranks it: a partial
  // history can prove one, but a value late at the end of a run cut short,
  // or at a replica whose agent was lost, proves nothing about liveness.
  bool violated = false;
  for (const CheckResult& r : outcome.results) {
    if (!r.holds() && (outcome.error.empty() || r.kind == InvariantKind::kSafety)) violated = true;
  }
  outcome.inconclusive_reasons = report.inconclusive_reasons;
  outcome.warnings = report.warnings;
  if (bad_input_) {
    outcome.status = RunStatus::kBadInput;
  } else if (violated && !plan_.beyond_fault_bound) {
    // A violation in a partial history is still a violation. Beyond the
    // fault bound it is what the plan set out to show (the report's verdict
    // is expected-violation), so such a run passes unless the harness failed.
    outcome.status = RunStatus::kViolation;
  } else if (!outcome.error.empty()) {
    outcome.status = RunStatus::kHarnessError;
  } else if (!violated && !outcome.inconclusive_reasons.empty()) {
    // Nothing found, but too little tested for that to mean anything.
    outcome.status = RunStatus::kInconclusive;
  } else {
    outcome.status = RunStatus::kPass;
  }
  return outcome;
}

}  // namespace

int ExitCode(RunStatus status) {
  switch (status) {
    case RunStatus::kPass:
      return kExitOk;
    case RunStatus::kViolation:
      return kExitViolation;
    case RunStatus::kBadInput:
      return kExitBadInput;
    case RunStatus::kHarnessError:
      return kExitHarnessFailure;
    case RunStatus::kInconclusive:
      return kExitInconclusive;
  }
  return kExitHarnessFailure;
}

absl::StatusOr<RunOutcome> RunPlan(const Plan& plan, const TargetSpec& target,
                                   const RunOptions& given) {
  // Agents and replicas run in directories of their own, so every path
  // handed to them must not depend on the working directory.
  RunOptions options = given;
  options.run_dir = fs::absolute(given.run_dir).lexically_normal().string();
  std::error_code ec;
  if (fs::exists(options.run_dir, ec)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "run directory ", options.run_dir, " exists; choose another with --out"));
  }
  fs::create_directories(options.run_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create run directory ", options.run_dir, ": ", ec.message()));
  }
  // Before anything runs, so that even a run that dies can be replayed.
  if (absl::Status s = SaveRunInputs(plan, target, options.run_dir); !s.ok()) return s;
  Run run(plan, target, options);
  return run.Execute();
}

}  // namespace turncoat
