// A typical binary framing for the TCP link tests: magic u32, type u8,
// flags u8, reserved u16, payload length u32, crc32 of the payload u32, all
// big-endian; types 3 (prepare) and 4 (commit).
#ifndef TURNCOAT_TESTS_AGENTS_SAMPLE_FRAMING_H_
#define TURNCOAT_TESTS_AGENTS_SAMPLE_FRAMING_H_

#include <zlib.h>

#include <cstdint>
#include <string>

#include "agents/frame_format.h"

namespace turncoat {
namespace agent {

inline FramingSpec SixteenByteHeader() {
  FramingSpec spec;
  spec.header_bytes = 16;
  spec.magic = {0, 4};
  spec.magic_value = 0x54434246;
  spec.type = {4, 1};
  spec.length = {8, 4};
  spec.checksum = {12, 4};
  spec.types = {{3, "prepare"}, {4, "commit"}};
  return spec;
}

inline std::string BigEndian(uint64_t v, int size) {
  std::string out(size, '\0');
  for (int i = size - 1; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xFF);
  return out;
}

// A valid frame of SixteenByteHeader().
inline std::string MakeFrame(uint8_t type, const std::string& payload) {
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(payload.data()),
                          static_cast<uInt>(payload.size()));
  return BigEndian(0x54434246, 4) + std::string(1, static_cast<char>(type)) + std::string(3, '\0') +
         BigEndian(payload.size(), 4) + BigEndian(crc, 4) + payload;
}

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_TESTS_AGENTS_SAMPLE_FRAMING_H_
