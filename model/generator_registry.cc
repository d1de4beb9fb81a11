#include "model/generator_registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace turncoat {

GeneratorRegistry& GeneratorRegistry::Global() {
  static GeneratorRegistry* registry = new GeneratorRegistry();
  return *registry;
}

absl::Status GeneratorRegistry::Register(GeneratorInfo info) {
  if (info.name.empty()) return absl::InvalidArgumentError("generator name is empty");
  absl::MutexLock lock(&mu_);
  const std::string name = info.name;
  if (!generators_.emplace(name, std::move(info)).second) {
    return absl::AlreadyExistsError(absl::StrCat("generator '", name, "' is registered twice"));
  }
  return absl::OkStatus();
}

const GeneratorInfo* GeneratorRegistry::Find(absl::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = generators_.find(name);
  return it == generators_.end() ? nullptr : &it->second;
}

std::vector<std::string> GeneratorRegistry::Names() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, info] : generators_) names.push_back(name);
  return names;
}

GeneratorRegistration::GeneratorRegistration(GeneratorInfo info) {
  const absl::Status s = GeneratorRegistry::Global().Register(std::move(info));
  if (!s.ok()) {
    std::fprintf(stderr, "turncoat: %s\n", std::string(s.message()).c_str());
    std::abort();
  }
}

absl::Duration FaultWindow(const Plan& plan) {
  const absl::Duration settle =
      plan.expect.commit_within.value_or(absl::ZeroDuration()) + absl::Seconds(2);
  return std::min(plan.duration, std::max(absl::Seconds(1), plan.duration - settle));
}

}  // namespace turncoat
