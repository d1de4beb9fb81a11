// Integration tests of the refbft binary: real processes, real gRPC on
// 127.0.0.1, commits read back from the replicas' stdout.
#include <dirent.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "targets/refbft/node.h"
#include "tests/targets/refbft/cluster.h"

namespace refbft {
namespace {

constexpr absl::Duration kCommitTimeout = absl::Seconds(20);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Processes of process group `pgid` that are not zombies, found through /proc
// so that grandchildren count too.
std::vector<pid_t> LiveProcessesInGroup(pid_t pgid) {
  std::vector<pid_t> live;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return live;
  while (dirent* entry = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    char state = 0;
    pid_t ppid = 0, group = 0;
    fields >> state >> ppid >> group;
    if (group == pgid && state != 'Z') live.push_back(pid);
  }
  closedir(proc);
  return live;
}

std::vector<std::string> Values(const std::vector<Commit>& commits) {
  std::vector<std::string> values;
  for (const Commit& commit : commits) values.push_back(commit.value);
  return values;
}

class ClusterTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& cluster : clusters_) StopCluster(cluster);
  }

  // Destroys `cluster` and checks that none of its processes is left.
  void StopCluster(std::unique_ptr<LocalCluster>& cluster) {
    if (cluster == nullptr) return;
    if (HasFailure()) std::cerr << cluster->DescribeLogs();
    const std::vector<pid_t> pids = cluster->pids();
    cluster.reset();
    for (pid_t pid : pids) {
      EXPECT_TRUE(LiveProcessesInGroup(pid).empty())
          << "replica process group " << pid << " outlived its cluster";
    }
  }

  // The cluster is torn down, and checked for leftover processes, after the
  // test body.
  LocalCluster* StartCluster(ClusterOptions options = {}) {
    absl::StatusOr<std::unique_ptr<LocalCluster>> cluster = LocalCluster::Start(options);
    EXPECT_TRUE(cluster.ok()) << cluster.status();
    if (!cluster.ok()) return nullptr;
    clusters_.push_back(*std::move(cluster));
    return clusters_.back().get();
  }

  // Submits `count` fresh values named `prefix`-i at the running replicas in
  // turn, pausing `gap` after each; every one must be accepted.
  std::vector<std::string> SubmitValues(LocalCluster* cluster, const std::string& prefix,
                                        int count, absl::Duration gap = absl::ZeroDuration()) {
    std::vector<std::string> values;
    for (int i = 0; i < count; ++i) {
      const std::string value = absl::StrCat(prefix, "-", i);
      absl::StatusOr<bool> accepted = cluster->Submit(value);
      EXPECT_TRUE(accepted.ok()) << accepted.status();
      EXPECT_TRUE(accepted.ok() && *accepted) << value << " was refused";
      values.push_back(value);
      if (gap > absl::ZeroDuration()) absl::SleepFor(gap);
    }
    return values;
  }

  // Every replica in `replicas` has committed exactly the values of
  // `submitted`, once each, in the same order, with seq counting from 1.
  void ExpectIdenticalLogs(LocalCluster* cluster, const std::vector<int>& replicas,
                           const std::vector<std::string>& submitted) {
    const std::set<std::string> allowed(submitted.begin(), submitted.end());
    std::vector<std::string> reference;
    for (int replica : replicas) {
      absl::StatusOr<std::vector<Commit>> commits = cluster->Commits(replica);
      ASSERT_TRUE(commits.ok()) << commits.status();
      std::set<std::string> seen;
      for (size_t i = 0; i < commits->size(); ++i) {
        const Commit& commit = (*commits)[i];
        EXPECT_EQ(commit.replica, static_cast<uint32_t>(replica));
        EXPECT_EQ(commit.seq, i + 1) << "replica " << replica;
        EXPECT_TRUE(allowed.count(commit.value)) << "replica " << replica
                                                 << " committed unsubmitted " << commit.value;
        EXPECT_TRUE(seen.insert(commit.value).second)
            << "replica " << replica << " committed " << commit.value << " twice";
      }
      EXPECT_EQ(commits->size(), allowed.size()) << "replica " << replica;
      if (replica == replicas.front()) {
        reference = Values(*commits);
      } else {
        EXPECT_EQ(Values(*commits), reference)
            << "replicas " << replicas.front() << " and " << replica << " disagree";
      }
    }
  }

  std::vector<std::unique_ptr<LocalCluster>> clusters_;
};

TEST_F(ClusterTest, FourReplicasCommitEverySubmittedValueInTheSameOrder) {
  LocalCluster* cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  const std::vector<std::string> values = SubmitValues(cluster, "value", 200);
  for (int i = 0; i < cluster->n(); ++i) {
    ASSERT_TRUE(cluster->WaitForValues(i, values, kCommitTimeout).ok()) << "replica " << i;
  }
  ExpectIdenticalLogs(cluster, {0, 1, 2, 3}, values);
}

TEST_F(ClusterTest, ValuesCommitByteForByte) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  const std::vector<std::string> values = {every_byte, "quote\" backslash\\ slash/",
                                           std::string("\0lead", 5), "plain ascii"};
  for (const std::string& value : values) {
    CommitRecord record{7, 3, 1, value};
    absl::StatusOr<Commit> parsed = ParseCommitLine(CommitJsonLine(2, record));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->value, value);
    EXPECT_EQ(parsed->replica, 2u);
    EXPECT_EQ(parsed->seq, 7u);
  }
  EXPECT_EQ(CommitJsonLine(0, CommitRecord{1, 3, 0, "a\"b"}),
            R"({"replica":0,"seq":1,"height":3,"view":0,"value":"a\"b"})");
  EXPECT_EQ(CommitJsonLine(0, CommitRecord{1, 3, 0, "\n\xff"}),
            R"({"replica":0,"seq":1,"height":3,"view":0,"value":"\u000a\u00ff"})");

  LocalCluster* cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  for (const std::string& value : values) {
    absl::StatusOr<bool> accepted = cluster->Submit(value);
    ASSERT_TRUE(accepted.ok() && *accepted) << accepted.status();
  }
  for (int i = 0; i < cluster->n(); ++i) {
    ASSERT_TRUE(cluster->WaitForValues(i, values, kCommitTimeout).ok()) << "replica " << i;
  }
  ExpectIdenticalLogs(cluster, {0, 1, 2, 3}, values);
}

// Replica 1 leads view 0 of height 1 (and of heights 5, 9, ...); replica 3
// does not.
class KilledReplicaTest : public ClusterTest, public ::testing::WithParamInterface<int> {};

TEST_P(KilledReplicaTest, SurvivorsKeepCommitting) {
  const int killed = GetParam();
  LocalCluster* cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  ASSERT_TRUE(cluster->Kill(killed).ok());
  std::vector<int> live;
  for (int i = 0; i < cluster->n(); ++i) {
    if (i != killed) live.push_back(i);
  }

  // Spread over more than a view timeout, so that values are pending while
  // a height whose view-0 leader is dead waits for its view change.
  const std::vector<std::string> values =
      SubmitValues(cluster, "after-kill", 60, absl::Milliseconds(25));
  for (int i : live) {
    ASSERT_TRUE(cluster->WaitForValues(i, values, kCommitTimeout).ok()) << "replica " << i;
  }
  ExpectIdenticalLogs(cluster, live, values);

  absl::StatusOr<std::vector<Commit>> commits = cluster->Commits(live.front());
  ASSERT_TRUE(commits.ok());
  bool view_changed = false;
  for (const Commit& commit : *commits) {
    // Every block holds values submitted after the kill, so its leader was
    // alive then.
    EXPECT_NE(Replica::LeaderOf(commit.height, commit.view, 4), static_cast<uint32_t>(killed))
        << "height " << commit.height << " view " << commit.view;
    view_changed |= commit.view > 0;
  }
  EXPECT_TRUE(view_changed) << "no value committed after a view change";
}

INSTANTIATE_TEST_SUITE_P(LeaderOfHeightOneAndANonLeader, KilledReplicaTest,
                         ::testing::Values(1, 3),
                         [](const auto& info) { return absl::StrCat("Replica", info.param); });

// Kills replica 1, lets the cluster run into a height that replica 1 leads in
// view 0, then reports whether values submitted from then on still commit.
bool LateValuesCommitWithReplicaOneDown(LocalCluster* cluster) {
  EXPECT_TRUE(cluster->Kill(1).ok());
  // An idle cluster decides an empty block every idle-propose delay (100 ms),
  // so within 1.5 s, even on a loaded machine, it reaches a height whose
  // view-0 leader is replica 1.
  absl::SleepFor(absl::Milliseconds(1500));
  std::vector<std::string> late;
  for (int i = 0; i < 20; ++i) {
    late.push_back(absl::StrCat("late-", i));
    absl::StatusOr<bool> accepted = cluster->Submit(late.back());
    EXPECT_TRUE(accepted.ok() && *accepted) << late.back();
  }
  // Ten view timeouts: plenty for a view change or three.
  const absl::Status committed = cluster->WaitForValues(0, late, absl::Seconds(3));
  if (!committed.ok()) {
    // Not a single late value anywhere: liveness is lost, not just slow.
    for (int i : {0, 2, 3}) {
      absl::StatusOr<std::vector<Commit>> commits = cluster->Commits(i);
      EXPECT_TRUE(commits.ok());
      for (const Commit& commit : *commits) {
        EXPECT_EQ(commit.value.rfind("late-", 0), std::string::npos)
            << "replica " << i << " committed " << commit.value;
      }
    }
  }
  return committed.ok();
}

TEST_F(ClusterTest, NoViewChangeBugLosesLivenessWhenALeaderIsDown) {
  LocalCluster* correct = StartCluster();
  ASSERT_NE(correct, nullptr);
  EXPECT_TRUE(LateValuesCommitWithReplicaOneDown(correct));
  StopCluster(clusters_.back());  // two clusters at once would share 2 cores

  ClusterOptions buggy_options;
  buggy_options.flags = {"--bug=no-view-change"};
  LocalCluster* buggy = StartCluster(buggy_options);
  ASSERT_NE(buggy, nullptr);
  EXPECT_FALSE(LateValuesCommitWithReplicaOneDown(buggy));
}

class DoubleCommitTest : public ClusterTest, public ::testing::WithParamInterface<bool> {};

TEST_P(DoubleCommitTest, ResubmittedValueCommitsTwiceOnlyWithTheBug) {
  const bool bug = GetParam();
  ClusterOptions options;
  if (bug) options.flags = {"--bug=double-commit"};
  LocalCluster* cluster = StartCluster(options);
  ASSERT_NE(cluster, nullptr);

  absl::StatusOr<bool> first = cluster->Submit(0, "twice");
  ASSERT_TRUE(first.ok() && *first) << first.status();
  for (int i = 0; i < cluster->n(); ++i) {
    ASSERT_TRUE(cluster->WaitForValues(i, {"twice"}, kCommitTimeout).ok()) << "replica " << i;
  }

  absl::StatusOr<bool> second = cluster->Submit(2, "twice");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, bug);
  // Later values commit, and with them whatever the duplicate was going to.
  const std::vector<std::string> later = SubmitValues(cluster, "later", 20);

  for (int i = 0; i < cluster->n(); ++i) {
    ASSERT_TRUE(cluster->WaitForValues(i, later, kCommitTimeout).ok()) << "replica " << i;
  }
  // Bounded wait for a second copy, which may trail the later values.
  const absl::Time deadline = absl::Now() + (bug ? kCommitTimeout : absl::Seconds(1));
  for (int i = 0; i < cluster->n(); ++i) {
    long copies = 0;
    do {
      absl::StatusOr<std::vector<Commit>> commits = cluster->Commits(i);
      ASSERT_TRUE(commits.ok());
      const std::vector<std::string> values = Values(*commits);
      copies = std::count(values.begin(), values.end(), "twice");
      absl::SleepFor(absl::Milliseconds(20));
    } while (copies < 2 && absl::Now() < deadline);
    // With the bug, late Forwards of the first submission can add a third.
    if (bug) {
      EXPECT_GE(copies, 2) << "replica " << i;
    } else {
      EXPECT_EQ(copies, 1) << "replica " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutBug, DoubleCommitTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Bug" : "NoBug"; });

TEST_F(ClusterTest, RestartedReplicaCatchesUp) {
  LocalCluster* cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  ASSERT_TRUE(cluster->Kill(3).ok());
  std::vector<std::string> values = SubmitValues(cluster, "while-down", 30);
  ASSERT_TRUE(cluster->WaitForValues(0, values, kCommitTimeout).ok());

  ASSERT_TRUE(cluster->Restart(3).ok());
  const std::vector<std::string> more = SubmitValues(cluster, "after-restart", 30);
  values.insert(values.end(), more.begin(), more.end());
  for (int i = 0; i < cluster->n(); ++i) {
    ASSERT_TRUE(cluster->WaitForValues(i, values, kCommitTimeout).ok()) << "replica " << i;
  }
  ExpectIdenticalLogs(cluster, {0, 1, 2, 3}, values);
}

class BadFlagsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/refbft_flags.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    auto keygen = turncoat::Subprocess::Spawn(
        {RefbftBinary(), "keygen", absl::StrCat("--out=", *dir_), "--n=4"}, {});
    ASSERT_TRUE(keygen.ok()) << keygen.status();
    auto exit = keygen->Wait(absl::Seconds(30));
    ASSERT_TRUE(exit.ok() && exit->success());
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  // Valid flags for replica 0 of 4, followed by `extra` (later flags win).
  std::vector<std::string> Argv(std::vector<std::string> extra) const {
    std::vector<std::string> argv = {
        RefbftBinary(), "--id=0", "--listen=127.0.0.1:0",
        "--peers=0=127.0.0.1:1,1=127.0.0.1:2,2=127.0.0.1:3,3=127.0.0.1:4",
        absl::StrCat("--key=", *dir_, "/0.key"), absl::StrCat("--pubkeys=", *dir_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // Runs refbft; returns its exit status and stderr.
  std::pair<turncoat::ExitStatus, std::string> Run(const std::vector<std::string>& argv) {
    turncoat::SpawnOptions options;
    options.stderr_path = absl::StrCat(*dir_, "/stderr");
    auto process = turncoat::Subprocess::Spawn(argv, options);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return {};
    auto exit = process->Wait(absl::Seconds(10));
    EXPECT_TRUE(exit.ok()) << exit.status();
    if (!exit.ok()) return {};
    return {*exit, ReadFile(options.stderr_path)};
  }

  void ExpectRejected(const std::vector<std::string>& extra,
                      const std::vector<std::string>& mentions) {
    auto [exit, stderr_text] = Run(Argv(extra));
    EXPECT_EQ(exit.code, 2) << exit.ToString() << "; " << stderr_text;
    EXPECT_EQ(exit.signal, 0);
    EXPECT_EQ(std::count(stderr_text.begin(), stderr_text.end(), '\n'), 1) << stderr_text;
    for (const std::string& word : mentions) {
      EXPECT_NE(stderr_text.find(word), std::string::npos)
          << "message for " << extra.front() << " lacks '" << word << "': " << stderr_text;
    }
  }

  static std::string* dir_;
};

std::string* BadFlagsTest::dir_ = nullptr;

TEST_F(BadFlagsTest, EachBadFlagExitsTwoNamingIt) {
  ExpectRejected({"--bug=no-such-bug"}, {"--bug", "no-such-bug", "double-commit"});
  ExpectRejected({"--f=2"}, {"--f", "3f+1"});
  ExpectRejected({"--key=/nonexistent/0.key"}, {"--key", "/nonexistent/0.key"});
  ExpectRejected({absl::StrCat("--key=", *dir_, "/1.key")}, {"--key", "does not match"});
  ExpectRejected({"--pubkeys=/nonexistent/a.pub"}, {"--pubkeys"});
  ExpectRejected({"--no_such_flag=1"}, {"--no_such_flag", "unknown"});
  ExpectRejected({"--id=abc"}, {"--id", "integer"});
  ExpectRejected({"--id=9"}, {"--id", "0..4"});
  ExpectRejected({"--peers=0=127.0.0.1:1,nonsense"}, {"--peers", "nonsense"});
  ExpectRejected({"--view_timeout_ms=0"}, {"--view_timeout_ms"});
  ExpectRejected({"--max_batch=0"}, {"--max_batch"});
}

TEST_F(BadFlagsTest, UnsafeFaultCountNeedsItsOwnFlag) {
  turncoat::SpawnOptions options;
  auto process = turncoat::Subprocess::Spawn(Argv({"--f=2", "--allow_unsafe_f"}), options);
  ASSERT_TRUE(process.ok()) << process.status();
  // Past flag checking it serves until told to stop.
  absl::SleepFor(absl::Milliseconds(500));
  auto early = process->TryWait();
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value()) << (*early)->ToString();
  auto exit = process->Stop(absl::Seconds(5));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->success()) << exit->ToString();
}

}  // namespace
}  // namespace refbft
