#include "reports/json_report.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/reports/sample_report.h"

namespace turncoat {
namespace {

using nlohmann::json;

json Parse(const Report& report) {
  const std::string text = RenderJsonReport(report);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << text;
  return j;
}

TEST(JsonReportTest, HasEveryTopLevelField) {
  const json j = Parse(SampleReport(false));
  for (const char* key : {"format", "verdict", "exit_code", "plan", "target", "seed", "versions",
                          "run", "timeline", "statistics", "trace", "invariants", "findings"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["format"], "turncoat-report/1");
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_EQ(j["seed"], 7);
  EXPECT_FALSE(j.contains("error"));
  EXPECT_EQ(j["plan"]["name"], "sample");
  EXPECT_EQ(j["plan"]["byzantine"], json::array({3}));
  EXPECT_EQ(j["plan"]["expect"]["commit_within_s"], 5.0);
  EXPECT_EQ(j["plan"]["timeline"][0]["adversary"], "crash");
  EXPECT_EQ(j["target"]["name"], "refbft");
  EXPECT_EQ(j["target"]["source"], "name: refbft\n");
  EXPECT_EQ(j["versions"]["turncoat"], "test");
  EXPECT_EQ(j["run"]["length_s"], 20.0);
  EXPECT_EQ(j["timeline"]["faults"][0]["nodes"], json::array({1}));
  EXPECT_EQ(j["timeline"]["faults"][0]["start_s"], 5.0);
  EXPECT_EQ(j["timeline"]["exits"][0]["signal"], 9);
  EXPECT_EQ(j["timeline"]["commit_rate_per_s"]["0"].size(), 20u);
  EXPECT_TRUE(j["timeline"]["latency_ms"]["p50"][0].is_null());
  EXPECT_EQ(j["statistics"]["latency_ms"]["p50"], 200.0);
  EXPECT_EQ(j["statistics"]["links"]["forwarded"], 190);
  ASSERT_EQ(j["invariants"].size(), 6u);
  EXPECT_EQ(j["invariants"][5]["name"], "liveness");
  EXPECT_EQ(j["invariants"][5]["kind"], "liveness");
  EXPECT_EQ(j["invariants"][5]["holds"], true);
  EXPECT_FALSE(j["invariants"][0].contains("coverage"));
  // The crash of replica 1 (5 s to 8 s) beside Byzantine replica 3 takes
  // the cluster beyond its bound for the values of 1 s to 7 s; the last
  // three come within the bound of the end.
  EXPECT_EQ(j["invariants"][5]["coverage"]["excused"],
            json({{"submitted while the cluster was beyond its fault bound", 7},
                  {"too close to the end of the run to judge", 3}}));
  EXPECT_EQ(j["invariants"][5]["coverage"]["judged"], 8);
  EXPECT_TRUE(j["findings"].empty());
}

TEST(JsonReportTest, InconclusiveRunsSayWhy) {
  const json clean = Parse(SampleReport(false));
  EXPECT_EQ(clean["inconclusive_reasons"], json::array());
  EXPECT_EQ(clean["warnings"], json::array());
  EXPECT_EQ(clean["plan"]["expect"]["min_commits"], 8);
  const Report report = IdlePhaseSampleReport();
  const json j = Parse(report);
  EXPECT_EQ(j["verdict"], "inconclusive");
  EXPECT_EQ(j["exit_code"], 4);
  ASSERT_EQ(j["inconclusive_reasons"].size(), 1u);
  EXPECT_EQ(j["inconclusive_reasons"][0], report.inconclusive_reasons[0]);
}

TEST(JsonReportTest, FaultsShowPlannedBesideActualTimes) {
  const json clean = Parse(SampleReport(false));
  EXPECT_EQ(clean["run"]["ready_s"], 0.5);
  const json& fault = clean["timeline"]["faults"][0];
  EXPECT_EQ(fault["planned_start_s"], 5.0);
  EXPECT_EQ(fault["planned_end_s"], 8.0);
  EXPECT_EQ(fault["start_s"], 5.0);
  const json late = Parse(LatePhaseSampleReport());
  ASSERT_EQ(late["warnings"].size(), 1u);
  EXPECT_EQ(late["warnings"][0].get<std::string>().substr(0, 36),
            "phase 0 (crash) started 0.400s late:");
  EXPECT_EQ(late["verdict"], "pass");
}

TEST(JsonReportTest, FaultsListTheirSteps) {
  Report report = SampleReport(false);
  EXPECT_EQ(Parse(report)["timeline"]["faults"][0]["steps"], json::array());
  report.faults[0].interval.steps.push_back(FaultStep{absl::Seconds(6), 0, "round 1", {1, 2}});
  EXPECT_EQ(Parse(report)["timeline"]["faults"][0]["steps"],
            json::array({{{"t_s", 6.0}, {"what", "round 1"}, {"nodes", {1, 2}}}}));
}

TEST(JsonReportTest, TraceCountsPerLinkAndAction) {
  const json j = Parse(SampleReport(false));
  const json& t = j["trace"];
  EXPECT_EQ(t["sample_every"], 1);
  EXPECT_EQ(t["messages"], 7);
  EXPECT_EQ(t["actions"], json({{"drop", 1}, {"pass", 6}}));
  ASSERT_EQ(t["links"].size(), 3u);
  EXPECT_EQ(t["links"][0],
            json({{"from", 0},
                  {"to", 1},
                  {"messages", 4},
                  {"actions", {{"drop", 1}, {"pass", 3}}}}));
  EXPECT_EQ(t["links"][2]["from"], 7);  // the twin of replica 3
  EXPECT_EQ(j["plan"]["trace"]["sample_every"], 0);  // the sample plan has no trace key
}

TEST(JsonReportTest, UntracedRunHasAnEmptyTrace) {
  Report r = SampleReport(false);
  r.trace = TraceCounts{};
  const json t = Parse(r)["trace"];
  EXPECT_EQ(t, json({{"sample_every", 0},
                     {"messages", 0},
                     {"actions", json::object()},
                     {"links", json::array()}}));
}

// Two links of a TCP target, by kind of frame.
TrafficCounts SampleTraffic() {
  TrafficCounts traffic;
  traffic.links[{0, 1}] = LinkTraffic{
      absl::ZeroDuration(), 0, 1, {{"PREPARE", {3, 300}}, {"<vote & co>", {1, 50}}}, 7, 2, 0};
  traffic.links[{1, 0}] = LinkTraffic{absl::ZeroDuration(), 1, 0, {{"PREPARE", {2, 200}}}, 0, 2, 1};
  traffic.kinds = {{"PREPARE", {5, 500}}, {"<vote & co>", {1, 50}}};
  return traffic;
}

TEST(JsonReportTest, TrafficPerLinkAndKind) {
  EXPECT_EQ(Parse(SampleReport(false))["traffic"],
            json({{"kinds", json::object()}, {"links", json::array()}}))
      << "a gRPC target's report has an empty table";
  Report r = SampleReport(false);
  r.traffic = SampleTraffic();
  const json t = Parse(r)["traffic"];
  EXPECT_EQ(t["kinds"]["PREPARE"], json({{"frames", 5}, {"bytes", 500}}));
  ASSERT_EQ(t["links"].size(), 2u);
  EXPECT_EQ(t["links"][0], json({{"from", 0},
                                 {"to", 1},
                                 {"kinds",
                                  {{"PREPARE", {{"frames", 3}, {"bytes", 300}}},
                                   {"<vote & co>", {{"frames", 1}, {"bytes", 50}}}}},
                                 {"unparsed_bytes", 7},
                                 {"connections", 2},
                                 {"refused", 0},
                                 {"malformed_connections", 0},
                                 {"oversized_messages", 0}}));
  EXPECT_EQ(t["links"][1]["refused"], 1);
}

TEST(JsonReportTest, TrafficCarriesWhatAGrpcProxyRejected) {
  Report r = SampleReport(false);
  LinkTraffic rejected{absl::ZeroDuration(), 2, 0, {}, 0, 0, 0};
  rejected.malformed_connections = 3;
  rejected.oversized_messages = 1;
  r.traffic.links[{2, 0}] = rejected;
  const json t = Parse(r)["traffic"];
  EXPECT_EQ(t["kinds"], json::object());
  ASSERT_EQ(t["links"].size(), 1u);
  EXPECT_EQ(t["links"][0]["from"], 2);
  EXPECT_EQ(t["links"][0]["to"], 0);
  EXPECT_EQ(t["links"][0]["malformed_connections"], 3);
  EXPECT_EQ(t["links"][0]["oversized_messages"], 1);
}

TEST(JsonReportTest, FindingsCarryTheirEvidence) {
  const json j = Parse(SampleReport(true));
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["invariants"][0]["holds"], false);
  EXPECT_EQ(j["invariants"][0]["violations"], 1);
  const json& f = j["findings"][0];
  EXPECT_EQ(f["invariant"], "agreement");
  EXPECT_EQ(f["message"],
            "honest replicas disagree at seq 5: 'rogue' at replica 2; 'v5' at "
            "replicas 0, 1");
  EXPECT_EQ(f["replicas"], json::array({0, 1, 2}));
  EXPECT_EQ(f["seqs"], json::array({5}));
  EXPECT_EQ(f["values"], json::array({"rogue", "v5"}));
  bool saw_rogue = false;
  for (const json& e : f["evidence"]) {
    EXPECT_TRUE(e.contains("t_s"));
    EXPECT_EQ(e["event"], "commit");
    if (e["value"] == "rogue") {
      saw_rogue = true;
      EXPECT_EQ(e["replica"], 2);
      EXPECT_DOUBLE_EQ(e["t_s"].get<double>(), 5.22);
    }
  }
  EXPECT_TRUE(saw_rogue);
}

TEST(JsonReportTest, ViolationBeyondTheBoundIsExpected) {
  const json j = Parse(BeyondBoundSampleReport());
  EXPECT_EQ(j["verdict"], "expected-violation");
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_EQ(j["plan"]["f"], 2);
  EXPECT_EQ(j["plan"]["beyond_fault_bound"], true);
  EXPECT_EQ(j["invariants"][0]["holds"], false);
  ASSERT_FALSE(j["findings"].empty());
  EXPECT_EQ(j["findings"][0]["invariant"], "agreement");
}

TEST(JsonReportTest, BinaryValuesAreHexEncoded) {
  const json j = Parse(SampleReport(true, std::string("\xff\x01", 2)));
  const json& f = j["findings"][0];
  EXPECT_EQ(f["values"], json::array({"0xff01", "v5"}));
  bool saw_hex = false;
  for (const json& e : f["evidence"]) {
    if (e.contains("value_hex")) {
      saw_hex = true;
      EXPECT_EQ(e["value_hex"], "ff01");
      EXPECT_FALSE(e.contains("value"));
    }
  }
  EXPECT_TRUE(saw_hex);
}

TEST(JsonReportTest, HarnessErrorIsRecorded) {
  Report r = SampleReport(false);
  r.harness_error = "agent 2 unreachable";
  const json j = Parse(r);
  EXPECT_EQ(j["verdict"], "error");
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_EQ(j["error"], "agent 2 unreachable");
}

}  // namespace
}  // namespace turncoat

namespace turncoat {
namespace {

TEST(JsonReportTest, ReplayIsRecordedWhenTheRunGaveIt) {
  Report report = SampleReport(false);
  EXPECT_FALSE(Parse(report).contains("replay"));
  ReplaySpec spec;
  spec.turncoat = "/b/turncoat";
  spec.plan_path = "/p/it's.yaml";
  spec.seed = 7;
  spec.replica_args = {"--bug=small-quorum"};
  report.replay = spec;
  const json j = Parse(report);
  EXPECT_EQ(j["replay"]["argv"], json({"/b/turncoat", "run", "/p/it's.yaml", "--seed=7",
                                       "--replica-arg=--bug=small-quorum"}));
  EXPECT_EQ(j["replay"]["command"],
            "/b/turncoat run '/p/it'\\''s.yaml' --seed=7 --replica-arg=--bug=small-quorum");
  EXPECT_EQ(j["replay"]["replica_args"], json({"--bug=small-quorum"}));
}

}  // namespace
}  // namespace turncoat
