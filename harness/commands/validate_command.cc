#include "harness/commands/validate_command.h"

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/file_io.h"
#include "loaders/plan_loader.h"
#include "loaders/target_loader.h"
#include "loaders/yaml_reader.h"
#include "model/exit_codes.h"

namespace turncoat {
namespace {

enum class FileKind { kPlan, kTarget };

// Only a plan has `target` and only a target has `replica`, so one key each
// tells them apart before the strict loader sees the file. `target` is
// checked first: a plan that misspells `replicas` as `replica` must still
// be read as a plan, to be told about the typo.
absl::StatusOr<FileKind> Classify(const std::string& path, const std::string& text) {
  absl::StatusOr<YamlReader> reader = YamlReader::Parse(text, path);
  if (!reader.ok()) return reader.status();
  const YAML::Node& root = reader->root().node;
  if (root.IsMap() && root["target"]) return FileKind::kPlan;
  if (root.IsMap() && root["replica"]) return FileKind::kTarget;
  return absl::InvalidArgumentError(
      absl::StrCat(path,
                   ": neither a plan nor a target; a plan has a top-level 'target' key, a target a "
                   "top-level 'replica' key"));
}

// One drawn phase, as a line a person reads: when, who, what.
std::string DescribeDrawn(const Phase& phase) {
  std::string when =
      phase.rounds.has_value()
          ? absl::StrCat("rounds ", phase.rounds->first, "..", phase.rounds->last)
          : absl::StrCat("at ", absl::FormatDuration(phase.at), " for ",
                         absl::FormatDuration(phase.length));
  std::vector<std::string> params;
  for (const auto& [name, value] : phase.params) {
    params.push_back(absl::StrCat(name, ": ", FormatParamValue(value)));
  }
  return absl::StrCat("drawn: ", when, ", ", phase.adversary,
                      phase.nodes.empty() ? "" : absl::StrCat(" [", absl::StrJoin(phase.nodes, ", "), "]"),
                      params.empty() ? "" : absl::StrCat(" { ", absl::StrJoin(params, ", "), " }"));
}

// The summary line of a valid file, then the phases its generators drew
// and any notes on it.
absl::StatusOr<std::string> Validate(const std::string& path, const PlanCheck& check,
                                     const PlanNotes& notes) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<FileKind> kind = Classify(path, *text);
  if (!kind.ok()) return kind.status();
  if (*kind == FileKind::kTarget) {
    absl::StatusOr<TargetSpec> target = ParseTarget(*text, path);
    if (!target.ok()) return target.status();
    return absl::StrCat("target ", target->name, ", ", target->protocol.protos.size(),
                        " proto file", target->protocol.protos.size() == 1 ? "" : "s");
  }
  absl::StatusOr<Plan> plan = ParsePlan(*text, path);
  if (!plan.ok()) return plan.status();
  absl::StatusOr<TargetSpec> target = LoadTargetFile(plan->target);
  if (!target.ok()) return target.status();
  if (check != nullptr) {
    if (absl::Status s = check(&*plan, *target); !s.ok()) return s;
  }
  std::string summary = absl::StrCat(
      "plan ", plan->name, " on target ", target->name, ": n = ", plan->n, ", f = ", plan->f,
      ", Byzantine [", absl::StrJoin(plan->byzantine, ", "), "], ", plan->timeline.size(),
      " phase", plan->timeline.size() == 1 ? "" : "s", ", ", absl::FormatDuration(plan->duration),
      plan->delta.has_value() ? absl::StrCat(", delta ", absl::FormatDuration(*plan->delta)) : "",
      plan->generated_by.empty() ? "" : absl::StrCat(" (drawn: ", plan->generated_by, ")"));
  for (const Phase& phase : plan->timeline) {
    if (phase.generated) absl::StrAppend(&summary, "\n  ", DescribeDrawn(phase));
  }
  if (notes != nullptr) {
    for (const std::string& note : notes(*plan, *target)) absl::StrAppend(&summary, "\n  ", note);
  }
  return summary;
}

}  // namespace

const CommandDoc kValidateCommand = {
    "validate", "check plan and target files without running anything",
    "usage: turncoat validate FILE...\n", "turncoat validate plans/*.yaml targets/refbft.yaml"};

int RunValidate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                const PlanCheck& check, const PlanNotes& notes) {
  std::unique_ptr<CLI::App> app = NewCommandApp(kValidateCommand);
  std::vector<std::string> files;
  app->add_option("FILE", files, "plan and target files; a plan's target is checked too")
      ->type_name("");
  if (std::optional<int> exit = ParseCommandLine(app.get(), kValidateCommand, args, out, err)) {
    return *exit;
  }
  if (files.empty()) return BadCommandLine(kValidateCommand, "no file given", err);
  int code = kExitOk;
  for (const std::string& path : files) {
    absl::StatusOr<std::string> summary = Validate(path, check, notes);
    if (summary.ok()) {
      out << "ok: " << path << ": " << *summary << "\n";
    } else {
      err << summary.status().message() << "\n";
      code = kExitBadInput;
    }
  }
  return code;
}

}  // namespace turncoat
