// What an agent needs of a target file, as the control API's
// LoadTargetRequest: the .proto files to decode peer messages with, the
// message model (model/target_spec.h's MessageSpecs, the system's replica
// ids for this run, the key scheme and encodings) and the external codec
// commands, rendered.
//
// Pure: a function of the target and the run's facts, unit-tested without
// agents.
#ifndef TURNCOAT_HARNESS_AGENT_TARGET_H_
#define TURNCOAT_HARNESS_AGENT_TARGET_H_

#include <string>

#include "absl/status/statusor.h"
#include "model/target_spec.h"
#include "proto/agent.pb.h"

namespace turncoat {

// The request for a cluster of `n` replicas. Codec commands are rendered
// with `build_dir` and `workdir` (the agent's directory, where a codec's
// stderr log goes).
absl::StatusOr<agent::v1::LoadTargetRequest> LoadTargetRequestFor(const TargetSpec& target, int n,
                                                                   const std::string& build_dir,
                                                                   const std::string& workdir);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_AGENT_TARGET_H_
