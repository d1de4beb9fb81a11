// RunKeys: the key pairs of one run's replicas and clients, made as the
// target wants them (docs/target-format.md, `keys`).
//
// turncoat makes a fresh key pair per replica and per client for every run,
// in the target's scheme and encodings — or runs the system's own keygen
// command and reads its files back — and hands the system paths and texts
// through its templates. It also writes each replica's pair as
// `<dir>/<index>.key` and `<index>.pub` in the target's encodings: the files
// turncoat itself signs with, for Byzantine replicas only.
#ifndef TURNCOAT_HARNESS_RUN_KEYS_H_
#define TURNCOAT_HARNESS_RUN_KEYS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/target_spec.h"

namespace turncoat {

struct RunKeys {
  std::vector<KeyBinding> replicas;  // by index
  std::vector<KeyBinding> clients;   // by index
};

// Makes the keys of `n` replicas and `clients` clients in `dir` (created).
// A keygen command that fails, times out, or leaves files that do not parse
// in the target's scheme and encodings is an error naming the command, its
// output and the fix.
absl::StatusOr<RunKeys> MakeRunKeys(const TargetSpec& target, int n, int clients,
                                    const std::string& dir, const std::string& build_dir);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_RUN_KEYS_H_
