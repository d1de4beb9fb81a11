#include "reports/json_report.h"

#include <set>

#include "model/overloaded.h"
#include "model/value_text.h"
#include "nlohmann/json.hpp"

namespace turncoat {
namespace {

using nlohmann::json;

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

json ParamToJson(const ParamValue& value) {
  return std::visit(Overloaded{
                        [](double v) { return json(v); },
                        [](const std::string& v) { return json(v); },
                        [](const std::vector<std::string>& v) { return json(v); },
                        [](absl::Duration v) { return json(absl::FormatDuration(v)); },
                        [](const std::vector<int>& v) { return json(v); },
                        [](const std::vector<std::vector<int>>& v) { return json(v); },
                    },
                    value);
}

json ParamsToJson(const Params& params) {
  json out = json::object();
  for (const auto& [name, value] : params) out[name] = ParamToJson(value);
  return out;
}

// Exact values: text when they are UTF-8, else hex under another key, as in
// the history file.
void PutValue(json& j, const std::string& value) {
  if (IsValidUtf8(value)) {
    j["value"] = value;
  } else {
    j["value_hex"] = HexEncode(value);
  }
}

json PlanToJson(const Plan& plan) {
  json timeline = json::array();
  for (size_t i = 0; i < plan.timeline.size(); ++i) {
    const Phase& p = plan.timeline[i];
    timeline.push_back({{"phase", i},
                        {"at_s", Seconds(p.at)},
                        {"for_s", Seconds(p.length)},
                        {"adversary", p.adversary},
                        {"nodes", p.nodes},
                        {"params", ParamsToJson(p.params)},
                        {"generated", p.generated}});
  }
  json expect = {{"safety", plan.expect.safety}, {"min_commits", plan.expect.min_commits}};
  if (plan.expect.commit_within.has_value()) {
    expect["commit_within_s"] = Seconds(*plan.expect.commit_within);
  }
  return {{"name", plan.name},
          {"path", plan.path},
          {"target", plan.target},
          {"replicas", plan.n},
          {"f", plan.f},
          {"byzantine", plan.byzantine},
          {"beyond_fault_bound", plan.beyond_fault_bound},
          {"seed", plan.seed},
          {"duration_s", Seconds(plan.duration)},
          {"workload",
           {{"rate_per_s", plan.workload.rate},
            {"clients", plan.workload.clients},
            {"value_bytes", plan.workload.value_bytes}}},
          {"timeline", timeline},
          {"expect", expect},
          {"trace", {{"sample_every", plan.trace_sample_every}}},
          {"generated_by", plan.generated_by},
          {"source", plan.source_text}};
}

json TimelineToJson(const Report& report) {
  json faults = json::array();
  for (const ReportFault& f : report.faults) {
    json steps = json::array();
    for (const FaultStep& step : f.interval.steps) {
      steps.push_back({{"t_s", Seconds(step.t)}, {"what", step.what}, {"nodes", step.nodes}});
    }
    json fault = {{"phase", f.interval.phase},
                  {"adversary", f.interval.adversary},
                  {"nodes", f.interval.nodes},
                  {"params", ParamsToJson(f.params)},
                  {"start_s", Seconds(f.interval.start)},
                  {"end_s", Seconds(f.interval.end)},
                  {"ended", f.interval.ended},
                  {"steps", steps}};
    if (f.planned_start.has_value()) fault["planned_start_s"] = Seconds(*f.planned_start);
    if (f.planned_end.has_value()) fault["planned_end_s"] = Seconds(*f.planned_end);
    faults.push_back(std::move(fault));
  }
  json exits = json::array();
  for (const ProcessExit& e : report.exits) {
    json j = {{"replica", e.replica}, {"t_s", Seconds(e.t)}, {"requested", e.requested}};
    if (e.exit_code.has_value()) j["exit_code"] = *e.exit_code;
    if (e.signal.has_value()) j["signal"] = *e.signal;
    if (!e.detail.empty()) j["detail"] = e.detail;
    exits.push_back(std::move(j));
  }
  const auto millis = [](const std::vector<std::optional<absl::Duration>>& v) {
    json out = json::array();
    for (const std::optional<absl::Duration>& d : v) {
      out.push_back(d.has_value() ? json(absl::ToDoubleMilliseconds(*d)) : json(nullptr));
    }
    return out;
  };
  json rate = json::object();
  for (size_t r = 0; r < report.series.commit_rate.size(); ++r) {
    rate[std::to_string(r)] = report.series.commit_rate[r];
  }
  return {
      {"faults", faults},
      {"exits", exits},
      {"bucket_s", Seconds(report.series.bucket)},
      {"commit_rate_per_s", rate},
      {"latency_ms",
       {{"p50", millis(report.series.latency_p50)}, {"p99", millis(report.series.latency_p99)}}}};
}

json StatisticsToJson(const Statistics& s) {
  json replicas = json::array();
  for (const ReplicaStats& r : s.replicas) {
    replicas.push_back({{"replica", r.replica},
                        {"byzantine", r.byzantine},
                        {"commits", r.commits},
                        {"max_seq", r.max_seq},
                        {"unrequested_exits", r.unrequested_exits}});
  }
  return {{"submissions", s.submissions},
          {"values", s.values},
          {"accepted", s.accepted},
          {"rejected", s.rejected},
          {"committed_values", s.committed_values},
          {"latency_ms",
           {{"count", s.latency.count},
            {"p50", absl::ToDoubleMilliseconds(s.latency.p50)},
            {"p90", absl::ToDoubleMilliseconds(s.latency.p90)},
            {"p99", absl::ToDoubleMilliseconds(s.latency.p99)},
            {"max", absl::ToDoubleMilliseconds(s.latency.max)}}},
          {"replicas", replicas},
          {"links", s.link_counters}};
}

json TraceToJson(const TraceCounts& trace) {
  json links = json::array();
  for (const auto& [link, actions] : trace.links) {
    int64_t messages = 0;
    for (const auto& [action, count] : actions) messages += count;
    links.push_back({{"from", link.first},
                     {"to", link.second},
                     {"messages", messages},
                     {"actions", actions}});
  }
  return {{"sample_every", trace.sample_every},
          {"messages", trace.messages},
          {"actions", json(trace.actions)},
          {"links", links}};
}

json KindsToJson(const std::map<std::string, LinkTraffic::Count>& kinds) {
  json out = json::object();
  for (const auto& [kind, count] : kinds) {
    out[kind] = {{"frames", count.frames}, {"bytes", count.bytes}};
  }
  return out;
}

json TrafficToJson(const TrafficCounts& traffic) {
  json links = json::array();
  for (const auto& [key, link] : traffic.links) {
    links.push_back({{"from", link.from},
                     {"to", link.to},
                     {"kinds", KindsToJson(link.kinds)},
                     {"unparsed_bytes", link.unparsed_bytes},
                     {"connections", link.connections},
                     {"refused", link.refused},
                     {"malformed_connections", link.malformed_connections},
                     {"oversized_messages", link.oversized_messages}});
  }
  return {{"kinds", KindsToJson(traffic.kinds)}, {"links", links}};
}

json FindingToJson(const std::string& invariant, const Finding& finding) {
  std::set<int> replicas;
  std::set<uint64_t> seqs;
  std::set<std::string> values;
  json evidence = json::array();
  for (const Observation& o : finding.evidence) {
    json j = {{"t_s", Seconds(o.t)}, {"event", o.event}};
    if (o.replica >= 0) {
      j["replica"] = o.replica;
      replicas.insert(o.replica);
    }
    if (o.seq.has_value()) {
      j["seq"] = *o.seq;
      seqs.insert(*o.seq);
    }
    if (o.value.has_value()) {
      PutValue(j, *o.value);
      values.insert(DisplayValue(*o.value));
    }
    if (!o.note.empty()) j["note"] = o.note;
    evidence.push_back(std::move(j));
  }
  return {{"invariant", invariant}, {"message", finding.message}, {"replicas", replicas},
          {"seqs", seqs},           {"values", values},           {"evidence", evidence}};
}

json EpisodeToJson(const Episode& e) {
  json faults = json::array();
  for (const ActiveFault& f : e.faults) {
    faults.push_back({{"phase", f.phase},
                      {"adversary", f.adversary},
                      {"nodes", f.nodes},
                      {"start_s", Seconds(f.start)},
                      {"end_s", Seconds(f.end)},
                      {"what", f.what}});
  }
  json examples = json::array();
  for (const Finding& f : e.examples) examples.push_back(FindingToJson(e.invariant, f));
  json logs = json::array();
  for (const ReplicaLog& log : e.logs) {
    json entries = json::array();
    for (const LogEntry& entry : log.entries) {
      json j = {{"seq", entry.seq}, {"t_s", Seconds(entry.t)}, {"cited", entry.cited}};
      PutValue(j, entry.value);
      entries.push_back(std::move(j));
    }
    logs.push_back({{"replica", log.replica}, {"entries", entries}});
  }
  json out = {{"invariant", e.invariant},
              {"kind", e.kind == InvariantKind::kSafety ? "safety" : "liveness"},
              {"began_s", Seconds(e.began)},
              {"replicas", e.replicas},
              {"faults", faults},
              {"findings", e.findings},
              {"values", e.values},
              {"summary", e.summary},
              {"why", e.why},
              {"examples", examples},
              {"logs", logs}};
  if (e.kind == InvariantKind::kSafety) {
    json messages = json::array();
    for (const MessageFate& m : e.messages) {
      json j = {{"t_s", Seconds(m.t)},
                {"from", m.from},
                {"to", m.to},
                {"method", m.method},
                {"direction", m.direction == MessageDirection::kRequest ? "request" : "response"},
                {"bytes", m.bytes},
                {"action", m.action}};
      if (!m.rule.empty()) j["rule"] = m.rule;
      messages.push_back(std::move(j));
    }
    out["message_actions"] = e.message_actions;
    out["messages"] = std::move(messages);
  }
  if (e.kind == InvariantKind::kLiveness) {
    out["first_submitted_s"] = Seconds(e.first_submitted);
    out["last_deadline_s"] = Seconds(e.last_deadline);
    out["stalled"] = e.stalled;
    out["resumed_s"] = e.resumed.has_value() ? json(Seconds(*e.resumed)) : json(nullptr);
  }
  return out;
}

json ReportToJson(const Report& report) {
  json invariants = json::array();
  json findings = json::array();
  for (const CheckResult& r : report.results) {
    json invariant = {{"name", r.invariant},
                      {"kind", r.kind == InvariantKind::kSafety ? "safety" : "liveness"},
                      {"holds", r.holds()},
                      {"violations", r.violations},
                      {"findings_shown", r.findings.size()},
                      {"checked", r.checked}};
    if (r.coverage.has_value()) {
      invariant["coverage"] = {{"judged", r.coverage->judged},
                               {"excused", r.coverage->excused}};
    }
    invariants.push_back(std::move(invariant));
    for (const Finding& f : r.findings) findings.push_back(FindingToJson(r.invariant, f));
  }
  json out = {{"format", kReportFormat},
              {"verdict", VerdictName(report.verdict())},
              {"exit_code", ExitCode(report.verdict())},
              {"inconclusive_reasons", report.inconclusive_reasons},
              {"warnings", report.warnings},
              {"plan", PlanToJson(report.plan)},
              {"target",
               {{"name", report.target_name},
                {"path", report.target_path},
                {"source", report.target_text}}},
              {"seed", report.plan.seed},
              {"versions", report.versions},
              {"run",
               {{"started_at", report.started_at},
                {"length_s", Seconds(report.length)},
                {"history_truncated", report.history_truncated}}},
              {"timeline", TimelineToJson(report)},
              {"statistics", StatisticsToJson(report.statistics)},
              {"trace", TraceToJson(report.trace)},
              {"traffic", TrafficToJson(report.traffic)},
              {"invariants", invariants},
              {"findings", findings}};
  json episodes = json::array();
  for (const Episode& e : report.episodes) episodes.push_back(EpisodeToJson(e));
  out["episodes"] = std::move(episodes);
  if (!report.harness_error.empty()) out["error"] = report.harness_error;
  if (report.replay.has_value()) out["replay"] = ReplaySpecToJson(*report.replay);
  if (report.ready.has_value()) out["run"]["ready_s"] = Seconds(*report.ready);
  if (report.calibration.has_value()) {
    const Calibration& c = *report.calibration;
    json& j = out["run"]["calibration"];
    j["t_s"] = Seconds(c.t);
    j["commit_rate_per_s"] = c.commit_rate;
    j["latency_p50_ms"] = absl::ToDoubleMilliseconds(c.latency_p50);
    j["latency_p99_ms"] = absl::ToDoubleMilliseconds(c.latency_p99);
    j["rate_per_s"] = c.rate;
    if (c.commit_within.has_value()) j["commit_within_s"] = Seconds(*c.commit_within);
  }
  return out;
}

}  // namespace

std::string RenderJsonReport(const Report& report) {
  return ReportToJson(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace turncoat
