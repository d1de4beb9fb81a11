// Supervisor and observer tests: real child processes (sh, sleep), no sockets.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "agents/observer.h"
#include "agents/supervisor.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace agent {
namespace {

std::string TempDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/turncoat_" + name + "_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Polls `done` every 10 ms for at most `limit`.
template <typename F>
bool WaitFor(F done, absl::Duration limit = absl::Seconds(5)) {
  for (absl::Time end = absl::Now() + limit; absl::Now() < end;) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

// Reads the third field (state) of /proc/<pid>/stat: 'T' when stopped.
char ProcState(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = all.rfind(')');
  return paren == std::string::npos || paren + 2 >= all.size() ? '?' : all[paren + 2];
}

bool Alive(int pid) { return kill(pid, 0) == 0 && ProcState(pid) != 'Z'; }

class Events {
 public:
  void Add(const ProcessStatus& s) {
    absl::MutexLock lock(&mu_);
    events_.push_back(s);
  }
  std::vector<ProcessStatus> Get() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::vector<ProcessStatus> events_;
};

TEST(SupervisorTest, ReportsExitCodeAndWritesLogsInWorkdir) {
  Events events;
  Supervisor sup([&](const ProcessStatus& s) { events.Add(s); });
  const std::string dir = TempDir("exit");
  auto pid = sup.Start({{"sh", "-c", "echo out-$X; echo err >&2; exit 3"}, {{"X", "42"}}, dir, ""});
  ASSERT_TRUE(pid.ok()) << pid.status();
  ASSERT_TRUE(WaitFor([&] { return events.Get().size() == 2; }));
  ProcessStatus exited = events.Get()[1];
  EXPECT_EQ(exited.kind, ProcessStatus::Kind::kExited);
  EXPECT_EQ(exited.exit_code, 3);
  EXPECT_EQ(exited.pid, *pid);
  EXPECT_EQ(sup.pid(), 0);
  std::ifstream out(dir + "/stdout.log"), err(dir + "/stderr.log");
  std::string line;
  std::getline(out, line);
  EXPECT_EQ(line, "out-42");
  std::getline(err, line);
  EXPECT_EQ(line, "err");
}

TEST(SupervisorTest, PauseResumeStopAndRestart) {
  Events events;
  Supervisor sup([&](const ProcessStatus& s) { events.Add(s); });
  auto pid = sup.Start({{"sleep", "30"}, {}, TempDir("pause"), ""});
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_FALSE(sup.Start({{"sleep", "30"}, {}, "", ""}).ok());  // one replica at a time
  ASSERT_TRUE(sup.Pause().ok());
  EXPECT_TRUE(WaitFor([&] { return ProcState(*pid) == 'T'; }));
  ASSERT_TRUE(sup.Resume().ok());
  EXPECT_TRUE(WaitFor([&] { return ProcState(*pid) != 'T'; }));

  // Stop works on a paused replica too: it is continued to take SIGTERM.
  ASSERT_TRUE(sup.Pause().ok());
  auto stopped = sup.Stop(absl::Seconds(2));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(stopped->signal, SIGTERM);
  EXPECT_FALSE(Alive(*pid));

  auto again = sup.Restart(absl::Seconds(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(*again, *pid);
  EXPECT_TRUE(Alive(*again));
  auto killed = sup.Kill();
  ASSERT_TRUE(killed.ok());
  EXPECT_EQ(killed->signal, SIGKILL);
  EXPECT_FALSE(Alive(*again));
  EXPECT_FALSE(sup.Pause().ok());
}

TEST(SupervisorTest, TermIgnoringReplicaIsKilledAfterGrace) {
  Supervisor sup([](const ProcessStatus&) {});
  auto pid = sup.Start({{"sh", "-c", "trap '' TERM; sleep 30"}, {}, TempDir("grace"), ""});
  ASSERT_TRUE(pid.ok());
  absl::SleepFor(absl::Milliseconds(100));  // let sh install its trap
  const absl::Time start = absl::Now();
  auto stopped = sup.Stop(absl::Milliseconds(300));
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->signal, SIGKILL);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
}

TEST(SupervisorTest, DestructorKillsTheReplica) {
  int pid = 0;
  {
    Supervisor sup([](const ProcessStatus&) {});
    auto started = sup.Start({{"sleep", "30"}, {}, TempDir("dtor"), ""});
    ASSERT_TRUE(started.ok());
    pid = *started;
  }
  EXPECT_FALSE(Alive(pid));
}

// Pids of live (not zombie) processes in process group `pgid`, from /proc.
std::vector<int> GroupMembers(int pgid) {
  std::vector<int> members;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    if (getpgid(pid) == pgid && Alive(pid)) members.push_back(pid);
  }
  return members;
}

// Reads the pid a replica wrote to `path` (bounded wait for it to appear).
int ReadPid(const std::string& path) {
  int pid = 0;
  WaitFor([&] {
    std::ifstream in(path);
    return static_cast<bool>(in >> pid) && pid > 0;
  });
  return pid;
}

// A replica that closes its stdout and stderr and runs on: nothing of the
// supervisor waits on its output, so it stops as any other, and the
// observer on its (now silent) log keeps polling without spinning.
TEST(SupervisorTest, ReplicaThatClosesItsOutputIsStillStopped) {
  const std::string dir = TempDir("closed");
  Events events;
  Supervisor sup([&](const ProcessStatus& s) { events.Add(s); });
  auto parser = CommitParser::Create({"seq", "value", ""});
  ASSERT_TRUE(parser.ok());
  std::atomic<int> commits{0};
  Observer observer(dir + "/stdout.log", std::move(*parser), [&](const Commit&) { ++commits; });
  auto pid = sup.Start({{"sh", "-c",
                         "echo '{\"seq\":1,\"value\":\"a\"}'; exec 1>&- 2>&-; "
                         "exec sleep 30"},
                        {}, dir, ""});
  ASSERT_TRUE(pid.ok()) << pid.status();
  ASSERT_TRUE(WaitFor([&] { return commits.load() == 1; }));
  // Its output is closed (fd 1 is gone), it still runs.
  ASSERT_TRUE(WaitFor([&] {
    return !std::filesystem::exists("/proc/" + std::to_string(*pid) + "/fd/1");
  }));
  EXPECT_TRUE(Alive(*pid));

  const absl::Time start = absl::Now();
  auto stopped = sup.Stop(absl::Seconds(2));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(stopped->signal, SIGTERM);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_FALSE(Alive(*pid));
  // SIGKILL to the group was sent; its members may take a moment to go.
  EXPECT_TRUE(WaitFor([&] { return GroupMembers(*pid).empty(); }, absl::Seconds(2)));
  EXPECT_EQ(commits.load(), 1);
}

// A replica whose child inherits the log and outlives the replica's own
// exit: the group dies with its leader, so the log's last writer goes too.
TEST(SupervisorTest, ChildKeepingTheLogOpenDiesWithTheReplica) {
  const std::string dir = TempDir("forked");
  Events events;
  Supervisor sup([&](const ProcessStatus& s) { events.Add(s); });
  auto pid = sup.Start({{"sh", "-c",
                         "sh -c 'echo $$ > child.pid; trap \"\" TERM; "
                         "while :; do echo tick; sleep 0.05; done' & "
                         "sleep 30"},
                        {}, dir, ""});
  ASSERT_TRUE(pid.ok()) << pid.status();
  const int child = ReadPid(dir + "/child.pid");
  ASSERT_GT(child, 0);
  ASSERT_TRUE(Alive(child));

  auto stopped = sup.Stop(absl::Milliseconds(500));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_FALSE(Alive(*pid));
  EXPECT_TRUE(WaitFor([&] { return !Alive(child); }, absl::Seconds(2)));
  // SIGKILL to the group was sent; its members may take a moment to go.
  EXPECT_TRUE(WaitFor([&] { return GroupMembers(*pid).empty(); }, absl::Seconds(2)));
  // Nothing writes the log any more.
  const auto size = std::filesystem::file_size(dir + "/stdout.log");
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(std::filesystem::file_size(dir + "/stdout.log"), size);
}

// A replica whose child leaves the process group (setsid, as a daemon
// does) and keeps the log open: the stop reaches it all the same.
TEST(SupervisorTest, ChildThatLeftTheGroupIsStoppedWithTheReplica) {
  const std::string dir = TempDir("setsid");
  Supervisor sup([](const ProcessStatus&) {});
  auto pid = sup.Start({{"sh", "-c",
                         "setsid sh -c 'echo $$ > child.pid; "
                         "while :; do echo tick; sleep 0.05; done' & "
                         "sleep 30"},
                        {}, dir, ""});
  ASSERT_TRUE(pid.ok()) << pid.status();
  const int child = ReadPid(dir + "/child.pid");
  ASSERT_GT(child, 0);
  ASSERT_NE(getpgid(child), *pid) << "the child should have left the group";
  absl::Cleanup reap_leak = [child] {
    if (Alive(child)) kill(child, SIGKILL);
  };

  auto stopped = sup.Stop(absl::Milliseconds(500));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_FALSE(Alive(*pid));
  EXPECT_TRUE(WaitFor([&] { return !Alive(child); }, absl::Seconds(2)))
      << "pid " << child << " outlived its replica";
}

TEST(CommitParserTest, JsonLines) {
  auto p = CommitParser::Create({"seq", "value", ""});
  ASSERT_TRUE(p.ok()) << p.status();
  auto c = p->Parse(R"({"replica":0,"seq":7,"height":3,"view":0,"value":"abc"})");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->seq, 7u);
  EXPECT_EQ(c->value, "abc");
  EXPECT_FALSE(p->Parse("not json").has_value());
  EXPECT_FALSE(p->Parse(R"({"seq":"x","value":"a"})").has_value());
  EXPECT_FALSE(p->Parse(R"({"value":"a"})").has_value());
}

TEST(CommitParserTest, RegexWithNamedGroups) {
  auto p = CommitParser::Create({"", "", R"(committed seq=(?P<seq>\d+) value=(?P<value>\S+))"});
  ASSERT_TRUE(p.ok()) << p.status();
  auto c = p->Parse("I0101 node.cc:1] committed seq=12 value=v9 extra");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->seq, 12u);
  EXPECT_EQ(c->value, "v9");
  EXPECT_FALSE(p->Parse("committed seq=x value=y").has_value());
  EXPECT_FALSE(CommitParser::Create({"", "", "(?P<seq>\\d+)"}).ok());  // no value group
  EXPECT_FALSE(CommitParser::Create({"", "", "("}).ok());
  EXPECT_FALSE(CommitParser::Create({"seq", "value", "x"}).ok());  // both kinds
}

TEST(ObserverTest, TailsAppendsAndFollowsTruncation) {
  const std::string path = TempDir("observer") + "/stdout.log";
  auto parser = CommitParser::Create({"seq", "value", ""});
  ASSERT_TRUE(parser.ok());
  absl::Mutex mu;
  std::vector<Commit> commits;
  Observer observer(path, std::move(*parser), [&](const Commit& c) {
    absl::MutexLock lock(&mu);
    commits.push_back(c);
  });
  auto count = [&] {
    absl::MutexLock lock(&mu);
    return commits.size();
  };
  {
    std::ofstream out(path);
    out << R"({"seq":1,"value":"a"})" << "\nnoise\n" << R"({"seq":2,"val)" << std::flush;
    ASSERT_TRUE(WaitFor([&] { return count() == 1; }));
    out << R"(ue":"b"})" << "\n" << std::flush;  // a line written in two pieces
    ASSERT_TRUE(WaitFor([&] { return count() == 2; }));
  }
  std::ofstream(path, std::ios::trunc) << R"({"seq":1,"value":"c"})" << "\n";
  ASSERT_TRUE(WaitFor([&] { return count() == 3; }));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(commits[1].value, "b");
  EXPECT_EQ(commits[2].value, "c");
}

// A replica may put a FIFO where its commit log should be; opening one with
// no writer blocks. The observer ignores it, and stops at once when asked.
TEST(ObserverTest, AFifoInPlaceOfTheLogBlocksNothing) {
  const std::string path = TempDir("fifo") + "/commits.log";
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  auto parser = CommitParser::Create({"seq", "value", ""});
  ASSERT_TRUE(parser.ok());
  auto observer = std::make_unique<Observer>(path, std::move(*parser), [](const Commit&) {});
  absl::SleepFor(absl::Milliseconds(100));  // several turns of its loop
  auto stopped = std::async(std::launch::async, [&] { observer.reset(); });
  const bool in_time = stopped.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  if (!in_time) {
    // Unblock the observer's open so the test can end, then fail.
    const int fd = open(path.c_str(), O_WRONLY | O_NONBLOCK);
    stopped.wait();
    if (fd >= 0) close(fd);
  }
  EXPECT_TRUE(in_time) << "the observer blocked on a FIFO";
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
