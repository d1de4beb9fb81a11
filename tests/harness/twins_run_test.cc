// The twins adversary end to end (plans/twins.yaml, and a scenario of the
// twins generator): real agents, refbft replicas and a twin of a Byzantine
// replica on 127.0.0.1. Correct refbft
// stays safe under twins; with the small-quorum bug the original and the
// twin each certify a block at the same height and agreement breaks. Each
// test checks that the twin really ran and that no process of the run is
// left behind.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "tests/harness/run_fixture.h"
#include "nlohmann/json.hpp"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

class TwinsRunTest : public TurncoatRunTest {
 protected:
  int64_t LinkCounter(int from, int to, const std::string& counter) {
    return turncoat::LinkCounter(run_dir_, from, to, counter);
  }

  // The twin of replica 2 ran as its own process, with its own agent and
  // directories, and took part: it committed blocks (it hears replicas 0
  // and 3, plans/twins.yaml's group 1, all run long), what it sent to
  // replica 1 (group 0) was dropped, and what it sent group 1 in the phase
  // passed.
  void ExpectTheTwinRan() {
    EXPECT_TRUE(fs::exists(run_dir_ + "/agent-2-twin"));
    const std::string twin_out = Slurp(run_dir_ + "/replica-2-twin/stdout.log");
    EXPECT_TRUE(absl::StrContains(twin_out, "\"replica\":2")) << twin_out.substr(0, 500);
    // The twin is FaultControl id n + 2 = 6; phase 0's rule ids start "p0-".
    EXPECT_GT(LinkCounter(6, 1, "twin-dormant-m0 applied"), 0);
    // During the phase the twin's messages to group 1 passed by its wake rules.
    EXPECT_GT(LinkCounter(6, 0, "p0-twin-wake-m0 applied"), 0);
    EXPECT_GT(LinkCounter(6, 3, "p0-twin-wake-m0 applied"), 0);
    // During the phase the original was silenced towards group 1 ...
    EXPECT_GT(LinkCounter(2, 0, "p0-twins-m0 applied"), 0);
    EXPECT_GT(LinkCounter(2, 3, "p0-twins-m0 applied"), 0);
    // ... and never towards group 0.
    EXPECT_EQ(LinkCounter(2, 1, "p0-twins-m0 applied"), 0);
    // The twin's commits and process events are not in the history: only
    // the four replicas' processes started.
    int starts = 0;
    std::ifstream in(run_dir_ + "/history.jsonl");
    for (std::string line; std::getline(in, line);) {
      starts += absl::StrContains(line, "\"type\":\"process_start\"");
    }
    EXPECT_EQ(starts, 4);
  }

  std::string Plan(const std::string& name) {
    return absl::StrCat(TURNCOAT_SOURCE_DIR, "/plans/", name);
  }
};

TEST_F(TwinsRunTest, CorrectRefbftStaysSafeUnderTwins) {
  ASSERT_EQ(RunToEnd({Plan("twins.yaml")}), 0)
      << Slurp(dir_ + "/stdout") << Slurp(dir_ + "/stderr");
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "pass");
  for (const char* name : {"agreement", "prefix", "validity", "integrity", "no-honest-crash", "liveness"}) {
    const nlohmann::json* inv = Invariant(report, name);
    ASSERT_NE(inv, nullptr) << name;
    EXPECT_TRUE((*inv)["holds"].get<bool>()) << name;
  }
  ASSERT_EQ(report["timeline"]["faults"].size(), 2u);
  EXPECT_EQ(report["timeline"]["faults"][0]["adversary"], "twins");
  EXPECT_TRUE(report["timeline"]["faults"][0]["ended"].get<bool>());
  EXPECT_EQ(report["timeline"]["faults"][1]["adversary"], "delay");
  ExpectTheTwinRan();
}

TEST_F(TwinsRunTest, SmallQuorumBreaksAgreementUnderTwins) {
  ASSERT_EQ(RunToEnd({Plan("twins.yaml"), "--replica-arg=--bug=small-quorum"}), 1)
      << Slurp(dir_ + "/stdout") << Slurp(dir_ + "/stderr");
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "fail");
  const nlohmann::json* agreement = Invariant(report, "agreement");
  ASSERT_NE(agreement, nullptr);
  EXPECT_FALSE((*agreement)["holds"].get<bool>());
  EXPECT_TRUE(absl::StrContains(Slurp(dir_ + "/stdout"), "VIOLATED  agreement"));
  ExpectTheTwinRan();
}

// plans/generated/twins.yaml (the twins generator): seed 1 draws four
// rounds with a twin of replica 3, one of them the classic split {0, 3} |
// {1, 2, twin}; the correct refbft stays safe and live through it.
TEST_F(TwinsRunTest, CorrectRefbftPassesAGeneratedTwinsScenario) {
  ASSERT_EQ(RunToEnd({Plan("generated/twins.yaml"), "--seed=1"}), 0)
      << Slurp(dir_ + "/stdout") << Slurp(dir_ + "/stderr");
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "pass");
  EXPECT_EQ(report["plan"]["generated_by"], "twins { leader: any, r: 4 } with seed 1");
  int twins = 0;
  for (const auto& fault : report["timeline"]["faults"]) {
    twins += fault["adversary"] == "twins";
    EXPECT_TRUE(fault["ended"].get<bool>());
  }
  EXPECT_GE(twins, 1);
  EXPECT_TRUE(fs::exists(run_dir_ + "/agent-3-twin"));
}

TEST_F(TwinsRunTest, DifferentSplitsForOneTwinAreBadInputNamingBothPhases) {
  const std::string plan =
      WritePlan("twins-bad",
                "replicas: 4\nbyzantine: [2]\nseed: 1\n"
                "duration: 10s\nworkload: { rate: 10/s, clients: 1, value_bytes: 32 }\n"
                "timeline:\n"
                "  - { at: 1s, for: 2s, adversary: twins, nodes: [2], "
                "params: { split: [[0], [1, 3]] } }\n"
                "  - { at: 5s, for: 2s, adversary: twins, nodes: [2], "
                "params: { split: [[1], [0, 3]] } }\n"
                "expect: { safety: [agreement] }\n");
  EXPECT_EQ(RunToEnd({plan}), 2) << Slurp(dir_ + "/stdout");
  const std::string err = Slurp(dir_ + "/stderr");
  EXPECT_TRUE(absl::StrContains(err, "timeline[0] and timeline[1]")) << err;
  EXPECT_TRUE(absl::StrContains(err, "different splits")) << err;
  // Rejected before any agent or replica started.
  EXPECT_FALSE(fs::exists(run_dir_ + "/agent-0"));
}

}  // namespace
}  // namespace turncoat
