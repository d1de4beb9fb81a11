#include "loaders/plan_loader.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "tests/param_name.h"

namespace turncoat {
namespace {

// A valid plan, virtually in plans/, so that its target resolves to the
// reference target.
constexpr char kPlan[] = R"(name: p
target: ../targets/refbft.yaml
replicas: 4
byzantine: [0]
seed: 7
duration: 40s
workload: { rate: 50/s, clients: 4, value_bytes: 32 }
timeline:
  - { at: 5s, for: 20s, adversary: equivocation, nodes: [0], params: { split: [[1], [2, 3]] } }
  - { at: 30s, for: 5s, adversary: partition, params: { groups: [[0, 1], [2, 3]] } }
  - { at: 1s, for: 500ms, adversary: delay, nodes: [1, 2], params: { by: 200ms, to: [3] } }
expect:
  safety: [agreement, prefix, validity, integrity, no-honest-crash]
  liveness: { commit_within: 10s }
)";

const std::string kPath = std::string(TURNCOAT_SOURCE_DIR) + "/plans/p.yaml";

TEST(PlanLoaderTest, SmokePlanLoads) {
  absl::StatusOr<Plan> plan = LoadPlanFile(std::string(TURNCOAT_SOURCE_DIR) + "/plans/smoke.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->name, "smoke");
  EXPECT_EQ(plan->target, std::string(TURNCOAT_SOURCE_DIR) + "/targets/refbft.yaml");
  EXPECT_EQ(plan->n, 4);
  EXPECT_EQ(plan->f, 1);
  EXPECT_TRUE(plan->byzantine.empty());
  EXPECT_TRUE(plan->timeline.empty());
  EXPECT_EQ(plan->expect.safety.size(), 5u);
  EXPECT_EQ(plan->expect.commit_within, absl::Seconds(5));
}

TEST(PlanLoaderTest, EveryFieldIsConverted) {
  absl::StatusOr<Plan> plan = ParsePlan(kPlan, kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->seed, 7u);
  EXPECT_EQ(plan->duration, absl::Seconds(40));
  EXPECT_DOUBLE_EQ(plan->workload.rate, 50);
  EXPECT_EQ(plan->workload.clients, 4);
  EXPECT_EQ(plan->workload.value_bytes, 32);
  EXPECT_EQ(plan->byzantine, std::vector<int>{0});
  EXPECT_TRUE(plan->IsByzantine(0));
  EXPECT_FALSE(plan->IsByzantine(1));
  ASSERT_EQ(plan->timeline.size(), 3u);
  const Phase& eq = plan->timeline[0];
  EXPECT_EQ(eq.adversary, "equivocation");
  EXPECT_EQ(eq.end(), absl::Seconds(25));
  EXPECT_EQ(std::get<std::vector<std::vector<int>>>(eq.params.at("split")),
            (std::vector<std::vector<int>>{{1}, {2, 3}}));
  EXPECT_TRUE(plan->timeline[1].nodes.empty());
  const Phase& delay = plan->timeline[2];
  EXPECT_EQ(std::get<absl::Duration>(delay.params.at("by")), absl::Milliseconds(200));
  EXPECT_EQ(std::get<std::vector<int>>(delay.params.at("to")), std::vector<int>{3});
  EXPECT_EQ(plan->source_text, kPlan);
}

TEST(PlanLoaderTest, ByteRatesAreBytesPerSecond) {
  for (const auto& [written, bytes] :
       std::vector<std::pair<std::string, double>>{{"16KiB", 16384}, {"2048", 2048}, {"1MB/s", 1e6}}) {
    absl::StatusOr<Plan> plan = ParsePlan(
        absl::StrReplaceAll(kPlan, {{"by: 200ms", absl::StrCat("by: 200ms, rate: ", written)}}),
        kPath);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_DOUBLE_EQ(std::get<double>(plan->timeline[2].params.at("rate")), bytes) << written;
  }
}

TEST(PlanLoaderTest, DefaultsApply) {
  absl::StatusOr<Plan> plan =
      ParsePlan(absl::StrReplaceAll(
                    kPlan, {{"{ rate: 50/s, clients: 4, value_bytes: 32 }", "{ rate: 10/s }"}}),
                kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->workload.clients, 1);
  EXPECT_EQ(plan->workload.value_bytes, 32);
}

TEST(PlanLoaderTest, TraceIsOffUnlessAsked) {
  absl::StatusOr<Plan> plan = ParsePlan(kPlan, kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->trace_sample_every, 0u);
  absl::StatusOr<Plan> traced =
      ParsePlan(absl::StrCat(kPlan, "trace: { sample_every: 10 }\n"), kPath);
  ASSERT_TRUE(traced.ok()) << traced.status();
  EXPECT_EQ(traced->trace_sample_every, 10u);
}

TEST(PlanLoaderTest, DeltaIsUnsetUnlessTheNetworkDeclaresIt) {
  absl::StatusOr<Plan> plan = ParsePlan(kPlan, kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->delta.has_value());
  absl::StatusOr<Plan> bounded = ParsePlan(
      absl::StrReplaceAll(kPlan, {{"value_bytes: 32 }\n",
                                   "value_bytes: 32 }\nnetwork: { delta: 1.5s }\n"}}),
      kPath);
  ASSERT_TRUE(bounded.ok()) << bounded.status();
  EXPECT_EQ(bounded->delta, absl::Milliseconds(1500));
}

TEST(PlanLoaderTest, MinCommitsDefaultsToTenAndCanBeSet) {
  absl::StatusOr<Plan> plan = ParsePlan(kPlan, kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->expect.min_commits, 10);
  for (const auto& [text, value] : {std::pair{"min_commits: 0", 0}, {"min_commits: 250", 250}}) {
    absl::StatusOr<Plan> set = ParsePlan(
        absl::StrReplaceAll(kPlan, {{"commit_within: 10s }\n",
                                     absl::StrCat("commit_within: 10s }\n  ", text, "\n")}}),
        kPath);
    ASSERT_TRUE(set.ok()) << set.status();
    EXPECT_EQ(set->expect.min_commits, value) << text;
  }
}

TEST(PlanLoaderTest, AutoRateAndARelativeBoundLoad) {
  absl::StatusOr<Plan> plan = ParsePlan(
      absl::StrReplaceAll(kPlan, {{"{ rate: 50/s, clients: 4, value_bytes: 32 }",
                                   "{ rate: auto, clients: 4, share: 0.3, warmup: 8s }"},
                                  {"commit_within: 10s", "commit_within: 12x"}}),
      kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->workload.rate_auto);
  EXPECT_DOUBLE_EQ(plan->workload.rate, 0);  // measured when the run warms up
  EXPECT_DOUBLE_EQ(plan->workload.share, 0.3);
  EXPECT_EQ(plan->workload.warmup, absl::Seconds(8));
  EXPECT_FALSE(plan->expect.commit_within.has_value());
  EXPECT_EQ(plan->expect.commit_within_factor, 12.0);

  absl::StatusOr<Plan> defaults = ParsePlan(
      absl::StrReplaceAll(kPlan, {{"rate: 50/s, ", "rate: auto, "}}), kPath);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_DOUBLE_EQ(defaults->workload.share, 0.5);
  EXPECT_EQ(defaults->workload.warmup, absl::Seconds(5));
  EXPECT_EQ(defaults->expect.commit_within, absl::Seconds(10));  // a duration stays one

  absl::StatusOr<Plan> tiny = ParsePlan(
      absl::StrReplaceAll(kPlan, {{"rate: 50/s, ", "rate: auto, "},
                                  {"commit_within: 10s", "commit_within: 0.5x"}}),
      kPath);
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(std::string(tiny.status().message()),
            kPath + ":14:30: expect.liveness.commit_within: expected a factor such as 10x (1x to "
                    "1000x) or a duration");
}

TEST(PlanLoaderTest, BeyondTheBoundOnPurposeIsAllowed) {
  absl::StatusOr<Plan> plan =
      ParsePlan(absl::StrReplaceAll(
                    kPlan, {{"byzantine: [0]", "byzantine: [0, 1]\nbeyond_fault_bound: true"}}),
                kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->beyond_fault_bound);
}

TEST(PlanLoaderTest, FaultBoundDefaultsToAThirdOfTheReplicas) {
  absl::StatusOr<Plan> plan =
      ParsePlan(absl::StrReplaceAll(kPlan, {{"replicas: 4", "replicas: 7"}}), kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->f, 2);
  EXPECT_EQ(FaultBoundBreach(*plan), "");
}

// Configuring fewer faults than n could tolerate keeps n >= 3f+1: no flag.
TEST(PlanLoaderTest, ExplicitFaultBoundWithinTheThirdNeedsNoFlag) {
  absl::StatusOr<Plan> plan =
      ParsePlan(absl::StrReplaceAll(kPlan, {{"replicas: 4", "replicas: 7\nf: 1"}}), kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->f, 1);
  EXPECT_FALSE(plan->beyond_fault_bound);
}

TEST(PlanLoaderTest, FaultBoundBeyondTheThirdOnPurposeIsAllowed) {
  absl::StatusOr<Plan> plan = ParsePlan(
      absl::StrReplaceAll(kPlan, {{"replicas: 4", "replicas: 4\nf: 2\nbeyond_fault_bound: true"}}),
      kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->f, 2);
  EXPECT_TRUE(plan->beyond_fault_bound);
  EXPECT_EQ(FaultBoundBreach(*plan), "n = 4 < 3f+1 = 7");
}

TEST(PlanLoaderTest, TooManyTraitorsOnPurposeSayWhy) {
  absl::StatusOr<Plan> plan =
      ParsePlan(absl::StrReplaceAll(
                    kPlan, {{"byzantine: [0]", "byzantine: [0, 1]\nbeyond_fault_bound: true"}}),
                kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(FaultBoundBreach(*plan), "2 Byzantine replicas > f = 1");
}

// The cluster of plans/three-generals.yaml: one traitor, one fault
// configured, one replica short of 3f+1.
TEST(PlanLoaderTest, ThreeGeneralsWithOneTraitorAreBeyondTheBound) {
  constexpr char kThree[] = R"(name: three
target: ../targets/refbft.yaml
replicas: 3
f: 1
beyond_fault_bound: true
byzantine: [2]
seed: 1
duration: 20s
workload: { rate: 150/s, clients: 8 }
expect: { safety: [agreement] }
)";
  absl::StatusOr<Plan> plan = ParsePlan(kThree, kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->n, 3);
  EXPECT_EQ(plan->f, 1);
  EXPECT_EQ(FaultBoundBreach(*plan), "n = 3 < 3f+1 = 4");
  // Without the declaration the same cluster is refused, naming the fix.
  absl::StatusOr<Plan> undeclared =
      ParsePlan(absl::StrReplaceAll(kThree, {{"beyond_fault_bound: true\n", ""}}), kPath);
  ASSERT_FALSE(undeclared.ok());
  EXPECT_EQ(std::string(undeclared.status().message()),
            kPath +
                ":4:4: f: f = 1 needs n >= 3f+1 = 4 replicas, but replicas is 3; lower f to 0, "
                "or set beyond_fault_bound: true to go beyond the bound on purpose");
}

TEST(PlanLoaderTest, PhasesMayBeKeyedToRounds) {
  const std::string partition = "at: 30s, for: 5s, adversary: partition";
  absl::StatusOr<Plan> plan = ParsePlan(
      absl::StrReplaceAll(kPlan, {{partition, "rounds: 3..4, for: 5s, adversary: partition"}}),
      kPath);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const Phase& keyed = plan->timeline[1];
  ASSERT_TRUE(keyed.rounds.has_value());
  EXPECT_EQ(keyed.rounds->first, 3);
  EXPECT_EQ(keyed.rounds->last, 4);
  // Without `at` the phase waits for its rounds from the timeline's start.
  EXPECT_EQ(keyed.at, absl::ZeroDuration());
  EXPECT_FALSE(plan->timeline[0].rounds.has_value());

  absl::StatusOr<Plan> one = ParsePlan(
      absl::StrReplaceAll(kPlan, {{partition, "at: 2s, rounds: 7, for: 5s, adversary: partition"}}),
      kPath);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->timeline[1].at, absl::Seconds(2));
  EXPECT_EQ(one->timeline[1].rounds->first, 7);
  EXPECT_EQ(one->timeline[1].rounds->last, 7);
  EXPECT_FALSE(one->timeline[1].leader.has_value());
}

TEST(PlanLoaderTest, RoundKeyedPhasesMayActOnlyWhenTheSenderLeadsOrNot) {
  const std::string partition = "at: 30s, for: 5s, adversary: partition";
  for (const auto& [text, want] : {std::pair{"self", LeaderChoice::kSelf},
                                   std::pair{"other", LeaderChoice::kOther}}) {
    absl::StatusOr<Plan> plan = ParsePlan(
        absl::StrReplaceAll(kPlan, {{partition, absl::StrCat("rounds: 3, leader: ", text,
                                                             ", for: 5s, adversary: partition")}}),
        kPath);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_TRUE(plan->timeline[1].leader.has_value());
    EXPECT_EQ(*plan->timeline[1].leader, want);
  }
}

struct BadPlan {
  const char* from;
  const char* to;
  const char* message;
};

void PrintTo(const BadPlan& b, std::ostream* os) { *os << testing::PrintToString(b.message); }

class PlanErrorTest : public testing::TestWithParam<BadPlan> {};

TEST_P(PlanErrorTest, SaysWhereAndWhat) {
  const std::string text = absl::StrReplaceAll(kPlan, {{GetParam().from, GetParam().to}});
  ASSERT_NE(text, kPlan) << "replacement did not apply: " << GetParam().from;
  absl::StatusOr<Plan> plan = ParsePlan(text, kPath);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(std::string(plan.status().message()), kPath + ":" + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    All, PlanErrorTest,
    testing::Values(
        BadPlan{"seed: 7", "sede: 7",
                "5:1: unknown key 'sede'; expected one of: name, target, replicas, f, byzantine, "
                "beyond_fault_bound, seed, duration, workload, network, timeline, generate, expect, "
                "trace"},
        BadPlan{"seed: 7\n", "", "1:1: missing required key 'seed'"},
        BadPlan{"at: 30s, for: 5s, adversary: partition", "rounds: 4..3, for: 5s, adversary: partition",
                "10:15: timeline[1].rounds: round range 4..3 is empty; write the earlier round "
                "first, e.g. 3..4"},
        BadPlan{"at: 30s, for: 5s, adversary: partition", "rounds: 0..2, for: 5s, adversary: partition",
                "10:15: timeline[1].rounds: expected a range of protocol rounds such as 3..4 (the "
                "3rd and 4th rounds after the timeline starts), or one round such as 3, from 1 to "
                "1000000; got '0..2'"},
        BadPlan{"at: 30s, for: 5s, adversary: partition", "rounds: [3, 4], for: 5s, adversary: partition",
                "10:15: timeline[1].rounds: expected a range of protocol rounds such as 3..4 (the "
                "3rd and 4th rounds after the timeline starts), or one round such as 3, from 1 to "
                "1000000; got a list"},
        BadPlan{"at: 30s, for: 5s, adversary: partition",
                "at: 30s, leader: self, for: 5s, adversary: partition",
                "10:24: timeline[1].leader: `leader` says who leads the rounds the phase is keyed "
                "to, and this phase has no `rounds`; add `rounds: K` (or K..L), or remove `leader`"},
        BadPlan{"at: 30s, for: 5s, adversary: partition",
                "rounds: 3, leader: me, for: 5s, adversary: partition",
                "10:26: timeline[1].leader: expected self (act on a message of round k only when "
                "its sender leads round k) or other (only when it does not); got 'me'"},
        BadPlan{"at: 30s, for: 5s, adversary: partition", "rounds: 3..4, adversary: partition",
                "10:5: timeline[1]: missing required key 'for'"},
        BadPlan{"at: 1s, for: 500ms, adversary: delay", "rounds: 2, for: 500ms, adversary: delay",
                "11:15: timeline[2].rounds: adversary 'delay' cannot be keyed to rounds (its faults "
                "are not link rules alone); remove `rounds` and time it with at/for, or use one of: "
                "partition"},
        BadPlan{"at: 30s, for: 5s, adversary: partition", "for: 5s, adversary: partition",
                "10:5: timeline[1]: missing required key 'at'"},
        BadPlan{"value_bytes: 32 }", "value_bytes: 32, share: 0.5 }",
                "7:61: workload.share: share goes with rate: auto; remove it"},
        BadPlan{"rate: 50/s, clients: 4, value_bytes: 32 }", "rate: auto, warmup: 500ms }",
                "7:33: workload.warmup: expected at least 1s: a shorter warm-up measures nothing"},
        BadPlan{"commit_within: 10s", "commit_within: 10x",
                "14:30: expect.liveness.commit_within: a bound relative to the measured commit "
                "latency needs workload.rate: auto, which measures it; give a duration"},
        BadPlan{"target: ../targets/refbft.yaml", "target: ../targets/nope.yaml",
                "2:9: target: no target file at " TURNCOAT_SOURCE_DIR
                "/targets/nope.yaml; a relative path is relative to the plan's directory"},
        BadPlan{"replicas: 4", "replicas: 0",
                "3:11: replicas: expected an integer from 1 to 64; got '0'"},
        BadPlan{"byzantine: [0]", "byzantine: [0, 4]",
                "4:16: byzantine[1]: expected an integer from 0 to 3; got '4'"},
        BadPlan{"byzantine: [0]", "byzantine: [0, 1]",
                "4:12: byzantine: 2 Byzantine replicas exceed f = 1 for n = 4 (f = (n-1)/3); "
                "remove some, or set beyond_fault_bound: true to go beyond the bound on purpose"},
        BadPlan{"byzantine: [0]", "byzantine: [0]\nbeyond_fault_bound: true",
                "5:21: beyond_fault_bound: the byzantine set (1 replica) is within f = 1 for "
                "n = 4; remove beyond_fault_bound"},
        BadPlan{"replicas: 4", "replicas: 4\nf: 2",
                "4:4: f: f = 2 needs n >= 3f+1 = 7 replicas, but replicas is 4; lower f to 1, "
                "or set beyond_fault_bound: true to go beyond the bound on purpose"},
        BadPlan{"replicas: 4", "replicas: 4\nf: 4",
                "4:4: f: expected an integer from 0 to 3; got '4'"},
        BadPlan{"replicas: 4", "replicas: 4\nf: -1",
                "4:4: f: expected an integer from 0 to 3; got '-1'"},
        BadPlan{"replicas: 4", "replicas: 4\nf: 0",
                "5:12: byzantine: 1 Byzantine replica exceeds the plan's f = 0; remove some, or "
                "set beyond_fault_bound: true to go beyond the bound on purpose"},
        BadPlan{"replicas: 4\nbyzantine: [0]",
                "replicas: 4\nf: 1\nbyzantine: [0]\nbeyond_fault_bound: true",
                "6:21: beyond_fault_bound: the byzantine set (1 replica) is within f = 1 for "
                "n = 4; remove beyond_fault_bound"},
        BadPlan{"duration: 40s", "duration: 40",
                "6:11: duration: '40' is not a duration; expected a number with a unit (ns, us, "
                "ms, s, m, h), e.g. 40s, 500ms or 1m30s"},
        BadPlan{"duration: 40s", "duration: 0s",
                "6:11: duration: expected a positive duration such as 40s"},
        BadPlan{"rate: 50/s", "rate: 50",
                "7:19: workload.rate: '50' is not a rate; expected <count>/<unit> with a positive "
                "count, e.g. 50/s, 3000/m or 5/100ms"},
        BadPlan{"value_bytes: 32", "value_bytes: 8",
                "7:50: workload.value_bytes: expected an integer from 16 to 1048576; got '8'"},
        BadPlan{"clients: 4,", "client: 4,",
                "7:25: workload: unknown key 'client'; expected one of: rate, clients, "
                "value_bytes, share, warmup"},
        BadPlan{"at: 30s, for: 5s", "at: 30s, for: 15s",
                "10:21: timeline[1].for: the phase ends at 45s, after the run's duration of "
                "40s; expected at + for <= duration"},
        BadPlan{"for: 500ms", "for: 0s",
                "11:20: timeline[2].for: expected a positive duration such as 5s"},
        BadPlan{"adversary: partition", "adversary: partitoin",
                "10:36: timeline[1].adversary: unknown adversary 'partitoin'; known: crash, "
                "delay, equivocation, partition"},
        BadPlan{"adversary: equivocation, nodes: [0]", "adversary: equivocation, nodes: [1]",
                "9:58: timeline[0].nodes[0]: replica 1 is honest, but adversary 'equivocation' "
                "speaks only for Byzantine replicas; byzantine is [0]"},
        BadPlan{"adversary: delay, nodes: [1, 2]", "adversary: delay, nodes: [1, 7]",
                "11:56: timeline[2].nodes[1]: expected an integer from 0 to 3; got '7'"},
        BadPlan{"adversary: delay, nodes: [1, 2]", "adversary: delay, nodes: []",
                "11:52: timeline[2].nodes: expected at least one replica for adversary 'delay'"},
        BadPlan{"adversary: delay, nodes: [1, 2], ", "adversary: delay, ",
                "11:5: timeline[2]: missing required key 'nodes'"},
        BadPlan{"adversary: partition,", "adversary: partition, nodes: [1],",
                "10:54: timeline[1].nodes: adversary 'partition' takes no nodes (it acts on "
                "links); remove the key"},
        BadPlan{"params: { by: 200ms, to: [3] }", "params: { to: [3] }",
                "11:68: timeline[2].params: adversary 'delay' needs parameter 'by' (a duration "
                "such as 200ms)"},
        BadPlan{"by: 200ms", "by: 200ms, jiter: 1ms",
                "11:81: timeline[2].params: unknown key 'jiter'; expected one of: by, jitter, to, "
                "rate"},
        BadPlan{"by: 200ms", "by: 200ms, rate: fast",
                "11:87: timeline[2].params.rate: 'fast' is not a byte rate; expected a positive "
                "number of bytes per second, alone or with a unit (B, KB, MB, KiB, MiB), e.g. "
                "2048, 16KiB or 1.5MB/s"},
        BadPlan{"by: 200ms", "by: fast",
                "11:74: timeline[2].params.by: 'fast' is not a duration; expected a number with "
                "a unit (ns, us, ms, s, m, h), e.g. 40s, 500ms or 1m30s"},
        BadPlan{"groups: [[0, 1], [2, 3]]", "groups: [[0, 1], [1, 3]]",
                "10:74: timeline[1].params.groups[1]: replica 1 is in two groups; expected "
                "disjoint groups"},
        BadPlan{"adversary: partition, params: { groups: [[0, 1], [2, 3]] }",
                "adversary: crash, nodes: [2], params: { groups: [[0, 1], [2, 3]] }",
                "10:63: timeline[1].params: adversary 'crash' takes no parameters; remove the "
                "key"},
        BadPlan{"safety: [agreement,", "safety: [agrement,",
                "13:12: expect.safety[0]: unknown invariant 'agrement'; safety invariants: "
                "agreement, integrity, no-honest-crash, prefix, validity"},
        BadPlan{"safety: [agreement,", "safety: [liveness, agreement,",
                "13:12: expect.safety[0]: 'liveness' is not a safety invariant; set "
                "expect.liveness.commit_within to check liveness"},
        BadPlan{"safety: [agreement,", "safety: [agreement, agreement,",
                "13:23: expect.safety[1]: 'agreement' is listed twice; list it once"},
        BadPlan{"10s }\n", "10s }\ntrace: { sample_every: 0 }\n",
                "15:24: trace.sample_every: expected an integer from 1 to 1000000; got '0'"},
        BadPlan{"10s }\n", "10s }\ntrace: { sample_every: -3 }\n",
                "15:24: trace.sample_every: expected an integer from 1 to 1000000; got '-3'"},
        BadPlan{"10s }\n", "10s }\ntrace: { sample_every: all }\n",
                "15:24: trace.sample_every: expected an integer from 1 to 1000000; got 'all'"},
        BadPlan{"10s }\n", "10s }\ntrace: 10\n",
                "15:8: trace: expected a mapping such as { sample_every: 10 } (one message in 10 "
                "traced; 1 traces every message); got '10'"},
        BadPlan{"10s }\n", "10s }\ntrace: { every: 10 }\n",
                "15:10: trace: unknown key 'every'; expected one of: sample_every"},
        BadPlan{"10s }\n", "10s }\ntrace: {}\n",
                "15:8: trace: missing required key 'sample_every'"},
        BadPlan{"value_bytes: 32 }\n", "value_bytes: 32 }\nnetwork: 500ms\n",
                "8:10: network: expected a mapping such as { delta: 500ms } (the most a message "
                "may be delayed on a network the target must make progress through); got "
                "'500ms'"},
        BadPlan{"value_bytes: 32 }\n", "value_bytes: 32 }\nnetwork: { delay: 500ms }\n",
                "8:12: network: unknown key 'delay'; expected one of: delta"},
        BadPlan{"value_bytes: 32 }\n", "value_bytes: 32 }\nnetwork: {}\n",
                "8:10: network: missing required key 'delta'"},
        BadPlan{"value_bytes: 32 }\n", "value_bytes: 32 }\nnetwork: { delta: 500 }\n",
                "8:19: network.delta: '500' is not a duration; expected a number with a unit "
                "(ns, us, ms, s, m, h), e.g. 40s, 500ms or 1m30s"},
        BadPlan{"value_bytes: 32 }\n", "value_bytes: 32 }\nnetwork: { delta: 0s }\n",
                "8:19: network.delta: expected a positive duration shorter than the run's "
                "duration of 40s, e.g. 500ms"},
        BadPlan{"value_bytes: 32 }\n", "value_bytes: 32 }\nnetwork: { delta: 10s }\n",
                "15:30: expect.liveness.commit_within: the bound 10s is no longer than "
                "network.delta (10s), the delay of a single message; give a bound that covers "
                "the target's rounds and view timeouts under that delay"},
        BadPlan{"commit_within: 10s", "commit_within: 40s",
                "14:30: expect.liveness.commit_within: expected a positive duration shorter "
                "than the run's duration of 40s, or no commit could ever be due"},
        BadPlan{"commit_within: 10s }\n", "commit_within: 10s }\n  min_commits: -1\n",
                "15:16: expect.min_commits: expected an integer from 0 to 1000000000; got '-1'"},
        BadPlan{"commit_within: 10s }\n", "commit_within: 10s }\n  min_commits: many\n",
                "15:16: expect.min_commits: expected an integer from 0 to 1000000000; got "
                "'many'"},
        BadPlan{"commit_within: 10s }\n", "commit_within: 10s }\n  min_commit: 5\n",
                "15:3: expect: unknown key 'min_commit'; expected one of: safety, liveness, "
                "min_commits"},
        BadPlan{"name: p", "name: my plan",
                "1:7: name: expected a name of letters, digits, '.', '_' and '-'"}),
    MessageParamName());

}  // namespace
}  // namespace turncoat
