// What the Byzantine rewriters share: the peer message they edit, opened
// through the target's message model, and the key they sign with.
//
// Rewriters never name a target's fields; the model does (message_model.h).
// A frame that is no peer message (another method, a response) passes
// unchanged; a peer message whose request does not parse is an error, which
// the rule engine counts, so a rewriter that cannot act shows in the
// counters and in the run's verdict rather than as a silent pass.
#ifndef TURNCOAT_AGENTS_PEER_REWRITE_H_
#define TURNCOAT_AGENTS_PEER_REWRITE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/message_rewriter.h"
#include "agents/message_view.h"
#include "common/signing_key.h"

namespace turncoat {
namespace agent {

// FailedPrecondition unless the target's message model is loaded.
absl::Status RequireModel(const RewriterContext& c);

// The private key named by param `key`: a file in the model's key scheme
// and private encoding.
absl::StatusOr<PrivateKey> SigningKeyParam(const RewriterContext& c);

// An editable copy of `frame` as a peer message; nullptr when the frame is
// no peer message of the model (it passes unchanged); an error when its
// request does not parse.
absl::StatusOr<std::unique_ptr<MessageView>> EditablePeerMessage(const Frame& frame);

// Checks a plan path ("vote.phase", "/sender") against `kind` when the rule
// pins one, and against every kind otherwise; the error names the param.
// Where the schema is known (protobuf), with `value` the path must be a
// scalar that takes it, and with `through_list` it must go through a
// repeated field.
struct PlanPathCheck {
  const std::string* value = nullptr;
  bool through_list = false;
};
absl::Status CheckPlanPath(const RewriterContext& c, absl::string_view param,
                           absl::string_view text, PlanPathCheck check = {});

// The key param, required unless the rule pins a kind of message that is
// unsigned (then it may be absent). `needed` false: never required.
absl::StatusOr<std::optional<PrivateKey>> SigningKeyIfNeeded(const RewriterContext& c,
                                                             bool needed = true);

// `view` sealed for sending: signed with `key` when the message is signed,
// else encoded as it stands (an unsigned message needs no key).
absl::StatusOr<std::string> Seal(MessageView& view, const PrivateKey* key);

// The rewriter's usual answer for "leave this frame alone".
inline std::vector<std::string> Unchanged(const Frame& frame) { return {frame.bytes()}; }

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_PEER_REWRITE_H_
