#include "adversaries/adversary.h"

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <map>
#include <variant>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "adversaries/round_keyed.h"

namespace turncoat {
namespace {

class FactoryRegistry {
 public:
  static FactoryRegistry& Global() {
    static FactoryRegistry* registry = new FactoryRegistry();
    return *registry;
  }

  bool Add(const std::string& name, AdversaryFactory factory) {
    absl::MutexLock lock(&mu_);
    return factories_.emplace(name, std::move(factory)).second;
  }

  const AdversaryFactory* Find(const std::string& name) const {
    absl::MutexLock lock(&mu_);
    auto it = factories_.find(name);
    return it == factories_.end() ? nullptr : &it->second;
  }

 private:
  mutable absl::Mutex mu_;
  // Entries are never removed, so pointers handed out stay valid.
  std::map<std::string, AdversaryFactory> factories_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::vector<int> FaultyAtStart(const Adversary& adversary, const Phase& phase) {
  const std::optional<AdversaryStep> step = adversary.CurrentStep();
  return step.has_value() ? step->faulty : phase.nodes;
}

absl::StatusOr<std::unique_ptr<Adversary>> MakeAdversary(const AdversaryContext& context) {
  const std::string& name = context.phase->adversary;
  const AdversaryFactory* factory = FactoryRegistry::Global().Find(name);
  if (factory == nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        "adversary '", name, "' is declared but not implemented in this build of turncoat"));
  }
  // Every adversary that filters on kinds of message takes them by the
  // target's names: a name the target does not have would match nothing.
  auto messages = context.phase->params.find("messages");
  if (messages != context.phase->params.end() && context.target != nullptr) {
    const auto* names = std::get_if<std::vector<std::string>>(&messages->second);
    const std::vector<std::string> known = context.target->protocol.KindNames();
    for (const std::string& kind : names == nullptr ? std::vector<std::string>{} : *names) {
      if (std::find(known.begin(), known.end(), kind) == known.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "phase ", context.phase_index, " (", name, "): messages: '", kind,
            "' is no kind of peer message of target ", context.target->name,
            "; its kinds are: ", absl::StrJoin(known, ", ")));
      }
    }
  }
  if (context.phase->rounds.has_value() && context.target != nullptr) {
    if (absl::Status s = CheckTargetHasRounds(context); !s.ok()) return s;
    if (absl::Status s = CheckTargetHasProposals(context); !s.ok()) return s;
  }
  auto adversary = (*factory)(context);
  if (!adversary.ok() || !context.phase->rounds.has_value()) return adversary;
  return KeyToRounds(*std::move(adversary), context);
}

AdversaryImplementation::AdversaryImplementation(AdversaryInfo info, AdversaryFactory factory) {
  const std::string name = info.name;
  // Registration runs during static initialisation; a clash is a build
  // mistake, reported and fatal like a duplicate checker.
  if (!FactoryRegistry::Global().Add(name, std::move(factory))) {
    std::fprintf(stderr, "turncoat: adversary '%s' implemented twice\n", name.c_str());
    std::abort();
  }
  AdversaryRegistration declare(std::move(info));
}

}  // namespace turncoat
