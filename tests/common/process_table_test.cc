#include "common/process_table.h"

#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

bool Contains(const std::vector<int>& pids, int pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

TEST(ProcessTableTest, FindsAProcessByAnArgumentUntilItEnds) {
  const std::string marker = absl::StrCat("process-table-test-", getpid());
  // sleep's argument is a number, so the marker rides in sh's script.
  absl::StatusOr<Subprocess> child =
      Subprocess::Spawn({"/bin/sh", "-c", "sleep 30; : " + marker}, SpawnOptions());
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_TRUE(Contains(ProcessesMentioning(marker), child->pid()));
  ASSERT_TRUE(child->Stop(absl::Seconds(5)).ok());
  EXPECT_FALSE(Contains(ProcessesMentioning(marker), child->pid()));
}

TEST(ProcessTableTest, NeverListsItselfAndMissesWhatNoOneMentions) {
  // This test binary's own command line holds its path.
  EXPECT_FALSE(Contains(ProcessesMentioning("common_test"), getpid()));
  EXPECT_TRUE(ProcessesMentioning(absl::StrCat("no-process-mentions-", getpid(), "-xyzzy")).empty());
}

}  // namespace
}  // namespace turncoat
