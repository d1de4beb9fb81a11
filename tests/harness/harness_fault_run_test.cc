// Faults of turncoat itself, end to end: the real binary, agents and refbft
// replicas on 127.0.0.1, with one of turncoat's own processes killed
// mid-run. A lost agent must end the run as a harness failure (exit 3) that
// names it, not as a finding against the system under test; a killed
// controller must take every agent and replica with it; a run directory
// whose disk fills up stops the run with an error that says so, leaving a
// readable history.
#include <signal.h>
#include <sys/mount.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/process_table.h"
#include "common/read_file.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "model/event_log.h"
#include "nlohmann/json.hpp"
#include "tests/harness/run_fixture.h"

namespace turncoat {
namespace {

using HarnessFaultTest = TurncoatRunTest;

// Four honest replicas under steady load for far longer than any bound
// below, so that a run that went on to its end cannot pass for one that
// stopped.
constexpr char kLongSmoke[] =
    "replicas: 4\nbyzantine: []\nseed: 1\nduration: 90s\n"
    "workload: { rate: 50/s, clients: 4, value_bytes: 32 }\n"
    "expect:\n  safety: [agreement, prefix, validity, integrity, no-honest-crash]\n"
    "  liveness: { commit_within: 5s }\n";

// Waits (bounded) until the run has committed values, so the kill lands in
// the middle of the timeline rather than during start-up.
bool AwaitCommits(const std::string& run_dir) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    if (absl::StrContains(Slurp(run_dir + "/history.jsonl"), "\"type\":\"cluster_ready\"") &&
        absl::StrContains(Slurp(run_dir + "/history.jsonl"), "\"type\":\"commit\"")) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

// Waits (bounded) until no process names `needle` any more; what is left.
std::vector<int> AwaitNoneMentioning(const std::string& needle, absl::Duration bound) {
  const absl::Time deadline = absl::Now() + bound;
  std::vector<int> left = ProcessesMentioning(needle);
  while (!left.empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    left = ProcessesMentioning(needle);
  }
  return left;
}

TEST_F(HarnessFaultTest, KilledAgentIsAHarnessFailureNamingItAndStopsTheRun) {
  const std::string plan = WritePlan("long-smoke", kLongSmoke);
  Subprocess process = Start({plan});
  ASSERT_TRUE(AwaitCommits(run_dir_)) << Output();
  absl::SleepFor(absl::Seconds(2));  // a few seconds into the timeline

  // Agent 2 is the one process whose command line names its port file.
  const std::vector<int> agent = ProcessesMentioning(run_dir_ + "/agent-2/agent.port");
  ASSERT_EQ(agent.size(), 1u) << Output();
  ASSERT_EQ(::kill(agent[0], SIGKILL), 0);
  const absl::Time killed = absl::Now();

  // The controller notices within about a second; the bound leaves room for
  // teardown, checkers and reports on a loaded machine, and is still far
  // below the ~80 s the plan had left to run.
  auto exit = process.Wait(absl::Seconds(30));
  ASSERT_TRUE(exit.ok()) << exit.status() << "\n" << Output();
  const absl::Duration took = absl::Now() - killed;
  EXPECT_EQ(exit->code, 3) << Output();
  EXPECT_LT(took, absl::Seconds(15)) << Output();

  const std::string err = Slurp(dir_ + "/stderr");
  EXPECT_TRUE(absl::StrContains(err, "the agent of replica 2")) << err;
  EXPECT_TRUE(absl::StrContains(err, "killed by signal 9")) << err;

  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "error");
  EXPECT_TRUE(absl::StrContains(report["error"].get<std::string>(), "the agent of replica 2"))
      << report["error"];
  EXPECT_TRUE(absl::StrContains(report["error"].get<std::string>(), "harness failure"))
      << report["error"];
  EXPECT_TRUE(absl::StrContains(report["error"].get<std::string>(), "partial"))
      << report["error"];
  EXPECT_LT(report["run"]["length_s"].get<double>(), 60.0);
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir_ + "/report.html"), "Harness failure"));
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir_ + "/history.jsonl"), "\"type\":\"run_end\""));
  // Nothing is blamed on the system under test.
  EXPECT_EQ(Violated(report), std::vector<std::string>{}) << report.dump(2);
  // The fixture's TearDown checks, at once, that no process of the run is left.
}

TEST_F(HarnessFaultTest, KilledControllerLeavesNoProcess) {
  const std::string plan = WritePlan("long-smoke", kLongSmoke);
  Subprocess process = Start({plan});
  ASSERT_TRUE(AwaitCommits(run_dir_)) << Output();
  ASSERT_GE(ProcessesMentioning(run_dir_).size(), 8u) << "4 agents and 4 replicas";

  // SIGKILL to the controller alone, not its process group: what it
  // started must go because it went, not because the signal reached them.
  ASSERT_EQ(::kill(process.pid(), SIGKILL), 0);
  auto exit = process.Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  // The agents die with the controller's thread that forked them
  // (PR_SET_PDEATHSIG), the replicas with their agents' supervisor threads.
  EXPECT_EQ(AwaitNoneMentioning(run_dir_, absl::Seconds(10)), std::vector<int>{});
}

// The run directory on a 512 KiB tmpfs of the test's own: the replicas'
// logs and the history fill it within seconds of the first commits. Needs
// root (mount), like the namespace tests.
TEST_F(HarnessFaultTest, AFullDiskStopsTheRunWithAReadableHistory) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  const std::string disk = dir_ + "/disk";
  ASSERT_TRUE(std::filesystem::create_directory(disk));
  ASSERT_EQ(::mount("turncoat-test", disk.c_str(), "tmpfs", 0, "size=512k"), 0)
      << std::strerror(errno);
  const auto unmount = absl::MakeCleanup([&] { ::umount2(disk.c_str(), MNT_DETACH); });
  run_dir_ = disk + "/run";
  const std::string plan = WritePlan("long-smoke", kLongSmoke);
  Subprocess process = StartTurncoat({"run", plan, "--out=disk/run"});
  auto exit = process.Wait(absl::Seconds(80));
  ASSERT_TRUE(exit.ok()) << exit.status() << "\n" << Output();
  EXPECT_EQ(exit->code, 3) << Output();
  const std::string err = Slurp(dir_ + "/stderr");
  EXPECT_TRUE(absl::StrContains(err, "No space left on device")) << err;
  EXPECT_TRUE(absl::StrContains(err, "turncoat stopped the run")) << err;
  EXPECT_TRUE(absl::StrContains(err, "--out=DIR")) << err;
  const absl::StatusOr<LoadedHistory> history = ReadEventLog(run_dir_ + "/history.jsonl");
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_FALSE(history->truncated_tail);
  EXPECT_GT(history->history.commits().size(), 0u) << "it ran before the disk filled";
  EXPECT_LT(absl::ToDoubleSeconds(history->history.end()), 60.0) << "it stopped, not ran out";
  EXPECT_EQ(AwaitNoneMentioning(run_dir_, absl::Seconds(10)), std::vector<int>{});
}

}  // namespace
}  // namespace turncoat
