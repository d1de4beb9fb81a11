#include "harness/commands/certs_command.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/tls_certificates.h"
#include "model/exit_codes.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

// What each file is for, as `turncoat certs` prints it.
struct CertsFile {
  const char* name;
  const char* purpose;
};

constexpr CertsFile kFiles[] = {
    {"ca.pem", "the certificate authority both sides trust"},
    {"ca.key", "its key: needed only to sign more certificates; keep it private"},
    {"agent.pem", "the agents' server certificate"},
    {"agent.key", "its key"},
    {"controller.pem", "the controller's client certificate"},
    {"controller.key", "its key"},
};

}  // namespace

const CommandDoc kCertsCommand = {
    "certs", "make a CA and certificates for mutual TLS between controller and agents",
    "usage: turncoat certs DIR [--hosts=H1,H2,...]\n", "turncoat certs tls --hosts=10.0.0.5"};

const std::vector<std::string>& CertsFileNames() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>();
    for (const CertsFile& f : kFiles) v->push_back(f.name);
    return v;
  }();
  return *names;
}

int RunCerts(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::unique_ptr<CLI::App> app = NewCommandApp(kCertsCommand);
  std::string dir, hosts_text;
  app->add_option("DIR", dir, "the directory to write the certificates and keys into")
      ->type_name("");
  app->add_option("--hosts", hosts_text,
                  "names and addresses the agents are reached at, comma-separated, besides "
                  "127.0.0.1 and localhost")
      ->type_name("H1,H2");
  if (std::optional<int> exit = ParseCommandLine(app.get(), kCertsCommand, args, out, err)) {
    return *exit;
  }
  if (dir.empty()) return BadCommandLine(kCertsCommand, "no directory given", err);

  std::vector<std::string> hosts = {"127.0.0.1", "localhost"};
  if (!hosts_text.empty()) {
    for (absl::string_view host : absl::StrSplit(hosts_text, ',')) {
      if (host.empty()) {
        return BadCommandLine(kCertsCommand,
                              absl::StrCat("--hosts: '", hosts_text,
                                           "' has an empty entry; give names or addresses "
                                           "separated by single commas"),
                              err);
      }
      if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.emplace_back(host);
    }
  }

  std::vector<std::string> existing;
  for (const CertsFile& f : kFiles) {
    std::error_code ec;
    if (fs::exists(fs::path(dir) / f.name, ec))
      existing.push_back((fs::path(dir) / f.name).string());
  }
  if (!existing.empty()) {
    err << "turncoat certs: " << absl::StrJoin(existing, ", ")
        << (existing.size() == 1 ? " exists" : " exist")
        << " already and certs never overwrites; give another directory, or remove "
           "the files to make new ones (agents and controllers using the old ones will then "
           "need the new)\n";
    return kExitBadInput;
  }
  absl::StatusOr<TlsIdentity> ca = TlsIdentity::MakeCa("turncoat CA");
  absl::StatusOr<TlsIdentity> agent =
      ca.ok() ? TlsIdentity::MakeSigned(*ca, "turncoat-agent", hosts, TlsUsage::kServer)
              : ca.status();
  absl::StatusOr<TlsIdentity> controller =
      ca.ok() ? TlsIdentity::MakeSigned(*ca, "turncoat controller", {"turncoat-controller"},
                                        TlsUsage::kClient)
              : ca.status();
  for (const absl::Status& s : {ca.status(), agent.status(), controller.status()}) {
    if (s.ok()) continue;
    err << "turncoat certs: " << s.message() << "\n";
    return s.code() == absl::StatusCode::kInvalidArgument ? kExitBadInput : kExitHarnessFailure;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    err << "turncoat certs: cannot create " << dir << ": " << ec.message() << "\n";
    return kExitBadInput;
  }

  const auto path = [&](const char* name) { return (fs::path(dir) / name).string(); };
  for (const absl::Status& s :
       {ca->WriteFiles(path("ca.pem"), path("ca.key")),
        agent->WriteFiles(path("agent.pem"), path("agent.key")),
        controller->WriteFiles(path("controller.pem"), path("controller.key"))}) {
    if (s.ok()) continue;
    err << "turncoat certs: " << s.message() << "\n";
    return kExitBadInput;
  }
  for (const CertsFile& f : kFiles) {
    out << "wrote " << path(f.name) << std::string(std::max<size_t>(1, 16 - strlen(f.name)), ' ')
        << f.purpose << "\n";
  }
  out << "agent.pem is valid for " << absl::StrJoin(hosts, ", ") << "\n"
      << "use:   turncoat run PLAN --agent-tls=" << dir << "\n"
      << "       (the agents then serve their control API only over mutual TLS)\n";
  return kExitOk;
}

}  // namespace turncoat
