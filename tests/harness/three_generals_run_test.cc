// The 3f+1 lesson end to end: plans/three-generals.yaml and
// plans/four-generals.yaml on the correct refbft, with real agents, replicas
// and a twin of Byzantine replica 2 on 127.0.0.1. With n = 3 and f = 1 the
// twins split the honest replicas and agreement breaks, which the plan
// declared (beyond_fault_bound), so the run reports an expected violation
// and exits 0; the same attack with n = 4 finds nothing. Each test checks
// that no process of the run is left behind.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "tests/harness/run_fixture.h"
#include "nlohmann/json.hpp"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

class ThreeGeneralsRunTest : public TurncoatRunTest {
 protected:
  // The plan's twins phase took place and ended before the run did.
  static bool TwinsRan(const nlohmann::json& report) {
    for (const auto& fault : report["timeline"]["faults"]) {
      if (fault["adversary"] == "twins" && fault["ended"].get<bool>()) return true;
    }
    return false;
  }
};

TEST_F(ThreeGeneralsRunTest, ThreeGeneralsBreakAgreementAsExpected) {
  ASSERT_EQ(RunToEnd({Plan("three-generals.yaml")}), 0)
      << Slurp(dir_ + "/stdout") << Slurp(dir_ + "/stderr");
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "expected-violation");
  EXPECT_EQ(report["exit_code"], 0);
  EXPECT_EQ(report["plan"]["replicas"], 3);
  EXPECT_EQ(report["plan"]["f"], 1);
  EXPECT_TRUE(TwinsRan(report)) << report["timeline"]["faults"].dump(2);
  const nlohmann::json* agreement = Invariant(report, "agreement");
  ASSERT_NE(agreement, nullptr);
  EXPECT_FALSE((*agreement)["holds"].get<bool>());
  // The honest replicas 0 and 1 disagree with each other; the traitor is
  // not judged.
  bool honest_divergence = false;
  for (const auto& finding : report["findings"]) {
    if (finding["invariant"] != "agreement") continue;
    const auto& replicas = finding["replicas"];
    honest_divergence |= std::find(replicas.begin(), replicas.end(), 0) != replicas.end() &&
                         std::find(replicas.begin(), replicas.end(), 1) != replicas.end();
  }
  EXPECT_TRUE(honest_divergence) << report["findings"].dump(2);
  const std::string out = Slurp(dir_ + "/stdout");
  EXPECT_TRUE(absl::StrContains(out, "VIOLATED  agreement")) << out;
  EXPECT_TRUE(absl::StrContains(
      out, "EXPECTED: invariants violated beyond the fault bound (n = 3 < 3f+1 = 4)"))
      << out;
  // CI stays green and still shows the finding.
  const std::string junit = Slurp(run_dir_ + "/junit.xml");
  EXPECT_FALSE(absl::StrContains(junit, "<failure")) << junit;
  EXPECT_TRUE(absl::StrContains(junit, "<skipped message=\"expected beyond the fault bound"))
      << junit;
}

TEST_F(ThreeGeneralsRunTest, FourGeneralsStaySafe) {
  ASSERT_EQ(RunToEnd({Plan("four-generals.yaml")}), 0)
      << Slurp(dir_ + "/stdout") << Slurp(dir_ + "/stderr");
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "pass");
  ASSERT_EQ(report["invariants"].size(), 6u);
  for (const auto& inv : report["invariants"]) {
    EXPECT_TRUE(inv["holds"].get<bool>()) << inv.dump();
  }
  // The attack really ran, and values really committed.
  EXPECT_TRUE(TwinsRan(report)) << report["timeline"]["faults"].dump(2);
  EXPECT_GT(report["statistics"]["committed_values"].get<int64_t>(), 1000);
  EXPECT_TRUE(absl::StrContains(Slurp(dir_ + "/stdout"), "PASS: every invariant holds"));
}

}  // namespace
}  // namespace turncoat
