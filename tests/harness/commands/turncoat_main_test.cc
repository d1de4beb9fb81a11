// The turncoat binary's own surface (harness/commands/turncoat_main.cc): --version,
// the usage it prints when given no command or an unknown one — once,
// with every command and exit code — and `help COMMAND`.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "model/exit_codes.h"
#include "tests/harness/run_fixture.h"

namespace turncoat {
namespace {

struct Ran {
  int code = -1;
  std::string out;
  std::string err;
};

Ran Turncoat(const std::vector<std::string>& args) {
  char tmpl[] = "/tmp/turncoat_main_test_XXXXXX";
  EXPECT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::vector<std::string> argv = {TURNCOAT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  SpawnOptions options;
  options.stdout_path = dir + "/stdout";
  options.stderr_path = dir + "/stderr";
  Ran ran;
  auto process = Subprocess::Spawn(argv, options);
  EXPECT_TRUE(process.ok()) << process.status();
  if (!process.ok()) return ran;
  auto exit = process->Wait(absl::Seconds(30));
  EXPECT_TRUE(exit.ok()) << exit.status();
  ran.code = exit.ok() ? exit->code : -1;
  ran.out = Slurp(dir + "/stdout");
  ran.err = Slurp(dir + "/stderr");
  std::filesystem::remove_all(dir);
  return ran;
}

size_t Count(const std::string& text, const std::string& word) {
  size_t n = 0;
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

TEST(TurncoatMainTest, VersionNamesTheProjectVersionAndTheCommitOfAGitCheckout) {
  const Ran ran = Turncoat({"--version"});
  EXPECT_EQ(ran.code, kExitOk);
  std::string commit;
  ASSERT_TRUE(RE2::FullMatch(ran.out, R"(turncoat \d+\.\d+\.\d+(?:\+([0-9a-f]{12}))?\n)", &commit))
      << ran.out;
  // This tree is built from a git checkout (its .git is a directory, or a
  // file in a worktree): the commit must be named.
  if (std::filesystem::exists(absl::StrCat(TURNCOAT_SOURCE_DIR, "/.git"))) {
    EXPECT_EQ(commit.size(), 12u) << ran.out;
  }
}

TEST(TurncoatMainTest, UsageIsPrintedOnceWithEveryExitCodeAndCommand) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{}, {"frobnicate"}}) {
    const Ran ran = Turncoat(args);
    EXPECT_EQ(ran.code, kExitBadInput);
    const std::string all = ran.out + ran.err;
    EXPECT_EQ(Count(all, "usage:"), 1u) << all;
    EXPECT_TRUE(absl::StrContains(all, "4 inconclusive")) << all;
    EXPECT_TRUE(absl::StrContains(all, "replay RUN_DIR [--times=K] [--out=DIR]")) << all;
    EXPECT_TRUE(absl::StrContains(all, "--direct-links")) << all;
  }
  const Ran help = Turncoat({"help"});
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_EQ(Count(help.out, "usage:"), 1u) << help.out;
}

TEST(TurncoatMainTest, HelpListsEveryCommandAndHelpCommandIsItsHelp) {
  const Ran help = Turncoat({"--help"});
  EXPECT_EQ(help.code, kExitOk);
  for (const char* command :
       {"run PLAN", "replay RUN_DIR", "shrink RUN_DIR", "validate FILE", "matrix PLAN_OR_DIR",
        "campaign PLAN_OR_DIR", "list [adversaries|"}) {
    EXPECT_TRUE(absl::StrContains(help.out, absl::StrCat("\n  ", command))) << help.out;
  }
  const Ran run_help = Turncoat({"run", "--help"});
  EXPECT_EQ(run_help.code, kExitOk);
  EXPECT_TRUE(absl::StrContains(run_help.out, "example:\n  turncoat run ")) << run_help.out;
  const Ran help_run = Turncoat({"help", "run"});
  EXPECT_EQ(help_run.code, kExitOk);
  EXPECT_EQ(help_run.out, run_help.out);
  const Ran help_nothing = Turncoat({"help", "frobnicate"});
  EXPECT_EQ(help_nothing.code, kExitBadInput);
  EXPECT_TRUE(absl::StartsWith(help_nothing.err, "turncoat: unknown command 'frobnicate'"))
      << help_nothing.err;
}

TEST(TurncoatMainTest, AnUnknownOptionExitsTwoNamingItWithTheCommandsUsage) {
  const Ran ran = Turncoat({"run", "plans/smoke.yaml", "--outt", "runs/x"});
  EXPECT_EQ(ran.code, kExitBadInput);
  EXPECT_TRUE(absl::StartsWith(ran.err,
                               "turncoat run: unknown option '--outt'\nusage: turncoat run "))
      << ran.err;
}

}  // namespace
}  // namespace turncoat
