#include "tests/reports/sample_report.h"

#include "absl/strings/str_cat.h"
#include "harness/checker.h"

namespace turncoat {
namespace {

Report BuildSample(bool diverge, const std::string& rogue_value, int f, bool beyond_fault_bound) {
  Plan plan;
  plan.name = "sample";
  plan.path = "plans/sample.yaml";
  plan.source_text = "name: sample\n";
  plan.target = "targets/refbft.yaml";
  plan.n = 4;
  plan.f = f;
  plan.beyond_fault_bound = beyond_fault_bound;
  plan.byzantine = {3};
  plan.seed = 7;
  plan.duration = absl::Seconds(20);
  plan.workload = Workload{10, 1, 32};
  plan.timeline.push_back(Phase{absl::Seconds(5), absl::Seconds(3), "crash", {1}, {}});
  plan.expect.safety = {"agreement", "prefix", "validity", "integrity", "no-honest-crash"};
  plan.expect.commit_within = absl::Seconds(5);

  TargetSpec target;
  target.name = "refbft";
  target.path = "targets/refbft.yaml";
  target.source_text = "name: refbft\n";

  History h;
  h.Add(RunStart{absl::ZeroDuration(), "2024-05-01T12:00:00Z"});
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
                   rogue ? rogue_value : value});
    }
  }
  h.Add(LinkStats{absl::Seconds(19), 0, 1, {{"forwarded", 100}, {"dropped", 2}}});
  h.Add(LinkStats{absl::Seconds(19), 1, 0, {{"forwarded", 90}}});
  h.Add(RunEnd{absl::Seconds(20)});

  ReportInputs in;
  in.plan = &plan;
  in.target = &target;
  in.history = &h;
  in.results = RunExpectedCheckers(plan, h);
  in.versions = {{"turncoat", "test"}};
  return BuildReport(in);
}

}  // namespace

Report SampleReport(bool diverge, const std::string& rogue_value) {
  return BuildSample(diverge, rogue_value, /*f=*/1, /*beyond_fault_bound=*/false);
}

Report BeyondBoundSampleReport() {
  return BuildSample(/*diverge=*/true, "rogue", /*f=*/2, /*beyond_fault_bound=*/true);
}

}  // namespace turncoat
