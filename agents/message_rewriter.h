// MessageRewriter: the extension point for faults that change what a message
// says (equivocation, forged or re-signed votes, replays).
//
// A rule whose action is `rewrite` names a rewriter and its parameters; the
// rule engine creates the rewriter once when the rule is compiled and calls it
// for every matching frame. Rewriters register themselves by name with
// TURNCOAT_REGISTER_REWRITER in their own .cc file, so adding one is one new
// file pair and no switch anywhere else. The static registration object must
// be linked in: put rewriter sources in the `turncoat_agent_core` library or
// link a library of them with WHOLE_ARCHIVE.
//
// Rewrite() is called concurrently from many proxy threads: implementations
// must be thread-safe (most are immutable after Create).
#ifndef TURNCOAT_AGENTS_MESSAGE_REWRITER_H_
#define TURNCOAT_AGENTS_MESSAGE_REWRITER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agents/frame.h"
#include "agents/frame_format.h"

namespace turncoat {
namespace agent {

class MessageArchive;
class MessageCodec;

using RewriterParams = std::map<std::string, std::string>;

class MessageRewriter {
 public:
  virtual ~MessageRewriter() = default;
  // The payloads to send instead of `frame`'s bytes, in order: none drops the
  // frame, one replaces it, several send all (e.g. a replay before the
  // original). An error makes the engine count it and pass the frame intact,
  // so a rewriter bug shows in the counters rather than as a silent omission.
  virtual absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) = 0;
  // Counters of what the rewriter did beyond the rule's own (e.g. how old
  // the messages it replayed were), by name; they reach the run's history
  // beside the rule's counts when the rule is removed.
  virtual std::map<std::string, int64_t> Counters() const { return {}; }
};

// Builds a rewriter from a rule's parameters. `root` is the message type of
// the rule's match (nullptr if the rule names none), `codec` the target's
// schema and `model` its message model (each nullptr if not loaded), and
// `kind` the kind of peer message the rule's method carries (nullptr if the
// rule pins none), so a factory can validate params before the run starts.
// `archive` is the agent's run-long message archive, null unless the
// controller asked the agent to keep one. `framing` is a TCP target's
// framing (null for gRPC targets and unframed streams): then each frame is
// one whole message of that format, header included.
struct RewriterContext {
  const RewriterParams* params = nullptr;
  const MessageCodec* codec = nullptr;
  const google::protobuf::Descriptor* root = nullptr;
  const MessageModel* model = nullptr;
  const MessageModel::Kind* kind = nullptr;
  std::shared_ptr<MessageArchive> archive = nullptr;
  std::shared_ptr<const FrameFormat> framing = nullptr;
};
using RewriterFactory = std::function<absl::StatusOr<std::unique_ptr<MessageRewriter>>(
    const RewriterContext&)>;

class RewriterRegistry {
 public:
  // Registers `factory` under `name`; returns true so it can initialise a
  // static. A duplicate name aborts at start-up: two rewriters would
  // otherwise silently shadow each other.
  static bool Register(absl::string_view name, RewriterFactory factory);
  // Builds the rewriter registered as `name`.
  static absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(
      absl::string_view name, const RewriterContext& context);
  static std::vector<std::string> Names();
};

}  // namespace agent
}  // namespace turncoat

#define TURNCOAT_REWRITER_CONCAT_INNER(a, b) a##b
#define TURNCOAT_REWRITER_CONCAT(a, b) TURNCOAT_REWRITER_CONCAT_INNER(a, b)
// Use at namespace scope in the rewriter's .cc file.
#define TURNCOAT_REGISTER_REWRITER(name, factory)                      \
  static const bool TURNCOAT_REWRITER_CONCAT(turncoat_rewriter_reg_, \
                                             __LINE__) =               \
      ::turncoat::agent::RewriterRegistry::Register(name, factory)

#endif  // TURNCOAT_AGENTS_MESSAGE_REWRITER_H_
