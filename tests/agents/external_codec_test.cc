// ExternalCodec against tests/agents/testdata/test_codec.py, a real codec
// process that misbehaves on command; every process is gone when a test ends.
#include "agents/external_codec.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/read_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace agent {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kPython[] = "/usr/bin/python3";
const std::string kTestCodec =
    std::string(TURNCOAT_SOURCE_DIR) + "/tests/agents/testdata/test_codec.py";

// A process counts as gone once it has no /proc entry or is a zombie.
bool Alive(pid_t pid) {
  const std::string stat = Slurp(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  return stat[paren + 2] != 'Z';
}

std::string Vote(int view, int height, const std::string& hash) {
  return absl::StrCat("VOTE|", view, "|", height, "|", hash);
}

class ExternalCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/turncoat_codec_", getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return absl::StrCat(dir_, "/", name); }

  // The test codec with `flags`, recording its pids and logging stderr.
  ExternalCodec::Options Options(std::vector<std::string> flags = {}) const {
    ExternalCodec::Options options;
    options.argv = {kPython, kTestCodec, "--pid-file", Path("pids")};
    options.argv.insert(options.argv.end(), flags.begin(), flags.end());
    options.stderr_path = Path("stderr.log");
    return options;
  }

  std::unique_ptr<ExternalCodec> MustStart(ExternalCodec::Options options) {
    auto codec = ExternalCodec::Start(std::move(options));
    EXPECT_TRUE(codec.ok()) << codec.status();
    return codec.ok() ? std::move(*codec) : nullptr;
  }

  // Every pid the codec processes recorded, oldest first.
  std::vector<pid_t> Pids() const {
    std::vector<pid_t> pids;
    for (absl::string_view line : absl::StrSplit(Slurp(Path("pids")), '\n', absl::SkipEmpty())) {
      int pid = 0;
      if (absl::SimpleAtoi(line, &pid)) pids.push_back(pid);
    }
    return pids;
  }

  // Decodes and re-encodes a vote, checking both directions.
  void ExpectWorks(ExternalCodec& codec, int view = 1) {
    const std::string bytes = Vote(view, 2, "c0ffee");
    auto tree = codec.Decode("vote", bytes);
    ASSERT_TRUE(tree.ok()) << tree.status();
    EXPECT_EQ((*tree)["view"], view);
    auto again = codec.Encode("vote", *tree);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, bytes);
  }

  std::string dir_;
};

TEST_F(ExternalCodecTest, RoundTripsVotesAndBlocksAndEditedTrees) {
  auto codec = MustStart(Options());
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->types(), (std::vector<std::string>{"vote", "block", "attrs"}));

  auto vote = codec->Decode("vote", Vote(3, 17, "00ff"));
  ASSERT_TRUE(vote.ok()) << vote.status();
  EXPECT_EQ(vote->dump(), R"({"view":3,"height":17,"hash":"00ff"})");
  (*vote)["view"] = 4;
  auto edited = codec->Encode("vote", *vote);
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(*edited, Vote(4, 17, "00ff"));

  // A packed struct with bytes that are not text, zeros and 0xff included.
  const std::string block("\0\0\0\0\0\0\0\x09\0\x04\0\xff\x7f\x80", 14);
  auto tree = codec->Decode("block", block);
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ((*tree)["height"], 9);
  EXPECT_EQ((*tree)["payload"], "AP9/gA==");
  auto bytes = codec->Encode("block", *tree);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, block);

  auto empty = codec->Decode("vote", "");
  EXPECT_TRUE(absl::IsInvalidArgument(empty.status())) << empty.status();
  EXPECT_THAT(Pids(), SizeIs(1));
}

// The attrs type encodes members in the order it gets them, so its round
// trip holds only if the tree keeps the order the codec gave.
TEST_F(ExternalCodecTest, TreesKeepTheCodecsMemberOrder) {
  auto codec = MustStart(Options());
  ASSERT_NE(codec, nullptr);
  auto tree = codec->Decode("attrs", "zeta=1;alpha=2;mid=3");
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(tree->dump(), R"({"zeta":"1","alpha":"2","mid":"3"})");
  (*tree)["alpha"] = "9";
  auto bytes = codec->Encode("attrs", *tree);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, "zeta=1;alpha=9;mid=3");
}

TEST_F(ExternalCodecTest, CodecErrorsArePassedThroughAndKeepTheProcess) {
  auto codec = MustStart(Options());
  ASSERT_NE(codec, nullptr);

  auto bad = codec->Decode("vote", "BALLOT|1");
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status())) << bad.status();
  EXPECT_THAT(bad.status().message(), HasSubstr("not a vote"));
  EXPECT_THAT(bad.status().message(), HasSubstr(kTestCodec));
  EXPECT_THAT(bad.status().message(), HasSubstr("type 'vote'"));

  auto unknown = codec->Decode("ballot", "x");
  EXPECT_TRUE(absl::IsInvalidArgument(unknown.status())) << unknown.status();
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown type 'ballot'"));

  auto bad_tree = codec->Encode("vote", {{"view", "three"}, {"height", 1}, {"hash", "ab"}});
  EXPECT_TRUE(absl::IsInvalidArgument(bad_tree.status())) << bad_tree.status();
  EXPECT_THAT(bad_tree.status().message(), HasSubstr("'view' must be a non-negative integer"));

  ExpectWorks(*codec);
  EXPECT_THAT(Pids(), SizeIs(1));
}

TEST_F(ExternalCodecTest, RequestsTurncoatCannotSendAreRefusedBeforeTheCodec) {
  ExternalCodec::Options options = Options();
  options.max_frame_bytes = 1024;
  auto codec = MustStart(options);
  ASSERT_NE(codec, nullptr);

  auto big = codec->Decode("vote", std::string(2000, 'x'));
  EXPECT_TRUE(absl::IsInvalidArgument(big.status())) << big.status();
  EXPECT_THAT(big.status().message(), HasSubstr("frame limit of 1024"));

  auto not_utf8 = codec->Encode("vote", {{"view", 1}, {"height", 1}, {"hash", "\xff\xfe"}});
  EXPECT_TRUE(absl::IsInvalidArgument(not_utf8.status())) << not_utf8.status();

  ExpectWorks(*codec);
  EXPECT_THAT(Pids(), SizeIs(1));
}

TEST_F(ExternalCodecTest, TimeoutKillsTheCodecAndTheNextCallRestartsIt) {
  ExternalCodec::Options options = Options({"--misbehave", "3:hang"});
  auto codec = MustStart(options);
  ASSERT_NE(codec, nullptr);
  ExpectWorks(*codec);  // requests 1 and 2; the third hangs

  auto pids = Pids();
  ASSERT_THAT(pids, SizeIs(1));
  const absl::Time start = absl::Now();
  auto hung = codec->Decode("vote", Vote(1, 1, "ab"));
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(absl::IsDeadlineExceeded(hung.status())) << hung.status();
  EXPECT_THAT(hung.status().message(), HasSubstr("did not answer"));
  EXPECT_GE(took, absl::Milliseconds(1900));  // the default timeout, 2 s
  EXPECT_LT(took, absl::Milliseconds(3500));
  EXPECT_FALSE(Alive(pids[0]));

  ExpectWorks(*codec, 7);
  EXPECT_THAT(Pids(), SizeIs(2));
  EXPECT_THAT(Slurp(Path("stderr.log")), HasSubstr("restarting the codec"));
}

TEST_F(ExternalCodecTest, ACallQueuedBehindAHungOneGetsAFreshCodecAndFullTime) {
  auto codec = MustStart(Options({"--misbehave", "1:hang"}));
  ASSERT_NE(codec, nullptr);
  absl::Status hung;
  std::thread first([&] { hung = codec->Decode("vote", Vote(1, 1, "ab")).status(); });
  absl::SleepFor(absl::Seconds(1));  // the first call is waiting for its answer
  const absl::Time start = absl::Now();
  auto queued = codec->Decode("vote", Vote(2, 2, "ab"));
  const absl::Duration waited = absl::Now() - start;
  first.join();
  EXPECT_TRUE(absl::IsDeadlineExceeded(hung)) << hung;
  // Its turn came after about 1 s, with half its timeout gone; the restart
  // and the answer still had their own.
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ((*queued)["view"], 2);
  EXPECT_GE(waited, absl::Milliseconds(900));
  EXPECT_THAT(Pids(), SizeIs(2));
}

TEST_F(ExternalCodecTest, CrashIsReportedAndTheNextCallRestarts) {
  auto codec = MustStart(Options({"--misbehave", "2:crash"}));
  ASSERT_NE(codec, nullptr);
  auto first = codec->Decode("vote", Vote(1, 1, "ab"));
  ASSERT_TRUE(first.ok()) << first.status();

  auto crashed = codec->Decode("vote", Vote(1, 1, "ab"));
  EXPECT_TRUE(absl::IsUnavailable(crashed.status())) << crashed.status();
  EXPECT_THAT(crashed.status().message(),
              HasSubstr(absl::StrCat("was killed by signal ", SIGABRT)));
  EXPECT_THAT(crashed.status().message(), HasSubstr("request 2: crash, as told"));

  ExpectWorks(*codec);
  EXPECT_THAT(Pids(), SizeIs(2));
}

TEST_F(ExternalCodecTest, ExitIsReportedWithItsCode) {
  auto codec = MustStart(Options({"--misbehave", "1:exit"}));
  ASSERT_NE(codec, nullptr);
  auto exited = codec->Encode("vote", {{"view", 1}, {"height", 1}, {"hash", "ab"}});
  EXPECT_TRUE(absl::IsUnavailable(exited.status())) << exited.status();
  EXPECT_THAT(exited.status().message(), HasSubstr("exited with code 3"));
  EXPECT_THAT(exited.status().message(), HasSubstr("encode type 'vote'"));
}

TEST_F(ExternalCodecTest, CodecThatDiedBetweenCallsIsRestartedQuietly) {
  auto codec = MustStart(Options());
  ASSERT_NE(codec, nullptr);
  ExpectWorks(*codec);
  const auto pids = Pids();
  ASSERT_THAT(pids, SizeIs(1));
  ASSERT_EQ(kill(pids[0], SIGKILL), 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (Alive(pids[0]) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));

  ExpectWorks(*codec);
  EXPECT_THAT(Pids(), SizeIs(2));
}

TEST_F(ExternalCodecTest, WritingToACodecThatClosedItsStdinIsAnErrorNotSigpipe) {
  auto codec = MustStart(Options({"--close-over", "65536"}));
  ASSERT_NE(codec, nullptr);
  // Far more than a socket buffer holds, so the codec closes its end while
  // the request is still being written. SIGPIPE keeps its default action in
  // this test: had the write raised it, the test binary would have died.
  auto refused = codec->Decode("vote", std::string(4 << 20, 'v'));
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("closed its stdin and stdout"));
  ExpectWorks(*codec);
  EXPECT_THAT(Pids(), SizeIs(2));
}

struct Violation {
  const char* kind;
  const char* says;
};

void PrintTo(const Violation& v, std::ostream* os) { *os << v.kind; }

class ProtocolViolationTest : public ExternalCodecTest,
                              public ::testing::WithParamInterface<Violation> {};

TEST_P(ProtocolViolationTest, IsAnErrorThenTheCodecIsReplaced) {
  auto codec = MustStart(Options({"--misbehave", absl::StrCat("1:", GetParam().kind)}));
  ASSERT_NE(codec, nullptr);
  const auto pids = Pids();
  ASSERT_THAT(pids, SizeIs(1));

  auto broken = codec->Encode("vote", {{"view", 1}, {"height", 1}, {"hash", "ab"}});
  EXPECT_TRUE(absl::IsInternal(broken.status())) << broken.status();
  EXPECT_THAT(broken.status().message(), HasSubstr(GetParam().says));
  EXPECT_THAT(broken.status().message(), HasSubstr(kTestCodec));
  EXPECT_FALSE(Alive(pids[0]));

  ExpectWorks(*codec);
  EXPECT_THAT(Pids(), SizeIs(2));
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, ProtocolViolationTest,
    ::testing::Values(Violation{"garbage", "stdout began with \"Traceback (most recent"},
                      Violation{"not-json", "is not JSON: \"not json!\""},
                      Violation{"oversize", "length prefix says 67108864 bytes"},
                      Violation{"wrong-id", "has id 1001"},
                      Violation{"missing-field", "no \"data\" string"},
                      Violation{"bad-base64", "not base64: \"**not base64**\""}),
    [](const ::testing::TestParamInfo<Violation>& info) {
      std::string name = info.param.kind;
      name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
      return name;
    });

TEST_F(ExternalCodecTest, FailsFastAfterRepeatedFailuresThenTriesAgain) {
  // The first codec exits on the first request; while the flag file exists,
  // its successors exit on the hello.
  const std::string flag = Path("broken");
  ExternalCodec::Options options;
  options.argv = {
      "/bin/sh", "-c",
      absl::StrCat("if [ -e ", flag, " ]; then set -- --misbehave 0:exit; fi; exec ", kPython, " ",
                   kTestCodec, " --pid-file ", Path("pids"), " --misbehave 1:exit \"$@\"")};
  options.stderr_path = Path("stderr.log");
  options.cooldown = absl::Seconds(1);
  auto codec = MustStart(options);
  ASSERT_NE(codec, nullptr);
  std::ofstream(flag) << "1";

  for (int i = 1; i <= 5; ++i) {
    auto failed = codec->Decode("vote", Vote(1, 1, "ab"));
    EXPECT_TRUE(absl::IsUnavailable(failed.status())) << failed.status();
    EXPECT_THAT(failed.status().message(), HasSubstr("exited with code 3"));
    if (i > 1) {
      EXPECT_THAT(failed.status().message(), HasSubstr("while answering the hello"));
    }
    if (i == 5) {
      EXPECT_THAT(failed.status().message(), HasSubstr("will not be restarted for 1s"));
      EXPECT_THAT(failed.status().message(), HasSubstr(Path("stderr.log")));
    }
  }
  EXPECT_THAT(Pids(), SizeIs(5));

  std::filesystem::remove(flag);
  const absl::Time start = absl::Now();
  auto fast = codec->Decode("vote", Vote(1, 1, "ab"));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_TRUE(absl::IsUnavailable(fast.status())) << fast.status();
  EXPECT_THAT(fast.status().message(), HasSubstr("not restarting it for another"));
  EXPECT_THAT(fast.status().message(), HasSubstr("it failed 5 times in a row within 10s"));
  EXPECT_THAT(fast.status().message(), HasSubstr(Path("stderr.log")));
  EXPECT_THAT(Pids(), SizeIs(5));  // nothing was started

  absl::SleepFor(absl::Seconds(1.1));
  ExpectWorks(*codec);
  EXPECT_THAT(Pids(), SizeIs(6));
}

TEST_F(ExternalCodecTest, ConcurrentCallsAreEachAnsweredCorrectly) {
  auto codec = MustStart(Options());
  ASSERT_NE(codec, nullptr);
  constexpr int kThreads = 8;
  constexpr int kCalls = 25;
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const int view = t * 1000 + i;
        auto tree = codec->Decode("vote", Vote(view, t, "abcd"));
        if (!tree.ok() || (*tree)["view"] != view || (*tree)["height"] != t) {
          ++wrong[t];
          continue;
        }
        (*tree)["height"] = i;
        auto bytes = codec->Encode("vote", *tree);
        if (!bytes.ok() || *bytes != Vote(view, i, "abcd")) ++wrong[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, std::vector<int>(kThreads, 0));
  EXPECT_THAT(Pids(), SizeIs(1));
}

TEST_F(ExternalCodecTest, DestructionEndsTheProcessThroughItsStdin) {
  ExternalCodec::Options options = Options();
  options.exit_grace = absl::Seconds(5);
  auto codec = MustStart(options);
  ASSERT_NE(codec, nullptr);
  ExpectWorks(*codec);
  const auto pids = Pids();
  ASSERT_THAT(pids, SizeIs(1));
  ASSERT_TRUE(Alive(pids[0]));
  const absl::Time start = absl::Now();
  codec.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));  // it exited by itself, not killed
  EXPECT_FALSE(Alive(pids[0]));
}

TEST_F(ExternalCodecTest, DestructionKillsACodecThatIgnoresItsStdin) {
  ExternalCodec::Options options = Options({"--linger"});
  options.exit_grace = absl::Milliseconds(200);
  auto codec = MustStart(options);
  ASSERT_NE(codec, nullptr);
  const auto pids = Pids();
  ASSERT_THAT(pids, SizeIs(1));
  const absl::Time start = absl::Now();
  codec.reset();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  EXPECT_FALSE(Alive(pids[0]));
  EXPECT_THAT(Slurp(Path("stderr.log")), HasSubstr("stdin closed; lingering"));
}

TEST_F(ExternalCodecTest, StartFailsClearlyForAMissingProgram) {
  ExternalCodec::Options options;
  options.argv = {"/nonexistent/codec", "--flag"};
  auto codec = ExternalCodec::Start(options);
  EXPECT_TRUE(absl::IsUnavailable(codec.status())) << codec.status();
  EXPECT_THAT(codec.status().message(), HasSubstr("`/nonexistent/codec --flag`"));
  EXPECT_THAT(codec.status().message(), HasSubstr("No such file"));

  options.argv.clear();
  EXPECT_TRUE(absl::IsInvalidArgument(ExternalCodec::Start(options).status()));
}

struct BadHello {
  const char* name;
  std::vector<std::string> flags;
  absl::StatusCode code;
  const char* says;
  absl::Duration timeout = absl::Seconds(2);
};

void PrintTo(const BadHello& b, std::ostream* os) { *os << b.name; }

class BadHelloTest : public ExternalCodecTest, public ::testing::WithParamInterface<BadHello> {};

TEST_P(BadHelloTest, FailsStartQuotingTheCodecAndLeavesNothingRunning) {
  ExternalCodec::Options options = Options(GetParam().flags);
  options.timeout = GetParam().timeout;
  auto codec = ExternalCodec::Start(options);
  ASSERT_FALSE(codec.ok());
  EXPECT_EQ(codec.status().code(), GetParam().code) << codec.status();
  EXPECT_THAT(codec.status().message(), HasSubstr(GetParam().says));
  EXPECT_THAT(codec.status().message(), HasSubstr(kTestCodec));
  const auto pids = Pids();
  ASSERT_THAT(pids, SizeIs(1));
  EXPECT_FALSE(Alive(pids[0]));
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, BadHelloTest,
    ::testing::Values(
        BadHello{"Refused", {"--refuse-hello"}, absl::StatusCode::kFailedPrecondition,
                 "refused the hello: hello refused by --refuse-hello"},
        BadHello{"WrongVersion", {"--hello-version", "2"}, absl::StatusCode::kFailedPrecondition,
                 "answered the hello with version 2; turncoat speaks version 1"},
        BadHello{"Garbage", {"--misbehave", "0:garbage"}, absl::StatusCode::kInternal,
                 "stdout began with \"Traceback (most recent call last): oops\\n\""},
        BadHello{"Exit", {"--misbehave", "0:exit"}, absl::StatusCode::kUnavailable,
                 "exited with code 3 while answering the hello; its stderr ends with: "
                 "\"test_codec: request 0: exit, as told\""},
        BadHello{"Silent", {"--misbehave", "0:hang"}, absl::StatusCode::kDeadlineExceeded,
                 "did not answer the hello within 700ms", absl::Milliseconds(700)}),
    [](const ::testing::TestParamInfo<BadHello>& info) { return info.param.name; });

// The complete example in docs/codec-protocol.md must work as printed.
TEST_F(ExternalCodecTest, TheDocumentedExampleCodecWorks) {
  const std::string doc = Slurp(std::string(TURNCOAT_SOURCE_DIR) + "/docs/codec-protocol.md");
  const size_t begin = doc.find("```python\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = doc.find("```\n", begin + 10);
  ASSERT_NE(end, std::string::npos);
  std::ofstream(Path("example_codec.py")) << doc.substr(begin + 10, end - begin - 10);

  ExternalCodec::Options options;
  options.argv = {kPython, Path("example_codec.py")};
  options.stderr_path = Path("stderr.log");
  auto codec = MustStart(options);
  ASSERT_NE(codec, nullptr);
  ExpectWorks(*codec, 12);
  const std::string block("\0\0\0\0\0\0\0\x05\0\x02\xab\xcd", 12);
  auto tree = codec->Decode("block", block);
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(*tree, nlohmann::ordered_json({{"height", 5}, {"payload", "q80="}}));
  auto bytes = codec->Encode("block", *tree);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, block);
  auto bad = codec->Decode("vote", "nonsense");
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status())) << bad.status();
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
