#include "harness/commands/validate_command.h"

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "model/exit_codes.h"

namespace turncoat {
namespace {

const std::string kData = TURNCOAT_TESTDATA_DIR;
const std::string kSource = TURNCOAT_SOURCE_DIR;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Validate(const std::vector<std::string>& files, const PlanCheck& check = nullptr) {
  std::ostringstream out, err;
  const int code = RunValidate(files, out, err, check);
  return {code, out.str(), err.str()};
}

TEST(ValidateCommandTest, ShippedPlanAndTargetAreValid) {
  const Outcome o = Validate({kSource + "/plans/smoke.yaml", kSource + "/targets/refbft.yaml"});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(o.out, "ok: " + kSource +
                       "/plans/smoke.yaml: plan smoke on target refbft: n = 4, f = 1, Byzantine "
                       "[], 0 phases, 20s\nok: " +
                       kSource + "/targets/refbft.yaml: target refbft, 1 proto file\n");
}

TEST(ValidateCommandTest, PlanWithFaultsIsValid) {
  const Outcome o = Validate({kData + "/good_plan.yaml"});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "ok: " + kData +
                       "/good_plan.yaml: plan good on target refbft: n = 4, f = 1, Byzantine [0], "
                       "2 phases, 30s\n");
}

struct BadFile {
  const char* file;
  const char* error;  // after "<testdata>/"
};

void PrintTo(const BadFile& b, std::ostream* os) { *os << b.file; }

class ValidateErrorTest : public testing::TestWithParam<BadFile> {};

TEST_P(ValidateErrorTest, ExitsTwoNamingFileLineAndColumn) {
  const Outcome o = Validate({kData + "/" + GetParam().file});
  EXPECT_EQ(o.code, kExitBadInput);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, kData + "/" + GetParam().error + "\n");
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, ValidateErrorTest,
    testing::Values(
        BadFile{"unknown_key.yaml",
                "unknown_key.yaml:3:1: unknown key 'replica'; expected one of: name, target, "
                "replicas, f, byzantine, beyond_fault_bound, seed, duration, workload, network, "
                "timeline, generate, expect, trace"},
        BadFile{"too_many_byzantine.yaml",
                "too_many_byzantine.yaml:4:12: byzantine: 2 Byzantine replicas exceed f = 1 for "
                "n = 4 (f = (n-1)/3); remove some, or set beyond_fault_bound: true to go beyond "
                "the bound on purpose"},
        BadFile{"phase_past_end.yaml",
                "phase_past_end.yaml:9:10: timeline[0].for: the phase ends at 25s, after the "
                "run's duration of 20s; expected at + for <= duration"},
        BadFile{"unknown_adversary.yaml",
                "unknown_adversary.yaml:8:35: timeline[0].adversary: unknown adversary 'gremlin'; "
                "known: crash, delay, equivocation, partition"},
        BadFile{"plan_with_bad_target.yaml",
                "bad_value_path.yaml:19:10: protocol.value: 'proposal.blok.values': "
                "refbft.Proposal has no field 'blok'; it has: height, view, block, justify"},
        BadFile{"bad_value_path.yaml",
                "bad_value_path.yaml:19:10: protocol.value: 'proposal.blok.values': "
                "refbft.Proposal has no field 'blok'; it has: height, view, block, justify"},
        BadFile{"bad_template.yaml",
                "bad_template.yaml:5:7: replica.command[1]: unknown variable {{lisen}}; known: "
                "build_dir, f, id, index, key, listen, listen_host, listen_port, n, number, peers, "
                "private_key, pubkey, pubkeys, public_key, target_dir, workdir"},
        BadFile{"not_yaml.yaml", "not_yaml.yaml:3:1: not valid YAML: end of map flow not found"},
        BadFile{"neither.yaml",
                "neither.yaml: neither a plan nor a target; a plan has a top-level 'target' key, "
                "a target a top-level 'replica' key"}),
    // Named for the file, so CTest lists "unknown_key" rather than the
    // parameter's bytes.
    [](const testing::TestParamInfo<BadFile>& info) {
      std::string name(info.param.file, std::strchr(info.param.file, '.'));
      std::replace_if(
          name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
          '_');
      return name;
    });

TEST(ValidateCommandTest, PlansGoThroughTheCheckAfterLoadingAndItsErrorIsBadInput) {
  std::vector<std::string> checked;
  const PlanCheck check = [&](Plan* plan, const TargetSpec& target) {
    checked.push_back(absl::StrCat(plan->name, " on ", target.name));
    return plan->timeline.size() > 1
               ? absl::InvalidArgumentError(absl::StrCat(plan->path, ":9: phase 1 rejected"))
               : absl::OkStatus();
  };
  const Outcome o = Validate({kSource + "/plans/smoke.yaml", kSource + "/targets/refbft.yaml",
                              kData + "/good_plan.yaml"},
                             check);
  EXPECT_EQ(o.code, kExitBadInput);
  EXPECT_EQ(checked, (std::vector<std::string>{"smoke on refbft", "good on refbft"}));
  EXPECT_EQ(o.err, kData + "/good_plan.yaml:9: phase 1 rejected\n");
  EXPECT_NE(o.out.find("ok: " + kSource + "/plans/smoke.yaml"), std::string::npos);
}

TEST(ValidateCommandTest, MissingFileIsBadInput) {
  const Outcome o = Validate({kData + "/missing.yaml"});
  EXPECT_EQ(o.code, kExitBadInput);
  EXPECT_EQ(o.err, "cannot read " + kData + "/missing.yaml: No such file or directory\n");
}

TEST(ValidateCommandTest, EveryFileIsCheckedEvenAfterAnError) {
  const Outcome o = Validate({kData + "/neither.yaml", kData + "/good_plan.yaml"});
  EXPECT_EQ(o.code, kExitBadInput);
  EXPECT_NE(o.out.find("ok: " + kData + "/good_plan.yaml"), std::string::npos);
}

TEST(ValidateCommandTest, NoFilesIsAUsageError) {
  const Outcome o = Validate({});
  EXPECT_EQ(o.code, kExitBadInput);
  EXPECT_EQ(o.err, "turncoat validate: no file given\nusage: turncoat validate FILE...\n");
}

// The binary itself: what a CI job sees.
int RunTurncoat(const std::string& args, std::string* output) {
  const std::string command = std::string(TURNCOAT_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output->append(buffer, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(TurncoatBinaryTest, ValidateExitCodes) {
  std::string output;
  EXPECT_EQ(RunTurncoat("validate " + kSource + "/plans/smoke.yaml", &output), 0) << output;
  output.clear();
  EXPECT_EQ(RunTurncoat("validate " + kData + "/unknown_key.yaml", &output), 2);
  const std::string where = kData + "/unknown_key.yaml:3:1: unknown key 'replica'";
  EXPECT_EQ(output.substr(0, where.size()), where);
  output.clear();
  EXPECT_EQ(RunTurncoat("frobnicate", &output), 2);
  const std::string unknown = "turncoat: unknown command 'frobnicate'";
  EXPECT_EQ(output.substr(0, unknown.size()), unknown);
  output.clear();
  EXPECT_EQ(RunTurncoat("--help", &output), 0);
}

// A delay within the plan's Δ is a slow network, not a fault; validate says
// so, since a reader of the plan would otherwise expect its nodes excused.
TEST(TurncoatBinaryTest, ValidateNotesADelayWithinDelta) {
  std::string output;
  const std::string plan = kSource + "/plans/nightly/slow-within-delta.yaml";
  EXPECT_EQ(RunTurncoat("validate " + plan, &output), 0) << output;
  EXPECT_NE(output.find(", 40s, delta 250ms\n  " + plan +
                        ":23: phase 0 (delay) makes no replica faulty: at most 250ms added "
                        "latency, within delta 250ms: slow, not faulty\n"),
            std::string::npos)
      << output;
}

// What only building the adversaries can tell: a strategy collusion does
// not know, found before anything runs, by validate and by run alike.
TEST(TurncoatBinaryTest, AdversaryParametersAreCheckedBeforeAnythingRuns) {
  const std::string dir = ::testing::TempDir() + "/phase_check";
  std::filesystem::create_directories(dir);
  const std::string plan = dir + "/bad_strategy.yaml";
  std::ofstream(plan) << "name: bad-strategy\ntarget: " << kSource
                      << "/targets/refbft.yaml\nreplicas: 4\nbyzantine: [3]\nseed: 1\n"
                         "duration: 10s\nworkload: { rate: 10/s }\ntimeline:\n"
                         "  - { at: 1s, for: 2s, adversary: delay, nodes: [0], "
                         "params: { by: 10ms } }\n"
                         "  - { at: 4s, for: 2s, adversary: collusion, nodes: [3], "
                         "params: { strategy: equivocation } }\n"
                         "expect: { safety: [agreement] }\n";
  const std::string expected =
      plan + ":10:78: timeline[1].params.strategy: 'equivocation' is not a value of strategy; "
             "expected one of equivocate, withhold, conflicting-proposal, random";
  std::string output;
  EXPECT_EQ(RunTurncoat("validate " + plan, &output), 2);
  EXPECT_EQ(output.substr(0, expected.size()), expected) << output;
  output.clear();
  const std::string run_dir = dir + "/run";
  EXPECT_EQ(RunTurncoat("run " + plan + " --out=" + run_dir, &output), 2);
  EXPECT_EQ(output.substr(0, expected.size()), expected) << output;
  EXPECT_FALSE(std::filesystem::exists(run_dir));
}

// Equivocation's `both`: replicas of the plan (the loader), and none the
// phase equivocates as (building the adversary), each error at its line.
TEST(TurncoatBinaryTest, EquivocationBothIsCheckedBeforeAnythingRuns) {
  const std::string dir = ::testing::TempDir() + "/phase_check";
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& both) {
    const std::string plan = dir + "/" + name + ".yaml";
    std::ofstream(plan) << "name: " << name << "\ntarget: " << kSource
                        << "/targets/refbft.yaml\nreplicas: 4\nbyzantine: [3]\nseed: 1\n"
                           "duration: 10s\nworkload: { rate: 10/s }\ntimeline:\n"
                           "  - { at: 1s, for: 2s, adversary: equivocation, nodes: [3], "
                           "params: { split: [[0], [1, 2]], both: "
                        << both << " } }\nexpect: { safety: [agreement] }\n";
    return plan;
  };
  std::string output;
  EXPECT_EQ(RunTurncoat("validate " + write("both-ok", "[2]"), &output), 0) << output;
  output.clear();
  const std::string outside = write("both-outside", "[1, 4]");
  EXPECT_EQ(RunTurncoat("validate " + outside, &output), 2);
  EXPECT_NE(output.find(outside + ":9:"), std::string::npos) << output;
  EXPECT_NE(output.find("expected an integer from 0 to 3; got '4'"), std::string::npos) << output;
  output.clear();
  const std::string own = write("both-own", "[3]");
  EXPECT_EQ(RunTurncoat("validate " + own, &output), 2);
  const std::string expected = own + ":9: phase 0 (equivocation): both: replica 3 is one of the "
                                     "phase's nodes [3], which send the versions; list in both "
                                     "only replicas that receive them, or take 3 out of nodes";
  EXPECT_EQ(output.substr(0, expected.size()), expected) << output;
}

// Every plan the project ships, against the real adversary registry: a
// renamed parameter or adversary must not leave a plan behind.
TEST(TurncoatBinaryTest, EveryShippedPlanValidates) {
  std::string files;
  int count = 0;
  for (const std::string& dir : {kSource + "/plans", kSource + "/plans/nightly"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".yaml") continue;
      files += " " + entry.path().string();
      ++count;
    }
  }
  EXPECT_GE(count, 15);
  std::string output;
  EXPECT_EQ(RunTurncoat("validate" + files, &output), 0) << output;
}

}  // namespace
}  // namespace turncoat
