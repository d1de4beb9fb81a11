#include "model/target_spec.h"

#include <algorithm>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace turncoat {

const char* LinkModeName(LinkMode mode) { return mode == LinkMode::kNetns ? "netns" : "ports"; }

std::optional<LinkMode> ParseLinkMode(absl::string_view name) {
  if (name == "ports") return LinkMode::kPorts;
  if (name == "netns") return LinkMode::kNetns;
  return std::nullopt;
}

namespace {

// The names every element of a list of replicas has.
TemplateScope ReplicaElementScope() {
  TemplateScope scope;
  scope.variables = {"id", "index", "number", "addr", "host", "port", "pubkey", "public_key"};
  scope.flags = {"self", "first", "last"};
  return scope;
}

TemplateScope ClientElementScope() {
  TemplateScope scope;
  scope.variables = {"id", "index", "number", "pubkey", "public_key"};
  scope.flags = {"first", "last"};
  return scope;
}

// "host:port" split at its last colon (so "[::1]:80" keeps its brackets).
std::pair<std::string, std::string> SplitAddress(const std::string& addr) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return {addr, ""};
  return {addr.substr(0, colon), addr.substr(colon + 1)};
}

TemplateValues IdValues(int index) {
  TemplateValues values;
  values.variables = {{"index", absl::StrCat(index)}, {"number", absl::StrCat(index + 1)}};
  return values;
}

absl::StatusOr<TemplateValues> ReplicaElement(const TargetSpec& target, const PeerBinding& peer,
                                              int self, size_t position, size_t count) {
  auto id = ReplicaId(target, peer.index);
  if (!id.ok()) return id.status();
  const auto [host, port] = SplitAddress(peer.addr);
  TemplateValues element;
  element.variables = {{"id", *id},
                       {"index", absl::StrCat(peer.index)},
                       {"number", absl::StrCat(peer.index + 1)},
                       {"addr", peer.addr},
                       {"host", host},
                       {"port", port},
                       {"pubkey", peer.key.public_file},
                       {"public_key", peer.key.public_text}};
  element.flags = {{"self", peer.index == self},
                   {"first", position == 0},
                   {"last", position + 1 == count}};
  return element;
}

absl::StatusOr<std::vector<TemplateValues>> ClientElements(
    const TargetSpec& target, const std::vector<ClientKeyBinding>& clients) {
  std::vector<TemplateValues> out;
  for (size_t i = 0; i < clients.size(); ++i) {
    auto id = ClientId(target, clients[i].index);
    if (!id.ok()) return id.status();
    TemplateValues element;
    element.variables = {{"id", *id},
                         {"index", absl::StrCat(clients[i].index)},
                         {"number", absl::StrCat(clients[i].index + 1)},
                         {"pubkey", clients[i].key.public_file},
                         {"public_key", clients[i].key.public_text}};
    element.flags = {{"first", i == 0}, {"last", i + 1 == clients.size()}};
    out.push_back(std::move(element));
  }
  return out;
}

absl::Status RenderInto(const std::vector<Template>& templates, const TemplateValues& values,
                        std::vector<std::string>* out) {
  for (const Template& t : templates) {
    auto s = t.Render(values);
    if (!s.ok()) return s.status();
    out->push_back(*std::move(s));
  }
  return absl::OkStatus();
}

absl::Status RenderProcess(const std::vector<Template>& command,
                           const std::vector<std::pair<std::string, Template>>& env,
                           const std::optional<Template>& cwd, const std::vector<FileSpec>& files,
                           const TemplateValues& values, const std::string& workdir,
                           RenderedProcess* out) {
  if (absl::Status s = RenderInto(command, values, &out->argv); !s.ok()) return s;
  for (const auto& [name, value] : env) {
    auto rendered = value.Render(values);
    if (!rendered.ok()) return rendered.status();
    out->env.emplace_back(name, *std::move(rendered));
  }
  out->cwd = workdir;
  if (cwd.has_value()) {
    auto rendered = cwd->Render(values);
    if (!rendered.ok()) return rendered.status();
    out->cwd = *std::move(rendered);
  }
  for (const FileSpec& file : files) {
    auto path = file.path.Render(values);
    if (!path.ok()) return path.status();
    auto content = file.content.Render(values);
    if (!content.ok()) return content.status();
    out->files.emplace_back(*std::move(path), *std::move(content));
  }
  return absl::OkStatus();
}

absl::StatusOr<TemplateValues> ClientValues(const TargetSpec& target, const ClientBinding& b) {
  auto id = ClientId(target, b.index);
  if (!id.ok()) return id.status();
  TemplateValues values;
  values.variables = {{"id", *id},
                      {"index", absl::StrCat(b.index)},
                      {"number", absl::StrCat(b.index + 1)},
                      {"n", absl::StrCat(b.n)},
                      {"f", absl::StrCat(b.f)},
                      {"key", b.key.private_file},
                      {"private_key", b.key.private_text},
                      {"public_key", b.key.public_text},
                      {"pubkey", b.key.public_file},
                      {"pubkeys", b.pubkeys},
                      {"workdir", b.workdir},
                      {"target_dir", target.dir},
                      {"build_dir", b.build_dir}};
  for (size_t i = 0; i < b.replicas.size(); ++i) {
    auto element = ReplicaElement(target, b.replicas[i], -1, i, b.replicas.size());
    if (!element.ok()) return element.status();
    values.lists["replicas"].push_back(*std::move(element));
  }
  auto clients = ClientElements(target, b.clients);
  if (!clients.ok()) return clients.status();
  values.lists["clients"] = *std::move(clients);
  return values;
}

}  // namespace

std::vector<std::string> ProtocolSpec::PeerMethods() const {
  std::vector<std::string> methods;
  for (const MessageSpec& m : messages) {
    for (const std::string& method : m.methods) methods.push_back(method);
  }
  return methods;
}

std::vector<std::string> ProtocolSpec::KindNames() const {
  std::set<std::string> names;
  for (const MessageSpec& m : messages) {
    if (!m.kind.empty()) names.insert(m.kind);
    names.insert(m.kinds.begin(), m.kinds.end());
  }
  if (framing.has_value()) {
    for (const auto& [type, kind] : framing->types) names.insert(kind);
  }
  return {names.begin(), names.end()};
}

const TemplateScope& ReplicaScope() {
  static const TemplateScope* scope = [] {
    auto* s = new TemplateScope();
    s->variables = {"id",          "index",      "number",  "n",          "f",
                    "listen",      "listen_host", "listen_port", "peers", "key",
                    "private_key", "public_key", "pubkey",  "pubkeys",    "workdir",
                    "target_dir",  "build_dir"};
    s->lists = {{"peers", ReplicaElementScope()},
                {"replicas", ReplicaElementScope()},
                {"clients", ClientElementScope()}};
    return s;
  }();
  return *scope;
}

const TemplateScope& PeerEntryScope() {
  static const TemplateScope* scope = [] {
    auto* s = new TemplateScope();
    s->variables = {"id", "index", "number", "addr", "host", "port", "pubkey", "public_key"};
    return s;
  }();
  return *scope;
}

const TemplateScope& IdScope() {
  static const TemplateScope* scope = new TemplateScope{{"index", "number"}, {}};
  return *scope;
}

const TemplateScope& KeygenScope() {
  static const TemplateScope* scope = new TemplateScope{
      {"dir", "id", "index", "number", "role", "target_dir", "build_dir"}, {}};
  return *scope;
}

const TemplateScope& ClientScope() {
  static const TemplateScope* scope = [] {
    auto* s = new TemplateScope();
    s->variables = {"id",      "index",   "number",     "n",         "f",
                    "key",     "private_key", "public_key", "pubkey", "pubkeys",
                    "workdir", "target_dir", "build_dir"};
    s->lists = {{"replicas", ReplicaElementScope()}, {"clients", ClientElementScope()}};
    return s;
  }();
  return *scope;
}

const TemplateScope& RequestScope() {
  static const TemplateScope* scope = [] {
    auto* s = new TemplateScope(ClientScope());
    s->variables.insert({"value", "seq"});
    return s;
  }();
  return *scope;
}

const TemplateScope& CodecScope() {
  static const TemplateScope* scope =
      new TemplateScope{{"target_dir", "build_dir", "workdir"}, {}};
  return *scope;
}

bool HasRounds(const TargetSpec& target) {
  const auto& messages = target.protocol.messages;
  return std::any_of(messages.begin(), messages.end(),
                     [](const MessageSpec& m) { return !m.round.empty(); });
}

bool HasProposals(const TargetSpec& target) {
  const auto& messages = target.protocol.messages;
  return std::any_of(messages.begin(), messages.end(),
                     [](const MessageSpec& m) { return !m.round.empty() && !m.values.empty(); });
}

absl::StatusOr<std::string> ReplicaId(const TargetSpec& target, int index) {
  return target.ids.replica.Render(IdValues(index));
}

absl::StatusOr<std::string> ClientId(const TargetSpec& target, int index) {
  return target.ids.client.Render(IdValues(index));
}

absl::StatusOr<RenderedReplica> RenderReplica(const TargetSpec& target,
                                              const ReplicaBinding& binding) {
  auto id = ReplicaId(target, binding.index);
  if (!id.ok()) return id.status();
  TemplateValues values;
  std::string peer_list;
  std::vector<const PeerBinding*> peers;
  const bool include_self = target.replica.peers.has_value() && target.replica.peers->include_self;
  for (const PeerBinding& peer : binding.peers) {
    if (peer.index != binding.index || include_self) peers.push_back(&peer);
  }
  for (size_t i = 0; i < peers.size(); ++i) {
    auto element = ReplicaElement(target, *peers[i], binding.index, i, peers.size());
    if (!element.ok()) return element.status();
    if (target.replica.peers.has_value()) {
      auto entry = target.replica.peers->entry.Render(*element);
      if (!entry.ok()) return entry.status();
      if (i > 0) peer_list += target.replica.peers->separator;
      peer_list += *entry;
    }
    values.lists["peers"].push_back(*std::move(element));
  }
  for (size_t i = 0; i < binding.peers.size(); ++i) {
    auto element =
        ReplicaElement(target, binding.peers[i], binding.index, i, binding.peers.size());
    if (!element.ok()) return element.status();
    values.lists["replicas"].push_back(*std::move(element));
  }
  auto clients = ClientElements(target, binding.clients);
  if (!clients.ok()) return clients.status();
  values.lists["clients"] = *std::move(clients);
  const auto [host, port] = SplitAddress(binding.listen);
  values.variables = {
      {"id", *id},
      {"index", absl::StrCat(binding.index)},
      {"number", absl::StrCat(binding.index + 1)},
      {"n", absl::StrCat(binding.n)},
      {"f", absl::StrCat(binding.f)},
      {"listen", binding.listen},
      {"listen_host", host},
      {"listen_port", port},
      {"peers", peer_list},
      {"key", binding.key.private_file},
      {"private_key", binding.key.private_text},
      {"public_key", binding.key.public_text},
      {"pubkey", binding.key.public_file},
      {"pubkeys", binding.pubkeys},
      {"workdir", binding.workdir},
      {"target_dir", target.dir},
      {"build_dir", binding.build_dir},
  };

  RenderedReplica out;
  const ReplicaSpec& r = target.replica;
  if (absl::Status s =
          RenderProcess(r.command, r.env, r.cwd, r.files, values, binding.workdir, &out.process);
      !s.ok()) {
    return s;
  }
  if (target.commits.path.has_value()) {
    absl::StatusOr<std::string> path = target.commits.path->Render(values);
    if (!path.ok()) return path.status();
    out.commit_file = *std::move(path);
  }
  return out;
}

absl::StatusOr<RenderedProcess> RenderClient(const TargetSpec& target,
                                             const ClientBinding& binding) {
  auto values = ClientValues(target, binding);
  if (!values.ok()) return values.status();
  const CommandClientSpec& c = target.client.command;
  RenderedProcess out;
  if (absl::Status s = RenderProcess(c.command, c.env, c.cwd, c.files, *values, binding.workdir, &out);
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> RenderRequest(const TargetSpec& target,
                                                       const ClientBinding& binding,
                                                       absl::string_view value, int64_t seq) {
  auto values = ClientValues(target, binding);
  if (!values.ok()) return values.status();
  values->variables["value"] = std::string(value);
  values->variables["seq"] = absl::StrCat(seq);
  std::vector<std::string> out;
  if (absl::Status s = RenderInto(target.client.command.request, *values, &out); !s.ok()) return s;
  return out;
}

}  // namespace turncoat
