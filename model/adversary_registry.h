// AdversaryRegistry: the adversaries a plan may name, and what each accepts.
//
// The plan loader asks the registry whether a phase's adversary exists, which
// replicas its `nodes` may name and which parameters of which kinds it takes,
// so a plan with a misspelt adversary or parameter is rejected (with the list
// of known names) before anything runs. Adversaries add themselves from
// their own .cc file with a static AdversaryRegistration; nothing else lists
// them, so adding one never means editing a switch.
//
// Registration happens during static initialisation; lookups afterwards.
// Both are guarded by a mutex, so the registry is thread-safe.
#ifndef TURNCOAT_MODEL_ADVERSARY_REGISTRY_H_
#define TURNCOAT_MODEL_ADVERSARY_REGISTRY_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "model/params.h"

namespace turncoat {

// Which replicas a phase's `nodes` list may name.
enum class NodeRule {
  kNone,       // the adversary acts on links or the whole cluster; no nodes
  kAny,        // one or more replicas, honest or not
  kByzantine,  // one or more replicas, all in the plan's byzantine set: the
               // adversary speaks for them with their keys
};

// What a phase asks of the agents' run-long message archive
// (agents/message_archive.h): that they keep one from the start of the run,
// and that they read every message's round for it. Agents keep none unless
// some phase asks, so runs that never replay from far back pay nothing.
struct ArchiveUse {
  bool archive = false;
  bool rounds = false;
};

struct AdversaryInfo {
  std::string name;  // as plans write it: lower case, words joined by '-'
  std::string summary;
  NodeRule nodes = NodeRule::kNone;
  std::vector<ParamSpec> params;
  // Its faults are link rules and nothing else, so a phase may key them to
  // protocol rounds (`rounds:`); process faults and faults that change with
  // time cannot be.
  bool round_keyed = false;
  // What a phase with these params needs of the archive; null: nothing.
  std::function<ArchiveUse(const Params&)> archive_use = nullptr;
  // It acts on TCP connections, which only targets on TCP links have (its
  // factory refuses others); generators leave it out for them unless asked
  // for it by name, so that their draws for other targets stay as they were.
  bool tcp_only = false;

  const ParamSpec* FindParam(absl::string_view param) const;
};

class AdversaryRegistry {
 public:
  // The registry plans are checked against.
  static AdversaryRegistry& Global();

  // Fails if `info.name` is empty or already registered, unless only a
  // placeholder holds the name: the implementation then replaces it.
  absl::Status Register(AdversaryInfo info);
  // Declares a name no implementation has claimed yet, so plans using it
  // validate; ignored if the name is taken. Static initialisation order
  // between files is unspecified, so this must work in either order.
  void RegisterPlaceholder(AdversaryInfo info);
  // nullptr if no adversary has that name.
  const AdversaryInfo* Find(absl::string_view name) const;
  // Every registered name, sorted.
  std::vector<std::string> Names() const;

 private:
  struct Entry {
    AdversaryInfo info;
    bool placeholder = false;
  };

  mutable absl::Mutex mu_;
  // Entries are never removed; a placeholder's info is replaced at most
  // once, during static initialisation, before anyone calls Find.
  std::map<std::string, Entry, std::less<>> adversaries_ ABSL_GUARDED_BY(mu_);
};

// `static AdversaryRegistration kRegistration({...});` in an adversary's .cc
// file adds it to the global registry; a duplicate name aborts at start-up,
// because two adversaries answering to one name is a build mistake.
class AdversaryRegistration {
 public:
  explicit AdversaryRegistration(AdversaryInfo info);
};

// `static AdversaryPlaceholder kPlaceholder({...});` declares an adversary
// that is planned but not implemented yet, so plans naming it validate.
class AdversaryPlaceholder {
 public:
  explicit AdversaryPlaceholder(AdversaryInfo info);
};

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_ADVERSARY_REGISTRY_H_
