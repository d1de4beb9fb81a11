// NamedPool: state that a phase's rewriters in one agent share by name.
//
// A phase installs one rule per link, and each rule builds its own
// rewriter; what they record (messages to splice in, votes to swap in) must
// still be one pool per agent, so a rewriter given a `pool` param finds the
// others' by that name. A pool lives as long as a rewriter holds it, so the
// next phase with the same name starts empty.
//
// Thread-safe; T must be default-constructible and guard its own state.
#ifndef TURNCOAT_AGENTS_NAMED_POOL_H_
#define TURNCOAT_AGENTS_NAMED_POOL_H_

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"

namespace turncoat {
namespace agent {

template <typename T>
std::shared_ptr<T> NamedPool(const std::string& name) {
  static absl::Mutex* mu = new absl::Mutex();
  static auto* pools = new std::map<std::string, std::weak_ptr<T>>();
  absl::MutexLock lock(mu);
  std::shared_ptr<T> pool = (*pools)[name].lock();
  if (pool == nullptr) {
    pool = std::make_shared<T>();
    (*pools)[name] = pool;
  }
  return pool;
}

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_NAMED_POOL_H_
