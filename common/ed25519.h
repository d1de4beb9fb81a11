// Ed25519 keys and signatures through OpenSSL's EVP interface.
//
// turncoat's controller generates one key pair per replica and run; refbft
// signs every peer message with one; adversaries re-sign with the keys of the
// Byzantine replicas only. Keys are PEM on disk (PKCS#8 private,
// SubjectPublicKeyInfo public), so any OpenSSL-speaking target can read them.
// FromPem decodes the usual one-block layout itself and hands anything else
// to OpenSSL's PEM reader, which in OpenSSL 3 costs ~0.3 ms a key.
//
// Both classes are immutable after construction and safe to share between
// threads; each call creates its own EVP context.
#ifndef TURNCOAT_COMMON_ED25519_H_
#define TURNCOAT_COMMON_ED25519_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace turncoat {

class Ed25519PublicKey {
 public:
  static absl::StatusOr<Ed25519PublicKey> FromPem(absl::string_view pem);
  static absl::StatusOr<Ed25519PublicKey> LoadPemFile(const std::string& path);

  // True iff `signature` is this key's signature over exactly `message`.
  bool Verify(absl::string_view message, absl::string_view signature) const;
  std::string ToPem() const;
  // The 32 raw key bytes; two keys are the same key iff these are equal.
  std::string Raw() const;

 private:
  explicit Ed25519PublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

class Ed25519PrivateKey {
 public:
  static absl::StatusOr<Ed25519PrivateKey> Generate();
  static absl::StatusOr<Ed25519PrivateKey> FromPem(absl::string_view pem);
  static absl::StatusOr<Ed25519PrivateKey> LoadPemFile(const std::string& path);

  // The 64-byte Ed25519 signature over `message`.
  std::string Sign(absl::string_view message) const;
  Ed25519PublicKey PublicKey() const;
  std::string ToPem() const;

 private:
  explicit Ed25519PrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

// Writes `<dir>/<name>.key` (private, mode 0600) and `<dir>/<name>.pub`.
absl::Status WriteKeyPair(const Ed25519PrivateKey& key, const std::string& dir,
                          const std::string& name);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_ED25519_H_
