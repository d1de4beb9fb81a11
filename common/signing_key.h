// Signing keys of the schemes BFT systems use — Ed25519, ECDSA over NIST P-256
// and ECDSA over secp256k1 — in the textual forms those systems read them.
//
// turncoat generates a key pair per replica (and client) of the system under
// test, hands it over in whatever form that system reads (PEM, or hex or
// base64 of the raw key), and signs with the Byzantine replicas' keys when it
// rewrites their messages. What this module promises:
//   * Raw forms: an Ed25519 private key is its 32-byte seed, its public key
//     32 bytes; an ECDSA private key is the 32-byte big-endian scalar,
//     left-padded, its public key the 65-byte uncompressed SEC1 point (04||X||Y;
//     the 33-byte compressed form is accepted when parsing). PEM is PKCS#8 for
//     private keys (SEC1 "EC PRIVATE KEY" is accepted too) and
//     SubjectPublicKeyInfo for public keys. Keys are canonical: the same key
//     always encodes to the same text, whatever form it was read from.
//   * Parsing ignores surrounding whitespace; hex takes either case and an
//     optional 0x prefix. Errors say what was expected and what was found.
//   * Ed25519 signs the message itself (64 bytes, one encoding: raw). ECDSA
//     signs SHA-256 of the message, as DER (what OpenSSL and Python's
//     `cryptography` produce) or raw r||s (32 bytes each), and always emits
//     low-S signatures (s <= n/2): Bitcoin- and Ethereum-style secp256k1
//     verifiers reject high S, and so does Hyperledger Fabric for P-256
//     (bccsp/sw/ecdsa.go), a BFT system turncoat should be able to target;
//     every standard verifier accepts low S.
//   * Verify returns false, never crashes, on a signature that is malformed,
//     of the wrong length or in the wrong encoding. It accepts high-S ECDSA
//     signatures, which are valid ECDSA (RFC 6979's own test vectors are high
//     S): turncoat checks what a signature proves, not a system's policy.
//
// PublicKey and PrivateKey are immutable and safe to share between threads:
// copies share one OpenSSL key, and every call uses its own EVP context. They
// have no empty state: a moved-from key is still the same key.
#ifndef TURNCOAT_COMMON_SIGNING_KEY_H_
#define TURNCOAT_COMMON_SIGNING_KEY_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace turncoat {

enum class KeyScheme { kEd25519, kEcdsaP256, kSecp256k1 };
enum class KeyEncoding { kPem, kHex, kBase64 };
enum class SignatureEncoding { kRaw, kDer };

// Names as written in target files: "ed25519", "ecdsa-p256", "secp256k1";
// "pem", "hex", "base64"; "raw", "der". Parsing is exact (lower case), and the
// error lists the names expected.
absl::StatusOr<KeyScheme> ParseKeyScheme(absl::string_view name);
absl::string_view KeySchemeName(KeyScheme scheme);
// "ed25519, ecdsa-p256, secp256k1", for messages.
std::string KeySchemeNames();
absl::StatusOr<KeyEncoding> ParseKeyEncoding(absl::string_view name);
absl::string_view KeyEncodingName(KeyEncoding encoding);
std::string KeyEncodingNames();
absl::StatusOr<SignatureEncoding> ParseSignatureEncoding(absl::string_view name);
absl::string_view SignatureEncodingName(SignatureEncoding encoding);
std::string SignatureEncodingNames();

// What a signer of `scheme` emits unless told otherwise: raw for Ed25519 (its
// only encoding), DER for ECDSA.
SignatureEncoding DefaultSignatureEncoding(KeyScheme scheme);
// OK iff `scheme` has signatures in `encoding` (Ed25519 has no DER form); the
// error names the fix. Check a target's choice with this when loading it, so
// that Sign cannot fail later for this reason.
absl::Status CheckSignatureEncoding(KeyScheme scheme, SignatureEncoding encoding);

class PublicKey {
 public:
  static absl::StatusOr<PublicKey> Parse(absl::string_view text, KeyScheme scheme,
                                         KeyEncoding encoding);
  // Parse() of the file's contents; errors start with "file <path>: ".
  static absl::StatusOr<PublicKey> LoadFile(const std::string& path, KeyScheme scheme,
                                            KeyEncoding encoding);

  // Copying shares the key; there is deliberately no move, so that a
  // moved-from key is still a key.
  PublicKey(const PublicKey&) = default;
  PublicKey& operator=(const PublicKey&) = default;

  KeyScheme scheme() const { return scheme_; }
  // The raw public key: 32 bytes (Ed25519) or the 65-byte uncompressed point.
  std::string Raw() const;
  // PEM ends with a newline; hex (lower case) and base64 have none.
  std::string Encode(KeyEncoding encoding) const;
  // Writes Encode(encoding) to `path`, with a final newline for hex and
  // base64.
  absl::Status WriteFile(const std::string& path, KeyEncoding encoding) const;

  // True iff `signature`, in `encoding`, is this key's signature over exactly
  // `message`.
  bool Verify(absl::string_view message, absl::string_view signature,
              SignatureEncoding encoding) const;

  // Same scheme and same point.
  friend bool operator==(const PublicKey& a, const PublicKey& b);
  friend bool operator!=(const PublicKey& a, const PublicKey& b) { return !(a == b); }

 private:
  friend class PrivateKey;
  PublicKey(std::shared_ptr<EVP_PKEY> key, KeyScheme scheme)
      : key_(std::move(key)), scheme_(scheme) {}
  // Every public key is built here from its raw bytes, so that its encodings
  // do not depend on where it came from.
  static absl::StatusOr<PublicKey> FromRaw(KeyScheme scheme, absl::string_view raw);

  std::shared_ptr<EVP_PKEY> key_;
  KeyScheme scheme_;
};

class PrivateKey {
 public:
  static absl::StatusOr<PrivateKey> Generate(KeyScheme scheme);
  static absl::StatusOr<PrivateKey> Parse(absl::string_view text, KeyScheme scheme,
                                          KeyEncoding encoding);
  // Parse() of the file's contents; errors start with "file <path>: ".
  static absl::StatusOr<PrivateKey> LoadFile(const std::string& path, KeyScheme scheme,
                                             KeyEncoding encoding);

  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;

  KeyScheme scheme() const { return public_key_.scheme(); }
  const PublicKey& public_key() const { return public_key_; }
  // PEM (unencrypted PKCS#8) ends with a newline; hex and base64 have none.
  std::string Encode(KeyEncoding encoding) const;
  // Writes Encode(encoding) to `path` (final newline for hex and base64) in a
  // file of mode 0600, also when the file already existed.
  absl::Status WriteFile(const std::string& path, KeyEncoding encoding) const;

  // This key's signature over `message` in `encoding`; fails only if
  // CheckSignatureEncoding(scheme(), encoding) does.
  absl::StatusOr<std::string> Sign(absl::string_view message, SignatureEncoding encoding) const;

 private:
  PrivateKey(std::shared_ptr<EVP_PKEY> key, PublicKey public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  // Every private key is built here from its 32 raw bytes.
  static absl::StatusOr<PrivateKey> FromRaw(KeyScheme scheme, absl::string_view raw);

  std::shared_ptr<EVP_PKEY> key_;
  PublicKey public_key_;
};

// Writes `<dir>/<name>.key` (mode 0600) and `<dir>/<name>.pub` in the given
// encodings. `dir` must exist.
absl::Status WriteKeyPair(const PrivateKey& key, const std::string& dir, const std::string& name,
                          KeyEncoding private_encoding, KeyEncoding public_encoding);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_SIGNING_KEY_H_
