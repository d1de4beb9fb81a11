#include "common/subprocess.h"

#include <signal.h>
#include <stdlib.h>
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

}  // namespace
}  // namespace turncoat
