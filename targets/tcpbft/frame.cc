#include "targets/tcpbft/frame.h"

#include <zlib.h>

#include "absl/strings/str_cat.h"

namespace tcpbft {
namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint32_t GetU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

uint32_t Checksum(absl::string_view header_fields, absl::string_view payload) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(header_fields.data()), header_fields.size());
  crc = crc32(crc, reinterpret_cast<const Bytef*>(payload.data()), payload.size());
  return static_cast<uint32_t>(crc);
}

}  // namespace

std::string FrameTypeName(uint8_t type) {
  static const char* const kNames[] = {"",        "HELLO",       "HELLO_ACK", "REQUEST",
                                       "PRE_PREPARE", "PREPARE", "COMMIT",    "CHECKPOINT",
                                       "VIEW_CHANGE", "NEW_VIEW", "REPLY",    "FETCH",
                                       "COMMITTED"};
  if (type >= 1 && type <= 12) return kNames[type];
  return absl::StrCat("TYPE", type);
}

std::string EncodeFrame(FrameType type, absl::string_view payload) {
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  PutU32(&out, kMagic);
  out.push_back(static_cast<char>(type));
  out.push_back(0);  // flags
  out.append(2, '\0');  // reserved
  PutU32(&out, static_cast<uint32_t>(payload.size()));
  PutU32(&out, Checksum(absl::string_view(out).substr(4, 8), payload));
  out.append(payload.data(), payload.size());
  return out;
}

std::optional<Frame> FrameDecoder::Next() {
  while (buffer_.size() - start_ >= kHeaderSize) {
    const char* header = buffer_.data() + start_;
    const uint32_t length = GetU32(header + 8);
    if (GetU32(header) != kMagic || length > kMaxPayload) {
      // Resynchronise on the next occurrence of the magic's first byte.
      size_t next = buffer_.find(static_cast<char>(kMagic >> 24), start_ + 1);
      if (next == std::string::npos) next = buffer_.size();
      skipped_bytes_ += next - start_;
      start_ = next;
      continue;
    }
    if (buffer_.size() - start_ < kHeaderSize + length) break;
    absl::string_view payload(header + kHeaderSize, length);
    const bool valid = Checksum(absl::string_view(header + 4, 8), payload) == GetU32(header + 12);
    Frame frame{static_cast<uint8_t>(header[4]), static_cast<uint8_t>(header[5]),
                std::string(payload)};
    start_ += kHeaderSize + length;
    if (!valid) {
      ++bad_checksums_;
      continue;
    }
    return frame;
  }
  // Compact once the consumed prefix dominates, so appends stay amortised O(1).
  if (start_ > 0 && start_ * 2 >= buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  return std::nullopt;
}

}  // namespace tcpbft
