#include "harness/agent_tls.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/read_file.h"

namespace turncoat {

absl::StatusOr<AgentTls> AgentTls::Load(const std::string& dir) {
  const std::filesystem::path base = std::filesystem::absolute(dir).lexically_normal();
  const auto read = [&](const char* name, std::string* path, std::string* text) -> absl::Status {
    const std::string file = (base / name).string();
    if (path != nullptr) *path = file;
    absl::StatusOr<std::string> content = ReadFile(file);
    if (!content.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--agent-tls: ", content.status().message(),
                       "; make the certificates with `turncoat certs ", dir,
                       "` (or point --agent-tls at the directory that has them)"));
    }
    if (text != nullptr) *text = *std::move(content);
    return absl::OkStatus();
  };
  AgentTls tls;
  for (const absl::Status& s :
       {read("ca.pem", &tls.ca_path, &tls.ca_pem), read("agent.pem", &tls.agent_cert_path, nullptr),
        read("agent.key", &tls.agent_key_path, nullptr),
        read("controller.pem", nullptr, &tls.controller_cert_pem),
        read("controller.key", nullptr, &tls.controller_key_pem)}) {
    if (!s.ok()) return s;
  }
  return tls;
}

std::vector<std::string> AgentTls::AgentFlags() const {
  return {absl::StrCat("--tls_cert=", agent_cert_path), absl::StrCat("--tls_key=", agent_key_path),
          absl::StrCat("--tls_client_ca=", ca_path)};
}

}  // namespace turncoat
