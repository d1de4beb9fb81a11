#include "agents/message_rewriter.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"

namespace turncoat {
namespace agent {
namespace {

struct Registry {
  absl::Mutex mu;
  std::map<std::string, RewriterFactory, std::less<>> factories ABSL_GUARDED_BY(mu);
};

// Leaked on purpose: registrations run during static initialisation, in any
// order, and lookups may come during static destruction of other objects.
Registry& GetRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace

bool RewriterRegistry::Register(absl::string_view name, RewriterFactory factory) {
  Registry& r = GetRegistry();
  absl::MutexLock lock(&r.mu);
  if (!r.factories.emplace(std::string(name), std::move(factory)).second) {
    std::fprintf(stderr, "turncoat: rewriter '%.*s' registered twice\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return true;
}

absl::StatusOr<std::unique_ptr<MessageRewriter>> RewriterRegistry::Create(
    absl::string_view name, const RewriterContext& context) {
  RewriterFactory factory;
  {
    Registry& r = GetRegistry();
    absl::MutexLock lock(&r.mu);
    auto it = r.factories.find(name);
    if (it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    return absl::NotFoundError(absl::StrCat("no rewriter named '", name,
                                            "' (known: ", absl::StrJoin(Names(), ", "),
                                            ")"));
  }
  auto rewriter = factory(context);
  if (!rewriter.ok()) {
    return absl::Status(rewriter.status().code(),
                        absl::StrCat("rewriter '", name, "': ",
                                     rewriter.status().message()));
  }
  return rewriter;
}

std::vector<std::string> RewriterRegistry::Names() {
  Registry& r = GetRegistry();
  absl::MutexLock lock(&r.mu);
  std::vector<std::string> names;
  for (const auto& entry : r.factories) names.push_back(entry.first);
  return names;
}

}  // namespace agent
}  // namespace turncoat
