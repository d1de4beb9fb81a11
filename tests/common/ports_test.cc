// Port picking and leasing, across threads and processes.
#include "common/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>

#include "absl/time/clock.h"

#include "gtest/gtest.h"

namespace turncoat {
namespace {

TEST(PortsTest, PickedPortCanBeBound) {
  auto port = PickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  ASSERT_GT(*port, 0);
  ASSERT_LT(*port, 65536);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(*port));
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
}

// The kernel may hand a port out again once its picker closed it; a lease
// must not be.
TEST(PortsTest, PickedPortsAreNeverPickedTwice) {
  std::set<int> seen;
  for (int i = 0; i < 300; ++i) {
    auto port = PickFreePort();
    ASSERT_TRUE(port.ok()) << port.status();
    EXPECT_TRUE(seen.insert(*port).second) << "port " << *port << " picked twice";
    EXPECT_FALSE(LeasePort(*port));
  }
}

// What keeps two concurrent runs apart: a port another process leased is
// refused here until that process exits.
TEST(PortsTest, AnotherProcessesLeaseHoldsUntilItExits) {
  int to_parent[2];
  int to_child[2];
  ASSERT_EQ(pipe(to_parent), 0);
  ASSERT_EQ(pipe(to_child), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto port = PickFreePort();
    const int value = port.ok() ? *port : -1;
    char go;
    if (write(to_parent[1], &value, sizeof value) != sizeof value ||
        read(to_child[0], &go, 1) != 1) {
      _exit(2);
    }
    _exit(0);  // releases the lease
  }
  int port = -1;
  ASSERT_EQ(read(to_parent[0], &port, sizeof port), static_cast<ssize_t>(sizeof port));
  ASSERT_GT(port, 0);
  EXPECT_FALSE(LeasePort(port)) << "leased by the child";
  ASSERT_EQ(write(to_child[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(LeasePort(port)) << "free once the child exited";
  for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]}) close(fd);
}

// A listening socket on 127.0.0.1:`port` that does not go through turncoat's
// leases, as another program's would; -1 if it cannot bind.
int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 1) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

// Exhaustion is an error that says what to do, at once, never a hang:
// here the range is one port, taken by a plain listener, then one this
// process leased.
TEST(PortsTest, ARangeWithNoFreePortIsAnErrorNotAHang) {
  auto taken = PickFreePort();
  ASSERT_TRUE(taken.ok()) << taken.status();
  const int fd = Listen(*taken);
  ASSERT_GE(fd, 0);
  const absl::Time start = absl::Now();
  auto none = PickFreePortIn(*taken, *taken);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kResourceExhausted);
  const std::string range = std::to_string(*taken) + "-" + std::to_string(*taken);
  EXPECT_NE(none.status().message().find(range), std::string::npos) << none.status();
  EXPECT_NE(none.status().message().find("ss -ltn"), std::string::npos) << none.status();
  close(fd);

  auto leased = PickFreePort();
  ASSERT_TRUE(leased.ok());
  EXPECT_EQ(PickFreePortIn(*leased, *leased).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(PortsTest, PortInUseSeesAListenerButNotAClosedOne) {
  auto port = PickFreePort();
  ASSERT_TRUE(port.ok());
  EXPECT_FALSE(PortInUse(*port));
  const int fd = Listen(*port);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(PortInUse(*port));
  close(fd);
  EXPECT_FALSE(PortInUse(*port));
}

}  // namespace
}  // namespace turncoat
