#include "model/quantities.h"

#include "gtest/gtest.h"

namespace turncoat {
namespace {

TEST(ParseDurationTest, AcceptsUnitsAndCompounds) {
  EXPECT_EQ(*ParseDuration("40s"), absl::Seconds(40));
  EXPECT_EQ(*ParseDuration("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDuration("1m30s"), absl::Seconds(90));
  EXPECT_EQ(*ParseDuration("1.5s"), absl::Milliseconds(1500));
  EXPECT_EQ(*ParseDuration("0"), absl::ZeroDuration());
}

TEST(ParseDurationTest, RejectsBareNumbersSignsAndInfinity) {
  for (const char* bad : {"40", "-5s", "+5s", "inf", "", "5 s", "5sec"}) {
    absl::StatusOr<absl::Duration> d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
  }
  EXPECT_EQ(ParseDuration("40").status().message(),
            "'40' is not a duration; expected a number with a unit (ns, us, ms, s, m, h), e.g. "
            "40s, 500ms or 1m30s");
}

TEST(ParseRateTest, ConvertsToPerSecond) {
  EXPECT_DOUBLE_EQ(*ParseRate("50/s"), 50);
  EXPECT_DOUBLE_EQ(*ParseRate("3000/m"), 50);
  EXPECT_DOUBLE_EQ(*ParseRate("5/100ms"), 50);
  EXPECT_DOUBLE_EQ(*ParseRate("0.5/s"), 0.5);
}

TEST(ParseRateTest, RejectsMalformedAndNonPositiveRates) {
  for (const char* bad : {"50", "50/", "/s", "0/s", "-1/s", "50/x", "50/0s", "50/-1s", "nan/s"}) {
    EXPECT_FALSE(ParseRate(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseRate("50").status().message(),
            "'50' is not a rate; expected <count>/<unit> with a positive count, e.g. 50/s, "
            "3000/m or 5/100ms");
}

TEST(ParseByteRateTest, AcceptsNumbersAndUnits) {
  EXPECT_DOUBLE_EQ(*ParseByteRate("2048"), 2048);
  EXPECT_DOUBLE_EQ(*ParseByteRate("16KiB"), 16384);
  EXPECT_DOUBLE_EQ(*ParseByteRate("16KB"), 16000);
  EXPECT_DOUBLE_EQ(*ParseByteRate("1.5MB/s"), 1.5e6);
  EXPECT_DOUBLE_EQ(*ParseByteRate("2 MiB"), 2.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*ParseByteRate("100B/s"), 100);
}

TEST(ParseByteRateTest, RejectsMalformedAndNonPositiveRates) {
  for (const char* bad : {"", "KiB", "0", "-5KiB", "16kib", "16GiB", "16KiB/m", "nan", "0.5"}) {
    EXPECT_FALSE(ParseByteRate(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseByteRate("fast").status().message(),
            "'fast' is not a byte rate; expected a positive number of bytes per second, alone or "
            "with a unit (B, KB, MB, KiB, MiB), e.g. 2048, 16KiB or 1.5MB/s");
}

}  // namespace
}  // namespace turncoat
