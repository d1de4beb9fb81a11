#include "harness/pacer.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace turncoat {
namespace {

absl::Duration Ms(int64_t ms) { return absl::Milliseconds(ms); }

TEST(PacerTest, ClientsInterleaveEvenly) {
  // 40 values/s over 4 clients: each client every 100 ms, offset by 25 ms.
  Pacer pacer(4, 40.0, Ms(1000));
  EXPECT_FALSE(pacer.closed_loop());
  for (int c = 0; c < 4; ++c) EXPECT_EQ(pacer.NextDue(c), Ms(1000 + 25 * c)) << c;
  pacer.Take(2, Ms(1050));
  EXPECT_EQ(pacer.NextDue(2), Ms(1150));
  pacer.Take(2, Ms(1150));
  EXPECT_EQ(pacer.NextDue(2), Ms(1250));
  EXPECT_EQ(pacer.NextDue(1), Ms(1025));  // the others are untouched
}

TEST(PacerTest, ALateTakeDropsTheSlotsMissed) {
  Pacer pacer(1, 10.0, Ms(0));  // a slot every 100 ms
  pacer.Take(0, Ms(0));
  // Slots at 100, 200 and 300 ms passed while the client was busy: it sends
  // at 340 ms in the 300 ms slot, and resumes at 400 ms, not at 200.
  pacer.Take(0, Ms(340));
  EXPECT_EQ(pacer.NextDue(0), Ms(400));
  // Late by less than a slot: the schedule keeps its phase.
  pacer.Take(0, Ms(430));
  EXPECT_EQ(pacer.NextDue(0), Ms(500));
}

TEST(PacerTest, ClosedLoopIsAlwaysDue) {
  Pacer pacer(2, std::nullopt, Ms(500));
  EXPECT_TRUE(pacer.closed_loop());
  EXPECT_EQ(pacer.NextDue(0), -absl::InfiniteDuration());
  pacer.Take(0, Ms(501));
  pacer.Take(0, Ms(501));
  EXPECT_EQ(pacer.NextDue(0), -absl::InfiniteDuration());
  EXPECT_EQ(pacer.NextDue(1), -absl::InfiniteDuration());
}

TEST(PacerTest, SetRateRestartsEveryScheduleFromNow) {
  Pacer pacer(2, std::nullopt, Ms(0));
  for (int i = 0; i < 50; ++i) pacer.Take(i % 2, Ms(i));
  ASSERT_TRUE(pacer.SetRate(20.0, Ms(2000)).ok());  // each client every 100 ms
  EXPECT_FALSE(pacer.closed_loop());
  EXPECT_EQ(pacer.NextDue(0), Ms(2000));
  EXPECT_EQ(pacer.NextDue(1), Ms(2050));
  pacer.Take(0, Ms(2000));
  EXPECT_EQ(pacer.NextDue(0), Ms(2100));

  // From one rate to another: again from now, nothing owed from before.
  ASSERT_TRUE(pacer.SetRate(2.0, Ms(2010)).ok());  // each client every second
  EXPECT_EQ(pacer.NextDue(0), Ms(2010));
  EXPECT_EQ(pacer.NextDue(1), Ms(2510));
}

TEST(PacerTest, OnlyPositiveFiniteRates) {
  EXPECT_TRUE(Pacer::CheckRate(0.5).ok());
  for (double bad : {0.0, -3.0, std::numeric_limits<double>::infinity(), std::nan("")}) {
    const absl::Status s = Pacer::CheckRate(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("workload rate must be a positive number"), absl::string_view::npos);
  }
  Pacer pacer(1, 5.0, Ms(0));
  EXPECT_FALSE(pacer.SetRate(0, Ms(10)).ok());
  EXPECT_EQ(pacer.NextDue(0), Ms(0));  // unchanged
}

}  // namespace
}  // namespace turncoat
