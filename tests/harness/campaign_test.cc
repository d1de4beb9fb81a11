#include "harness/campaign.h"

#include <vector>

#include "gtest/gtest.h"
#include "model/plan.h"

namespace turncoat {
namespace {

CampaignPlan P(const std::string& name, uint64_t seed, int seconds, bool corpus = false) {
  CampaignPlan p;
  p.name = name;
  p.path = name + ".yaml";
  p.seed = seed;
  p.length = absl::Seconds(seconds);
  p.corpus = corpus;
  return p;
}

// "name:seed" for each scenario the schedule hands out with `remaining`,
// until it hands out none or `max` are taken.
std::vector<std::string> Drain(CampaignSchedule& s, absl::Duration remaining, int max = 100) {
  std::vector<std::string> out;
  for (int i = 0; i < max; ++i) {
    std::optional<Scenario> next = s.Next(remaining);
    if (!next) break;
    out.push_back(s.plans()[next->plan].name + ":" + std::to_string(next->seed));
  }
  return out;
}

TEST(CampaignScheduleTest, WithoutSeedsEachPlanWalksItsOwnSeedsRoundRobin) {
  CampaignSchedule s({P("a", 10, 5), P("b", 20, 5)}, std::nullopt);
  const std::optional<Scenario> first = s.Next(absl::Hours(1));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->number, 1);
  EXPECT_EQ(first->seed, 10u);
  EXPECT_EQ(s.Next(absl::Hours(1))->number, 2);
  EXPECT_EQ(Drain(s, absl::Hours(1), 5),
            (std::vector<std::string>{"a:11", "b:21", "a:12", "b:22", "a:13"}));
  EXPECT_FALSE(s.Exhausted());
}

TEST(CampaignScheduleTest, ASeedRangeRunsEverySeedOfEveryPlanInOrderThenEnds) {
  CampaignSchedule s({P("a", 10, 5), P("b", 20, 5)}, SeedRange{3, 4});
  EXPECT_EQ(Drain(s, absl::Hours(1)), (std::vector<std::string>{"a:3", "b:3", "a:4", "b:4"}));
  EXPECT_TRUE(s.Exhausted());
  EXPECT_EQ(s.Next(absl::Hours(1)), std::nullopt);
}

TEST(CampaignScheduleTest, CorpusPlansRunFirstOnceWithTheirOwnSeed) {
  CampaignSchedule s({P("found-before", 77, 5, /*corpus=*/true), P("b", 20, 5),
                      P("also-found", 5, 5, /*corpus=*/true)},
                     SeedRange{1, 2});
  EXPECT_EQ(Drain(s, absl::Hours(1)),
            (std::vector<std::string>{"found-before:77", "also-found:5", "b:1", "b:2"}));
  EXPECT_TRUE(s.Exhausted());
}

TEST(CampaignScheduleTest, AScenarioThatDoesNotFitIsNotStartedButAShorterOneIs) {
  // Estimates: 60 s + 10 s and 5 s + 10 s before anything is measured.
  CampaignSchedule s({P("long", 1, 60), P("short", 1, 5)}, std::nullopt);
  EXPECT_EQ(Drain(s, absl::Seconds(30), 3),
            (std::vector<std::string>{"short:1", "short:2", "short:3"}));
  // The long plan kept its first seed for when there is room.
  EXPECT_EQ(Drain(s, absl::Seconds(70), 1), (std::vector<std::string>{"long:1"}));
  EXPECT_EQ(s.Next(absl::Seconds(14)), std::nullopt);
}

TEST(CampaignScheduleTest, EstimatesLearnTheOverheadMeasuredPerPlanThenOverall) {
  CampaignSchedule s({P("a", 1, 20), P("b", 1, 8)}, std::nullopt);
  EXPECT_EQ(s.Estimate(0), absl::Seconds(20) + kDefaultOverhead);
  EXPECT_EQ(s.ShortestEstimate(), absl::Seconds(8) + kDefaultOverhead);
  s.Record(0, absl::Seconds(24));  // 4 s over its length
  s.Record(0, absl::Seconds(26));  // 6 s
  EXPECT_EQ(s.Estimate(0), absl::Seconds(25));
  // b has no measurement of its own: the mean over every plan's.
  EXPECT_EQ(s.Estimate(1), absl::Seconds(13));
  s.Record(1, absl::Seconds(10));
  EXPECT_EQ(s.Estimate(1), absl::Seconds(10));
  EXPECT_EQ(s.Limit(1), absl::Seconds(80));  // twice the estimate, plus a minute
}

TEST(CampaignScheduleTest, ShortestEstimateIgnoresPlansThatHaveRunOut) {
  CampaignSchedule s({P("a", 1, 5), P("b", 1, 50)}, SeedRange{1, 1});
  ASSERT_TRUE(s.Next(absl::Hours(1)).has_value());  // a:1, a's last
  EXPECT_EQ(s.ShortestEstimate(), absl::Seconds(50) + kDefaultOverhead);
  ASSERT_TRUE(s.Next(absl::Hours(1)).has_value());
  EXPECT_EQ(s.ShortestEstimate(), absl::InfiniteDuration());
}

TEST(CampaignScheduleTest, SeedRangesParseAndBadOnesSayHow) {
  absl::StatusOr<SeedRange> r = ParseSeedRange("1..200");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->from, 1u);
  EXPECT_EQ(r->to, 200u);
  r = ParseSeedRange("7");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->from, 7u);
  EXPECT_EQ(r->to, 7u);
  for (const char* bad : {"3..1", "a..b", "1..", "..4", "1...3", ""}) {
    r = ParseSeedRange(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("FROM..TO"), std::string::npos) << r.status();
  }
}

TEST(CampaignScheduleTest, APlanWithRateAutoLastsItsWarmUpLonger) {
  Plan plan;
  plan.name = "auto";
  plan.seed = 9;
  plan.duration = absl::Seconds(20);
  plan.workload.rate_auto = true;
  plan.workload.warmup = absl::Seconds(5);
  const CampaignPlan p = ToCampaignPlan(plan, /*corpus=*/true);
  EXPECT_EQ(p.length, absl::Seconds(25));
  EXPECT_EQ(p.seed, 9u);
  EXPECT_TRUE(p.corpus);
  plan.workload.rate_auto = false;
  EXPECT_EQ(ToCampaignPlan(plan, false).length, absl::Seconds(20));
}

}  // namespace
}  // namespace turncoat
