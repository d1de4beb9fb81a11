#include "loaders/plan_writer.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "model/overloaded.h"
#include "re2/re2.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

// The shortest decimal that reads back as the same double: a plan's 0.3
// stays "0.3", and a computed rate loses nothing.
std::string Number(double v) {
  if (const std::string text = absl::StrCat(v); std::strtod(text.c_str(), nullptr) == v) {
    return text;
  }
  for (int precision = 7; precision <= 17; ++precision) {
    const std::string text = absl::StrFormat("%.*g", precision, v);
    if (std::strtod(text.c_str(), nullptr) == v) return text;
  }
  return absl::StrFormat("%.17g", v);
}

std::string Duration(absl::Duration d) { return absl::FormatDuration(d); }

// A YAML scalar that reads back as `s`: plain when nothing in it means
// anything to YAML, double-quoted otherwise.
std::string Scalar(const std::string& s) {
  static const LazyRE2 kPlain = {R"([A-Za-z0-9_./][A-Za-z0-9_./+-]*)"};
  if (RE2::FullMatch(s, *kPlain)) return s;
  std::string quoted = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (c == '\n') {
      quoted += "\\n";
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

std::string Ints(const std::vector<int>& v) { return absl::StrCat("[", absl::StrJoin(v, ", "), "]"); }

std::string Value(const ParamValue& value) {
  return std::visit(
      Overloaded{
          [](double v) { return Number(v); },
          [](const std::string& v) { return Scalar(v); },
          [](const std::vector<std::string>& v) {
            std::vector<std::string> items;
            for (const std::string& s : v) items.push_back(Scalar(s));
            return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
          },
          [](absl::Duration v) { return Duration(v); },
          [](const std::vector<int>& v) { return Ints(v); },
          [](const std::vector<std::vector<int>>& v) {
            std::vector<std::string> groups;
            for (const std::vector<int>& g : v) groups.push_back(Ints(g));
            return absl::StrCat("[", absl::StrJoin(groups, ", "), "]");
          },
      },
      value);
}

std::string PhaseLine(const Phase& phase) {
  std::vector<std::string> keys;
  if (phase.rounds.has_value()) {
    const RoundSpan& r = *phase.rounds;
    keys.push_back(r.first == r.last ? absl::StrCat("rounds: ", r.first)
                                     : absl::StrCat("rounds: ", r.first, "..", r.last));
  }
  if (phase.leader.has_value()) {
    keys.push_back(phase.leader == LeaderChoice::kSelf ? "leader: self" : "leader: other");
  }
  if (!phase.rounds.has_value() || phase.at != absl::ZeroDuration()) {
    keys.push_back(absl::StrCat("at: ", Duration(phase.at)));
  }
  keys.push_back(absl::StrCat("for: ", Duration(phase.length)));
  keys.push_back(absl::StrCat("adversary: ", Scalar(phase.adversary)));
  if (!phase.nodes.empty()) keys.push_back(absl::StrCat("nodes: ", Ints(phase.nodes)));
  if (!phase.params.empty()) {
    std::vector<std::string> params;
    for (const auto& [name, value] : phase.params) {
      params.push_back(absl::StrCat(Scalar(name), ": ", Value(value)));
    }
    keys.push_back(absl::StrCat("params: { ", absl::StrJoin(params, ", "), " }"));
  }
  return absl::StrCat("  - { ", absl::StrJoin(keys, ", "), " }\n");
}

std::string Comment(const std::string& text) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    out += line.empty() ? "#\n" : absl::StrCat("# ", line, "\n");
  }
  return out;
}

}  // namespace

std::string WritePlan(const Plan& plan, const WritePlanOptions& options) {
  std::string out;
  if (!options.header.empty()) out += Comment(options.header);
  std::string target = plan.target;
  if (!options.relative_to.empty()) {
    target = fs::absolute(plan.target)
                 .lexically_normal()
                 .lexically_relative(fs::absolute(options.relative_to).lexically_normal())
                 .string();
  }
  absl::StrAppend(&out, "name: ", Scalar(plan.name), "\n", "target: ", Scalar(target), "\n",
                  "replicas: ", plan.n, "\n");
  if (plan.f != FaultBound(plan.n)) absl::StrAppend(&out, "f: ", plan.f, "\n");
  // A plan that leaves its Byzantine replicas to its generators names none.
  if (!plan.draw_byzantine) absl::StrAppend(&out, "byzantine: ", Ints(plan.byzantine), "\n");
  if (plan.beyond_fault_bound) out += "beyond_fault_bound: true\n";
  absl::StrAppend(&out, "seed: ", plan.seed, "\n", "duration: ", Duration(plan.duration), "\n");

  const Workload& w = plan.workload;
  std::vector<std::string> workload;
  if (w.rate_auto) {
    workload = {"rate: auto", absl::StrCat("share: ", Number(w.share)),
                absl::StrCat("warmup: ", Duration(w.warmup))};
  } else {
    workload = {absl::StrCat("rate: ", Number(w.rate), "/s")};
  }
  workload.push_back(absl::StrCat("clients: ", w.clients));
  workload.push_back(absl::StrCat("value_bytes: ", w.value_bytes));
  absl::StrAppend(&out, "workload: { ", absl::StrJoin(workload, ", "), " }\n");
  if (plan.delta.has_value()) {
    absl::StrAppend(&out, "network: { delta: ", Duration(*plan.delta), " }\n");
  }

  if (!plan.generated_by.empty()) {
    out += Comment(absl::StrCat("generated by ", plan.generated_by,
                                "; its phases, as drawn, are listed as ordinary phases"));
  }
  if (!plan.timeline.empty()) {
    out += "timeline:\n";
    for (const Phase& phase : plan.timeline) out += PhaseLine(phase);
  }
  if (!plan.generate.empty()) {
    out += "generate:\n";
    for (const GeneratorCall& call : plan.generate) {
      std::vector<std::string> params;
      for (const auto& [name, value] : call.params) {
        params.push_back(absl::StrCat(Scalar(name), ": ", Value(value)));
      }
      absl::StrAppend(&out, "  ", Scalar(call.name), ": { ", absl::StrJoin(params, ", "), " }\n");
    }
  }

  const Expectations& e = plan.expect;
  std::vector<std::string> safety;
  for (const std::string& s : e.safety) safety.push_back(Scalar(s));
  absl::StrAppend(&out, "expect:\n  safety: [", absl::StrJoin(safety, ", "), "]\n");
  if (e.commit_within_factor.has_value()) {
    absl::StrAppend(&out, "  liveness: { commit_within: ", Number(*e.commit_within_factor),
                    "x }\n");
  } else if (e.commit_within.has_value()) {
    absl::StrAppend(&out, "  liveness: { commit_within: ", Duration(*e.commit_within), " }\n");
  }
  if (e.min_commits != kDefaultMinCommits) {
    absl::StrAppend(&out, "  min_commits: ", e.min_commits, "\n");
  }
  if (plan.trace_sample_every != 0) {
    absl::StrAppend(&out, "trace: { sample_every: ", plan.trace_sample_every, " }\n");
  }
  return out;
}

}  // namespace turncoat
