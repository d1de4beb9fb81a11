// `turncoat list` (harness/commands/list_command.h) against the real registries
// this binary links and the plans and targets the project ships.
#include "harness/commands/list_command.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "checkers/checker.h"
#include "gtest/gtest.h"
#include "model/adversary_registry.h"
#include "model/exit_codes.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

const std::string kSource = TURNCOAT_SOURCE_DIR;

struct Listed {
  int code;
  std::string out;
  std::string err;
};

Listed List(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunList(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(ListCommandTest, AdversariesEachWithEveryParameterKindAndWhetherRequired) {
  const Listed l = List({"adversaries"});
  ASSERT_EQ(l.code, kExitOk) << l.err;
  const std::vector<std::string> names = AdversaryRegistry::Global().Names();
  ASSERT_GE(names.size(), 10u);
  for (const std::string& name : names) {
    const AdversaryInfo* info = AdversaryRegistry::Global().Find(name);
    const std::string line = absl::StrCat("\n  ", name, ": ", info->summary);
    ASSERT_TRUE(absl::StrContains("\n" + l.out, line)) << name << "\n" << l.out;
    // Its parameters follow its line, in declaration order.
    size_t at = ("\n" + l.out).find(line);
    for (const ParamSpec& p : info->params) {
      const std::string param =
          absl::StrCat("\n    ", p.name, " (", ParamKindName(p.kind),
                       p.required ? "; required)" : ")", p.help.empty() ? "" : ": ", p.help);
      const size_t found = ("\n" + l.out).find(param, at);
      EXPECT_NE(found, std::string::npos) << name << "." << p.name << "\n" << l.out;
      at = found;
    }
  }
  // The delay adversary's `by` is required: the listing says so.
  EXPECT_TRUE(absl::StrContains(l.out, "    by (a duration such as 200ms; required)")) << l.out;
}

TEST(ListCommandTest, CheckersOfBothKinds) {
  const Listed l = List({"checkers"});
  ASSERT_EQ(l.code, kExitOk) << l.err;
  for (InvariantKind kind : {InvariantKind::kSafety, InvariantKind::kLiveness}) {
    for (const std::string& name : CheckerRegistry::Global().Names(kind)) {
      EXPECT_TRUE(absl::StrContains(
          l.out, absl::StrCat("  ", name,
                              kind == InvariantKind::kSafety ? " (safety): " : " (liveness): ")))
          << name << "\n" << l.out;
    }
  }
  EXPECT_TRUE(absl::StrContains(l.out, "  agreement (safety): ")) << l.out;
}

TEST(ListCommandTest, GeneratorsWithTheirParameters) {
  const Listed l = List({"generators"});
  ASSERT_EQ(l.code, kExitOk) << l.err;
  for (const std::string& name : GeneratorRegistry::Global().Names()) {
    EXPECT_TRUE(absl::StrContains(l.out, absl::StrCat("  ", name, ": "))) << name;
  }
}

TEST(ListCommandTest, PlansAndTargetsUnderDirWithTheFirstSentenceOfTheirComment) {
  const Listed plans = List({"plans", "--dir", kSource});
  ASSERT_EQ(plans.code, kExitOk) << plans.err;
  EXPECT_TRUE(absl::StrContains(
      plans.out, absl::StrCat("  ", kSource,
                              "/plans/smoke.yaml: The smallest useful run: refbft with four honest "
                              "replicas, steady load, no faults.\n")))
      << plans.out;
  // Plans in subdirectories too.
  EXPECT_TRUE(absl::StrContains(plans.out, kSource + "/plans/nightly/leader-crash.yaml: "))
      << plans.out;
  const Listed targets = List({"targets", "--dir=" + kSource});
  ASSERT_EQ(targets.code, kExitOk) << targets.err;
  EXPECT_TRUE(absl::StrContains(
      targets.out,
      absl::StrCat("  ", kSource,
                   "/targets/refbft.yaml: refbft: turncoat's reference BFT replica "
                   "(targets/refbft/).\n")))
      << targets.out;
}

TEST(ListCommandTest, WithoutASectionEverySectionUnderItsHeadingInOrder) {
  const Listed l = List({"--dir", kSource});
  ASSERT_EQ(l.code, kExitOk) << l.err;
  size_t at = 0;
  for (const char* heading :
       {"adversaries:\n", "checkers:\n", "generators:\n", "plans:\n", "targets:\n"}) {
    const size_t found = l.out.find(heading, at);
    ASSERT_NE(found, std::string::npos) << heading << l.out;
    at = found;
  }
}

TEST(ListCommandTest, AnUnknownSectionOrAMissingDirIsBadInput) {
  const Listed section = List({"adversary"});
  EXPECT_EQ(section.code, kExitBadInput);
  EXPECT_TRUE(absl::StartsWith(section.err, "turncoat list: unknown section 'adversary'; one of "))
      << section.err;
  const Listed dir = List({"plans", "--dir", "/nonexistent-turncoat"});
  EXPECT_EQ(dir.code, kExitBadInput);
  EXPECT_TRUE(absl::StartsWith(dir.err, "turncoat list: --dir: /nonexistent-turncoat is not a "))
      << dir.err;
}

}  // namespace
}  // namespace turncoat
