// Transparent links (links: netns) end to end. tcpbft: the system whose
// handshake refuses per-port proxies runs, a partition finds its planted
// bug and passes the correct build, faults on connections (reset, refuse,
// cut, bandwidth) act and heal, corrupted frames (resealed or not) meet
// the right check and the report counts frames by type, and nothing of
// the run's namespaces and netfilter rules outlives it — not even a
// controller killed outright, after which `turncoat cleanup` removes the
// leftovers. refbft (gRPC),
// switched to netns with `--links=netns`: twins, routed by namespace,
// find its small-quorum bug and the correct build passes the same plan.
// Needs root (or CAP_NET_ADMIN), iproute2 and nftables; skips, saying why,
// without them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/harness/run_fixture.h"

namespace turncoat {
namespace {

// `command` run by the shell; its output, or "" when it failed.
std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), p)) > 0) out.append(buffer, n);
  return pclose(p) == 0 ? out : "";
}

// What turncoat created for the controller with this pid and is still there.
std::string LeftBehind(int pid) {
  std::string left;
  for (absl::string_view line : absl::StrSplit(Shell("ip netns list 2>/dev/null"), '\n')) {
    if (absl::StartsWith(line, absl::StrCat("turncoat-", pid, "-"))) absl::StrAppend(&left, line, "\n");
  }
  if (absl::StrContains(Shell("nft list tables 2>/dev/null"), absl::StrCat("turncoat_", pid))) {
    left += absl::StrCat("table turncoat_", pid, "\n");
  }
  return left;
}

class NetnsRunTest : public TurncoatRunTest {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "links: netns needs root";
    if (Shell("command -v nft").empty() || Shell("command -v ip").empty()) {
      GTEST_SKIP() << "links: netns needs nftables and iproute2";
    }
    TurncoatRunTest::SetUp();
  }
};

TEST_F(NetnsRunTest, PartitionFindsSmallQuorumAndPassesTheCorrectBuild) {
  Subprocess buggy = Start({Plan("tcpbft/partition.yaml"), "--replica-arg=--bug=small-quorum"});
  const int pid = buggy.pid();
  EXPECT_EQ(Finish(buggy), 1) << Output();
  EXPECT_EQ(LeftBehind(pid), "");
  const nlohmann::json report = Report();
  const std::vector<std::string> violated = Violated(report);
  EXPECT_NE(std::find(violated.begin(), violated.end(), "agreement"), violated.end()) << Output();
  // The partition dropped frames at the byte level.
  EXPECT_GT(report["statistics"]["links"]["p0-partition applied"].get<int64_t>(), 0);

  std::filesystem::remove_all(run_dir_);
  Subprocess correct = Start({Plan("tcpbft/partition.yaml")});
  EXPECT_EQ(Finish(correct), 0) << Output();
  EXPECT_TRUE(Violated(Report()).empty()) << Output();
  // Every replica committed through the links, before and after the cut.
  for (const nlohmann::json& r : Report()["statistics"]["replicas"]) {
    EXPECT_GT(r["commits"].get<int64_t>(), 100) << r.dump();
  }
}

TEST_F(NetnsRunTest, OmittedCommitFramesAreDroppedAndTheClusterKeepsCommitting) {
  EXPECT_EQ(RunToEnd({Plan("tcpbft/omission.yaml")}), 0) << Output();
  const nlohmann::json report = Report();
  EXPECT_GT(report["statistics"]["links"]["p0-omission-commit applied"].get<int64_t>(), 0);
  for (const nlohmann::json& r : report["statistics"]["replicas"]) {
    EXPECT_GT(r["commits"].get<int64_t>(), 100) << r.dump();
  }
}

// plans/twins.yaml in namespaces: the twin of replica 2 ran in a namespace
// of its own and was reached at its own address by group 1 (replicas 0 and
// 3), whose gRPC link proxies dial it; the rules of the gRPC links acted
// on every side.
void ExpectTwinsActedInNamespaces(const std::string& run_dir) {
  // Replicas listened, and so were dialled, at their namespaces' addresses.
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir + "/replica-0/stderr.log"), "serving on 10.213."))
      << Slurp(run_dir + "/replica-0/stderr.log");
  // The twin committed blocks: it heard group 1 through their links.
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir + "/replica-2-twin/stdout.log"), "\"replica\":2"));
  // The twin is FaultControl id n + 2 = 6: dormant towards group 0 all
  // along, its messages to group 1 let through during the phase.
  EXPECT_GT(turncoat::LinkCounter(run_dir, 6, 1, "twin-dormant-m0 applied"), 0);
  EXPECT_GT(turncoat::LinkCounter(run_dir, 6, 0, "p0-twin-wake-m0 applied"), 0);
  EXPECT_GT(turncoat::LinkCounter(run_dir, 6, 3, "p0-twin-wake-m0 applied"), 0);
  // The original was silenced towards group 1 only.
  EXPECT_GT(turncoat::LinkCounter(run_dir, 2, 0, "p0-twins-m0 applied"), 0);
  EXPECT_EQ(turncoat::LinkCounter(run_dir, 2, 1, "p0-twins-m0 applied"), 0);
  // The delay phase acted on decoded gRPC messages of 0 -> 1.
  EXPECT_GT(turncoat::LinkCounter(run_dir, 0, 1, "p1-delay-m0 applied"), 0);
}

TEST_F(NetnsRunTest, RefbftOnGrpcTwinsFindSmallQuorum) {
  Subprocess run = Start({Plan("twins.yaml"), "--links=netns", "--replica-arg=--bug=small-quorum"});
  const int pid = run.pid();
  EXPECT_EQ(Finish(run), 1) << Output();
  EXPECT_EQ(LeftBehind(pid), "");
  const nlohmann::json report = Report();
  const std::vector<std::string> violated = Violated(report);
  EXPECT_NE(std::find(violated.begin(), violated.end(), "agreement"), violated.end()) << Output();
  EXPECT_EQ(report["replay"]["links"], "netns");
  ExpectTwinsActedInNamespaces(run_dir_);
}

TEST_F(NetnsRunTest, RefbftOnGrpcPassesTwinsWhenCorrect) {
  Subprocess run = Start({Plan("twins.yaml"), "--links=netns"});
  const int pid = run.pid();
  EXPECT_EQ(Finish(run), 0) << Output();
  EXPECT_EQ(LeftBehind(pid), "");
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "pass") << Output();
  ExpectTwinsActedInNamespaces(run_dir_);
  for (const nlohmann::json& r : report["statistics"]["replicas"]) {
    EXPECT_GT(r["commits"].get<int64_t>(), 100) << r.dump();
  }
}

TEST_F(NetnsRunTest, ConnectionsResetRefusedCutAndThrottledActAndTheClusterRecovers) {
  EXPECT_EQ(RunToEnd({Plan("tcpbft/connections.yaml")}), 0) << Output();
  const nlohmann::json report = Report();
  EXPECT_TRUE(Violated(report).empty()) << Output();
  const nlohmann::json& links = report["statistics"]["links"];
  // Each phase acted: live connections reset, new ones refused, bytes
  // paced, connections cut (at least on the first of the repeated cuts).
  EXPECT_GT(links["p0-connection-reset applied"].get<int64_t>(), 0) << links.dump();
  EXPECT_GT(links["p0-connection-refuse applied"].get<int64_t>(), 0) << links.dump();
  EXPECT_GT(links["p1-bandwidth applied"].get<int64_t>(), 0) << links.dump();
  EXPECT_GT(links["p2-connection-cut applied"].get<int64_t>(), 0) << links.dump();
  // Every replica, replica 1 included, committed through it all.
  for (const nlohmann::json& r : report["statistics"]["replicas"]) {
    EXPECT_GT(r["commits"].get<int64_t>(), 100) << r.dump();
  }
}

TEST_F(NetnsRunTest, CorruptedFramesAreRejectedAndTheReportCountsFramesByType) {
  EXPECT_EQ(RunToEnd({Plan("tcpbft/corrupt.yaml")}), 0) << Output();
  const nlohmann::json report = Report();
  EXPECT_TRUE(Violated(report).empty()) << Output();
  const nlohmann::json& links = report["statistics"]["links"];
  EXPECT_GT(links["p0-corrupt-prepare+commit applied"].get<int64_t>(), 0) << links.dump();
  const int64_t unsealed = links["p1-corrupt-prepare+commit applied"].get<int64_t>();
  EXPECT_GT(unsealed, 0) << links.dump();
  // tcpbft counts the frames it drops on their CRC: exactly the ones left
  // unsealed, so every resealed frame passed the framing check (and met
  // the signature check, which the cluster's health shows it survived).
  int64_t bad_checksums = 0;
  for (int r = 0; r < 3; ++r) {
    const std::string log = Slurp(absl::StrCat(run_dir_, "/replica-", r, "/stderr.log"));
    const std::string tag = "with a bad checksum (";
    const size_t at = log.rfind(tag);
    int64_t so_far = 0;
    if (at != std::string::npos) {
      EXPECT_TRUE(absl::SimpleAtoi(log.substr(at + tag.size(), log.find(' ', at + tag.size()) -
                                                                   at - tag.size()),
                                   &so_far))
          << log;
    }
    bad_checksums += so_far;
  }
  EXPECT_EQ(bad_checksums, unsealed);
  for (const nlohmann::json& r : report["statistics"]["replicas"]) {
    EXPECT_GT(r["commits"].get<int64_t>(), 100) << r.dump();
  }
  const nlohmann::json& kinds = report["traffic"]["kinds"];
  for (const char* kind : {"hello", "pre-prepare", "prepare", "commit"}) {
    ASSERT_TRUE(kinds.contains(kind)) << kind << " in " << kinds.dump();
    EXPECT_GT(kinds[kind]["frames"].get<int64_t>(), 0) << kind;
    EXPECT_GT(kinds[kind]["bytes"].get<int64_t>(), kinds[kind]["frames"].get<int64_t>()) << kind;
  }
  // Every directed link between the four replicas carried frames.
  EXPECT_EQ(report["traffic"]["links"].size(), 12u) << report["traffic"].dump();
}

TEST_F(NetnsRunTest, AKilledControllerLeavesWhatCleanupRemovesAndARunRefusesToStartOverIt) {
  Subprocess run = Start({Plan("tcpbft/smoke.yaml")});
  const int pid = run.pid();
  // Bounded: the namespaces exist once the replicas start.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (LeftBehind(pid).empty() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(100));
  ASSERT_NE(LeftBehind(pid), "");
  absl::SleepFor(absl::Seconds(2));
  kill(pid, SIGKILL);
  run.Wait(absl::Seconds(10)).IgnoreError();
  ASSERT_NE(LeftBehind(pid), "") << "the killed controller removed nothing";

  // A new run will not start over the leftovers; it says how to clean them.
  std::filesystem::remove_all(run_dir_);
  Subprocess refused = Start({Plan("tcpbft/smoke.yaml")});
  EXPECT_EQ(Finish(refused), 3) << Output();
  EXPECT_TRUE(absl::StrContains(Output(), "turncoat cleanup")) << Output();
  EXPECT_TRUE(absl::StrContains(Output(), absl::StrCat("turncoat-", pid, "-0"))) << Output();

  Subprocess dry = StartTurncoat({"cleanup", "--dry-run"}, "dry-");
  EXPECT_EQ(Finish(dry), 0);
  EXPECT_NE(LeftBehind(pid), "");
  Subprocess cleanup = StartTurncoat({"cleanup"}, "cleanup-");
  EXPECT_EQ(Finish(cleanup), 0);
  EXPECT_EQ(LeftBehind(pid), "");
}

}  // namespace
}  // namespace turncoat
