#include "common/subprocess.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A process counts as gone once it has no /proc entry or is a zombie: an
// orphan's zombie waits for PID 1, which in a container may never reap it.
bool Alive(pid_t pid) {
  const std::string stat = ReadAll(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) return false;
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

// Reads `fd` until end-of-file, or for at most 5 s.
std::string ReadToEnd(int fd) {
  std::string out;
  char buf[256];
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
  return out + "<no end-of-file within 5s>";
}

bool GoneWithin(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (Alive(pid)) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

// Waits (bounded) for a shell to write a pid into `path`.
pid_t ReadPidFile(const std::string& path) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    int pid = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadAll(path)), &pid) && pid > 0) return pid;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return -1;
}

class SubprocessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/subprocess_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { system(absl::StrCat("rm -rf ", dir_).c_str()); }

  absl::StatusOr<Subprocess> Shell(const std::string& script, SpawnOptions options = {}) {
    return Subprocess::Spawn({"/bin/sh", "-c", script}, options);
  }
  std::string Path(const std::string& name) const { return absl::StrCat(dir_, "/", name); }

  std::string dir_;
};

TEST_F(SubprocessTest, ReportsExitCode) {
  auto child = Shell("exit 3");
  ASSERT_TRUE(child.ok()) << child.status();
  auto exit = child->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->code, 3);
  EXPECT_EQ(exit->signal, 0);
  EXPECT_FALSE(exit->success());
  EXPECT_FALSE(child->running());
}

TEST_F(SubprocessTest, CapturesOutputWithEnvironmentAndWorkdir) {
  SpawnOptions options;
  options.stdout_path = Path("out");
  options.stderr_path = Path("err");
  options.workdir = dir_;
  options.env = {{"TURNCOAT_TEST_VAR", "hello"}};
  auto child = Shell("echo \"$TURNCOAT_TEST_VAR\"; pwd; echo oops >&2", options);
  ASSERT_TRUE(child.ok()) << child.status();
  auto exit = child->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->success()) << exit->ToString();
  EXPECT_EQ(ReadAll(Path("out")), absl::StrCat("hello\n", dir_, "\n"));
  EXPECT_EQ(ReadAll(Path("err")), "oops\n");
}

TEST_F(SubprocessTest, TryWaitSeesARunningChildThenItsSignal) {
  auto child = Shell("sleep 30");
  ASSERT_TRUE(child.ok()) << child.status();
  auto early = child->TryWait();
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_FALSE(early->has_value());
  EXPECT_TRUE(child->running());

  ASSERT_TRUE(child->Signal(SIGTERM).ok());
  auto exit = child->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGTERM);
  EXPECT_FALSE(child->Signal(SIGTERM).ok());
}

TEST_F(SubprocessTest, WaitTimesOutOnALiveChild) {
  auto child = Shell("sleep 30");
  ASSERT_TRUE(child.ok()) << child.status();
  auto exit = child->Wait(absl::Milliseconds(50));
  EXPECT_TRUE(absl::IsDeadlineExceeded(exit.status())) << exit.status();
  EXPECT_TRUE(child->running());
}

TEST_F(SubprocessTest, StopLetsAChildExitOnSigterm) {
  auto child = Shell("trap 'exit 7' TERM; while :; do sleep 0.05; done");
  ASSERT_TRUE(child.ok()) << child.status();
  absl::SleepFor(absl::Milliseconds(100));  // let the shell install its trap
  auto exit = child->Stop(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->code, 7) << exit->ToString();
}

TEST_F(SubprocessTest, StopEscalatesToSigkillAfterGrace) {
  auto child = Shell("trap '' TERM; while :; do sleep 0.05; done");
  ASSERT_TRUE(child.ok()) << child.status();
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  auto exit = child->Stop(absl::Milliseconds(300));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL) << exit->ToString();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
}

TEST_F(SubprocessTest, KillTakesDownGrandchildren) {
  auto child = Shell(absl::StrCat("sleep 30 & echo $! > ", Path("pid"), "; wait"));
  ASSERT_TRUE(child.ok()) << child.status();
  const pid_t grandchild = ReadPidFile(Path("pid"));
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(Alive(grandchild));
  auto exit = child->Kill();
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_TRUE(GoneWithin(grandchild, absl::Seconds(5)));
}

TEST_F(SubprocessTest, GroupDiesWithItsLeader) {
  auto child = Shell(absl::StrCat("sleep 30 & echo $! > ", Path("pid"), "; exit 0"));
  ASSERT_TRUE(child.ok()) << child.status();
  auto exit = child->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->success());
  const pid_t grandchild = ReadPidFile(Path("pid"));
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(GoneWithin(grandchild, absl::Seconds(5)));
}

// A grandchild that left the group (setsid) escapes a group signal; with
// signal_descendants it is signalled on its own and killed with the group,
// even when it ignores the first signal and outlives its parent's exit.
TEST_F(SubprocessTest, SignalDescendantsReachesAGrandchildThatLeftTheGroup) {
  const std::string script = absl::StrCat("setsid sh -c 'trap \"\" TERM; echo $$ > ",
                                          Path("pid"), "; while :; do sleep 0.05; done' & wait");
  SpawnOptions options;
  options.signal_descendants = true;
  auto child = Shell(script, options);
  ASSERT_TRUE(child.ok()) << child.status();
  const pid_t escaped = ReadPidFile(Path("pid"));
  ASSERT_GT(escaped, 0);
  ASSERT_NE(getpgid(escaped), child->pid());
  auto exit = child->Stop(absl::Milliseconds(300));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(GoneWithin(escaped, absl::Seconds(5)));
}

// Without it (the default, for children that lead groups of their own on
// purpose) such a grandchild is left to its parent.
TEST_F(SubprocessTest, WithoutSignalDescendantsAGrandchildOutsideTheGroupIsLeftAlone) {
  auto child = Shell(absl::StrCat("setsid sleep 30 & echo $! > ", Path("pid"), "; wait"));
  ASSERT_TRUE(child.ok()) << child.status();
  const pid_t escaped = ReadPidFile(Path("pid"));
  ASSERT_GT(escaped, 0);
  // $! is known before the background process has run setsid.
  for (int i = 0; i < 500 && getpgid(escaped) == child->pid(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_NE(getpgid(escaped), child->pid());
  auto exit = child->Kill();
  ASSERT_TRUE(exit.ok()) << exit.status();
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_TRUE(Alive(escaped));
  kill(escaped, SIGKILL);
}

TEST_F(SubprocessTest, DestructorKillsTheGroup) {
  pid_t pid = -1;
  {
    auto child = Shell("sleep 30");
    ASSERT_TRUE(child.ok()) << child.status();
    pid = child->pid();
    EXPECT_TRUE(Alive(pid));
  }
  EXPECT_FALSE(Alive(pid));
}

TEST_F(SubprocessTest, ChildDiesWithItsParent) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t parent = fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    // An intermediate parent that spawns a child and dies without cleanup.
    auto child = Subprocess::Spawn({"sleep", "30"}, {});
    pid_t pid = child.ok() ? child->pid() : -1;
    ssize_t ignored = write(fds[1], &pid, sizeof(pid));
    (void)ignored;
    _exit(0);
  }
  close(fds[1]);
  pid_t orphan = -1;
  ASSERT_EQ(read(fds[0], &orphan, sizeof(orphan)), static_cast<ssize_t>(sizeof(orphan)));
  close(fds[0]);
  waitpid(parent, nullptr, 0);
  ASSERT_GT(orphan, 0);
  EXPECT_TRUE(GoneWithin(orphan, absl::Seconds(5)));
}

TEST_F(SubprocessTest, SpawnReportsWhatFailed) {
  auto missing = Subprocess::Spawn({"/nonexistent/program"}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/program"), std::string::npos)
      << missing.status();

  SpawnOptions bad_output;
  bad_output.stdout_path = "/nonexistent/dir/out";
  auto unopenable = Shell("true", bad_output);
  ASSERT_FALSE(unopenable.ok());
  EXPECT_NE(unopenable.status().message().find("/nonexistent/dir/out"), std::string::npos)
      << unopenable.status();

  SpawnOptions bad_dir;
  bad_dir.workdir = "/nonexistent/dir";
  auto no_dir = Shell("true", bad_dir);
  ASSERT_FALSE(no_dir.ok());
  EXPECT_NE(no_dir.status().message().find("chdir"), std::string::npos) << no_dir.status();
}

TEST_F(SubprocessTest, StdioSocketCarriesStdinAndStdout) {
  SpawnOptions options;
  options.stdio_socket = true;
  auto child = Subprocess::Spawn({"/bin/cat"}, options);
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_GE(child->stdio_fd(), 0);
  const std::string line = "ping\n";
  ASSERT_EQ(send(child->stdio_fd(), line.data(), line.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(line.size()));
  ASSERT_TRUE(child->CloseStdin().ok());
  // cat echoes, sees end-of-file on stdin and exits, which closes its stdout.
  EXPECT_EQ(ReadToEnd(child->stdio_fd()), line);
  auto exit = child->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->success()) << exit->ToString();
}

TEST_F(SubprocessTest, WritingToADeadChildFailsWithoutSigpipe) {
  SpawnOptions options;
  options.stdio_socket = true;
  auto child = Shell("exit 0", options);
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(child->Wait(absl::Seconds(10)).ok());
  // SIGPIPE keeps its default action in this test binary: had send raised it,
  // the test would have died here.
  const std::string data = "anyone there?";
  EXPECT_EQ(send(child->stdio_fd(), data.data(), data.size(), MSG_NOSIGNAL), -1);
  EXPECT_EQ(errno, EPIPE);
}

// What /proc/<pid>/fd/<fd> links to ("socket:[1234]"), or "".
std::string FdTarget(pid_t pid, int fd) {
  char buf[256];
  const std::string link = absl::StrCat("/proc/", pid, "/fd/", fd);
  const ssize_t n = readlink(link.c_str(), buf, sizeof(buf));
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST_F(SubprocessTest, StdioSocketIsNotInheritedByOtherChildren) {
  SpawnOptions talking;
  talking.stdio_socket = true;
  auto child = Shell("sleep 30", talking);
  ASSERT_TRUE(child.ok()) << child.status();
  const std::string socket = FdTarget(getpid(), child->stdio_fd());
  ASSERT_NE(socket.find("socket:"), std::string::npos) << socket;
  // A bystander started by code that closes no descriptors must not hold the
  // socket: posix_spawn returns once it has executed, so its table is final.
  pid_t bystander = -1;
  char* const argv[] = {const_cast<char*>("sleep"), const_cast<char*>("30"), nullptr};
  ASSERT_EQ(posix_spawn(&bystander, "/bin/sleep", nullptr, nullptr, argv, environ), 0);
  int open_fds = 0;
  for (int fd = 0; fd < 1024; ++fd) {
    const std::string target = FdTarget(bystander, fd);
    if (target.empty()) continue;
    ++open_fds;
    EXPECT_NE(target, socket) << "bystander fd " << fd;
  }
  EXPECT_GE(open_fds, 3);  // it could read its own table: stdin, stdout, stderr
  kill(bystander, SIGKILL);
  waitpid(bystander, nullptr, 0);
}

TEST_F(SubprocessTest, StdioSocketOptionsAreChecked) {
  auto plain = Shell("true");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->stdio_fd(), -1);
  EXPECT_FALSE(plain->CloseStdin().ok());

  SpawnOptions both;
  both.stdio_socket = true;
  both.stdout_path = Path("out");
  auto rejected = Shell("true", both);
  EXPECT_TRUE(absl::IsInvalidArgument(rejected.status())) << rejected.status();
}

TEST_F(SubprocessTest, AppendOutputKeepsWhatEarlierChildrenWrote) {
  SpawnOptions options;
  options.stderr_path = Path("err");
  auto first = Shell("echo one >&2", options);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->Wait(absl::Seconds(10)).ok());
  options.append_output = true;
  auto second = Shell("echo two >&2", options);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(second->Wait(absl::Seconds(10)).ok());
  EXPECT_EQ(ReadAll(Path("err")), "one\ntwo\n");

  options.append_output = false;
  auto third = Shell("echo three >&2", options);
  ASSERT_TRUE(third.ok()) << third.status();
  ASSERT_TRUE(third->Wait(absl::Seconds(10)).ok());
  EXPECT_EQ(ReadAll(Path("err")), "three\n");
}

}  // namespace
}  // namespace turncoat
