#include "harness/matrix.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

Finding FindingAt(std::vector<int> seconds) {
  Finding f;
  for (int s : seconds) {
    Observation o;
    o.t = absl::Seconds(s);
    f.evidence.push_back(o);
  }
  return f;
}

TEST(MatrixTest, DetectionIsWhenTheEarliestFindingHadAllItsEvidence) {
  CheckResult agreement;
  agreement.invariant = "agreement";
  agreement.Add(FindingAt({3, 9}));  // established at 9 s
  agreement.Add(FindingAt({12}));
  CheckResult integrity;
  integrity.invariant = "integrity";
  integrity.Add(FindingAt({4, 7}));  // established at 7 s: the earliest
  EXPECT_EQ(DetectionTime({agreement, integrity}), absl::Seconds(7));
  EXPECT_EQ(DetectionTime({CheckResult{}}), std::nullopt);
}

class MatrixHoldsTest : public ::testing::Test {
 protected:
  MatrixCell Cell(const std::string& variant, const std::string& plan, const std::string& outcome,
                  std::vector<std::string> violated = {}) {
    MatrixCell c;
    c.variant = variant;
    c.plan = plan;
    c.outcome = outcome;
    c.violated = std::move(violated);
    c.run_dir = "runs/" + variant + "/" + plan;
    return c;
  }
  const std::vector<MatrixVariant> variants_ = {{"correct", {}}, {"bug", {"--bug=x"}}};
  const std::vector<std::string> plans_ = {"a", "b"};
};

TEST_F(MatrixHoldsTest, HoldsWhenTheBugIsFoundAndTheCorrectSystemPasses) {
  std::vector<std::string> problems;
  EXPECT_TRUE(MatrixHolds(variants_, plans_,
                          {Cell("correct", "a", "pass"), Cell("correct", "b", "pass"),
                           Cell("bug", "a", "violation", {"agreement"}), Cell("bug", "b", "skipped")},
                          &problems));
  EXPECT_TRUE(problems.empty());
}

TEST_F(MatrixHoldsTest, AnUnfoundBugAnAccusedCorrectSystemAndABrokenRunAreProblems) {
  std::vector<std::string> problems;
  EXPECT_FALSE(MatrixHolds(variants_, plans_,
                           {Cell("correct", "a", "violation", {"liveness"}),
                            Cell("correct", "b", "harness-error"), Cell("bug", "a", "pass"),
                            Cell("bug", "b", "pass")},
                           &problems));
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_TRUE(absl::StrContains(problems[0], "accused of liveness")) << problems[0];
  EXPECT_TRUE(absl::StrContains(problems[1], "did not complete")) << problems[1];
  EXPECT_TRUE(absl::StrContains(problems[2], "bug: no plan found it")) << problems[2];
}

// A run that tested too little clears nobody.
TEST_F(MatrixHoldsTest, AnInconclusiveRunOfTheCorrectSystemIsAProblem) {
  std::vector<std::string> problems;
  EXPECT_FALSE(MatrixHolds(variants_, plans_,
                           {Cell("correct", "a", "inconclusive"), Cell("correct", "b", "pass"),
                            Cell("bug", "a", "violation", {"agreement"}), Cell("bug", "b", "pass")},
                           &problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "correct x a: inconclusive, the run tested too little to clear the correct system; "
            "its reports say why, see runs/correct/a");
}

TEST(MatrixMarkdownTest, NamesTheInvariantAndTimeOrTheOutcome) {
  MatrixCell found;
  found.variant = "bug";
  found.plan = "a";
  found.outcome = "violation";
  found.violated = {"agreement", "prefix"};
  found.detected_at = absl::Milliseconds(6250);
  MatrixCell skipped;
  skipped.variant = "bug";
  skipped.plan = "b";
  MatrixCell pass;
  pass.variant = "correct";
  pass.plan = "a";
  pass.outcome = "pass";
  const std::string table =
      MatrixMarkdown({{"correct", {}}, {"bug", {"--bug=x"}}}, {"a", "b"}, {found, skipped, pass});
  EXPECT_EQ(table,
            "| variant | a | b |\n|---|---|---|\n"
            "| correct | pass | – |\n"
            "| bug | agreement, prefix (6.2 s) | – |\n");
}

}  // namespace
}  // namespace turncoat
