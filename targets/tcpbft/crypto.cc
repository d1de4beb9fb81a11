#include "targets/tcpbft/crypto.h"

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace tcpbft {
namespace {

absl::StatusOr<std::string> RawFromHex(absl::string_view hex) {
  hex = absl::StripAsciiWhitespace(hex);
  if (hex.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected 64 hex digits (a raw 32-byte Ed25519 key), found ", hex.size(),
                     " characters"));
  }
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(absl::StrCat("'", std::string(1, c), "' is not a hex digit"));
    }
  }
  return absl::HexStringToBytes(hex);
}

using RawKeyReader = EVP_PKEY* (*)(int, ENGINE*, const unsigned char*, size_t);

absl::StatusOr<std::shared_ptr<EVP_PKEY>> KeyFromHex(absl::string_view hex, RawKeyReader read,
                                                     const char* kind) {
  absl::StatusOr<std::string> raw = RawFromHex(hex);
  if (!raw.ok()) return raw.status();
  EVP_PKEY* key = read(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw->data()),
                       raw->size());
  if (key == nullptr) return absl::InvalidArgumentError(absl::StrCat("not an Ed25519 ", kind, " key"));
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

}  // namespace

absl::StatusOr<VerifyKey> VerifyKey::FromHex(absl::string_view hex) {
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> key = KeyFromHex(hex, EVP_PKEY_new_raw_public_key, "public");
  if (!key.ok()) return key.status();
  return VerifyKey(*std::move(key));
}

bool VerifyKey::Verify(absl::string_view message, absl::string_view signature) const {
  if (signature.size() != kSignatureSize) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                             message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

absl::StatusOr<SignKey> SignKey::FromHex(absl::string_view hex) {
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> key = KeyFromHex(hex, EVP_PKEY_new_raw_private_key, "private");
  if (!key.ok()) return key.status();
  return SignKey(*std::move(key));
}

std::string SignKey::Sign(absl::string_view message) const {
  std::string signature(kSignatureSize, '\0');
  size_t length = signature.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  // Ed25519 cannot fail to sign with a valid key and buffer.
  EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_.get());
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                 reinterpret_cast<const unsigned char*>(message.data()), message.size());
  EVP_MD_CTX_free(ctx);
  return signature;
}

std::string SignKey::PublicHex() const {
  unsigned char raw[32];
  size_t length = sizeof(raw);
  EVP_PKEY_get_raw_public_key(key_.get(), raw, &length);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(raw), length));
}

std::string Sha256(absl::string_view data) {
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), length);
}

}  // namespace tcpbft
