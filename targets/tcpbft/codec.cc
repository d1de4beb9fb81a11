#include "targets/tcpbft/codec.h"

namespace tcpbft {

// A list or string longer than this is malformed: a frame holds 16 MiB.
constexpr uint32_t kMaxCount = 1u << 24;

Writer& Writer::U8(uint8_t v) {
  out_.push_back(static_cast<char>(v));
  return *this;
}

namespace {

template <typename T>
void PutBigEndian(std::string* out, T v) {
  for (int shift = 8 * (sizeof(T) - 1); shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

}  // namespace

Writer& Writer::U32(uint32_t v) {
  PutBigEndian(&out_, v);
  return *this;
}

Writer& Writer::U64(uint64_t v) {
  PutBigEndian(&out_, v);
  return *this;
}

Writer& Writer::Bytes(absl::string_view v) {
  U32(static_cast<uint32_t>(v.size()));
  out_.append(v.data(), v.size());
  return *this;
}

Writer& Writer::List(const std::vector<std::string>& items) {
  U32(static_cast<uint32_t>(items.size()));
  for (const std::string& item : items) Bytes(item);
  return *this;
}

bool Reader::Take(size_t n, absl::string_view* out) {
  if (!ok_ || in_.size() < n) {
    ok_ = false;
    return false;
  }
  *out = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

uint8_t Reader::U8() {
  absl::string_view b;
  return Take(1, &b) ? static_cast<uint8_t>(b[0]) : 0;
}

template <typename T>
T Reader::BigEndian() {
  absl::string_view b;
  if (!Take(sizeof(T), &b)) return 0;
  T v = 0;
  for (char c : b) v = static_cast<T>((v << 8) | static_cast<uint8_t>(c));
  return v;
}

uint32_t Reader::U32() { return BigEndian<uint32_t>(); }
uint64_t Reader::U64() { return BigEndian<uint64_t>(); }

std::string Reader::Bytes() {
  const uint32_t n = U32();
  absl::string_view b;
  if (n > kMaxCount || !Take(n, &b)) {
    ok_ = false;
    return "";
  }
  return std::string(b);
}

std::vector<std::string> Reader::List() {
  const uint32_t n = U32();
  std::vector<std::string> items;
  if (n > kMaxCount || n > in_.size() / 4) {
    ok_ = false;
    return items;
  }
  for (uint32_t i = 0; i < n && ok_; ++i) items.push_back(Bytes());
  return items;
}

}  // namespace tcpbft
