// FrameFormat: how a target that speaks its own binary protocol over TCP
// cuts its byte stream into messages, as its target file declares it
// (docs/target-format.md, `protocol.framing`).
//
// Many BFT systems keep one TCP connection per pair of replicas and frame
// each message with a small fixed header: a magic number, a message type, a
// length, often a checksum. Declared here as offsets, sizes and a byte
// order, turncoat can cut the stream at message boundaries (so faults drop,
// delay or duplicate whole messages and the stream stays parseable), name
// each message by its type (so rules match kinds: drop votes, delay
// proposals), and make a changed message valid again by writing its length
// and recomputing its checksum (Reseal).
//
// A stream that stops parsing (a wrong magic, a length beyond the bound)
// is not the proxy's to repair: Split says so and the caller passes the
// rest of the connection through as raw bytes, counting it.
//
// Immutable after Compile; thread-safe.
#ifndef TURNCOAT_AGENTS_FRAME_FORMAT_H_
#define TURNCOAT_AGENTS_FRAME_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace turncoat {
namespace agent {

// One unsigned integer in the header; size 0: absent.
struct HeaderField {
  uint32_t offset = 0;
  uint32_t size = 0;  // 1, 2, 4 or 8 bytes
  bool present() const { return size != 0; }
};

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kSha256d };
// What a checksum or a length counts: the payload after the header, or the
// whole frame (for a checksum: with the checksum's own bytes zeroed), or
// (checksums only) the frame from an offset on, the checksum's own bytes
// left out.
enum class FrameSpan { kPayload, kFrame, kFrom };

struct FramingSpec {
  uint32_t header_bytes = 0;
  bool big_endian = true;
  HeaderField magic;
  uint64_t magic_value = 0;
  HeaderField type;
  HeaderField length;
  FrameSpan length_counts = FrameSpan::kPayload;
  HeaderField checksum;
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kCrc32;
  FrameSpan checksum_covers = FrameSpan::kPayload;
  uint32_t checksum_from = 0;  // kFrom: the first byte covered
  // Message type value -> the kind name plans filter on.
  std::map<uint64_t, std::string> types;
  // A frame longer than this is taken for a stream turncoat cannot parse.
  uint32_t max_frame_bytes = 16 << 20;
};

class FrameFormat {
 public:
  // Checks that fields lie inside the header and do not overlap, sizes are
  // 1, 2, 4 or 8, and a length field exists. Errors name the field.
  static absl::StatusOr<FrameFormat> Compile(FramingSpec spec);

  const FramingSpec& spec() const { return spec_; }

  // The length of the first frame in `buffer`: nullopt while the buffer
  // holds less than one whole frame; an error when the bytes cannot be a
  // frame (wrong magic, length out of bounds).
  absl::StatusOr<std::optional<size_t>> NextFrame(absl::string_view buffer) const;

  // The kind a whole frame's type names; "" for an unlisted type (or no
  // type field).
  std::string KindOf(absl::string_view frame) const;
  // The frame's type value; nullopt without a type field.
  std::optional<uint64_t> TypeOf(absl::string_view frame) const;

  // Whether the frame's checksum matches its bytes (true without one).
  bool ChecksumValid(absl::string_view frame) const;

  // Makes `frame` (a header followed by a payload of any length) valid:
  // writes its length and checksum. Fails if it is shorter than a header.
  absl::Status Reseal(std::string* frame) const;

 private:
  explicit FrameFormat(FramingSpec spec) : spec_(std::move(spec)) {}
  uint64_t Read(absl::string_view frame, const HeaderField& field) const;
  void Write(std::string* frame, const HeaderField& field, uint64_t value) const;
  // The bytes the checksum field must hold for `frame`.
  std::string ChecksumBytes(absl::string_view frame) const;

  FramingSpec spec_;
};

// The checksum algorithms by the names target files use: crc32 (zlib's),
// crc32c (Castagnoli), both stored as integers in the header's byte order;
// sha256d, the first bytes of SHA-256 applied twice, stored as they are (as
// in Bitcoin's message header).
std::optional<ChecksumAlgorithm> ChecksumAlgorithmNamed(absl::string_view name);

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_FRAME_FORMAT_H_
