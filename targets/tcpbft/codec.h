// Field encoding inside tcpbft payloads: big-endian u8/u64 integers, and
// strings and lists prefixed by a big-endian u32 length or count.
//
// Reader never reads past its input: a short or malformed body makes ok()
// false and every later read return zero values. Neither class is
// thread-safe.
#ifndef TURNCOAT_TARGETS_TCPBFT_CODEC_H_
#define TURNCOAT_TARGETS_TCPBFT_CODEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace tcpbft {

class Writer {
 public:
  Writer& U8(uint8_t v);
  Writer& U32(uint32_t v);
  Writer& U64(uint64_t v);
  Writer& Bytes(absl::string_view v);
  Writer& List(const std::vector<std::string>& items);
  const std::string& data() const { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}
  uint8_t U8();
  uint32_t U32();
  uint64_t U64();
  std::string Bytes();
  std::vector<std::string> List();
  // True iff every read so far succeeded and, with `at_end`, nothing is left.
  bool ok(bool at_end = true) const { return ok_ && (!at_end || in_.empty()); }

 private:
  bool Take(size_t n, absl::string_view* out);
  template <typename T>
  T BigEndian();
  absl::string_view in_;
  bool ok_ = true;
};

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_CODEC_H_
