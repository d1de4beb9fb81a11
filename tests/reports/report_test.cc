#include "reports/report.h"

#include <vector>

#include "gtest/gtest.h"
#include "tests/reports/sample_report.h"

namespace turncoat {
namespace {

TEST(ReportTest, CleanRunPasses) {
  const Report r = SampleReport(/*diverge=*/false);
  EXPECT_EQ(r.verdict(), Verdict::kPass);
  EXPECT_EQ(ExitCode(r.verdict()), 0);
  ASSERT_EQ(r.results.size(), 6u);
  EXPECT_EQ(r.results[0].invariant, "agreement");
  EXPECT_EQ(r.results[5].invariant, "liveness");
  for (const CheckResult& c : r.results) EXPECT_TRUE(c.holds()) << c.invariant;
  EXPECT_EQ(r.started_at, "2024-05-01T12:00:00Z");
  EXPECT_EQ(r.length, absl::Seconds(20));
}

TEST(ReportTest, StatisticsSummariseTheHistory) {
  const Report r = SampleReport(false);
  const Statistics& s = r.statistics;
  EXPECT_EQ(s.submissions, 18);
  EXPECT_EQ(s.values, 18);
  EXPECT_EQ(s.accepted, 18);
  EXPECT_EQ(s.rejected, 0);
  EXPECT_EQ(s.committed_values, 18);
  EXPECT_EQ(s.latency.count, 18);
  EXPECT_EQ(s.latency.p50, absl::Milliseconds(200));
  EXPECT_EQ(s.latency.max, absl::Milliseconds(200));
  ASSERT_EQ(s.replicas.size(), 4u);
  EXPECT_EQ(s.replicas[1].commits, 18);
  EXPECT_EQ(s.replicas[1].max_seq, 18u);
  EXPECT_EQ(s.replicas[1].unrequested_exits, 0);
  EXPECT_TRUE(s.replicas[3].byzantine);
  EXPECT_EQ(s.link_counters.at("forwarded"), 190);
  EXPECT_EQ(s.link_counters.at("dropped"), 2);
}

TEST(ReportTest, TraceCountsEachLinkAndAction) {
  const TraceCounts& t = SampleReport(false).trace;
  EXPECT_EQ(t.sample_every, 1u);
  EXPECT_EQ(t.messages, 7);
  EXPECT_EQ(t.actions, (std::map<std::string, int64_t>{{"drop", 1}, {"pass", 6}}));
  const MessageCounts expected = {{{0, 1}, {{"drop", 1}, {"pass", 3}}},
                                  {{1, 0}, {{"pass", 2}}},
                                  {{7, 0}, {{"pass", 1}}}};
  EXPECT_EQ(t.links, expected);
}

TEST(ReportTest, UntracedRunHasNoTraceCounts) {
  Plan plan;
  plan.n = 1;
  TargetSpec target;
  History h;
  h.Add(RunEnd{absl::Seconds(1)});
  ReportInputs in;
  in.plan = &plan;
  in.target = &target;
  in.history = &h;
  const TraceCounts t = BuildReport(in).trace;
  EXPECT_EQ(t.sample_every, 0u);
  EXPECT_EQ(t.messages, 0);
  EXPECT_TRUE(t.links.empty());
}

TEST(ReportTest, LinkCountersAddUpExceptExtremes) {
  Plan plan;
  plan.n = 2;
  TargetSpec target;
  History h;
  h.Add(LinkStats{absl::Seconds(5), 0, 1,
                  {{"replayed", 3}, {"age ms min", 20'500}, {"age ms max", 31'000}}});
  h.Add(LinkStats{absl::Seconds(5), 1, 0,
                  {{"replayed", 4}, {"age ms min", 22'000}, {"age ms max", 40'000}}});
  h.Add(RunEnd{absl::Seconds(6)});
  ReportInputs in;
  in.plan = &plan;
  in.target = &target;
  in.history = &h;
  const std::map<std::string, int64_t> counters = BuildReport(in).statistics.link_counters;
  EXPECT_EQ(counters.at("replayed"), 7);
  EXPECT_EQ(counters.at("age ms min"), 20'500);
  EXPECT_EQ(counters.at("age ms max"), 40'000);
}

// The report's traffic of a run of n replicas whose history has `links`.
TrafficCounts TrafficOf(int n, const std::vector<LinkTraffic>& links) {
  Plan plan;
  plan.n = n;
  TargetSpec target;
  History h;
  for (const LinkTraffic& l : links) h.Add(l);
  h.Add(RunEnd{absl::Seconds(6)});
  ReportInputs in;
  in.plan = &plan;
  in.target = &target;
  in.history = &h;
  return BuildReport(in).traffic;
}

TEST(ReportTest, TrafficAddsUpTheAgentsReportsPerLinkAndKind) {
  // The sender's agent counts the frames of 0 -> 1, the destination's the
  // connection it could not pass on.
  LinkTraffic sender{absl::Seconds(5), 0, 1, {{"PREPARE", {3, 300}}, {"COMMIT", {2, 180}}}, 10, 4, 0};
  LinkTraffic destination{absl::Seconds(5), 0, 1, {}, 0, 0, 1};
  LinkTraffic back{absl::Seconds(5), 1, 0, {{"PREPARE", {1, 100}}}, 0, 4, 0};
  const TrafficCounts traffic = TrafficOf(2, {sender, destination, back});
  ASSERT_EQ(traffic.links.size(), 2u);
  const LinkTraffic& forward = traffic.links.at({0, 1});
  EXPECT_EQ(forward.kinds.at("PREPARE"), (LinkTraffic::Count{3, 300}));
  EXPECT_EQ(forward.unparsed_bytes, 10);
  EXPECT_EQ(forward.connections, 4);
  EXPECT_EQ(forward.refused, 1);
  EXPECT_EQ(traffic.kinds.at("PREPARE"), (LinkTraffic::Count{4, 400}));
  EXPECT_EQ(traffic.kinds.at("COMMIT"), (LinkTraffic::Count{2, 180}));
}

TEST(ReportTest, TrafficKeepsWhatTheGrpcProxiesRejectedPerLink) {
  LinkTraffic rejected{absl::Seconds(5), 2, 0, {}, 0, 0, 0};
  rejected.malformed_connections = 3;
  rejected.oversized_messages = 1;
  const TrafficCounts traffic = TrafficOf(4, {rejected});
  ASSERT_EQ(traffic.links.size(), 1u);
  EXPECT_EQ(traffic.links.at({2, 0}).malformed_connections, 3);
  EXPECT_EQ(traffic.links.at({2, 0}).oversized_messages, 1);
  EXPECT_TRUE(traffic.kinds.empty());
}

TEST(ReportTest, SeriesBucketTheRun) {
  const Report r = SampleReport(false);
  EXPECT_EQ(r.series.bucket, absl::Seconds(1));
  ASSERT_EQ(r.series.commit_rate.size(), 4u);
  ASSERT_EQ(r.series.commit_rate[0].size(), 20u);
  EXPECT_DOUBLE_EQ(r.series.commit_rate[0][0], 0);
  EXPECT_DOUBLE_EQ(r.series.commit_rate[0][1], 1);
  EXPECT_DOUBLE_EQ(r.series.commit_rate[1][6], 0);  // crashed
  EXPECT_DOUBLE_EQ(r.series.commit_rate[1][8], 4);  // three caught up plus v8
  ASSERT_EQ(r.series.latency_p50.size(), 20u);
  EXPECT_FALSE(r.series.latency_p50[0].has_value());
  EXPECT_EQ(r.series.latency_p99[3], absl::Milliseconds(200));
  ASSERT_EQ(r.faults.size(), 1u);
  EXPECT_EQ(r.faults[0].interval.nodes, std::vector<int>{1});
  EXPECT_EQ(r.faults[0].interval.end, absl::Seconds(8));
  ASSERT_EQ(r.exits.size(), 1u);
}

TEST(ReportTest, DivergenceFails) {
  const Report r = SampleReport(/*diverge=*/true);
  EXPECT_EQ(r.verdict(), Verdict::kViolation);
  EXPECT_EQ(ExitCode(r.verdict()), 1);
  EXPECT_FALSE(r.results[0].holds());  // agreement
  EXPECT_FALSE(r.results[2].holds());  // validity
  EXPECT_TRUE(r.results[3].holds());   // integrity
}

TEST(ReportTest, HarnessErrorOutranksTheFindings) {
  Report r = SampleReport(true);
  r.harness_error = "agent on host b stopped answering";
  EXPECT_EQ(r.verdict(), Verdict::kError);
  EXPECT_EQ(ExitCode(r.verdict()), 3);
  EXPECT_EQ(VerdictName(r.verdict()), "error");
}

TEST(ReportTest, ViolationBeyondTheBoundIsExpected) {
  const Report r = BeyondBoundSampleReport();
  EXPECT_FALSE(r.results[0].holds());  // agreement
  EXPECT_EQ(r.verdict(), Verdict::kExpectedViolation);
  EXPECT_EQ(VerdictName(r.verdict()), "expected-violation");
  EXPECT_EQ(ExitCode(r.verdict()), 0);
}

// Declaring the plan beyond the bound excuses violations, nothing else.
TEST(ReportTest, BeyondTheBoundWithoutViolationPasses) {
  Report r = SampleReport(/*diverge=*/false);
  r.plan.beyond_fault_bound = true;
  EXPECT_EQ(r.verdict(), Verdict::kPass);
  r.harness_error = "agent 2 unreachable";
  EXPECT_EQ(r.verdict(), Verdict::kError);
}

TEST(ReportTest, HarnessErrorOutranksAnExpectedViolation) {
  Report r = BeyondBoundSampleReport();
  r.harness_error = "agent 2 unreachable";
  EXPECT_EQ(r.verdict(), Verdict::kError);
  EXPECT_EQ(ExitCode(r.verdict()), 3);
}

TEST(ReportTest, APhaseThatNeverActedIsInconclusive) {
  const Report r = IdlePhaseSampleReport();
  for (const CheckResult& c : r.results) EXPECT_TRUE(c.holds()) << c.invariant;
  ASSERT_EQ(r.inconclusive_reasons.size(), 1u);
  EXPECT_EQ(r.inconclusive_reasons[0].substr(0, 73),
            "phase 1 (omission on [3], 10.000s to 12.000s) never acted: its rules on 3");
  EXPECT_EQ(r.verdict(), Verdict::kInconclusive);
  EXPECT_EQ(VerdictName(r.verdict()), "inconclusive");
  EXPECT_EQ(ExitCode(r.verdict()), 4);
}

// A finding is a finding; a failed harness outranks both.
TEST(ReportTest, AViolationOrAHarnessErrorOutranksInconclusive) {
  Report r = IdlePhaseSampleReport(/*diverge=*/true);
  EXPECT_FALSE(r.inconclusive_reasons.empty());
  EXPECT_EQ(r.verdict(), Verdict::kViolation);
  r.plan.beyond_fault_bound = true;
  EXPECT_EQ(r.verdict(), Verdict::kExpectedViolation);
  r = IdlePhaseSampleReport();
  r.harness_error = "interrupted";
  EXPECT_EQ(r.verdict(), Verdict::kError);
}

TEST(ReportTest, FaultsCarryTheirPlannedTimes) {
  const Report r = SampleReport(false);
  ASSERT_EQ(r.ready, absl::Milliseconds(500));
  ASSERT_EQ(r.faults.size(), 1u);
  EXPECT_EQ(r.faults[0].planned_start, absl::Seconds(5));
  EXPECT_EQ(r.faults[0].planned_end, absl::Seconds(8));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ReportTest, APhaseThatStartedLateIsAWarning) {
  const Report r = LatePhaseSampleReport();
  EXPECT_EQ(r.faults[0].planned_start, absl::Milliseconds(4600));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].substr(0, 106),
            "phase 0 (crash) started 0.400s late: planned at 4.600s (ready at 0.100s + at 4.5s), "
            "started at 5.000s; the");
  // Late, but not wrong: the verdict does not change.
  EXPECT_EQ(r.verdict(), Verdict::kPass);
}

TEST(ReportTest, LateByNoMoreThanTheToleranceIsNoWarning) {
  Plan plan;
  plan.n = 1;
  plan.duration = absl::Seconds(10);
  plan.timeline.push_back(Phase{absl::Seconds(2), absl::Seconds(1), "pause", {0}, {}, std::nullopt, std::nullopt});
  TargetSpec target;
  const absl::Duration just_over = kLatePhaseWarning + absl::Milliseconds(1);
  for (const auto& [late, warnings] : {std::pair{kLatePhaseWarning, 0u}, {just_over, 1u}}) {
    History h;
    h.Add(ClusterReady{absl::Seconds(1)});
    h.Add(FaultStart{absl::Seconds(3) + late, 0, "pause", {0}});
    h.Add(FaultEnd{absl::Seconds(4), 0});
    h.Add(RunEnd{absl::Seconds(11)});
    ReportInputs in;
    in.plan = &plan;
    in.target = &target;
    in.history = &h;
    EXPECT_EQ(BuildReport(in).warnings.size(), warnings) << late;
  }
}

TEST(ReportTest, APhaseThatNeverStartedIsAWarning) {
  Plan plan;
  plan.n = 1;
  plan.duration = absl::Seconds(10);
  plan.timeline.push_back(Phase{absl::Seconds(2), absl::Seconds(1), "pause", {0}, {}, std::nullopt, std::nullopt});
  TargetSpec target;
  History h;
  h.Add(ClusterReady{absl::Seconds(1)});
  h.Add(RunEnd{absl::Seconds(11)});
  ReportInputs in;
  in.plan = &plan;
  in.target = &target;
  in.history = &h;
  const Report r = BuildReport(in);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0],
            "phase 0 (pause) never started although the run lasted until 11.000s, past its "
            "planned start at 3.000s");
}

// Without the cluster's ready time nothing is planned, so nothing is late.
TEST(ReportTest, WithoutClusterReadyThereAreNoPlannedTimes) {
  Plan plan;
  plan.n = 1;
  plan.duration = absl::Seconds(10);
  plan.timeline.push_back(Phase{absl::Seconds(2), absl::Seconds(1), "pause", {0}, {}, std::nullopt, std::nullopt});
  TargetSpec target;
  History h;
  h.Add(FaultStart{absl::Seconds(9), 0, "pause", {0}});
  h.Add(RunEnd{absl::Seconds(11)});
  ReportInputs in;
  in.plan = &plan;
  in.target = &target;
  in.history = &h;
  const Report r = BuildReport(in);
  EXPECT_FALSE(r.ready.has_value());
  ASSERT_EQ(r.faults.size(), 1u);
  EXPECT_FALSE(r.faults[0].planned_start.has_value());
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ReportTest, LatencyPercentilesUseNearestRank) {
  Plan plan;
  plan.n = 1;
  TargetSpec target;
  History h;
  for (int i = 1; i <= 100; ++i) {
    const std::string v = std::to_string(i);
    h.Add(Submit{absl::Seconds(1), 0, 0, v});
    h.Add(Commit{absl::Seconds(1) + absl::Milliseconds(i), 0, static_cast<uint64_t>(i), v});
  }
  ReportInputs in;
  in.plan = &plan;
  in.target = &target;
  in.history = &h;
  const Report r = BuildReport(in);
  EXPECT_EQ(r.statistics.latency.p50, absl::Milliseconds(50));
  EXPECT_EQ(r.statistics.latency.p90, absl::Milliseconds(90));
  EXPECT_EQ(r.statistics.latency.p99, absl::Milliseconds(99));
  EXPECT_EQ(r.statistics.latency.max, absl::Milliseconds(100));
}

}  // namespace
}  // namespace turncoat
