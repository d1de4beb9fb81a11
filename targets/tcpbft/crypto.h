// Ed25519 keys as tcpbft's config holds them (hex of the raw 32-byte seed or
// public key), and SHA-256 digests.
//
// Keys are immutable and safe to share between threads: every call makes its
// own EVP context.
#ifndef TURNCOAT_TARGETS_TCPBFT_CRYPTO_H_
#define TURNCOAT_TARGETS_TCPBFT_CRYPTO_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace tcpbft {

inline constexpr size_t kSignatureSize = 64;

class VerifyKey {
 public:
  // `hex`: 64 hex digits, the raw public key.
  static absl::StatusOr<VerifyKey> FromHex(absl::string_view hex);
  bool Verify(absl::string_view message, absl::string_view signature) const;

 private:
  explicit VerifyKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

class SignKey {
 public:
  // `hex`: 64 hex digits, the raw 32-byte seed.
  static absl::StatusOr<SignKey> FromHex(absl::string_view hex);
  std::string Sign(absl::string_view message) const;
  // Hex of the raw public key.
  std::string PublicHex() const;

 private:
  explicit SignKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

std::string Sha256(absl::string_view data);

}  // namespace tcpbft

#endif  // TURNCOAT_TARGETS_TCPBFT_CRYPTO_H_
