// A replica's port taken between turncoat's pick and the replica's bind by a
// program outside turncoat (port leases exclude only turncoat processes):
// RunPlan in this process, with real agents and refbft replicas on
// 127.0.0.1, and the test itself as that program.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/process_table.h"
#include "gtest/gtest.h"
#include "harness/controller.h"
#include "harness/runnable_plan.h"

namespace turncoat {
namespace {

// A plain listener on 127.0.0.1:`port`, as another program's; -1 if it
// cannot bind.
int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd, 1) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

TEST(PortTakenRunTest, AReplicaPortTakenAfterThePickIsAHarnessFailureNamingIt) {
  const std::string dir = ::testing::TempDir() + "/turncoat_port_taken_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string plan_path = dir + "/taken.yaml";
  std::ofstream(plan_path) << "name: taken\ntarget: " << TURNCOAT_SOURCE_DIR
                           << "/targets/refbft.yaml\n"
                           << "replicas: 4\nbyzantine: []\nseed: 1\nduration: 10s\n"
                           << "workload: { rate: 20/s, clients: 1, value_bytes: 16 }\n"
                           << "expect:\n  safety: [agreement]\n";
  auto loaded = LoadRunnablePlan(plan_path, std::nullopt);
  ASSERT_TRUE(loaded.ok()) << loaded.status();

  RunOptions options;
  options.run_dir = dir + "/run";
  options.layout.build_dir = TURNCOAT_BUILD_DIR;
  options.layout.agent = AGENT_BIN;
  int taken_port = 0;
  int holder = -1;
  options.ports_picked = [&](const std::vector<int>& ports) {
    ASSERT_EQ(ports.size(), 4u);
    taken_port = ports[2];
    holder = Listen(taken_port);
  };
  const absl::Time start = absl::Now();
  auto outcome = RunPlan(loaded->plan, loaded->target, options);
  const absl::Duration took = absl::Now() - start;
  if (holder >= 0) close(holder);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_GE(holder, 0) << "the test could not take port " << taken_port;

  // The harness's failure (exit 3), not the target's bad input (exit 2),
  // found at start-up rather than at the end of the 10 s plan.
  EXPECT_EQ(outcome->status, RunStatus::kHarnessError) << outcome->error;
  EXPECT_EQ(ExitCode(outcome->status), 3);
  EXPECT_TRUE(absl::StrContains(outcome->error, "replica 2 did not start")) << outcome->error;
  EXPECT_TRUE(absl::StrContains(outcome->error, absl::StrCat("127.0.0.1:", taken_port)))
      << outcome->error;
  EXPECT_TRUE(absl::StrContains(outcome->error, "a program outside turncoat took it"))
      << outcome->error;
  EXPECT_LT(took, absl::Seconds(20));
  EXPECT_EQ(ProcessesMentioning(options.run_dir), std::vector<int>{});
}

}  // namespace
}  // namespace turncoat
