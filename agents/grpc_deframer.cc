#include "agents/grpc_deframer.h"

#include <cstring>
#include <utility>

namespace turncoat {
namespace agent {

std::string FrameGrpcMessage(absl::string_view message, uint8_t flags) {
  std::string framed(kGrpcPrefix + message.size(), '\0');
  framed[0] = static_cast<char>(flags);
  const uint32_t n = static_cast<uint32_t>(message.size());
  framed[1] = static_cast<char>(n >> 24);
  framed[2] = static_cast<char>(n >> 16);
  framed[3] = static_cast<char>(n >> 8);
  framed[4] = static_cast<char>(n);
  std::memcpy(&framed[kGrpcPrefix], message.data(), message.size());
  return framed;
}

namespace {

// The length, prefix included, that a complete prefix declares.
size_t DeclaredLength(absl::string_view prefix) {
  const auto* u = reinterpret_cast<const uint8_t*>(prefix.data());
  return kGrpcPrefix +
         ((size_t{u[1]} << 24) | (size_t{u[2]} << 16) | (size_t{u[3]} << 8) | size_t{u[4]});
}

}  // namespace

std::optional<size_t> GrpcFramedLength(absl::string_view bytes) {
  if (bytes.size() < kGrpcPrefix) return std::nullopt;
  const size_t n = DeclaredLength(bytes);
  if (bytes.size() < n) return std::nullopt;
  return n;
}

size_t GrpcDeframer::declared() const {
  return partial_.size() < kGrpcPrefix ? 0 : DeclaredLength(partial_);
}

void GrpcDeframer::Feed(absl::string_view data,
                        absl::FunctionRef<void(std::string framed)> take) {
  if (partial_.empty()) {
    // The common case: whole messages, taken straight from the read.
    while (std::optional<size_t> n = GrpcFramedLength(data)) {
      take(std::string(data.substr(0, *n)));
      data.remove_prefix(*n);
    }
  }
  if (data.empty()) return;
  partial_.append(data.data(), data.size());
  size_t at = 0;
  while (std::optional<size_t> n = GrpcFramedLength(absl::string_view(partial_).substr(at))) {
    take(partial_.substr(at, *n));
    at += *n;
  }
  partial_.erase(0, at);
}

}  // namespace agent
}  // namespace turncoat
