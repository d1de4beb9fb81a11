// StagedControl gathers the rule changes of phases that share a timeline
// boundary and sends the k-th change of every phase together.
#include "adversaries/staged_control.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/adversaries/adversary_test_util.h"

namespace turncoat {
namespace {

PlacedRule Drop(int from, int to, const std::string& id) {
  PlacedRule r{from, to, {}};
  r.rule.set_id(id);
  r.rule.mutable_action()->set_kind(agent::v1::Action::DROP);
  return r;
}

// Logs each change it receives as "-removed +installed".
class ChangeLog : public RecordingControl {
 public:
  absl::Status ChangeRules(const std::vector<PlacedRule>& remove,
                           const std::vector<PlacedRule>& install) override {
    std::string entry;
    for (const PlacedRule& r : remove) entry += "-" + r.rule.id() + " ";
    for (const PlacedRule& r : install) entry += "+" + r.rule.id() + " ";
    log.push_back(entry);
    return RecordingControl::ChangeRules(remove, install);
  }
  std::vector<std::string> log;
};

TEST(StagedControlTest, PhasesAtOneBoundaryChangeTogetherStepByStep) {
  ChangeLog target;
  ASSERT_TRUE(target.InstallRules({Drop(0, 1, "old")}).ok());
  target.log.clear();
  StagedControl staged(&target);

  // A phase that ends, one that starts in one change, and a twins-like
  // phase that changes in two ordered steps.
  staged.NextPhase();
  ASSERT_TRUE(staged.RemoveRules({Drop(0, 1, "old")}).ok());
  staged.NextPhase();
  ASSERT_TRUE(staged.InstallRules({Drop(1, 2, "a"), Drop(1, 3, "a")}).ok());
  staged.NextPhase();
  ASSERT_TRUE(staged.InstallRules({Drop(2, 0, "silence")}).ok());
  ASSERT_TRUE(staged.RemoveRules({Drop(0, 1, "not-yet-sent")}).ok());
  EXPECT_TRUE(target.log.empty()) << "nothing leaves before Flush";

  // The second step would fail alone (its rule is not there), and does:
  // but only after the first went out whole.
  const absl::Status flushed = staged.Flush();
  EXPECT_EQ(flushed.code(), absl::StatusCode::kNotFound);
  ASSERT_EQ(target.log.size(), 2u);
  EXPECT_EQ(target.log[0], "-old +a +a +silence ");
  EXPECT_EQ(target.log[1], "-not-yet-sent ");
  EXPECT_EQ(target.rules.size(), 3u);
}

TEST(StagedControlTest, ProcessActionsGoStraightThroughAndFlushStartsAfresh) {
  ChangeLog target;
  StagedControl staged(&target);
  staged.NextPhase();
  ASSERT_TRUE(staged.Kill(2).ok());
  ASSERT_TRUE(staged.Pause(3).ok());
  EXPECT_EQ(target.actions, (std::vector<std::string>{"kill 2", "pause 3"}));

  ASSERT_TRUE(staged.InstallRules({Drop(1, 2, "a")}).ok());
  ASSERT_TRUE(staged.Flush().ok());
  ASSERT_TRUE(staged.Flush().ok());  // nothing left to send
  EXPECT_EQ(target.log, (std::vector<std::string>{"+a "}));

  staged.NextPhase();
  ASSERT_TRUE(staged.RemoveRules({Drop(1, 2, "a")}).ok());
  ASSERT_TRUE(staged.Flush().ok());
  EXPECT_TRUE(target.rules.empty());
}

}  // namespace
}  // namespace turncoat
