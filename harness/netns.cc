#include "harness/netns.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "re2/re2.h"

namespace turncoat {
namespace {

constexpr int kMaxProcesses = 63;  // four addresses each in a /24
constexpr char kLockPath[] = "/run/turncoat-netns.lock";

struct Output {
  int status = 0;
  std::string text;  // stdout and stderr together
};

// Runs argv to completion; its output comes back whole.
absl::StatusOr<Output> Exec(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork failed: ", std::strerror(errno)));
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  Output out;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) out.text.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

absl::Status Run(const std::vector<std::string>& argv) {
  auto out = Exec(argv);
  if (!out.ok()) return out.status();
  if (out->status == 127) {
    return absl::FailedPreconditionError(absl::StrCat(
        "links: netns runs `", argv[0], "`, which is not installed: install ",
        argv[0] == "nft" ? "nftables" : "iproute2", " (apt-get install ",
        argv[0] == "nft" ? "nftables" : "iproute2", ")"));
  }
  if (out->status != 0) {
    return absl::UnavailableError(absl::StrCat("`", absl::StrJoin(argv, " "), "` failed: ",
                                               absl::StripAsciiWhitespace(out->text)));
  }
  return absl::OkStatus();
}

bool HasNetAdmin() {
  if (geteuid() == 0) return true;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    uint64_t caps = 0;
    if (absl::StartsWith(line, "CapEff:") &&
        absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line.substr(7)), &caps)) {
      return (caps >> 12) & 1;  // CAP_NET_ADMIN
    }
  }
  return false;
}

bool Alive(int pid) { return kill(pid, 0) == 0 || errno == EPERM; }

std::string Base36(uint64_t v) {
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), digits[v % 36]);
    v /= 36;
  } while (v != 0);
  return out;
}

// Holds an exclusive lock on kLockPath while choosing and claiming a slot,
// so two runs starting together take different ones.
class SlotLock {
 public:
  SlotLock() {
    fd_ = open(kLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~SlotLock() {
    if (fd_ >= 0) close(fd_);
  }

 private:
  int fd_ = -1;
};

absl::StatusOr<int> FreeSlot() {
  auto out = Exec({"ip", "-o", "-4", "addr", "show"});
  if (!out.ok()) return out.status();
  std::set<int> used;
  re2::StringPiece text(out->text);
  int slot = 0;
  while (RE2::FindAndConsume(&text, R"(inet 10\.213\.(\d+)\.)", &slot)) used.insert(slot);
  for (int s = 1; s < 255; ++s) {
    if (used.count(s) == 0) return s;
  }
  return absl::ResourceExhaustedError(
      "every 10.213.x.0/24 slot is in use by other runs; wait for them or run `turncoat cleanup`");
}

}  // namespace

std::vector<std::string> NetnsCluster::Leftovers() {
  std::vector<std::string> found;
  if (auto out = Exec({"ip", "netns", "list"}); out.ok() && out->status == 0) {
    for (const std::string& line : std::vector<std::string>(absl::StrSplit(out->text, '\n'))) {
      std::string name;
      int pid = 0;
      if (RE2::PartialMatch(line, R"(^(turncoat-(\d+)-\d+))", &name, &pid) && !Alive(pid)) {
        found.push_back(absl::StrCat("network namespace ", name));
      }
    }
  }
  if (auto out = Exec({"nft", "list", "tables"}); out.ok() && out->status == 0) {
    for (const std::string& line : std::vector<std::string>(absl::StrSplit(out->text, '\n'))) {
      std::string name;
      int pid = 0;
      if (RE2::PartialMatch(line, R"(^table ip (turncoat_(\d+))$)", &name, &pid) && !Alive(pid)) {
        found.push_back(absl::StrCat("nftables table ip ", name));
      }
    }
  }
  return found;
}

absl::Status NetnsCluster::RemoveLeftovers() {
  std::vector<std::string> failed;
  for (const std::string& item : Leftovers()) {
    std::vector<std::string> argv;
    if (absl::StartsWith(item, "network namespace ")) {
      argv = {"ip", "netns", "del", item.substr(strlen("network namespace "))};
    } else {
      argv = {"nft", "delete", "table", "ip", item.substr(strlen("nftables table ip "))};
    }
    if (absl::Status s = Run(argv); !s.ok()) failed.push_back(std::string(s.message()));
  }
  if (!failed.empty()) return absl::InternalError(absl::StrJoin(failed, "; "));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<NetnsCluster>> NetnsCluster::Create(int count) {
  if (!HasNetAdmin()) {
    return absl::PermissionDeniedError(
        "links: netns creates network namespaces and netfilter rules, which needs root or "
        "CAP_NET_ADMIN: run turncoat as root (or with that capability), or use links: ports");
  }
  if (count < 1 || count > kMaxProcesses) {
    return absl::InvalidArgumentError(absl::StrCat("links: netns runs at most ", kMaxProcesses,
                                                   " processes (replicas and twins); got ", count));
  }
  if (std::vector<std::string> left = Leftovers(); !left.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a run whose controller is gone left behind: ", absl::StrJoin(left, ", "),
        "; remove them with `turncoat cleanup`"));
  }
  std::unique_ptr<NetnsCluster> cluster(new NetnsCluster());
  const int pid = static_cast<int>(getpid());
  cluster->tag_ = absl::StrCat(pid);
  cluster->table_ = absl::StrCat("turncoat_", pid);
  SlotLock lock;
  auto slot = FreeSlot();
  if (!slot.ok()) return slot.status();
  const auto fail = [&](absl::Status s) {
    cluster->Destroy().IgnoreError();
    return s;
  };
  for (int k = 0; k < count; ++k) {
    const std::string ns = absl::StrCat("turncoat-", pid, "-", k);
    const std::string host_if = absl::StrCat("tcv", Base36(pid), "x", k);
    const std::string host = absl::StrCat("10.213.", *slot, ".", 4 * k + 1);
    const std::string inside = absl::StrCat("10.213.", *slot, ".", 4 * k + 2);
    cluster->namespaces_.push_back(ns);
    cluster->host_interfaces_.push_back(host_if);
    cluster->host_addresses_.push_back(host);
    cluster->addresses_.push_back(inside);
    const std::vector<std::vector<std::string>> steps = {
        {"ip", "netns", "add", ns},
        {"ip", "link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", ns},
        {"ip", "addr", "add", host + "/30", "dev", host_if},
        {"ip", "link", "set", host_if, "up"},
        {"ip", "-n", ns, "addr", "add", inside + "/30", "dev", "eth0"},
        {"ip", "-n", ns, "link", "set", "eth0", "up"},
        {"ip", "-n", ns, "link", "set", "lo", "up"},
        {"ip", "-n", ns, "route", "add", "default", "via", host},
    };
    for (const auto& step : steps) {
      if (absl::Status s = Run(step); !s.ok()) return fail(s);
    }
  }
  for (const auto& step : std::vector<std::vector<std::string>>{
           {"nft", "add", "table", "ip", cluster->table_},
           {"nft", "add", "chain", "ip", cluster->table_, "pre",
            "{ type nat hook prerouting priority dstnat ; }"}}) {
    if (absl::Status s = Run(step); !s.ok()) return fail(s);
  }
  return cluster;
}

NetnsCluster::~NetnsCluster() { Destroy().IgnoreError(); }

std::vector<std::string> NetnsCluster::Wrap(int k, std::vector<std::string> argv) const {
  std::vector<std::string> wrapped = {"ip", "netns", "exec", namespaces_[k]};
  wrapped.insert(wrapped.end(), std::make_move_iterator(argv.begin()),
                 std::make_move_iterator(argv.end()));
  return wrapped;
}

absl::Status NetnsCluster::Redirect(int k, int port) {
  std::vector<std::string> peers;
  for (size_t j = 0; j < addresses_.size(); ++j) {
    if (static_cast<int>(j) != k) peers.push_back(addresses_[j]);
  }
  if (peers.empty()) return absl::OkStatus();
  return Run({"nft", "add", "rule", "ip", table_, "pre", "iifname", host_interfaces_[k], "ip",
              "daddr", absl::StrCat("{ ", absl::StrJoin(peers, ", "), " }"), "meta", "l4proto",
              "tcp", "redirect", "to", absl::StrCat(":", port)});
}

absl::Status NetnsCluster::Destroy() {
  if (destroyed_) return absl::OkStatus();
  destroyed_ = true;
  std::vector<std::string> failed;
  // The table may not exist yet when creation failed half-way.
  if (auto out = Exec({"nft", "delete", "table", "ip", table_}); out.ok() && out->status != 0 &&
                                                                   out->text.find("No such file") ==
                                                                       std::string::npos) {
    failed.push_back(std::string(absl::StripAsciiWhitespace(out->text)));
  }
  for (const std::string& ns : namespaces_) {
    // Deleting the namespace deletes its end of the veth pair, and so both.
    if (absl::Status s = Run({"ip", "netns", "del", ns}); !s.ok()) {
      failed.push_back(std::string(s.message()));
    }
  }
  if (!failed.empty()) return absl::InternalError(absl::StrJoin(failed, "; "));
  return absl::OkStatus();
}

}  // namespace turncoat
