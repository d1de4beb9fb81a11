#include "common/ed25519.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace turncoat {
namespace {

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open key file ", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<BIO, decltype(&BIO_free)> MemBio(absl::string_view data) {
  return {BIO_new_mem_buf(data.data(), static_cast<int>(data.size())), BIO_free};
}

std::string DrainBio(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

bool IsEd25519(const EVP_PKEY* key) { return EVP_PKEY_id(key) == EVP_PKEY_ED25519; }

// The DER of an Ed25519 key up to its 32 raw bytes (RFC 8410): a
// SubjectPublicKeyInfo, and a PKCS#8 v1 PrivateKeyInfo without attributes,
// which is what OpenSSL and Python's cryptography write.
constexpr absl::string_view kSpkiPrefix("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", 12);
constexpr absl::string_view kPkcs8Prefix(
    "\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20", 16);

// The 32 raw key bytes of `pem` if it is one PEM block labelled `label`
// whose DER is `prefix` and 32 bytes; nullopt for anything else, which the
// caller leaves to OpenSSL's PEM reader. Why not always that reader: in
// OpenSSL 3 it runs the provider decoders, ~0.3 ms a key, and a replica
// reads every replica's public key at start (n = 31: ~10 ms of its start).
std::optional<std::string> RawFromPem(absl::string_view pem, absl::string_view label,
                                      absl::string_view prefix) {
  const std::string begin = absl::StrCat("-----BEGIN ", label, "-----");
  const std::string end = absl::StrCat("-----END ", label, "-----");
  absl::string_view rest = absl::StripAsciiWhitespace(pem);
  if (!absl::ConsumePrefix(&rest, begin) || !absl::ConsumeSuffix(&rest, end)) return std::nullopt;
  std::string base64(rest);
  base64.erase(std::remove_if(base64.begin(), base64.end(),
                              [](unsigned char c) { return absl::ascii_isspace(c); }),
               base64.end());
  std::string der;
  if (!absl::Base64Unescape(base64, &der) || der.size() != prefix.size() + 32 ||
      !absl::StartsWith(der, prefix)) {
    return std::nullopt;
  }
  return der.substr(prefix.size());
}

const unsigned char* Bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromPem(absl::string_view pem) {
  if (std::optional<std::string> raw = RawFromPem(pem, "PUBLIC KEY", kSpkiPrefix)) {
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(*raw), raw->size());
    if (key != nullptr) return Ed25519PublicKey(Own(key));
    ERR_clear_error();
  }
  auto bio = MemBio(pem);
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a PEM public key: ", OpenSslError()));
  }
  if (!IsEd25519(key)) {
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError("public key is not Ed25519");
  }
  return Ed25519PublicKey(Own(key));
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::LoadPemFile(const std::string& path) {
  auto pem = ReadFile(path);
  if (!pem.ok()) return pem.status();
  auto key = FromPem(*pem);
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", key.status().message()));
  return key;
}

bool Ed25519PublicKey::Verify(absl::string_view message, absl::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (rc != 1) ERR_clear_error();
  return rc == 1;
}

std::string Ed25519PublicKey::ToPem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  return DrainBio(bio.get());
}

std::string Ed25519PublicKey::Raw() const {
  std::string raw(32, '\0');
  size_t len = raw.size();
  EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &len);
  raw.resize(len);
  return raw;
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Generate() {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1) {
    return absl::InternalError(absl::StrCat("Ed25519 key generation failed: ", OpenSslError()));
  }
  return Ed25519PrivateKey(Own(key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromPem(absl::string_view pem) {
  if (std::optional<std::string> raw = RawFromPem(pem, "PRIVATE KEY", kPkcs8Prefix)) {
    EVP_PKEY* key =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(*raw), raw->size());
    if (key != nullptr) return Ed25519PrivateKey(Own(key));
    ERR_clear_error();
  }
  auto bio = MemBio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a PEM private key: ", OpenSslError()));
  }
  if (!IsEd25519(key)) {
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError("private key is not Ed25519");
  }
  return Ed25519PrivateKey(Own(key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::LoadPemFile(const std::string& path) {
  auto pem = ReadFile(path);
  if (!pem.ok()) return pem.status();
  auto key = FromPem(*pem);
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", key.status().message()));
  return key;
}

std::string Ed25519PrivateKey::Sign(absl::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string sig(64, '\0');
  size_t len = sig.size();
  // Ed25519 is "pure": no digest, one-shot sign over the whole message.
  EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get());
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(message.data()), message.size());
  sig.resize(len);
  return sig;
}

Ed25519PublicKey Ed25519PrivateKey::PublicKey() const {
  // The public half is derived from the same EVP_PKEY; exporting and
  // re-importing keeps the public object free of private material.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  return *Ed25519PublicKey::FromPem(DrainBio(bio.get()));
}

std::string Ed25519PrivateKey::ToPem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return DrainBio(bio.get());
}

absl::Status WriteKeyPair(const Ed25519PrivateKey& key, const std::string& dir,
                          const std::string& name) {
  const std::string priv_path = absl::StrCat(dir, "/", name, ".key");
  const std::string pub_path = absl::StrCat(dir, "/", name, ".pub");
  {
    std::ofstream out(priv_path, std::ios::binary | std::ios::trunc);
    if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", priv_path));
    out << key.ToPem();
    if (!out) return absl::DataLossError(absl::StrCat("short write to ", priv_path));
  }
  chmod(priv_path.c_str(), 0600);
  std::ofstream out(pub_path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", pub_path));
  out << key.PublicKey().ToPem();
  if (!out) return absl::DataLossError(absl::StrCat("short write to ", pub_path));
  return absl::OkStatus();
}

}  // namespace turncoat
