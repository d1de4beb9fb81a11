// The control API's descriptions of rules and of a target (proto/agent.proto)
// turned into the agent's own: RuleSpecs for the rule engine, and the
// schema and message model a LoadTargetRequest describes.
//
// The agent serves these; `turncoat validate` uses the same functions to
// compile every rule a plan would install before anything runs, so that
// what an agent would refuse mid-run is refused up front. Pure functions,
// except that LoadTarget may start the target's external codecs.
#ifndef TURNCOAT_AGENTS_CONTROL_SPECS_H_
#define TURNCOAT_AGENTS_CONTROL_SPECS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "agents/fault_rule.h"
#include "agents/frame_format.h"
#include "agents/message_codec.h"
#include "agents/message_model.h"
#include "proto/agent.pb.h"

namespace turncoat {
namespace agent {

absl::StatusOr<RuleSpec> ToRuleSpec(const v1::Rule& rule);

absl::StatusOr<MessageModelSpec> ToModelSpec(const v1::MessageModel& model);

absl::StatusOr<FramingSpec> ToFramingSpec(const v1::Framing& framing);

// The schema and message model of a LoadTargetRequest: the .proto files
// parsed, every protobuf payload declared embedded (so field paths read
// through it), the model compiled. With `start_codecs`, the external
// codecs are started (the agent's case); without, they are left unstarted
// and decoding through them fails (checking a plan, which starts nothing).
// A target on TCP also gets its framing compiled (null when it declares
// none).
struct LoadedTarget {
  std::shared_ptr<const MessageCodec> schema;
  std::shared_ptr<const MessageModel> model;
  std::shared_ptr<const FrameFormat> framing;
};
absl::StatusOr<LoadedTarget> LoadTarget(const v1::LoadTargetRequest& request, bool start_codecs);

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_CONTROL_SPECS_H_
