#include "harness/commands/cleanup_command.h"

#include <memory>
#include <optional>

#include "CLI/CLI.hpp"
#include "model/exit_codes.h"
#include "harness/netns.h"

namespace turncoat {

const CommandDoc kCleanupCommand = {
    "cleanup", "remove network namespaces and netfilter rules that killed runs left behind",
    "usage: turncoat cleanup [--dry-run]\n", "turncoat cleanup --dry-run"};

int RunCleanup(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::unique_ptr<CLI::App> app = NewCommandApp(kCleanupCommand);
  bool dry_run = false;
  app->add_flag("--dry-run", dry_run, "list what would be removed, remove nothing");
  if (std::optional<int> exit = ParseCommandLine(app.get(), kCleanupCommand, args, out, err)) {
    return *exit;
  }
  const std::vector<std::string> left = NetnsCluster::Leftovers();
  for (const std::string& item : left) out << (dry_run ? "would remove " : "removing ") << item << "\n";
  if (left.empty()) out << "nothing left behind\n";
  if (dry_run || left.empty()) return kExitOk;
  if (absl::Status s = NetnsCluster::RemoveLeftovers(); !s.ok()) {
    err << "turncoat cleanup: " << s.message() << "\n";
    return kExitHarnessFailure;
  }
  return kExitOk;
}

}  // namespace turncoat
