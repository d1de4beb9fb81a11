#include "harness/commands/list_command.h"

#include <algorithm>
#include <filesystem>
#include <functional>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "checkers/checker.h"
#include "common/file_io.h"
#include "harness/install_layout.h"
#include "model/adversary_registry.h"
#include "model/exit_codes.h"
#include "model/generator_registry.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

// Longer descriptions are cut here, so each stays one line on a terminal.
constexpr size_t kMaxDescription = 100;

std::string DescribeParam(const ParamSpec& p) {
  std::string line = absl::StrCat("    ", p.name, " (", ParamKindName(p.kind),
                                  p.required ? "; required" : "", ")");
  if (!p.help.empty()) absl::StrAppend(&line, ": ", p.help);
  if (!p.choices.empty()) absl::StrAppend(&line, "; one of ", absl::StrJoin(p.choices, ", "));
  return line;
}

const char* NodesNote(NodeRule rule) {
  switch (rule) {
    case NodeRule::kNone:
      return "";
    case NodeRule::kAny:
      return " [nodes: any replicas]";
    case NodeRule::kByzantine:
      return " [nodes: Byzantine replicas]";
  }
  return "";
}

void ListAdversaries(std::ostream& out) {
  const AdversaryRegistry& registry = AdversaryRegistry::Global();
  for (const std::string& name : registry.Names()) {
    const AdversaryInfo* info = registry.Find(name);
    out << "  " << name << ": " << info->summary << NodesNote(info->nodes)
        << (info->round_keyed ? " [rounds: allowed]" : "") << "\n";
    for (const ParamSpec& p : info->params) out << DescribeParam(p) << "\n";
  }
}

void ListCheckers(std::ostream& out) {
  const CheckerRegistry& registry = CheckerRegistry::Global();
  for (InvariantKind kind : {InvariantKind::kSafety, InvariantKind::kLiveness}) {
    for (const std::string& name : registry.Names(kind)) {
      out << "  " << name << " (" << (kind == InvariantKind::kSafety ? "safety" : "liveness")
          << "): " << registry.Find(name)->summary << "\n";
    }
  }
}

void ListGenerators(std::ostream& out) {
  const GeneratorRegistry& registry = GeneratorRegistry::Global();
  for (const std::string& name : registry.Names()) {
    const GeneratorInfo* info = registry.Find(name);
    out << "  " << name << ": " << info->summary << "\n";
    for (const ParamSpec& p : info->params) out << DescribeParam(p) << "\n";
  }
}

// The first sentence of the comment a file opens with, as one line.
std::string LeadingSentence(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return std::string(text.status().message());
  std::string comment;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "#")) break;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) break;
    absl::StrAppend(&comment, comment.empty() ? "" : " ", line);
  }
  if (comment.empty()) return "(no leading comment)";
  for (size_t at = comment.find(". "); at != std::string::npos; at = comment.find(". ", at + 1)) {
    // "e.g. " does not end a sentence.
    if (at >= 3 && comment.compare(at - 3, 3, "e.g") == 0) continue;
    comment.resize(at + 1);
    break;
  }
  if (comment.size() > kMaxDescription) comment = comment.substr(0, kMaxDescription - 3) + "...";
  return comment;
}

// The *.yaml files under `dir`/`sub` (recursively when asked), sorted, as
// paths a user types from where turncoat runs.
void ListFiles(const std::string& dir, const std::string& sub, bool recursive, std::ostream& out) {
  const fs::path root = fs::path(dir) / sub;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    out << "  (no " << sub << "/ in " << dir
        << "; give --dir, e.g. the source tree or <prefix>/share/turncoat)\n";
    return;
  }
  std::vector<std::string> files;
  const auto add = [&](const fs::directory_entry& entry) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path().lexically_relative(dir).string());
    }
  };
  if (recursive) {
    for (const auto& entry : fs::recursive_directory_iterator(root, ec)) add(entry);
  } else {
    for (const auto& entry : fs::directory_iterator(root, ec)) add(entry);
  }
  std::sort(files.begin(), files.end());
  const std::string prefix = dir == "." ? "" : absl::StrCat(dir, "/");
  for (const std::string& file : files) {
    out << "  " << prefix << file << ": " << LeadingSentence(absl::StrCat(dir, "/", file))
        << "\n";
  }
}

std::string DefaultDir() {
  std::error_code ec;
  if (fs::is_directory("plans", ec) || fs::is_directory("targets", ec)) return ".";
  const std::string data = RunningLayout().data_dir;
  return data.empty() ? "." : data;
}

}  // namespace

const CommandDoc kListCommand = {
    "list", "list adversaries, checkers, generators, plans and targets, one line each",
    "usage: turncoat list [adversaries|checkers|generators|plans|targets] [--dir=DIR]\n",
    "turncoat list adversaries"};

int RunList(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::unique_ptr<CLI::App> app = NewCommandApp(kListCommand);
  std::string section;
  std::string dir;
  app->add_option("SECTION", section,
                  "adversaries, checkers, generators, plans or targets (default: all)")
      ->type_name("");
  app->add_option("--dir", dir,
                  "where plans/ and targets/ are (default: the current directory if it has "
                  "either, else an installed turncoat's share/turncoat)")
      ->type_name("DIR");
  if (std::optional<int> exit = ParseCommandLine(app.get(), kListCommand, args, out, err)) {
    return *exit;
  }
  std::error_code ec;
  if (dir.empty()) {
    dir = DefaultDir();
  } else if (!fs::is_directory(dir, ec)) {
    return BadCommandLine(kListCommand, absl::StrCat("--dir: ", dir, " is not a directory"), err);
  }
  const std::vector<std::pair<std::string, std::function<void()>>> sections = {
      {"adversaries", [&] { ListAdversaries(out); }},
      {"checkers", [&] { ListCheckers(out); }},
      {"generators", [&] { ListGenerators(out); }},
      {"plans", [&] { ListFiles(dir, "plans", /*recursive=*/true, out); }},
      {"targets", [&] { ListFiles(dir, "targets", /*recursive=*/false, out); }},
  };
  for (const auto& [name, list] : sections) {
    if (section.empty()) {
      out << name << ":\n";
      list();
    } else if (section == name) {
      list();
      return kExitOk;
    }
  }
  if (section.empty()) return kExitOk;
  return BadCommandLine(
      kListCommand,
      absl::StrCat("unknown section '", section,
                   "'; one of adversaries, checkers, generators, plans, targets"),
      err);
}

}  // namespace turncoat
