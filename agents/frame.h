// Frame: one gRPC message crossing one directed link, as the fault-rule
// engine sees it.
//
// A frame knows its link, method, direction and bytes. With a MessageCodec it
// also decodes itself, and with the target's MessageModel it opens itself as
// a peer message (kind, sender, content: agents/message_view.h) — lazily and
// at most once, so that rules matching only on link or method never pay for
// parsing. Not thread-safe: a frame belongs to the stream callback that
// created it (the engine may keep it while holding).
#ifndef TURNCOAT_AGENTS_FRAME_H_
#define TURNCOAT_AGENTS_FRAME_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agents/message_model.h"

namespace google {
namespace protobuf {
class Descriptor;
class Message;
}  // namespace protobuf
}  // namespace google

namespace turncoat {
namespace agent {

class MessageCodec;
class MessageView;
class ProtoTree;

// Requests flow from the link's source replica to its destination; responses
// flow back on the same call.
enum class Direction { kRequest, kResponse };

absl::string_view DirectionName(Direction direction);

// A directed link between replicas: messages `from` sends to `to`.
struct LinkId {
  int from = -1;
  int to = -1;
  bool operator==(const LinkId& o) const { return from == o.from && to == o.to; }
};

// Where a frame's surviving copies go: one per stream direction, provided by
// the link proxy (tests record). Deliver may be called from any thread, with
// the sink's own stream long gone; it must then discard the bytes.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Sends `bytes` after `delay`. `from_hold` marks the release of a frame the
  // engine held, so the stream can stop waiting for it.
  virtual void Deliver(absl::Duration delay, std::string bytes, bool from_hold) = 0;
};

class Frame {
 public:
  // `codec` may be null: then the frame has no type and no decoded message.
  // `model` (may be null) describes the target's peer messages; it must
  // describe messages of `codec`'s schema.
  Frame(uint64_t id, LinkId link, absl::string_view method, Direction direction,
        std::string bytes, const MessageCodec* codec,
        std::shared_ptr<FrameSink> sink = nullptr, const MessageModel* model = nullptr);
  ~Frame();
  Frame(Frame&&) noexcept;
  Frame& operator=(Frame&&) noexcept;

  uint64_t id() const { return id_; }
  LinkId link() const { return link_; }
  const std::string& method() const { return method_; }
  Direction direction() const { return direction_; }
  const std::string& bytes() const { return bytes_; }
  std::string TakeBytes() { return std::move(bytes_); }
  const std::shared_ptr<FrameSink>& sink() const { return sink_; }
  const MessageCodec* codec() const { return codec_; }
  const MessageModel* model() const { return model_; }

  // The message type the codec gives this method and direction, or nullptr.
  const google::protobuf::Descriptor* type() const;
  // The decoded message, or nullptr without a codec, for an unknown method or
  // when the bytes do not parse.
  const google::protobuf::Message* message() const;
  // The same as a tree, whose paths go through embedded payloads.
  const ProtoTree* tree() const;

  // The model's description of this frame's kind of message: set for
  // requests of a peer method, nullptr otherwise.
  const MessageModel::Kind* kind_spec() const;
  // This frame opened as a peer message; nullptr when it is none or its
  // request does not parse (view_status() says why).
  const MessageView* view() const;
  const absl::Status& view_status() const;
  // The kind's name; "" when it is no peer message or the kind is unset.
  // Needs no decoding when the target fixes the kind per method.
  std::string kind() const;
  // Names the kind where no message model can: a TCP link reads it from
  // the frame's header (agents/frame_format.h). Overrides the model.
  void set_kind(std::string kind) { named_kind_ = std::move(kind); }
  // The major round of a peer request (MessageView::major_round); nullopt
  // for anything else, and when its kind has no round or it lacks one.
  std::optional<int64_t> major_round() const;

 private:
  uint64_t id_;
  LinkId link_;
  std::string method_;  // owned: a held frame may outlive its call
  Direction direction_;
  std::string bytes_;
  const MessageCodec* codec_;
  std::shared_ptr<FrameSink> sink_;
  const MessageModel* model_;
  std::optional<std::string> named_kind_;

  mutable bool decoded_ = false;
  mutable std::unique_ptr<ProtoTree> tree_;
  mutable bool opened_ = false;
  mutable std::unique_ptr<MessageView> view_;
  mutable absl::Status view_status_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_FRAME_H_
