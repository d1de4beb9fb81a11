#include "targets/tcpbft/messages.h"

namespace tcpbft {

std::string Seal(const SignKey& key, const std::string& body) { return body + key.Sign(body); }

bool Unseal(absl::string_view payload, FrameType type, absl::string_view* body,
            absl::string_view* signature) {
  if (payload.size() <= kSignatureSize || static_cast<uint8_t>(payload[0]) != static_cast<uint8_t>(type)) {
    return false;
  }
  *body = payload.substr(0, payload.size() - kSignatureSize);
  *signature = payload.substr(payload.size() - kSignatureSize);
  return true;
}

}  // namespace tcpbft
