#include "reports/inconclusive.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/checkers/history_builder.h"

namespace turncoat {
namespace {

using ::testing::HasSubstr;

// n = 4, replica 3 Byzantine, 10 values/s for 20 s, min_commits 10.
Plan TestPlan() {
  Plan plan;
  plan.n = 4;
  plan.f = 1;
  plan.byzantine = {3};
  plan.duration = absl::Seconds(20);
  plan.workload = Workload{10, 1, 32};
  return plan;
}

// `count` values submitted a second apart from 1 s, each committed by the
// honest replicas 100 ms later.
HistoryBuilder Committing(int count) {
  HistoryBuilder h;
  for (int i = 1; i <= count; ++i) {
    const std::string value = absl::StrCat("v", i);
    h.Submit(1000 * i, 0, value).CommitAt(1000 * i + 100, {0, 1, 2}, i, value);
  }
  return h;
}

TEST(InconclusiveTest, ARunThatTestedEnoughHasNoReason) {
  HistoryBuilder h = Committing(12);
  h.Fault(3000, 6000, 0, "crash", {1});  // a process phase: no counters, always acts
  h.Fault(7000, 9000, 1, "omission", {3});
  h.Counters(9000, 3, 0, {{"p1-omission-m0 matched", 40}, {"p1-omission-m0 applied", 40}});
  h.Counters(9000, 3, 1, {{"p1-omission-m0 matched", 0}, {"p1-omission-m0 applied", 0}});
  h.End(20000);
  EXPECT_TRUE(InconclusiveReasons(TestPlan(), h.history(), {}).empty());
}

TEST(InconclusiveTest, APhaseWhoseRulesMatchedNothingNeverActed) {
  HistoryBuilder h = Committing(12);
  h.Fault(5000, 17000, 1, "omission", {3});
  for (int to = 0; to < 3; ++to) {
    h.Counters(17000, 3, to, {{"p1-omission-m0 matched", 0}, {"p1-omission-m0 applied", 0}});
  }
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(TestPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0],
            "phase 1 (omission on [3], 5.000s to 17.000s) never acted: its rules on 3 links "
            "matched no message, so the fault changed nothing; check that the phase's nodes "
            "were sending while it lasted and that its `to` and `messages` parameters name "
            "traffic the target sends");
}

// A failed rewrite passes the frame intact and is not counted as applied.
TEST(InconclusiveTest, APhaseWhoseEveryRewriteFailedNeverActed) {
  HistoryBuilder h = Committing(12);
  h.Fault(2000, 8000, 0, "equivocation", {3});
  h.Counters(8000, 3, 1,
             {{"p0-equivocation-m0 matched", 30},
              {"p0-equivocation-m0 applied", 0},
              {"p0-equivocation-m0 rewrite errors", 30}});
  h.Counters(8000, 3, 2,
             {{"p0-equivocation-m0 matched", 10},
              {"p0-equivocation-m0 applied", 0},
              {"p0-equivocation-m0 rewrite errors", 10}});
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(TestPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0], HasSubstr("phase 0 (equivocation on [3], 2.000s to 8.000s) never "
                                    "acted: its rules on 2 links matched 40 messages but every "
                                    "rewrite failed (40 rewrite errors), so each message passed "
                                    "unchanged"));
}

// Equivocation by a replica that never led: every message it sent matched,
// none carried values to trim, so each was given back as it was.
TEST(InconclusiveTest, APhaseWhoseRewritesChangedNothingNeverActed) {
  HistoryBuilder h = Committing(12);
  h.Fault(2000, 8000, 0, "equivocation", {3});
  h.Counters(8000, 3, 1,
             {{"p0-equivocation-m0 matched", 25},
              {"p0-equivocation-m0 applied", 0},
              {"p0-equivocation-m0 unchanged", 25}});
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(TestPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0], HasSubstr("phase 0 (equivocation on [3], 2.000s to 8.000s) never "
                                    "acted: its rules on 1 link matched 25 messages but its "
                                    "rewrites changed none of them"));
}

TEST(InconclusiveTest, OneRewriteThatTookIsEnough) {
  HistoryBuilder h = Committing(12);
  h.Fault(2000, 8000, 0, "equivocation", {3});
  h.Counters(8000, 3, 1,
             {{"p0-equivocation-m0 matched", 30},
              {"p0-equivocation-m0 applied", 1},
              {"p0-equivocation-m0 rewrite errors", 29}});
  h.End(20000);
  EXPECT_TRUE(InconclusiveReasons(TestPlan(), h.history(), {}).empty());
}

TEST(InconclusiveTest, AProbabilityThatNeverCameUpNeverActed) {
  HistoryBuilder h = Committing(12);
  h.Fault(2000, 3000, 0, "duplicate", {3});
  h.Counters(3000, 3, 0, {{"p0-duplicate-m0 matched", 5}, {"p0-duplicate-m0 applied", 0}});
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(TestPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0], HasSubstr("matched 5 messages but applied their action to none"));
}

// Counters are cumulative per link: the last record of a link counts, and a
// rule of phase 10 is not one of phase 1.
TEST(InconclusiveTest, CountersAreReadFromEachLinksLastRecordAndTheirOwnPhase) {
  HistoryBuilder h = Committing(12);
  h.Fault(2000, 3000, 1, "omission", {3});
  h.Fault(4000, 5000, 10, "omission", {3});
  h.Counters(3000, 3, 0, {{"p1-omission-m0 matched", 0}, {"p1-omission-m0 applied", 0}});
  h.Counters(5000, 3, 0,
             {{"p1-omission-m0 matched", 0},
              {"p1-omission-m0 applied", 0},
              {"p10-omission-m0 matched", 9},
              {"p10-omission-m0 applied", 9}});
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(TestPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(reasons[0], "phase 1 (omission")) << reasons[0];
}

// Two phases a generator drew: one keyed to a round that never came.
Plan GeneratedPlan() {
  Plan plan = TestPlan();
  for (int i = 0; i < 2; ++i) {
    Phase phase;
    phase.adversary = "omission";
    phase.generated = true;
    plan.timeline.push_back(phase);
  }
  return plan;
}

TEST(InconclusiveTest, ADrawnPhaseThatNeverActedIsNoShortfallWhileAnotherActed) {
  HistoryBuilder h = Committing(12);
  h.Fault(5000, 9000, 0, "omission", {3});
  h.Fault(5000, 9000, 1, "omission", {3});
  h.Counters(9000, 3, 0, {{"p0-omission-m0 matched", 30}, {"p0-omission-m0 applied", 30}});
  h.Counters(9000, 3, 1, {{"p1-omission-m0 matched", 0}, {"p1-omission-m0 applied", 0}});
  h.End(20000);
  EXPECT_TRUE(InconclusiveReasons(GeneratedPlan(), h.history(), {}).empty());
  // Written in the plan, the same idle phase is a shortfall.
  Plan written = GeneratedPlan();
  written.timeline[1].generated = false;
  EXPECT_EQ(InconclusiveReasons(written, h.history(), {}).size(), 1u);
}

TEST(InconclusiveTest, ARunInWhichNoDrawnPhaseActedIsInconclusive) {
  HistoryBuilder h = Committing(12);
  h.Fault(5000, 9000, 0, "omission", {3});
  h.Fault(5000, 9000, 1, "omission", {3});
  h.Counters(9000, 3, 0, {{"p0-omission-m0 matched", 0}, {"p0-omission-m0 applied", 0}});
  h.Counters(9000, 3, 1, {{"p1-omission-m0 matched", 0}, {"p1-omission-m0 applied", 0}});
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(GeneratedPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0], HasSubstr("none of the 2 phases the plan's generators drew acted"));
}

// The twin of replica 3 is FaultControl id n + 3 = 7. The phase lets it
// speak to the group that hears it by rules placed ahead of its dormant
// drops, which count what they pass.
TEST(InconclusiveTest, ATwinsPhaseActsWhenItsTwinSpokeThroughIt) {
  HistoryBuilder h = Committing(12);
  h.Fault(5000, 15000, 0, "twins", {3});
  // Its own drops silence the original towards group 1; they say nothing
  // about the twin.
  h.Counters(15000, 3, 2, {{"p0-twins-m0 matched", 0}, {"p0-twins-m0 applied", 0}});
  h.Counters(15000, 7, 2, {{"p0-twin-wake-m0 matched", 120}, {"p0-twin-wake-m0 applied", 120},
                           {"twin-dormant-m0 matched", 40}, {"twin-dormant-m0 applied", 40}});
  h.End(20000);
  EXPECT_TRUE(InconclusiveReasons(TestPlan(), h.history(), {}).empty());
}

TEST(InconclusiveTest, ATwinsPhaseWhoseTwinWasSilentNeverActed) {
  HistoryBuilder h = Committing(12);
  h.Fault(5000, 15000, 0, "twins", {3});
  h.Counters(15000, 3, 2, {{"p0-twins-m0 matched", 80}, {"p0-twins-m0 applied", 80}});
  // The twin spoke before the phase (its dormant drops matched), not during.
  h.Counters(15000, 7, 2, {{"p0-twin-wake-m0 matched", 0}, {"p0-twin-wake-m0 applied", 0},
                           {"twin-dormant-m0 matched", 50}});
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(TestPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0],
              HasSubstr("phase 0 (twins on [3], 5.000s to 15.000s) never acted: the twin of "
                        "replica 3 sent nothing to the replicas that hear it"));
}

TEST(InconclusiveTest, ATwinsPhaseWithoutAnyRecordOfTheTwinNeverActed) {
  HistoryBuilder h = Committing(12);
  h.Fault(5000, 15000, 0, "twins", {3});
  // Another phase's rules on the twin's link are not this phase's.
  h.Counters(15000, 7, 2, {{"twin-dormant-m0 matched", 50}, {"p4-twin-wake-m0 applied", 9}});
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(TestPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0], HasSubstr("nothing records the twin of replica 3 sending"));
}

TEST(InconclusiveTest, NothingCommittedAtAnHonestReplica) {
  HistoryBuilder h;
  h.Submit(1000, 0, "a").Submit(2000, 1, "b");
  h.Commit(1500, 3, 1, "a");  // the Byzantine replica's commits do not count
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(TestPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0], HasSubstr("no honest replica committed anything in the run's "
                                    "20.000s (2 values submitted)"));
  EXPECT_THAT(reasons[0], HasSubstr("target's `commits` section"));
}

TEST(InconclusiveTest, NothingSubmittedSaysSo) {
  HistoryBuilder h;
  h.End(20000);
  const std::vector<std::string> reasons = InconclusiveReasons(TestPlan(), h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0], HasSubstr("no client value was submitted"));
}

TEST(InconclusiveTest, FewerCommitsThanTheMinimum) {
  HistoryBuilder h = Committing(4);
  h.End(20000);
  Plan plan = TestPlan();
  std::vector<std::string> reasons = InconclusiveReasons(plan, h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0],
            "only 4 distinct values committed at honest replicas (4 submitted), fewer than "
            "expect.min_commits = 10; lengthen the run or raise the workload's rate, or lower "
            "expect.min_commits if the plan means to test so little");
  plan.expect.min_commits = 4;
  EXPECT_TRUE(InconclusiveReasons(plan, h.history(), {}).empty());
  // 0 asks for nothing, not even one commit.
  plan.expect.min_commits = 0;
  HistoryBuilder empty;
  empty.End(20000);
  EXPECT_TRUE(InconclusiveReasons(plan, empty.history(), {}).empty());
}

TEST(InconclusiveTest, APlanThatSubmitsTooLittleCanNeverPass) {
  HistoryBuilder h = Committing(12);
  h.End(20000);
  Plan plan = TestPlan();
  plan.workload.rate = 0.2;  // 4 values in 20 s
  const std::vector<std::string> reasons = InconclusiveReasons(plan, h.history(), {});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0],
            "the plan submits about 4 values (workload.rate 0.2/s for 20s), fewer than "
            "expect.min_commits = 10, so it can never pass; raise workload.rate or duration, "
            "or lower expect.min_commits");
}

CheckResult Liveness(int64_t judged, std::map<std::string, int64_t> excused) {
  CheckResult r;
  r.invariant = "liveness";
  r.kind = InvariantKind::kLiveness;
  r.coverage = CheckCoverage{judged, std::move(excused)};
  return r;
}

TEST(InconclusiveTest, LivenessThatJudgedNoValue) {
  HistoryBuilder h = Committing(12);
  h.End(20000);
  Plan plan = TestPlan();
  plan.expect.commit_within = absl::Seconds(5);
  const std::vector<CheckResult> none_due = {
      Liveness(0, {{"submitted while the cluster was beyond its fault bound", 8},
                   {"too close to the end of the run to judge", 4}})};
  const std::vector<std::string> reasons = InconclusiveReasons(plan, h.history(), none_due);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0],
            "liveness judged no value: all 12 submitted values were excused (8 submitted while "
            "the cluster was beyond its fault bound, 4 too close to the end of the run to "
            "judge), so commit_within = 5s was never put to the test; leave time within the "
            "fault bound after the faults, lengthen the run or shorten commit_within");
  // min_commits values judged are a test.
  EXPECT_TRUE(InconclusiveReasons(plan, h.history(), {Liveness(10, {{"x", 2}})}).empty());
  // A plan that expects no liveness is not judged on it.
  plan.expect.commit_within.reset();
  EXPECT_TRUE(InconclusiveReasons(plan, h.history(), none_due).empty());
}

// A cluster that took values only at the end of its run: 21 values committed
// (more than min_commits), but only 3 of them held to the bound.
TEST(InconclusiveTest, LivenessThatJudgedFewerValuesThanTheMinimum) {
  HistoryBuilder h = Committing(21);
  h.End(22000);
  Plan plan = TestPlan();
  plan.expect.commit_within = absl::Seconds(5);
  const std::vector<CheckResult> few = {
      Liveness(3, {{"rejected by the replica they were sent to", 160},
                   {"too close to the end of the run to judge", 18}})};
  const std::vector<std::string> reasons = InconclusiveReasons(plan, h.history(), few);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0],
            "liveness judged only 3 values, fewer than expect.min_commits = 10; the other 178 "
            "submitted values were excused (160 rejected by the replica they were sent to, 18 too "
            "close to the end of the run to judge), so commit_within = 5s was hardly put to the "
            "test; if the cluster was slow to take values (a large n on a busy machine), "
            "lengthen the run, otherwise leave time within the fault bound after the faults");
  // Nothing excused: every value submitted was judged, however few.
  EXPECT_TRUE(InconclusiveReasons(plan, h.history(), {Liveness(3, {})}).empty());
  // A plan that asks for no minimum asks for none here either.
  plan.expect.min_commits = 0;
  EXPECT_TRUE(InconclusiveReasons(plan, h.history(), few).empty());
}

// Everything at once, in a stable order: phases, commits, liveness.
TEST(InconclusiveTest, ReasonsComeInOrder) {
  HistoryBuilder h;
  h.Submit(1000, 0, "a");
  h.Fault(2000, 3000, 0, "omission", {3});
  h.Counters(3000, 3, 0, {{"p0-omission-m0 matched", 0}, {"p0-omission-m0 applied", 0}});
  h.End(20000);
  Plan plan = TestPlan();
  plan.expect.commit_within = absl::Seconds(5);
  const std::vector<std::string> reasons = InconclusiveReasons(
      plan, h.history(), {Liveness(0, {{"rejected by the replica they were sent to", 1}})});
  ASSERT_EQ(reasons.size(), 3u);
  EXPECT_TRUE(absl::StartsWith(reasons[0], "phase 0 ")) << reasons[0];
  EXPECT_TRUE(absl::StartsWith(reasons[1], "no honest replica committed")) << reasons[1];
  EXPECT_TRUE(absl::StartsWith(reasons[2], "liveness judged no value")) << reasons[2];
}

}  // namespace
}  // namespace turncoat
