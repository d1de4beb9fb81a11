// Every command's command line (harness/commands/command_line.h and each
// *_command.h's Parse*Args): both flag forms, repeated options, values
// that start with "--", bad input and --help. In process: nothing runs.
#include "harness/commands/command_line.h"

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/commands/campaign_command.h"
#include "harness/commands/list_command.h"
#include "harness/commands/matrix_command.h"
#include "harness/commands/replay_command.h"
#include "harness/commands/run_command.h"
#include "harness/commands/shrink_command.h"
#include "harness/commands/validate_command.h"
#include "model/exit_codes.h"

namespace turncoat {
namespace {

using Args = std::vector<std::string>;

struct Parsed {
  std::optional<int> exit;
  std::string out;
  std::string err;
};

template <typename T, typename Parse>
Parsed ParseWith(Parse parse, const Args& args, T* parsed) {
  std::ostringstream out, err;
  Parsed p;
  p.exit = parse(args, parsed, out, err);
  p.out = out.str();
  p.err = err.str();
  return p;
}

TEST(RunArgsTest, BothFlagFormsGiveTheSameOptions) {
  for (const Args& args : {Args{"p.yaml", "--seed", "7", "--out", "runs/x", "--trace", "3",
                                "--direct-links"},
                           Args{"--seed=7", "--out=runs/x", "p.yaml", "--trace=3",
                                "--direct-links"}}) {
    RunArgs a;
    const Parsed p = ParseWith(ParseRunArgs, args, &a);
    ASSERT_EQ(p.exit, std::nullopt) << p.err;
    EXPECT_EQ(a.plan, "p.yaml");
    EXPECT_EQ(a.seed, 7u);
    EXPECT_EQ(a.out, "runs/x");
    EXPECT_EQ(a.trace, 3u);
    EXPECT_TRUE(a.direct_links);
  }
}

TEST(RunArgsTest, LinksOverrideTheTargetsAndOnlyWithAKnownKindAndProxiedLinks) {
  RunArgs a;
  Parsed p = ParseWith(ParseRunArgs, {"p.yaml", "--links=netns"}, &a);
  ASSERT_EQ(p.exit, std::nullopt) << p.err;
  EXPECT_EQ(a.links, LinkMode::kNetns);
  RunArgs b;
  p = ParseWith(ParseRunArgs, {"p.yaml", "--links", "ports"}, &b);
  ASSERT_EQ(p.exit, std::nullopt) << p.err;
  EXPECT_EQ(b.links, LinkMode::kPorts);
  RunArgs unset;
  p = ParseWith(ParseRunArgs, {"p.yaml"}, &unset);
  EXPECT_FALSE(unset.links.has_value());

  RunArgs bad;
  p = ParseWith(ParseRunArgs, {"p.yaml", "--links=namespaces"}, &bad);
  EXPECT_EQ(p.exit, 2);
  EXPECT_TRUE(absl::StrContains(p.err, "--links: 'namespaces' is not a kind of links; expected "
                                       "ports or netns"))
      << p.err;
  RunArgs both;
  p = ParseWith(ParseRunArgs, {"p.yaml", "--links=netns", "--direct-links"}, &both);
  EXPECT_EQ(p.exit, 2);
  EXPECT_TRUE(absl::StrContains(p.err, "give one of the two")) << p.err;
}

TEST(RunArgsTest, ReplicaArgsRepeatAndMayStartWithDashes) {
  RunArgs a;
  const Parsed p = ParseWith(
      ParseRunArgs, {"--replica-arg=--bug=small-quorum", "--replica-arg", "--bug=x", "p.yaml"}, &a);
  ASSERT_EQ(p.exit, std::nullopt) << p.err;
  EXPECT_EQ(a.replica_args, (Args{"--bug=small-quorum", "--bug=x"}));
  // A repeatable option takes one value per use: the plan is not swallowed.
  EXPECT_EQ(a.plan, "p.yaml");
}

TEST(RunArgsTest, AnUnknownOptionIsBadInputNamingItThenTheUsage) {
  for (const char* bad : {"--bogus", "--bogus=1", "-z"}) {
    RunArgs a;
    const Parsed p = ParseWith(ParseRunArgs, {"p.yaml", bad}, &a);
    EXPECT_EQ(p.exit, kExitBadInput);
    EXPECT_EQ(p.err, absl::StrCat("turncoat run: unknown option '", bad, "'\n", kRunCommand.usage));
  }
}

TEST(RunArgsTest, BadValuesAndMissingOnesAreBadInputNamingTheOption) {
  const std::vector<std::pair<Args, std::string>> cases = {
      {{"p.yaml", "--seed", "x"}, "turncoat run: --seed: 'x' is not a non-negative integer\n"},
      {{"p.yaml", "--trace=-1"}, "turncoat run: --trace: '-1' is not a non-negative integer"},
      {{"p.yaml", "--out"}, "turncoat run: --out"},
      {{}, "turncoat run: no plan given\n"},
      {{"a.yaml", "b.yaml"}, "turncoat run: unexpected argument 'b.yaml'\n"},
  };
  for (const auto& [args, message] : cases) {
    RunArgs a;
    const Parsed p = ParseWith(ParseRunArgs, args, &a);
    EXPECT_EQ(p.exit, kExitBadInput) << message;
    EXPECT_TRUE(absl::StartsWith(p.err, message)) << p.err;
    EXPECT_TRUE(absl::EndsWith(p.err, kRunCommand.usage)) << p.err;
  }
}

TEST(ReplayArgsTest, BothFlagForms) {
  for (const Args& args : {Args{"runs/a", "--times", "3", "--out", "o"},
                           Args{"--times=3", "--out=o", "runs/a"}}) {
    ReplayArgs a;
    const Parsed p = ParseWith(ParseReplayArgs, args, &a);
    ASSERT_EQ(p.exit, std::nullopt) << p.err;
    EXPECT_EQ(a.run_dir, "runs/a");
    EXPECT_EQ(a.times, 3);
    EXPECT_EQ(a.out, "o");
  }
}

TEST(ShrinkArgsTest, BothFlagFormsAndTheDefaultOutDir) {
  for (const Args& args : {Args{"runs/a", "--times", "5", "--budget", "30m"},
                           Args{"--times=5", "--budget=30m", "runs/a"}}) {
    ShrinkArgs a;
    const Parsed p = ParseWith(ParseShrinkArgs, args, &a);
    ASSERT_EQ(p.exit, std::nullopt) << p.err;
    EXPECT_EQ(a.times, 5);
    EXPECT_EQ(a.budget, absl::Minutes(30));
    EXPECT_EQ(a.out_dir, "runs/a/shrink");
  }
  ShrinkArgs a;
  EXPECT_EQ(ParseWith(ParseShrinkArgs, {"runs/a", "--budget", "soon"}, &a).exit, kExitBadInput);
}

TEST(CampaignArgsTest, BothFlagFormsRepeatedReplicaArgsAndPlansAnywhere) {
  for (const Args& args :
       {Args{"a.yaml", "--budget", "30m", "--jobs", "2", "--seeds", "1..9", "--replica-arg=--bug=x",
             "--replica-arg=--bug=y", "dir", "--shrink", "0", "--corpus", "c", "--out", "o"},
        Args{"--budget=30m", "a.yaml", "--jobs=2", "--seeds=1..9", "--replica-arg=--bug=x", "dir",
             "--replica-arg=--bug=y", "--shrink=0", "--corpus=c", "--out=o"}}) {
    CampaignArgs a;
    const Parsed p = ParseWith(ParseCampaignArgs, args, &a);
    ASSERT_EQ(p.exit, std::nullopt) << p.err;
    EXPECT_EQ(a.paths, (Args{"a.yaml", "dir"}));
    EXPECT_EQ(a.budget, absl::Minutes(30));
    EXPECT_EQ(a.jobs, 2);
    ASSERT_TRUE(a.seeds.has_value());
    EXPECT_EQ(a.seeds->from, 1u);
    EXPECT_EQ(a.seeds->to, 9u);
    EXPECT_EQ(a.replica_args, (Args{"--bug=x", "--bug=y"}));
    EXPECT_EQ(a.shrink_share, 0);
    EXPECT_EQ(a.corpus_dir, "c");
    EXPECT_EQ(a.out_dir, "o");
  }
  CampaignArgs a;
  const Parsed never = ParseWith(ParseCampaignArgs, {"a.yaml"}, &a);
  EXPECT_EQ(never.exit, kExitBadInput);
  EXPECT_TRUE(absl::StrContains(never.err, "the campaign would never end")) << never.err;
}

TEST(MatrixArgsTest, VariantsRepeatInBothFormsWithTheirReplicaArgs) {
  MatrixArgs a;
  const Parsed p = ParseWith(ParseMatrixArgs,
                             {"plans/nightly", "--variant", "correct",
                              "--variant=small-quorum=--bug=small-quorum --flag", "--seed", "4",
                              "--first-finding", "--out", "m"},
                             &a);
  ASSERT_EQ(p.exit, std::nullopt) << p.err;
  EXPECT_EQ(a.paths, (Args{"plans/nightly"}));
  ASSERT_EQ(a.variants.size(), 2u);
  EXPECT_EQ(a.variants[0].name, "correct");
  EXPECT_TRUE(a.variants[0].replica_args.empty());
  EXPECT_EQ(a.variants[1].name, "small-quorum");
  EXPECT_EQ(a.variants[1].replica_args, (Args{"--bug=small-quorum", "--flag"}));
  EXPECT_EQ(a.seed, 4u);
  EXPECT_TRUE(a.first_finding);
  EXPECT_EQ(a.out_dir, "m");
}

// Each command as main calls it, with the words after its name.
struct CommandCase {
  const CommandDoc* doc;
  std::function<int(const Args&, std::ostream&, std::ostream&)> run;
};

std::vector<CommandCase> EveryCommand() {
  return {
      {&kRunCommand, [](const Args& a, std::ostream& o,
                        std::ostream& e) { return RunRun(a, nullptr, o, e); }},
      {&kReplayCommand, [](const Args& a, std::ostream& o,
                           std::ostream& e) { return RunReplay(a, nullptr, o, e); }},
      {&kShrinkCommand, [](const Args& a, std::ostream& o,
                           std::ostream& e) { return RunShrink(a, nullptr, o, e); }},
      {&kMatrixCommand, [](const Args& a, std::ostream& o,
                           std::ostream& e) { return RunMatrix(a, nullptr, o, e); }},
      {&kCampaignCommand, [](const Args& a, std::ostream& o,
                             std::ostream& e) { return RunCampaign(a, nullptr, o, e); }},
      {&kValidateCommand,
       [](const Args& a, std::ostream& o, std::ostream& e) { return RunValidate(a, o, e); }},
      {&kListCommand,
       [](const Args& a, std::ostream& o, std::ostream& e) { return RunList(a, o, e); }},
  };
}

TEST(EveryCommandTest, HelpShowsTheUsageTheOptionsAndAnExample) {
  for (const CommandCase& c : EveryCommand()) {
    for (const char* help : {"--help", "-h"}) {
      std::ostringstream out, err;
      EXPECT_EQ(c.run({help}, out, err), kExitOk) << c.doc->name;
      EXPECT_EQ(err.str(), "") << c.doc->name;
      EXPECT_TRUE(absl::StartsWith(out.str(), c.doc->usage)) << out.str();
      EXPECT_TRUE(absl::StrContains(out.str(), c.doc->summary)) << out.str();
      EXPECT_TRUE(absl::StrContains(out.str(), absl::StrCat("example:\n  ", c.doc->example, "\n")))
          << out.str();
      EXPECT_TRUE(absl::StartsWith(c.doc->example, absl::StrCat("turncoat ", c.doc->name, " ")))
          << c.doc->example;
    }
  }
}

TEST(EveryCommandTest, AnUnknownOptionIsExitTwoNamingIt) {
  for (const CommandCase& c : EveryCommand()) {
    std::ostringstream out, err;
    EXPECT_EQ(c.run({"x", "--no-such-option"}, out, err), kExitBadInput) << c.doc->name;
    EXPECT_EQ(err.str(), absl::StrCat("turncoat ", c.doc->name,
                                      ": unknown option '--no-such-option'\n", c.doc->usage));
    EXPECT_EQ(out.str(), "") << c.doc->name;
  }
}

}  // namespace
}  // namespace turncoat
