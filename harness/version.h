// turncoat's own version, as `turncoat --version` prints it and every
// report records it: the project version from CMake, followed by the git
// commit the build was configured from when the source tree was a git
// checkout then ("0.1.0+3f2c9a1b0d4e"; "0.1.0" otherwise). The commit is
// read when CMake configures, so a build after new commits without
// re-running cmake still names the older one. Thread-safe.
#ifndef TURNCOAT_HARNESS_VERSION_H_
#define TURNCOAT_HARNESS_VERSION_H_

#include <string>

namespace turncoat {

std::string TurncoatVersion();

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_VERSION_H_
