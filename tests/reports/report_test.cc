#include "reports/report.h"

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
