#include "model/adversary_registry.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace turncoat {

const ParamSpec* AdversaryInfo::FindParam(absl::string_view param) const {
  for (const ParamSpec& p : params) {
    if (p.name == param) return &p;
  }
  return nullptr;
}

AdversaryRegistry& AdversaryRegistry::Global() {
  static AdversaryRegistry* registry = new AdversaryRegistry();
  return *registry;
}

absl::Status AdversaryRegistry::Register(AdversaryInfo info) {
  if (info.name.empty()) return absl::InvalidArgumentError("adversary name is empty");
  absl::MutexLock lock(&mu_);
  auto it = adversaries_.find(info.name);
  if (it != adversaries_.end()) {
    if (!it->second.placeholder) {
      return absl::AlreadyExistsError(
          absl::StrCat("adversary '", info.name, "' is registered twice"));
    }
    it->second = Entry{std::move(info), false};
    return absl::OkStatus();
  }
  std::string name = info.name;
  adversaries_.emplace(std::move(name), Entry{std::move(info), false});
  return absl::OkStatus();
}

void AdversaryRegistry::RegisterPlaceholder(AdversaryInfo info) {
  absl::MutexLock lock(&mu_);
  std::string name = info.name;
  adversaries_.emplace(std::move(name), Entry{std::move(info), true});
}

const AdversaryInfo* AdversaryRegistry::Find(absl::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = adversaries_.find(name);
  return it == adversaries_.end() ? nullptr : &it->second.info;
}

std::vector<std::string> AdversaryRegistry::Names() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, entry] : adversaries_) names.push_back(name);
  return names;
}

AdversaryRegistration::AdversaryRegistration(AdversaryInfo info) {
  const absl::Status s = AdversaryRegistry::Global().Register(std::move(info));
  if (!s.ok()) {
    std::fprintf(stderr, "turncoat: %s\n", std::string(s.message()).c_str());
    std::abort();
  }
}

AdversaryPlaceholder::AdversaryPlaceholder(AdversaryInfo info) {
  AdversaryRegistry::Global().RegisterPlaceholder(std::move(info));
}

}  // namespace turncoat
