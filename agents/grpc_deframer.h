// GrpcDeframer: gRPC's message framing on one direction of one HTTP/2
// stream. On the wire each message is a flags byte (bit 0: compressed), a
// 4-byte big-endian length, then the message; DATA frames cut that stream
// of bytes anywhere, so a message may arrive in pieces or many in one read.
//
// The link proxy feeds it each DATA chunk as it arrives and gets back every
// message the chunk completes, prefix included, in order; what is left is
// the start of a message still arriving. The bytes come from replicas that
// may be Byzantine, so nothing here trusts the length prefix beyond
// comparing it with what arrived. Not thread-safe: one per stream lane.
#ifndef TURNCOAT_AGENTS_GRPC_DEFRAMER_H_
#define TURNCOAT_AGENTS_GRPC_DEFRAMER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace turncoat {
namespace agent {

// The flags byte and the length.
inline constexpr size_t kGrpcPrefix = 5;

// `message` framed for the wire with `flags`.
std::string FrameGrpcMessage(absl::string_view message, uint8_t flags);

// The length, prefix included, of the framed message `bytes` begin with,
// if `bytes` hold all of it.
std::optional<size_t> GrpcFramedLength(absl::string_view bytes);

class GrpcDeframer {
 public:
  // Calls `take` with each whole framed message that `data` completes.
  void Feed(absl::string_view data, absl::FunctionRef<void(std::string framed)> take);
  // Bytes of an incomplete message held for the next Feed.
  size_t buffered() const { return partial_.size(); }
  // The length, prefix included, that the message still arriving declares;
  // 0 before its prefix is complete.
  size_t declared() const;

 private:
  std::string partial_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_GRPC_DEFRAMER_H_
