#include "tests/reports/sample_report.h"

#include "absl/strings/str_cat.h"
#include "checkers/checker.h"

namespace turncoat {
namespace {

struct SampleOptions {
  bool diverge = false;
  std::string rogue_value = "rogue";
  int f = 1;
  bool beyond_fault_bound = false;
  // When the cluster became ready; the crash phase is planned 4.5 s later.
  absl::Duration ready = absl::Milliseconds(500);
  // Adds an omission phase by replica 3 whose rules never match a message.
  bool idle_phase = false;
};

// The report of `history` after the plan's checkers ran on it.
Report Checked(const Plan& plan, const TargetSpec& target, const History& history,
               const std::string& version) {
  ReportInputs in;
  in.plan = &plan;
  in.target = &target;
  in.history = &history;
  in.results = RunExpectedCheckers(plan, target, history);
  in.versions = {{"turncoat", version}};
  return BuildReport(in);
}

Report BuildSample(const SampleOptions& options) {
  const bool diverge = options.diverge;
  Plan plan;
  plan.name = "sample";
  plan.path = "plans/sample.yaml";
  plan.source_text = "name: sample\n";
  plan.target = "targets/refbft.yaml";
  plan.n = 4;
  plan.f = options.f;
  plan.beyond_fault_bound = options.beyond_fault_bound;
  plan.byzantine = {3};
  plan.seed = 7;
  plan.duration = absl::Seconds(20);
  plan.workload = Workload{10, 1, 32};
  plan.timeline.push_back(Phase{absl::Milliseconds(4500), absl::Seconds(3), "crash", {1}, {}, std::nullopt, std::nullopt});
  if (options.idle_phase) {
    plan.timeline.push_back(
        Phase{absl::Milliseconds(9500), absl::Seconds(2), "omission", {3}, {{"drop", 1.0}}, std::nullopt, std::nullopt});
  }
  plan.expect.safety = {"agreement", "prefix", "validity", "integrity", "no-honest-crash"};
  plan.expect.commit_within = absl::Seconds(5);
  // Liveness judges 8 of the 18 values (a crash and the end excuse the
  // rest): a small sample run is enough of a test here.
  plan.expect.min_commits = 8;

  TargetSpec target;
  target.name = "refbft";
  target.path = "targets/refbft.yaml";
  target.source_text = "name: refbft\n";

  History h;
  h.Add(RunStart{absl::ZeroDuration(), "2024-05-01T12:00:00Z"});
  h.Add(ClusterReady{options.ready});
  h.Add(TraceStart{absl::ZeroDuration(), 1});
  const auto message = [&h](int from, int to, const char* action, const char* rule) {
    h.Add(MessageFate{absl::Seconds(2), from, to, "/refbft.Replica/Vote",
                      MessageDirection::kRequest, 100, action, rule});
  };
  for (int i = 0; i < 3; ++i) message(0, 1, "pass", "");
  message(0, 1, "drop", "omission-0");
  message(1, 0, "pass", "");
  message(1, 0, "pass", "");
  message(7, 0, "pass", "");  // the twin of replica 3: TwinId(4, 3)
  // One value a second, committed 200 ms later by every live replica.
  for (int i = 1; i <= 18; ++i) {
    const std::string value = absl::StrCat("v", i);
    const absl::Duration t = absl::Seconds(i);
    if (i == 5) {
      h.Add(FaultStart{t, 0, "crash", {1}});
      h.Add(ProcessExit{t, 1, true, std::nullopt, 9, ""});
    }
    if (i == 8) {
      h.Add(FaultEnd{t, 0});
      h.Add(ProcessStart{t, 1, 4242});
      // Replica 1 catches up on what it missed while down.
      for (int missed = 5; missed < 8; ++missed) {
        h.Add(Commit{t + absl::Milliseconds(100), 1, static_cast<uint64_t>(missed),
                     absl::StrCat("v", missed)});
      }
    }
    h.Add(Submit{t, 0, 0, value});
    h.Add(Ack{t + absl::Milliseconds(1), 0, 0, value, true, ""});
    for (int r = 0; r < 4; ++r) {
      if (r == 1 && i >= 5 && i < 8) continue;
      const bool rogue = diverge && r == 2 && i == 5;
      h.Add(Commit{t + absl::Milliseconds(200 + 10 * r), r, static_cast<uint64_t>(i),
                   rogue ? options.rogue_value : value});
    }
  }
  if (options.idle_phase) {
    h.Add(FaultStart{absl::Seconds(10), 1, "omission", {3}});
    h.Add(FaultEnd{absl::Seconds(12), 1});
    for (int to = 0; to < 3; ++to) {
      h.Add(LinkStats{absl::Seconds(12), 3, to,
                      {{"p1-omission-m0 matched", 0}, {"p1-omission-m0 applied", 0}}});
    }
  }
  h.Add(LinkStats{absl::Seconds(19), 0, 1, {{"forwarded", 100}, {"dropped", 2}}});
  h.Add(LinkStats{absl::Seconds(19), 1, 0, {{"forwarded", 90}}});
  h.Add(RunEnd{absl::Seconds(20)});

  return Checked(plan, target, h, "test");
}

}  // namespace

Report SampleReport(bool diverge, const std::string& rogue_value) {
  SampleOptions options;
  options.diverge = diverge;
  options.rogue_value = rogue_value;
  return BuildSample(options);
}

Report BeyondBoundSampleReport() {
  SampleOptions options;
  options.diverge = true;
  options.f = 2;
  options.beyond_fault_bound = true;
  return BuildSample(options);
}

Report IdlePhaseSampleReport(bool diverge) {
  SampleOptions options;
  options.diverge = diverge;
  options.idle_phase = true;
  return BuildSample(options);
}

Report LatePhaseSampleReport() {
  SampleOptions options;
  options.ready = absl::Milliseconds(100);
  return BuildSample(options);
}

Report CrashedLeaderSampleReport() {
  Plan plan;
  plan.name = "crash-leader";
  plan.path = "/home/user/src/turncoat/plans/crash-leader.yaml";
  plan.source_text = "name: crash-leader\n";
  plan.target = "/home/user/src/turncoat/targets/refbft.yaml";
  plan.n = 4;
  plan.f = 1;
  plan.seed = 11;
  plan.duration = absl::Seconds(25);
  plan.workload = Workload{40, 4, 32};
  plan.timeline.push_back(
      Phase{absl::Seconds(5), absl::Seconds(10), "crash", {1}, {}, std::nullopt, std::nullopt});
  plan.expect.safety = {"agreement", "prefix", "validity", "integrity", "no-honest-crash"};
  plan.expect.commit_within = absl::Seconds(6);

  TargetSpec target;
  target.name = "refbft";
  target.path = plan.target;
  target.source_text = "name: refbft\n";

  History h;
  h.Add(RunStart{absl::ZeroDuration(), "2026-01-01T12:00:00Z"});
  h.Add(ClusterReady{absl::Milliseconds(400)});
  uint64_t seq = 0;
  for (int i = 1; i < 1000; ++i) {
    const absl::Duration t = absl::Milliseconds(25 * i);
    const std::string value = absl::StrCat("tc11-c", i % 4, "-", i, "-MybYvqpg2IHeCvSY9ZBs");
    h.Add(Submit{t, i % 4, 0, value});
    h.Add(Ack{t + absl::Milliseconds(1), i % 4, 0, value, true, ""});
    if (t >= absl::Seconds(5)) continue;
    ++seq;
    for (int r = 0; r < 4; ++r) h.Add(Commit{t + absl::Milliseconds(40), r, seq, value});
  }
  h.Add(FaultStart{absl::Milliseconds(5400), 0, "crash", {1}});
  h.Add(ProcessExit{absl::Milliseconds(5400), 1, true, std::nullopt, 9, ""});
  h.Add(FaultEnd{absl::Milliseconds(15400), 0});
  h.Add(ProcessStart{absl::Milliseconds(15400), 1, 4242});
  h.Add(RunEnd{absl::Milliseconds(25400)});

  Report report = Checked(plan, target, h, "0.1.0+b1a8d7d846d7");
  ReplaySpec replay;
  replay.turncoat = "/home/user/src/turncoat/build/harness/turncoat";
  replay.turncoat_version = "0.1.0+b1a8d7d846d7";
  replay.plan_path = plan.path;
  replay.target_path = plan.target;
  replay.seed = 11;
  replay.replica_args = {"--bug=no-view-change"};
  report.replay = replay;
  return report;
}

}  // namespace turncoat
