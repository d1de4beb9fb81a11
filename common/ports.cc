#include "common/ports.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace turncoat {
namespace {

// Picks before giving up on finding a port no other process leased.
constexpr int kAttempts = 256;

// Where picked ports come from: outside the kernel's ephemeral range, which
// bind(":0") and the source ports of outgoing connections use. A port picked
// from inside it could be taken by any such socket between the pick and the
// bind that follows (a link proxy's listener, a client's connection), and
// the replica meant to bind it would find it in use.
struct Range {
  int low;
  int high;
};

Range PickRange() {
  int eph_low = 32768;
  int eph_high = 60999;
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  in >> eph_low >> eph_high;
  constexpr int kLowest = 10000;  // below: well-known and registered services
  if (eph_low - kLowest >= 4096) return {kLowest, eph_low - 1};
  if (65535 - eph_high >= 4096) return {eph_high + 1, 65535};
  return {kLowest, 65535};  // no room outside: take the chance
}

// Whether `port` can be bound on 127.0.0.1 now; with `reuse_address`,
// connections in TIME_WAIT on it do not count.
absl::StatusOr<bool> Bindable(int port, bool reuse_address = false) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  if (reuse_address) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

class Leases {
 public:
  Leases() {
    const char* tmp = std::getenv("TMPDIR");
    path_ = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/turncoat-ports.lock");
  }

  int Random(Range range) {
    absl::MutexLock lock(&mu_);
    return std::uniform_int_distribution<int>(range.low, range.high)(random_);
  }

  // Leases `port` to this process; false if it already is, or another
  // process holds it. Without the lock file every port is granted (the
  // pick is then as good as the kernel's).
  bool Take(int port) {
    absl::MutexLock lock(&mu_);
    if (pid_ != getpid()) {
      // First use, or a forked child: a child shares its parent's
      // descriptor, and with it the parent's locks, so it needs its own.
      if (fd_ >= 0) close(fd_);
      fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
      pid_ = getpid();
      taken_.clear();
    }
    if (!taken_.insert(port).second) return false;
    if (fd_ < 0) return true;
    // Open-file-description locks: per byte, held by this process's one
    // descriptor, dropped by the kernel when the process exits.
    struct flock range;
    std::memset(&range, 0, sizeof(range));
    range.l_type = F_WRLCK;
    range.l_whence = SEEK_SET;
    range.l_start = port;
    range.l_len = 1;
    if (fcntl(fd_, F_OFD_SETLK, &range) == 0) return true;
    taken_.erase(port);
    return false;
  }

 private:
  std::string path_;
  absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  pid_t pid_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<int> taken_ ABSL_GUARDED_BY(mu_);
  std::mt19937 random_ ABSL_GUARDED_BY(mu_){std::random_device{}()};
};

Leases& TheLeases() {
  static Leases* leases = new Leases();
  return *leases;
}

}  // namespace

bool LeasePort(int port) { return TheLeases().Take(port); }

absl::StatusOr<int> PickFreePortIn(int low, int high) {
  const Range range{low, high};
  for (int i = 0; i < kAttempts; ++i) {
    const int port = TheLeases().Random(range);
    absl::StatusOr<bool> bindable = Bindable(port);
    if (!bindable.ok()) return bindable.status();
    if (*bindable && LeasePort(port)) return port;
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "no free port on 127.0.0.1 in ", range.low, "-", range.high, " after ", kAttempts,
      " random picks: each was in use or leased by a turncoat process (runs, tests and "
      "benchmarks running now); `ss -ltn` lists the listeners. Wait for other runs to end, "
      "or stop what holds the ports"));
}

absl::StatusOr<int> PickFreePort() {
  static const Range range = PickRange();
  return PickFreePortIn(range.low, range.high);
}

bool PortInUse(int port) {
  absl::StatusOr<bool> bindable = Bindable(port, /*reuse_address=*/true);
  return bindable.ok() && !*bindable;
}

}  // namespace turncoat
