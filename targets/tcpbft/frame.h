// The wire frame of tcpbft: a 16-byte header and a payload.
//
//   offset size field     meaning
//        0    4 magic     0x54434246 ("TCBF"), big-endian
//        4    1 type      FrameType below
//        5    1 flags     0 (ignored on receipt)
//        6    2 reserved  0 (ignored on receipt)
//        8    4 length    payload bytes, big-endian, at most kMaxPayload
//       12    4 crc32     zlib crc32 over bytes 4..11 then the payload, big-endian
//
// FrameDecoder reassembles frames from a byte stream read in arbitrary
// pieces. A frame with a bad checksum is skipped whole and counted; bad magic
// (or an impossible length) makes the decoder skip forward to the next magic,
// also counted; the stream itself stays usable either way.
//
// Not thread-safe; one decoder per connection.
#ifndef TURNCOAT_TARGETS_TCPBFT_FRAME_H_
#define TURNCOAT_TARGETS_TCPBFT_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace tcpbft {

inline constexpr uint32_t kMagic = 0x54434246;
inline constexpr size_t kHeaderSize = 16;
inline constexpr uint32_t kMaxPayload = 16u << 20;

enum class FrameType : uint8_t {
  kHello = 1,
  kHelloAck = 2,
  kRequest = 3,
  kPrePrepare = 4,
  kPrepare = 5,
  kCommit = 6,
  kCheckpoint = 7,
  kViewChange = 8,
  kNewView = 9,
  kReply = 10,
  kFetch = 11,
  kCommitted = 12,
};

// "PREPARE", ..., or "TYPE<n>" for an unknown type.
std::string FrameTypeName(uint8_t type);

struct Frame {
  uint8_t type = 0;
  uint8_t flags = 0;
  std::string payload;
};

// The frame's bytes, header included.
std::string EncodeFrame(FrameType type, absl::string_view payload);

class FrameDecoder {
 public:
  void Append(absl::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }
  // The next complete, valid frame, or nullopt when more bytes are needed.
  std::optional<Frame> Next();
  // Frames dropped so far for a bad checksum, and bytes skipped looking for
  // a magic.
  uint64_t bad_checksums() const { return bad_checksums_; }
  uint64_t skipped_bytes() const { return skipped_bytes_; }

 private:
  std::string buffer_;
  size_t start_ = 0;
  uint64_t bad_checksums_ = 0;
  uint64_t skipped_bytes_ = 0;
};

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_FRAME_H_
