#include "loaders/plan_loader.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "checkers/checker.h"
#include "common/file_io.h"
#include "loaders/yaml_reader.h"
#include "model/adversary_registry.h"
#include "model/generator_registry.h"
#include "model/status_macros.h"
#include "re2/re2.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

// Every replica gets n-1 link proxies, so n*(n-1) ports per run; beyond this
// a typo ("400") is likelier than intent.
constexpr int kMaxReplicas = 64;
constexpr int kMaxClients = 1024;
// Values carry a unique client/sequence prefix; see docs/plan-format.md.
constexpr int kMinValueBytes = 16;
constexpr int kMaxValueBytes = 1 << 20;
constexpr int kDefaultValueBytes = 32;
// Coarser sampling than this would leave a run's trace all but empty.
constexpr int64_t kMaxTraceSampleEvery = 1000000;
// More commits than a run at any plausible rate reaches is a typo.
constexpr int64_t kMaxMinCommits = 1000000000;
// A plan names rounds after the timeline starts; a million covers any run.
constexpr int64_t kMaxRound = 1000000;

std::string Plural(size_t count, absl::string_view noun) {
  return absl::StrCat(count, " ", noun, count == 1 ? "" : "s");
}

// Checks one plan file against the format and fills `plan`.
class PlanParser {
 public:
  PlanParser(const YamlReader& reader, Plan* plan) : r_(reader), plan_(*plan) {}

  absl::Status Parse() {
    TURNCOAT_ASSIGN_OR_RETURN(
        const YamlMap root,
        r_.Map(r_.root(), {"name", "target", "replicas", "f", "byzantine", "beyond_fault_bound",
                           "seed", "duration", "workload", "network", "timeline", "generate",
                           "expect", "trace"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField name, root.Require("name"));
    TURNCOAT_ASSIGN_OR_RETURN(plan_.name, r_.String(name));
    if (!RE2::FullMatch(plan_.name, "[A-Za-z0-9][A-Za-z0-9._-]*")) {
      return r_.Error(name, "expected a name of letters, digits, '.', '_' and '-'");
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField target, root.Require("target"));
    TURNCOAT_RETURN_IF_ERROR(ParseTarget(target));

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField replicas, root.Require("replicas"));
    TURNCOAT_ASSIGN_OR_RETURN(const int64_t n, r_.Int(replicas, 1, kMaxReplicas));
    plan_.n = static_cast<int>(n);
    TURNCOAT_RETURN_IF_ERROR(ParseFaultBound(root));

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField seed, root.Require("seed"));
    TURNCOAT_ASSIGN_OR_RETURN(plan_.seed, r_.Uint64(seed));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField duration, root.Require("duration"));
    TURNCOAT_ASSIGN_OR_RETURN(plan_.duration, r_.Duration(duration));
    if (plan_.duration <= absl::ZeroDuration()) {
      return r_.Error(duration, "expected a positive duration such as 40s");
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField workload, root.Require("workload"));
    TURNCOAT_RETURN_IF_ERROR(ParseWorkload(workload));
    if (root.Has("network")) TURNCOAT_RETURN_IF_ERROR(ParseNetwork(root.Get("network")));
    if (root.Has("timeline")) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> phases,
                                r_.Sequence(root.Get("timeline")));
      for (const YamlField& phase : phases) TURNCOAT_RETURN_IF_ERROR(ParsePhase(phase));
    }
    if (root.Has("generate")) {
      TURNCOAT_RETURN_IF_ERROR(ParseGenerate(root.Get("generate")));
      plan_.draw_byzantine = !root.Has("byzantine");
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField expect, root.Require("expect"));
    TURNCOAT_RETURN_IF_ERROR(ParseExpect(expect));
    if (root.Has("trace")) TURNCOAT_RETURN_IF_ERROR(ParseTrace(root.Get("trace")));
    return absl::OkStatus();
  }

 private:
  absl::Status ParseTarget(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const std::string target, r_.String(at));
    plan_.target = (fs::path(plan_.path).parent_path() / target).lexically_normal().string();
    std::error_code ec;
    if (!fs::is_regular_file(plan_.target, ec)) {
      return r_.Error(at, absl::StrCat("no target file at ", plan_.target,
                                       "; a relative path is relative to the plan's directory"));
    }
    return absl::OkStatus();
  }

  // `f`, `byzantine` and `beyond_fault_bound`. A plan beyond the bound
  // (n < 3f+1, or more than f Byzantine replicas) must declare it, so that
  // nobody mistakes its violations for bugs; a plan within the bound must
  // not, so the flag never goes stale.
  absl::Status ParseFaultBound(const YamlMap& root) {
    plan_.f = FaultBound(plan_.n);
    if (root.Has("f")) {
      // Up to n - 1: a quorum of n - f votes must need at least one replica.
      TURNCOAT_ASSIGN_OR_RETURN(const int64_t f, r_.Int(root.Get("f"), 0, plan_.n - 1));
      plan_.f = static_cast<int>(f);
    }
    if (root.Has("byzantine")) {
      TURNCOAT_ASSIGN_OR_RETURN(plan_.byzantine,
                                r_.DistinctIntList(root.Get("byzantine"), 0, plan_.n - 1));
    }
    if (root.Has("beyond_fault_bound")) {
      TURNCOAT_ASSIGN_OR_RETURN(plan_.beyond_fault_bound, r_.Bool(root.Get("beyond_fault_bound")));
    }
    // Only an explicit f can break n >= 3f+1; FaultBound(n) never does.
    const bool too_small = plan_.n < 3 * plan_.f + 1;
    if (too_small && !plan_.beyond_fault_bound) {
      return r_.Error(root.Get("f"),
                      absl::StrCat("f = ", plan_.f, " needs n >= 3f+1 = ", 3 * plan_.f + 1,
                                   " replicas, but replicas is ", plan_.n, "; lower f to ",
                                   FaultBound(plan_.n),
                                   ", or set beyond_fault_bound: true to go beyond the bound on "
                                   "purpose"));
    }
    const size_t count = plan_.byzantine.size();
    const bool too_many = count > static_cast<size_t>(plan_.f);
    if (too_many && !plan_.beyond_fault_bound) {
      const std::string whose_f =
          root.Has("f") ? absl::StrCat("the plan's f = ", plan_.f)
                        : absl::StrCat("f = ", plan_.f, " for n = ", plan_.n, " (f = (n-1)/3)");
      return r_.Error(root.Get("byzantine"),
                      absl::StrCat(Plural(count, "Byzantine replica"),
                                   count == 1 ? " exceeds " : " exceed ", whose_f,
                                   "; remove some, or set beyond_fault_bound: true to go beyond "
                                   "the bound on purpose"));
    }
    if (!too_small && !too_many && plan_.beyond_fault_bound) {
      return r_.Error(
          root.Get("beyond_fault_bound"),
          absl::StrCat("the byzantine set (", Plural(count, "replica"), ") is within f = ", plan_.f,
                       " for n = ", plan_.n, "; remove beyond_fault_bound"));
    }
    return absl::OkStatus();
  }

  absl::Status ParseWorkload(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(
        const YamlMap map, r_.Map(at, {"rate", "clients", "value_bytes", "share", "warmup"}));
    Workload& w = plan_.workload;
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField rate, map.Require("rate"));
    if (rate.node.IsScalar() && rate.node.Scalar() == "auto") {
      w.rate_auto = true;
    } else {
      TURNCOAT_ASSIGN_OR_RETURN(w.rate, r_.Rate(rate));
    }
    for (const char* key : {"share", "warmup"}) {
      if (map.Has(key) && !w.rate_auto) {
        return r_.Error(map.Get(key), absl::StrCat(key, " goes with rate: auto; remove it"));
      }
    }
    if (map.Has("share")) {
      TURNCOAT_ASSIGN_OR_RETURN(w.share, r_.Number(map.Get("share"), 0.01, 1.0));
    }
    if (map.Has("warmup")) {
      const YamlField warmup = map.Get("warmup");
      TURNCOAT_ASSIGN_OR_RETURN(w.warmup, r_.Duration(warmup));
      if (w.warmup < absl::Seconds(1)) {
        return r_.Error(warmup, "expected at least 1s: a shorter warm-up measures nothing");
      }
    }
    w.clients = 1;
    if (map.Has("clients")) {
      TURNCOAT_ASSIGN_OR_RETURN(const int64_t clients, r_.Int(map.Get("clients"), 1, kMaxClients));
      w.clients = static_cast<int>(clients);
    }
    w.value_bytes = kDefaultValueBytes;
    if (map.Has("value_bytes")) {
      TURNCOAT_ASSIGN_OR_RETURN(const int64_t bytes,
                                r_.Int(map.Get("value_bytes"), kMinValueBytes, kMaxValueBytes));
      w.value_bytes = static_cast<int>(bytes);
    }
    return absl::OkStatus();
  }

  absl::Status ParsePhase(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(at, {"at", "for", "rounds", "leader", "adversary", "nodes", "params"}));
    Phase phase;
    phase.line = at.mark.line >= 0 ? at.mark.line + 1 : 0;
    if (map.Has("rounds")) {
      TURNCOAT_ASSIGN_OR_RETURN(phase.rounds, ParseRounds(map.Get("rounds")));
    }
    if (map.Has("leader")) {
      TURNCOAT_ASSIGN_OR_RETURN(phase.leader, ParseLeader(map.Get("leader"), phase));
    }
    // A phase keyed to rounds may wait for them from the timeline's start.
    phase.at = absl::ZeroDuration();
    if (!phase.rounds.has_value() || map.Has("at")) {
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField start, map.Require("at"));
      TURNCOAT_ASSIGN_OR_RETURN(phase.at, r_.Duration(start));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField length, map.Require("for"));
    TURNCOAT_ASSIGN_OR_RETURN(phase.length, r_.Duration(length));
    if (phase.length <= absl::ZeroDuration()) {
      return r_.Error(length, "expected a positive duration such as 5s");
    }
    if (phase.end() > plan_.duration) {
      return r_.Error(length, absl::StrCat("the phase ends at ", absl::FormatDuration(phase.end()),
                                           ", after the run's duration of ",
                                           absl::FormatDuration(plan_.duration),
                                           "; expected at + for <= duration"));
    }

    TURNCOAT_ASSIGN_OR_RETURN(const YamlField adversary, map.Require("adversary"));
    TURNCOAT_ASSIGN_OR_RETURN(phase.adversary, r_.String(adversary));
    const AdversaryInfo* info = AdversaryRegistry::Global().Find(phase.adversary);
    if (info == nullptr) {
      return r_.Error(adversary,
                      absl::StrCat("unknown adversary '", phase.adversary, "'; known: ",
                                   absl::StrJoin(AdversaryRegistry::Global().Names(), ", ")));
    }
    if (phase.rounds.has_value() && !info->round_keyed) {
      std::vector<std::string> keyable;
      for (const std::string& name : AdversaryRegistry::Global().Names()) {
        if (AdversaryRegistry::Global().Find(name)->round_keyed) keyable.push_back(name);
      }
      return r_.Error(map.Get("rounds"),
                      absl::StrCat("adversary '", phase.adversary,
                                   "' cannot be keyed to rounds (its faults are not link rules "
                                   "alone); remove `rounds` and time it with at/for, or use one "
                                   "of: ",
                                   absl::StrJoin(keyable, ", ")));
    }
    TURNCOAT_RETURN_IF_ERROR(ParseNodes(map, *info, &phase));
    TURNCOAT_RETURN_IF_ERROR(ParseParams(map, *info, &phase));
    plan_.timeline.push_back(std::move(phase));
    return absl::OkStatus();
  }

  // `self` or `other`; who leads is known per round, so only with `rounds`.
  absl::StatusOr<LeaderChoice> ParseLeader(const YamlField& at, const Phase& phase) {
    const std::string text = at.node.IsScalar() ? at.node.Scalar() : "";
    if (text != "self" && text != "other") {
      return r_.Error(at, absl::StrCat("expected self (act on a message of round k only when its "
                                       "sender leads round k) or other (only when it does not); "
                                       "got ",
                                       DescribeYaml(at.node)));
    }
    if (!phase.rounds.has_value()) {
      return r_.Error(at, "`leader` says who leads the rounds the phase is keyed to, and this "
                          "phase has no `rounds`; add `rounds: K` (or K..L), or remove `leader`");
    }
    return text == "self" ? LeaderChoice::kSelf : LeaderChoice::kOther;
  }

  // `3..4` (rounds 3 and 4) or `3` (round 3 alone), counted from 1.
  absl::StatusOr<RoundSpan> ParseRounds(const YamlField& at) {
    const std::string text = at.node.IsScalar() ? at.node.Scalar() : "";
    const std::string expected = absl::StrCat(
        "expected a range of protocol rounds such as 3..4 (the 3rd and 4th rounds after the "
        "timeline starts), or one round such as 3, from 1 to ",
        kMaxRound, "; got ", DescribeYaml(at.node));
    const size_t dots = text.find("..");
    const std::string first = text.substr(0, dots);
    const std::string last = dots == std::string::npos ? first : text.substr(dots + 2);
    RoundSpan span;
    if (!absl::SimpleAtoi(first, &span.first) || !absl::SimpleAtoi(last, &span.last) ||
        std::min(span.first, span.last) < 1 || std::max(span.first, span.last) > kMaxRound) {
      return r_.Error(at, expected);
    }
    if (span.first > span.last) {
      return r_.Error(at, absl::StrCat("round range ", text,
                                       " is empty; write the earlier round first, e.g. ",
                                       span.last, "..", span.first));
    }
    return span;
  }

  absl::Status ParseNodes(const YamlMap& phase_map, const AdversaryInfo& info, Phase* phase) {
    if (info.nodes == NodeRule::kNone) {
      if (phase_map.Has("nodes")) {
        return r_.Error(phase_map.Get("nodes"),
                        absl::StrCat("adversary '", info.name,
                                     "' takes no nodes (it acts on links); remove the key"));
      }
      return absl::OkStatus();
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField nodes, phase_map.Require("nodes"));
    TURNCOAT_ASSIGN_OR_RETURN(phase->nodes, r_.DistinctIntList(nodes, 0, plan_.n - 1));
    if (phase->nodes.empty()) {
      return r_.Error(
          nodes, absl::StrCat("expected at least one replica for adversary '", info.name, "'"));
    }
    if (info.nodes == NodeRule::kByzantine) {
      TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> items, r_.Sequence(nodes));
      for (size_t i = 0; i < items.size(); ++i) {
        if (!plan_.IsByzantine(phase->nodes[i])) {
          return r_.Error(items[i], absl::StrCat("replica ", phase->nodes[i],
                                                 " is honest, but adversary '", info.name,
                                                 "' speaks only for Byzantine replicas; "
                                                 "byzantine is [",
                                                 absl::StrJoin(plan_.byzantine, ", "), "]"));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseParams(const YamlMap& phase_map, const AdversaryInfo& info, Phase* phase) {
    const std::string who = absl::StrCat("adversary '", info.name, "'");
    if (!phase_map.Has("params")) return CheckRequired(info.params, who, phase_map.field(), {});
    TURNCOAT_ASSIGN_OR_RETURN(phase->params,
                              ParseParamMap(phase_map.Get("params"), info.params, who));
    return absl::OkStatus();
  }

  // The parameters in `at`, each checked against its spec in `specs`; `who`
  // ("adversary 'delay'") names their owner in errors.
  absl::StatusOr<Params> ParseParamMap(const YamlField& at, const std::vector<ParamSpec>& specs,
                                       const std::string& who) {
    std::vector<std::string> names;
    for (const ParamSpec& p : specs) names.push_back(p.name);
    if (names.empty()) {
      return r_.Error(at, absl::StrCat(who, " takes no parameters; remove the key"));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, names));
    Params params;
    for (const ParamSpec& spec : specs) {
      if (!map.Has(spec.name)) continue;
      const YamlField field = map.Get(spec.name);
      TURNCOAT_ASSIGN_OR_RETURN(params[spec.name], ParseParam(field, spec.kind));
      TURNCOAT_RETURN_IF_ERROR(CheckChoices(field, spec, params[spec.name]));
    }
    TURNCOAT_RETURN_IF_ERROR(CheckRequired(specs, who, at, params));
    return params;
  }

  absl::Status CheckRequired(const std::vector<ParamSpec>& specs, const std::string& who,
                             const YamlField& at, const Params& params) {
    for (const ParamSpec& spec : specs) {
      if (spec.required && params.count(spec.name) == 0) {
        return r_.Error(at, absl::StrCat(who, " needs parameter '", spec.name, "' (",
                                         ParamKindName(spec.kind), ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckChoices(const YamlField& at, const ParamSpec& spec, const ParamValue& value) {
    if (spec.choices.empty()) return absl::OkStatus();
    std::vector<std::string> given;
    if (const auto* one = std::get_if<std::string>(&value)) given.push_back(*one);
    if (const auto* many = std::get_if<std::vector<std::string>>(&value)) given = *many;
    for (const std::string& v : given) {
      if (std::find(spec.choices.begin(), spec.choices.end(), v) == spec.choices.end()) {
        return r_.Error(at, absl::StrCat("'", v, "' is not a value of ", spec.name,
                                         "; expected one of ", absl::StrJoin(spec.choices, ", ")));
      }
    }
    return absl::OkStatus();
  }

  // `generate: { byzzfuzz: { c: 1, d: 1 }, mixed: {} }`: each key a
  // generator, its value its parameters.
  absl::Status ParseGenerate(const YamlField& at) {
    const GeneratorRegistry& registry = GeneratorRegistry::Global();
    const std::string known = absl::StrJoin(registry.Names(), ", ");
    if (!at.node.IsMap() || at.node.size() == 0) {
      return r_.Error(at, absl::StrCat("expected a mapping from generator to parameters such as "
                                       "{ byzzfuzz: { c: 1, d: 1, r: 8 } }; generators: ",
                                       known));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, registry.Names()));
    for (const std::string& name : registry.Names()) {
      if (!map.Has(name)) continue;
      const YamlField field = map.Get(name);
      GeneratorCall call;
      call.name = name;
      call.line = field.mark.line >= 0 ? field.mark.line + 1 : 0;
      const GeneratorInfo* info = registry.Find(name);
      const bool empty = field.node.IsNull() || (field.node.IsMap() && field.node.size() == 0);
      if (!empty) {
        TURNCOAT_ASSIGN_OR_RETURN(call.params,
                                  ParseParamMap(field, info->params,
                                                absl::StrCat("generator '", name, "'")));
      } else {
        TURNCOAT_RETURN_IF_ERROR(
            CheckRequired(info->params, absl::StrCat("generator '", name, "'"), field, {}));
      }
      plan_.generate.push_back(std::move(call));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ParamValue> ParseParam(const YamlField& at, ParamKind kind) {
    switch (kind) {
      case ParamKind::kWhole: {
        TURNCOAT_ASSIGN_OR_RETURN(const double whole, r_.Number(at, 0, 1000));
        if (whole != static_cast<int>(whole)) {
          return r_.Error(at, absl::StrCat("expected ", ParamKindName(kind), ", got ", whole));
        }
        return whole;
      }
      case ParamKind::kProbability:
        return r_.Number(at, 0, 1);
      case ParamKind::kCount: {
        TURNCOAT_ASSIGN_OR_RETURN(const double count, r_.Number(at, 1, 100));
        if (count != static_cast<int>(count)) {
          return r_.Error(at, absl::StrCat("expected ", ParamKindName(kind), ", got ", count));
        }
        return count;
      }
      case ParamKind::kString:
        return r_.String(at);
      case ParamKind::kStringList:
        return r_.StringList(at);
      case ParamKind::kDuration:
        return r_.Duration(at);
      case ParamKind::kNodes:
        return r_.DistinctIntList(at, 0, plan_.n - 1);
      case ParamKind::kNodeGroups:
        return ParseNodeGroups(at);
      case ParamKind::kByteRate:
        return r_.ByteRate(at);
    }
    return r_.Error(at, "parameter of unknown kind");
  }

  absl::StatusOr<ParamValue> ParseNodeGroups(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> items, r_.Sequence(at));
    std::vector<std::vector<int>> groups;
    std::set<int> seen;
    for (const YamlField& item : items) {
      TURNCOAT_ASSIGN_OR_RETURN(std::vector<int> group, r_.DistinctIntList(item, 0, plan_.n - 1));
      for (int node : group) {
        if (!seen.insert(node).second) {
          return r_.Error(
              item, absl::StrCat("replica ", node, " is in two groups; expected disjoint groups"));
        }
      }
      groups.push_back(std::move(group));
    }
    return groups;
  }

  absl::Status ParseExpect(const YamlField& at) {
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map,
                              r_.Map(at, {"safety", "liveness", "min_commits"}));
    const CheckerRegistry& checkers = CheckerRegistry::Global();
    const std::string known = absl::StrJoin(checkers.Names(InvariantKind::kSafety), ", ");
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField safety, map.Require("safety"));
    TURNCOAT_ASSIGN_OR_RETURN(const std::vector<YamlField> items, r_.Sequence(safety));
    for (const YamlField& item : items) {
      TURNCOAT_ASSIGN_OR_RETURN(std::string name, r_.String(item));
      const CheckerInfo* checker = checkers.Find(name);
      if (checker == nullptr) {
        return r_.Error(item,
                        absl::StrCat("unknown invariant '", name, "'; safety invariants: ", known));
      }
      if (checker->kind != InvariantKind::kSafety) {
        return r_.Error(item, absl::StrCat("'", name,
                                           "' is not a safety invariant; set "
                                           "expect.liveness.commit_within to check liveness"));
      }
      for (const std::string& listed : plan_.expect.safety) {
        if (listed == name) {
          return r_.Error(item, absl::StrCat("'", name, "' is listed twice; list it once"));
        }
      }
      plan_.expect.safety.push_back(std::move(name));
    }
    if (map.Has("liveness")) {
      TURNCOAT_ASSIGN_OR_RETURN(const YamlMap liveness,
                                r_.Map(map.Get("liveness"), {"commit_within"}));
      TURNCOAT_ASSIGN_OR_RETURN(const YamlField within, liveness.Require("commit_within"));
      // `10x`: relative to the commit latency rate: auto measured.
      if (within.node.IsScalar() && absl::EndsWith(within.node.Scalar(), "x")) {
        const std::string text = within.node.Scalar();
        double factor;
        if (!absl::SimpleAtod(absl::string_view(text).substr(0, text.size() - 1), &factor) ||
            !(factor >= 1 && factor <= 1000)) {
          return r_.Error(within, "expected a factor such as 10x (1x to 1000x) or a duration");
        }
        if (!plan_.workload.rate_auto) {
          return r_.Error(within, "a bound relative to the measured commit latency needs "
                                  "workload.rate: auto, which measures it; give a duration");
        }
        plan_.expect.commit_within_factor = factor;
        return ParseMinCommits(map);
      }
      TURNCOAT_ASSIGN_OR_RETURN(const absl::Duration bound, r_.Duration(within));
      if (bound <= absl::ZeroDuration() || bound >= plan_.duration) {
        return r_.Error(within, absl::StrCat("expected a positive duration shorter than the "
                                             "run's duration of ",
                                             absl::FormatDuration(plan_.duration),
                                             ", or no commit could ever be due"));
      }
      // A bound no longer than one message's delay would accuse a target
      // that does everything right.
      if (plan_.delta.has_value() && bound <= *plan_.delta) {
        return r_.Error(within, absl::StrCat("the bound ", absl::FormatDuration(bound),
                                             " is no longer than network.delta (",
                                             absl::FormatDuration(*plan_.delta),
                                             "), the delay of a single message; give a bound "
                                             "that covers the target's rounds and view "
                                             "timeouts under that delay"));
      }
      plan_.expect.commit_within = bound;
    }
    return ParseMinCommits(map);
  }

  absl::Status ParseMinCommits(const YamlMap& map) {
    if (map.Has("min_commits")) {
      TURNCOAT_ASSIGN_OR_RETURN(plan_.expect.min_commits,
                                r_.Int(map.Get("min_commits"), 0, kMaxMinCommits));
    }
    return absl::OkStatus();
  }

  // A mapping, so the network's other properties can join Δ later without
  // a second spelling of it.
  absl::Status ParseNetwork(const YamlField& at) {
    if (!at.node.IsMap()) {
      return r_.Error(at, absl::StrCat("expected a mapping such as { delta: 500ms } (the most a "
                                       "message may be delayed on a network the target must "
                                       "make progress through); got ",
                                       DescribeYaml(at.node)));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, {"delta"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField delta, map.Require("delta"));
    TURNCOAT_ASSIGN_OR_RETURN(const absl::Duration bound, r_.Duration(delta));
    if (bound <= absl::ZeroDuration() || bound >= plan_.duration) {
      return r_.Error(delta, absl::StrCat("expected a positive duration shorter than the run's "
                                          "duration of ",
                                          absl::FormatDuration(plan_.duration), ", e.g. 500ms"));
    }
    plan_.delta = bound;
    return absl::OkStatus();
  }

  // A mapping rather than a bare number, which could be read as a count or
  // a rate just as well as one-in-N.
  absl::Status ParseTrace(const YamlField& at) {
    if (!at.node.IsMap()) {
      return r_.Error(at, absl::StrCat("expected a mapping such as { sample_every: 10 } (one "
                                       "message in 10 traced; 1 traces every message); got ",
                                       DescribeYaml(at.node)));
    }
    TURNCOAT_ASSIGN_OR_RETURN(const YamlMap map, r_.Map(at, {"sample_every"}));
    TURNCOAT_ASSIGN_OR_RETURN(const YamlField every, map.Require("sample_every"));
    // No 0: leaving the key out is how a plan turns tracing off.
    TURNCOAT_ASSIGN_OR_RETURN(const int64_t n, r_.Int(every, 1, kMaxTraceSampleEvery));
    plan_.trace_sample_every = static_cast<uint32_t>(n);
    return absl::OkStatus();
  }

  const YamlReader& r_;
  Plan& plan_;
};

}  // namespace

absl::StatusOr<Plan> ParsePlan(absl::string_view text, const std::string& path) {
  TURNCOAT_ASSIGN_OR_RETURN(const YamlReader reader, YamlReader::Parse(text, path));
  Plan plan;
  plan.path = path;
  plan.source_text = std::string(text);
  TURNCOAT_RETURN_IF_ERROR(PlanParser(reader, &plan).Parse());
  return plan;
}

absl::StatusOr<Plan> LoadPlanFile(const std::string& path) {
  TURNCOAT_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  return ParsePlan(text, path);
}

}  // namespace turncoat
