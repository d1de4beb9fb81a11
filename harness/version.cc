#include "harness/version.h"

// Both are set for this file alone by harness/CMakeLists.txt, so a new
// commit recompiles one file.
#ifndef TURNCOAT_VERSION
#error "TURNCOAT_VERSION must be defined by the build"
#endif
#ifndef TURNCOAT_GIT_COMMIT
#error "TURNCOAT_GIT_COMMIT must be defined by the build"
#endif

namespace turncoat {

std::string TurncoatVersion() {
  const std::string commit = TURNCOAT_GIT_COMMIT;
  return commit.empty() ? TURNCOAT_VERSION : std::string(TURNCOAT_VERSION) + "+" + commit;
}

}  // namespace turncoat
