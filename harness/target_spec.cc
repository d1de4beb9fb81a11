#include "harness/target_spec.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace turncoat {

const TemplateScope& ReplicaScope() {
  static const TemplateScope* scope = new TemplateScope{
      {"id", "listen", "peers", "key", "pubkeys", "workdir", "n", "f", "target_dir", "build_dir"},
      {{"peers", TemplateScope{{"id", "addr", "pubkey"}, {}}}}};
  return *scope;
}

const TemplateScope& PeerEntryScope() {
  static const TemplateScope* scope = new TemplateScope{{"id", "addr", "pubkey"}, {}};
  return *scope;
}

absl::StatusOr<RenderedReplica> RenderReplica(const TargetSpec& target,
                                              const ReplicaBinding& binding) {
  TemplateValues values;
  std::string peer_list;
  for (const PeerBinding& peer : binding.peers) {
    if (peer.id == binding.id && !target.replica.peers.include_self) continue;
    TemplateValues element;
    element.variables = {
        {"id", absl::StrCat(peer.id)}, {"addr", peer.addr}, {"pubkey", peer.pubkey}};
    absl::StatusOr<std::string> entry = target.replica.peers.entry.Render(element);
    if (!entry.ok()) return entry.status();
    if (!peer_list.empty()) peer_list += target.replica.peers.separator;
    peer_list += *entry;
    values.lists["peers"].push_back(std::move(element));
  }
  values.variables = {
      {"id", absl::StrCat(binding.id)},
      {"listen", binding.listen},
      {"peers", peer_list},
      {"key", binding.key},
      {"pubkeys", binding.pubkeys},
      {"workdir", binding.workdir},
      {"n", absl::StrCat(binding.n)},
      {"f", absl::StrCat(binding.f)},
      {"target_dir", target.dir},
      {"build_dir", binding.build_dir},
  };

  RenderedReplica out;
  for (const Template& arg : target.replica.command) {
    absl::StatusOr<std::string> s = arg.Render(values);
    if (!s.ok()) return s.status();
    out.argv.push_back(*std::move(s));
  }
  for (const ReplicaFileSpec& file : target.replica.files) {
    absl::StatusOr<std::string> path = file.path.Render(values);
    if (!path.ok()) return path.status();
    absl::StatusOr<std::string> content = file.content.Render(values);
    if (!content.ok()) return content.status();
    out.files.emplace_back(*std::move(path), *std::move(content));
  }
  if (target.commits.path.has_value()) {
    absl::StatusOr<std::string> path = target.commits.path->Render(values);
    if (!path.ok()) return path.status();
    out.commit_file = *std::move(path);
  }
  return out;
}

}  // namespace turncoat
