// `turncoat run` end to end: real agents and refbft replicas on 127.0.0.1.
// Each test checks the exit code, the reports, and that no process of the
// run is left behind.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "tests/harness/run_fixture.h"
#include "nlohmann/json.hpp"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

using RunTest = TurncoatRunTest;

TEST_F(RunTest, SmokePlanPassesAndWritesEveryReport) {
  ASSERT_EQ(RunToEnd({Plan("smoke.yaml"), "--seed=4242"}), 0) << Slurp(dir_ + "/stderr");
  EXPECT_TRUE(absl::StrContains(Slurp(dir_ + "/stdout"), "PASS"));
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "pass");
  // The seed the run used, not the plan's: it is what reproduces the run.
  EXPECT_EQ(report["seed"], 4242);
  EXPECT_EQ(report["plan"]["seed"], 4242);
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir_ + "/history.jsonl"), "\"value\":\"tc4242-"));
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir_ + "/junit.xml"), "value=\"4242\""));
  EXPECT_EQ(report["exit_code"], 0);
  EXPECT_GT(report["statistics"]["committed_values"].get<int>(), 100);
  for (const char* name : {"agreement", "prefix", "validity", "integrity", "no-honest-crash", "liveness"}) {
    const nlohmann::json* inv = Invariant(report, name);
    ASSERT_NE(inv, nullptr) << name;
    EXPECT_TRUE((*inv)["holds"].get<bool>()) << name;
  }
  const std::string html = Slurp(run_dir_ + "/report.html");
  EXPECT_TRUE(absl::StrContains(html, "<svg"));
  EXPECT_FALSE(absl::StrContains(html, "src=\"http"));
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir_ + "/junit.xml"), "<testsuite"));
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir_ + "/history.jsonl"), "\"type\":\"commit\""));
}

// The smoke plan at n = 16: 16 agents and 240 proxied links start, and the
// cluster commits at the plan's pace for its whole run, with liveness held
// to its bound on hundreds of values. Before start-up was parallel and
// refbft's pacemaker grew with n, such a run sent its first value 17.5 s
// into its 20 s and still passed.
TEST_F(RunTest, SixteenReplicaSmokeRunPassesOnHundredsOfJudgedValues) {
  const std::string plan =
      WritePlan("smoke-16",
                "replicas: 16\nbyzantine: []\nseed: 5\nduration: 20s\n"
                "workload: { rate: 50/s, clients: 4, value_bytes: 32 }\n"
                "expect:\n  safety: [agreement, prefix, validity, integrity, no-honest-crash]\n"
                "  liveness: { commit_within: 5s }\n");
  ASSERT_EQ(RunToEnd({plan}), 0) << Output();
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "pass");
  // 50/s for 20 s submits about 1000 values; a cluster that took values
  // only late in the run would commit a few dozen.
  EXPECT_GT(report["statistics"]["committed_values"].get<int>(), 300) << report["statistics"];
  const nlohmann::json* liveness = Invariant(report, "liveness");
  ASSERT_NE(liveness, nullptr);
  EXPECT_GT((*liveness)["coverage"]["judged"].get<int>(), 200) << *liveness;
  std::set<int> started;
  std::ifstream history(run_dir_ + "/history.jsonl");
  for (std::string line; std::getline(history, line);) {
    const nlohmann::json event = nlohmann::json::parse(line);
    if (event["type"] == "process_start") started.insert(event["replica"].get<int>());
  }
  EXPECT_EQ(started.size(), 16u);
}

TEST_F(RunTest, CrashedLeaderExposesTheNoViewChangeBug) {
  ASSERT_EQ(RunToEnd({Plan("crash-leader.yaml"), "--replica-arg=--bug=no-view-change"}), 1)
      << Slurp(dir_ + "/stderr");
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "fail");
  const nlohmann::json* liveness = Invariant(report, "liveness");
  ASSERT_NE(liveness, nullptr);
  EXPECT_FALSE((*liveness)["holds"].get<bool>());
  for (const char* safe : {"agreement", "prefix", "validity", "integrity"}) {
    EXPECT_TRUE((*Invariant(report, safe))["holds"].get<bool>()) << safe;
  }
  EXPECT_TRUE(absl::StrContains(Slurp(dir_ + "/stdout"), "VIOLATED  liveness"));
}

TEST_F(RunTest, CorrectRefbftSurvivesTheCrashedLeader) {
  ASSERT_EQ(RunToEnd({Plan("crash-leader.yaml")}), 0) << Slurp(dir_ + "/stdout");
  const nlohmann::json report = Report();
  // The crash and the restart are in the record.
  ASSERT_EQ(report["timeline"]["faults"].size(), 1u);
  EXPECT_EQ(report["timeline"]["faults"][0]["adversary"], "crash");
  EXPECT_TRUE(report["timeline"]["faults"][0]["ended"].get<bool>());
}

// Equivocation where replica 3 hears both versions of each proposal, as a
// Twins partition holding both twins would: the correct refbft stays safe
// and live, and the rules that give replica 3 every version acted.
TEST_F(RunTest, CorrectRefbftSurvivesAReplicaHearingBothVersions) {
  ASSERT_EQ(RunToEnd({Plan("equivocation-both.yaml")}), 0) << Output();
  int64_t both_applied = -1;
  std::istringstream history(Slurp(run_dir_ + "/history.jsonl"));
  for (std::string line; std::getline(history, line);) {
    const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_discarded() || event.value("type", "") != "link_stats") continue;
    if (event["from"] != 2 || event["to"] != 3) continue;
    for (const auto& [name, count] : event["counters"].items()) {
      if (absl::StrContains(name, "-both-") && absl::EndsWith(name, " applied")) {
        both_applied = count.get<int64_t>();
      }
    }
  }
  EXPECT_GT(both_applied, 0) << "replica 3 never heard a second version";
}

TEST_F(RunTest, BadPlanExitsTwoBeforeStartingAnything) {
  const std::string plan =
      WritePlan("bad",
                "replicas: 4\nseed: 1\nduration: 5s\n"
                "workload: { rate: 10/s, clients: 1, value_bytes: 32 }\n"
                "timeline:\n  - { at: 1s, for: 1s, adversary: teleport, nodes: [0] }\n");
  EXPECT_EQ(RunToEnd({plan}), 2);
  const std::string err = Slurp(dir_ + "/stderr");
  EXPECT_TRUE(absl::StrContains(err, plan + ":8:")) << err;
  EXPECT_TRUE(absl::StrContains(err, "teleport")) << err;
  EXPECT_FALSE(fs::exists(run_dir_));
}

// A full trace of a short run with Byzantine replica 2 silent for 3 s: the
// history has a line per message, drops only on 2's links and passes
// elsewhere, and report.json counts exactly the lines the history holds.
TEST_F(RunTest, TracedOmissionRecordsEveryMessageFate) {
  const std::string plan =
      WritePlan("traced-omission",
                "replicas: 4\nbyzantine: [2]\nseed: 3\n"
                "duration: 5s\nworkload: { rate: 40/s, clients: 2 }\n"
                "timeline:\n  - { at: 1s, for: 3s, adversary: omission, nodes: [2], "
                "params: { drop: 1.0 } }\n"
                "expect:\n  safety: [agreement, prefix, validity, integrity]\n"
                "trace: { sample_every: 1 }\n");
  ASSERT_EQ(RunToEnd({plan}), 0) << Output();

  std::map<std::pair<int, int>, std::map<std::string, int64_t>> counted;
  int64_t lines = 0;
  std::ifstream history(run_dir_ + "/history.jsonl");
  for (std::string line; std::getline(history, line);) {
    const nlohmann::json event = nlohmann::json::parse(line);
    if (event["type"] != "message") continue;
    ++lines;
    const int from = event["from"];
    const std::string action = event["action"];
    ++counted[{from, event["to"].get<int>()}][action];
    if (action == "drop") {
      EXPECT_EQ(from, 2) << line;
      EXPECT_EQ(event["direction"], "request") << line;
      EXPECT_TRUE(absl::StartsWith(event["rule"].get<std::string>(), "p0-omission")) << line;
    } else {
      EXPECT_EQ(action, "pass") << line;
    }
  }
  ASSERT_GT(lines, 0);
  for (int to : {0, 1, 3}) EXPECT_GT((counted[{2, to}]["drop"]), 0) << "2 -> " << to;
  for (int from : {0, 1, 3}) {
    for (int to = 0; to < 4; ++to) {
      if (to != from) {
        EXPECT_GT((counted[{from, to}]["pass"]), 0) << from << " -> " << to;
      }
    }
  }

  const nlohmann::json trace = Report()["trace"];
  EXPECT_EQ(trace["sample_every"], 1);
  EXPECT_EQ(trace["messages"].get<int64_t>(), lines);
  int64_t link_total = 0;
  for (const nlohmann::json& link : trace["links"]) {
    const std::pair<int, int> id = {link["from"], link["to"]};
    for (const auto& [action, count] : link["actions"].items()) {
      EXPECT_EQ(count.get<int64_t>(), counted[id][action])
          << id.first << " -> " << id.second << " " << action;
      link_total += count.get<int64_t>();
    }
  }
  EXPECT_EQ(link_total, lines);
  const std::string html = Slurp(run_dir_ + "/report.html");
  EXPECT_TRUE(absl::StrContains(html, "<section id=\"messages\">"));
}

// Phases keyed to protocol rounds act on the messages of those rounds, not
// on everything sent while they last: replica 3 is cut off from the others
// for heights 2..3 after the timeline's start (its links still carry other
// heights meanwhile), and replica 2's height-1 messages are dropped, a
// phase that heals once every replica has moved past height 1, long before
// its time cap. The correct refbft stays safe and live.
TEST_F(RunTest, PhasesKeyedToRoundsActOnThoseRoundsOnly) {
  const std::string plan = WritePlan(
      "rounds", "replicas: 4\nseed: 5\nduration: 14s\nworkload: { rate: 40/s, clients: 2 }\n"
                "timeline:\n"
                "  - { rounds: 2..3, for: 6s, adversary: partition, "
                "params: { groups: [[0, 1, 2], [3]] } }\n"
                "  - { rounds: 1, for: 10s, adversary: omission, nodes: [2], "
                "params: { drop: 1.0 } }\n"
                "expect:\n  safety: [agreement, prefix, validity, integrity]\n"
                "  liveness: { commit_within: 6s }\n"
                "trace: { sample_every: 1 }\n");
  ASSERT_EQ(RunToEnd({plan}), 0) << Output();

  std::map<int, double> starts, ends;  // by phase, seconds from the run's start
  std::map<int, std::string> steps;
  std::map<std::string, int64_t> applied;  // by rule prefix and link
  std::vector<std::pair<double, std::string>> to_isolated;  // 0 -> 3: time, action
  std::ifstream history(run_dir_ + "/history.jsonl");
  for (std::string line; std::getline(history, line);) {
    const nlohmann::json event = nlohmann::json::parse(line);
    const std::string type = event["type"];
    const double t = event["t_us"].get<double>() / 1e6;
    if (type == "fault_start") starts[event["phase"].get<int>()] = t;
    if (type == "fault_end") ends[event["phase"].get<int>()] = t;
    if (type == "fault_step") steps[event["phase"].get<int>()] = event["what"];
    if (type == "message" && event["from"] == 0 && event["to"] == 3 &&
        event["direction"] == "request") {
      to_isolated.emplace_back(t, event["action"].get<std::string>());
    }
    if (type != "link_stats") continue;
    for (const auto& [counter, value] : event["counters"].items()) {
      if (!absl::EndsWith(counter, " applied")) continue;
      const std::string rule = counter.substr(0, counter.find('-', 3));
      applied[absl::StrCat(rule, " ", event["from"].get<int>(), "->", event["to"].get<int>())] =
          value.get<int64_t>();
    }
  }
  ASSERT_EQ(starts.size(), 2u);
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_TRUE(absl::StrContains(steps[0], "rounds 2..3 (major rounds ")) << steps[0];
  EXPECT_TRUE(absl::StrContains(steps[1], "rounds 1..1 (major rounds ")) << steps[1];
  // The cut acted both ways on replica 3's links (which of the others sends
  // 3 messages of those heights depends on who leads them).
  EXPECT_GT(applied["p0-partition 0->3"] + applied["p0-partition 1->3"] +
                applied["p0-partition 2->3"],
            0);
  EXPECT_GT(applied["p0-partition 3->0"] + applied["p0-partition 3->1"] +
                applied["p0-partition 3->2"],
            0);
  EXPECT_GT(applied["p1-omission 2->0"] + applied["p1-omission 2->1"] +
                applied["p1-omission 2->3"],
            0);
  // Other heights crossed the cut while it was installed.
  const int64_t passed = std::count_if(to_isolated.begin(), to_isolated.end(), [&](const auto& m) {
    return m.first > starts[0] && m.first < ends[0] && m.second == "pass";
  });
  EXPECT_GT(passed, 0);
  // The omission healed once its round was past, well before its 10 s cap.
  EXPECT_LT(ends[1] - starts[1], 5.0);
}

TEST_F(RunTest, RandomPhaseRecordsEachRoundAsAStep) {
  const std::string plan =
      WritePlan("random-steps",
                "replicas: 4\nbyzantine: [3]\nseed: 9\n"
                "duration: 5s\nworkload: { rate: 20/s }\n"
                "timeline:\n  - { at: 1s, for: 3s, adversary: random, nodes: [3], "
                "params: { round: 500ms } }\n"
                "expect:\n  safety: [agreement, prefix, validity, integrity]\n");
  ASSERT_EQ(RunToEnd({plan}), 0) << Output();

  std::vector<nlohmann::json> steps;
  std::set<std::string> counted_rules;  // rule names in the links' counters
  double ready = -1;                    // the timeline's 0, from the run's start
  std::ifstream history(run_dir_ + "/history.jsonl");
  for (std::string line; std::getline(history, line);) {
    const nlohmann::json event = nlohmann::json::parse(line);
    if (event["type"] == "cluster_ready") ready = event["t_us"].get<double>() / 1e6;
    if (event["type"] == "fault_step") steps.push_back(event);
    if (event["type"] != "link_stats") continue;
    for (const auto& [counter, value] : event["counters"].items()) {
      counted_rules.insert(counter.substr(0, counter.find(' ')));
    }
  }
  ASSERT_GE(ready, 0) << "no cluster_ready event";
  ASSERT_EQ(steps.size(), 6u);
  // Every round that put rules on links left their counters, not just the
  // last round.
  for (size_t k = 0; k < steps.size(); ++k) {
    const std::string what = steps[k]["what"];
    if (absl::StrContains(what, "quiet") || absl::StrContains(what, "no link")) continue;
    const std::string prefix = absl::StrCat("p0-random-r", k, "-");
    EXPECT_TRUE(std::any_of(counted_rules.begin(), counted_rules.end(),
                            [&](const std::string& r) { return absl::StartsWith(r, prefix); }))
        << what << ": no counters for " << prefix;
  }
  for (size_t k = 0; k < steps.size(); ++k) {
    const std::string what = steps[k]["what"];
    EXPECT_TRUE(absl::StartsWith(what, absl::StrCat("round ", k, ": "))) << what;
    // Each round starts on the tick after its boundary (ticks are 200 ms
    // apart), counted from the moment the cluster was ready.
    const double t = steps[k]["t_us"].get<double>() / 1e6 - ready;
    EXPECT_GE(t, 1.0 + 0.5 * static_cast<double>(k)) << what;
    EXPECT_LT(t, 1.0 + 0.5 * static_cast<double>(k) + 0.45) << what;
    const std::vector<int> nodes = steps[k]["nodes"];
    EXPECT_TRUE(std::find(nodes.begin(), nodes.end(), 3) != nodes.end()) << what;
  }
  const nlohmann::json fault = Report()["timeline"]["faults"][0];
  ASSERT_EQ(fault["steps"].size(), steps.size());
  EXPECT_EQ(fault["steps"][5]["what"], steps[5]["what"]);
}

TEST_F(RunTest, BadTraceFlagIsBadInput) {
  EXPECT_EQ(RunToEnd({Plan("smoke.yaml"), "--trace=all"}), 2);
  EXPECT_TRUE(absl::StrContains(Slurp(dir_ + "/stderr"), "--trace: 'all' is not a non-negative"))
      << Slurp(dir_ + "/stderr");
  EXPECT_FALSE(fs::exists(run_dir_));
}

TEST_F(RunTest, ReplicaThatWillNotStartIsBadInputNamingTheTarget) {
  EXPECT_EQ(RunToEnd({Plan("smoke.yaml"), "--replica-arg=--no_such_flag"}), 2);
  const std::string err = Slurp(dir_ + "/stderr");
  EXPECT_TRUE(absl::StrContains(err, "exited during start-up")) << err;
  EXPECT_TRUE(absl::StrContains(err, "targets/refbft.yaml")) << err;
  EXPECT_TRUE(absl::StrContains(err, "no_such_flag")) << err;  // the replica's own words
  EXPECT_TRUE(fs::exists(run_dir_ + "/report.json"));
}

// The shipped refbft target, with `replacements` applied, written into the
// test's directory (its .proto found where it is shipped); returns its path.
std::string WriteRefbftVariant(const std::string& dir, const std::string& name,
                               std::vector<std::pair<std::string, std::string>> replacements) {
  replacements.emplace_back(
      "protos: [refbft/refbft.proto]",
      absl::StrCat("protos: [", TURNCOAT_SOURCE_DIR, "/targets/refbft/refbft.proto]\n",
                   "  import_paths: [", TURNCOAT_SOURCE_DIR, "/targets]"));
  std::string text = Slurp(absl::StrCat(TURNCOAT_SOURCE_DIR, "/targets/refbft.yaml"));
  for (const auto& [from, to] : replacements) {
    EXPECT_TRUE(absl::StrContains(text, from)) << from;
    text = absl::StrReplaceAll(text, {{from, to}});
  }
  const std::string path = absl::StrCat(dir, "/", name, ".yaml");
  std::ofstream(path) << text;
  return path;
}

// The system under test is untrusted: a replica that dies at start-up
// printing a 3 MB line, terminal escapes, invalid UTF-8 and HTML must get
// an error that is bounded, printable and escaped in the report.
TEST_F(RunTest, AHostileReplicasLastWordsAreBoundedAndPrintable) {
  const std::string target = WriteRefbftVariant(
      dir_, "hostile",
      {{R"(- "{{build_dir}}/targets/refbft/refbft")",
        R"(- /bin/sh
    - -c
    - 'head -c 3000000 /dev/zero | tr "\000" x >&2; printf "\n\033]0;pwned\007\033[2J \377\376 <script>alert(1)</script>\n" >&2; exit 3')"}});
  const std::string plan = absl::StrCat(dir_, "/hostile-plan.yaml");
  std::ofstream(plan) << "name: hostile\ntarget: " << target
                      << "\nreplicas: 4\nbyzantine: []\nseed: 3\nduration: 4s\n"
                         "workload: { rate: 20/s }\n"
                         "expect:\n  safety: [agreement, prefix, validity, integrity]\n";
  EXPECT_EQ(RunToEnd({plan}), 2) << Output();
  const std::string err = Slurp(dir_ + "/stderr");
  EXPECT_TRUE(absl::StrContains(err, "exited during start-up")) << err;
  EXPECT_TRUE(absl::StrContains(err, R"(\x1b]0;pwned\x07\x1b[2J \xff\xfe <script>)")) << err;
  EXPECT_EQ(err.find('\x1b'), std::string::npos) << "no escape reaches the terminal";
  EXPECT_EQ(err.find('\xff'), std::string::npos);
  EXPECT_LT(err.size(), 8000u) << "the 3 MB line is cut";
  EXPECT_TRUE(absl::StrContains(err, "xxx...")) << err;
  const std::string html = Slurp(run_dir_ + "/report.html");
  ASSERT_FALSE(html.empty());
  EXPECT_FALSE(absl::StrContains(html, "<script>alert(1)")) << "escaped in the report";
  EXPECT_NO_THROW(Report());
}

// A run whose fault never acted tested nothing. Here the target describes
// refbft's payload as JSON, which it is not: every rewrite fails to decode
// (and the frame passes intact), so the equivocation never happened, and
// the run must say so rather than pass.
TEST_F(RunTest, AFaultWhoseEveryRewriteFailedIsInconclusiveNotAPass) {
  const std::string target = WriteRefbftVariant(
      dir_, "wrong-codec",
      {{"kind: { oneof: payload.kind }", "kind: message"},
       {"payload: { field: payload, codec: protobuf, type: refbft.Message }",
        "payload: { field: payload, codec: json }"}});
  const std::string plan = absl::StrCat(dir_, "/never-acts.yaml");
  std::ofstream(plan) << "name: never-acts\ntarget: " << target
                      << "\nreplicas: 4\nbyzantine: [3]\nseed: 5\nduration: 6s\n"
                         "workload: { rate: 20/s }\ntimeline:\n"
                         "  - { at: 1s, for: 4s, adversary: equivocation, nodes: [3], "
                         "params: { split: [[0], [1, 2]] } }\n"
                         "expect:\n  safety: [agreement, prefix, validity, integrity]\n";
  EXPECT_EQ(RunToEnd({plan}), 4) << Output();
  const std::string out = Slurp(dir_ + "/stdout");
  EXPECT_TRUE(absl::StrContains(out, "INCONCLUSIVE")) << out;
  EXPECT_FALSE(absl::StrContains(out, "PASS")) << out;
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "inconclusive");
  ASSERT_EQ(report["inconclusive_reasons"].size(), 1u) << report["inconclusive_reasons"].dump();
  const std::string reason = report["inconclusive_reasons"][0];
  EXPECT_TRUE(absl::StrContains(reason, "phase 0 (equivocation")) << reason;
  EXPECT_TRUE(absl::StrContains(reason, "rewrite")) << reason;
}

// A target whose commits turncoat cannot see commits nothing as far as the
// checkers know: nothing can be violated, and nothing was tested.
TEST_F(RunTest, ARunWithNoCommitsIsInconclusiveNotAPass) {
  const std::string target = WriteRefbftVariant(
      dir_, "blind", {{"json: { seq: seq, value: value }", "regex: '^never (?P<value>x)$'"}});
  const std::string plan = absl::StrCat(dir_, "/blind-plan.yaml");
  std::ofstream(plan) << "name: blind\ntarget: " << target
                      << "\nreplicas: 4\nbyzantine: []\nseed: 3\nduration: 4s\n"
                         "workload: { rate: 20/s }\n"
                         "expect:\n  safety: [agreement, prefix, validity, integrity]\n";
  EXPECT_EQ(RunToEnd({plan}), 4) << Output();
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "inconclusive");
  ASSERT_GE(report["inconclusive_reasons"].size(), 1u);
  EXPECT_TRUE(absl::StrContains(report["inconclusive_reasons"][0].get<std::string>(),
                                "honest replica"))
      << report["inconclusive_reasons"].dump();
}

// The second reference target runs from its target file alone: its own
// client program, a ready line, string ids, ECDSA keys in a rendered JSON
// config. rate: auto measures what it sustains before the timeline.
TEST_F(RunTest, PbftRunsFromItsTargetFileAloneAtAMeasuredRate) {
  EXPECT_EQ(RunToEnd({Plan("pbft/smoke.yaml")}), 0) << Output();
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "pass");
  const nlohmann::json& calibration = report["run"]["calibration"];
  ASSERT_TRUE(calibration.is_object()) << report["run"].dump();
  EXPECT_GT(calibration["commit_rate_per_s"].get<double>(), 1.0);
  EXPECT_NEAR(calibration["rate_per_s"].get<double>(),
              0.5 * calibration["commit_rate_per_s"].get<double>(), 0.01);
  EXPECT_GT(report["run"]["ready_s"].get<double>(), calibration["t_s"].get<double>() - 0.5);
  EXPECT_GT(report["statistics"]["committed_values"].get<int>(), 20);
}

// Every shipped adversary acts on pbft (a phase that changed no message
// would make the run inconclusive) and the correct pbft stays safe.
TEST_F(RunTest, EveryAdversaryActsOnPbft) {
  EXPECT_EQ(RunToEnd({Plan("pbft/every-adversary.yaml")}), 0) << Output();
  EXPECT_EQ(Report()["inconclusive_reasons"].size(), 0u);
}

TEST_F(RunTest, TwinsActOnPbft) {
  EXPECT_EQ(RunToEnd({Plan("pbft/twins.yaml")}), 0) << Output();
}

TEST_F(RunTest, InterruptStopsEverythingAndLeavesAPartialReport) {
  Subprocess process = Start({Plan("smoke.yaml")});
  // Bounded wait for the run to get going: commits in the history.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!absl::StrContains(Slurp(run_dir_ + "/history.jsonl"), "\"type\":\"commit\"") &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(process.Signal(SIGINT).ok());
  auto exit = process.Wait(absl::Seconds(30));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->code, 3) << Slurp(dir_ + "/stderr");
  const nlohmann::json report = Report();
  EXPECT_EQ(report["verdict"], "error");
  EXPECT_LT(report["run"]["length_s"].get<double>(), 20.0);
  EXPECT_TRUE(absl::StrContains(Slurp(run_dir_ + "/history.jsonl"), "\"type\":\"run_end\""));
}

}  // namespace
}  // namespace turncoat
