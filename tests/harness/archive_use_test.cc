// Which plans have their agents keep the run-long message archive: only
// those with a phase that replays from it.
#include "harness/archive_use.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

Phase Replay(Params params) {
  Phase phase;
  phase.adversary = "replay";
  phase.nodes = {1};
  phase.params = std::move(params);
  return phase;
}

TEST(ArchiveUseTest, OnlyReplaysFromFarBackNeedTheArchive) {
  Plan plan;
  EXPECT_FALSE(PlanArchiveUse(plan).archive);
  Phase delay;
  delay.adversary = "delay";
  delay.params = {{"by", absl::Milliseconds(200)}};
  plan.timeline.push_back(delay);
  plan.timeline.push_back(Replay({{"after", absl::Seconds(2)}}));
  EXPECT_FALSE(PlanArchiveUse(plan).archive);

  plan.timeline.push_back(Replay({{"older_than", absl::Seconds(20)}}));
  ArchiveUse use = PlanArchiveUse(plan);
  EXPECT_TRUE(use.archive);
  EXPECT_FALSE(use.rounds);

  plan.timeline.push_back(Replay({{"rounds_ago", 50.0}}));
  use = PlanArchiveUse(plan);
  EXPECT_TRUE(use.archive);
  EXPECT_TRUE(use.rounds);
}

}  // namespace
}  // namespace turncoat
