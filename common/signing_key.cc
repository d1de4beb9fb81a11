#include "common/signing_key.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace turncoat {
namespace {

constexpr size_t kScalarBytes = 32;
constexpr size_t kEd25519KeyBytes = 32;
constexpr size_t kEd25519SignatureBytes = 64;
constexpr size_t kUncompressedPointBytes = 65;
constexpr size_t kCompressedPointBytes = 33;

template <typename T>
struct NamedValue {
  absl::string_view name;
  T value;
};

constexpr NamedValue<KeyScheme> kSchemes[] = {{"ed25519", KeyScheme::kEd25519},
                                              {"ecdsa-p256", KeyScheme::kEcdsaP256},
                                              {"secp256k1", KeyScheme::kSecp256k1}};
constexpr NamedValue<KeyEncoding> kKeyEncodings[] = {
    {"pem", KeyEncoding::kPem}, {"hex", KeyEncoding::kHex}, {"base64", KeyEncoding::kBase64}};
constexpr NamedValue<SignatureEncoding> kSignatureEncodings[] = {{"raw", SignatureEncoding::kRaw},
                                                                 {"der", SignatureEncoding::kDer}};

template <typename T, size_t N>
std::string Names(const NamedValue<T> (&table)[N]) {
  return absl::StrJoin(table, ", ", [](std::string* out, const NamedValue<T>& entry) {
    out->append(entry.name.data(), entry.name.size());
  });
}

template <typename T, size_t N>
absl::string_view NameOf(const NamedValue<T> (&table)[N], T value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

template <typename T, size_t N>
absl::StatusOr<T> ParseName(const NamedValue<T> (&table)[N], absl::string_view name,
                            absl::string_view what) {
  for (const auto& entry : table) {
    if (entry.name == name) return entry.value;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown ", what, " '", name, "'; expected one of: ", Names(table)));
}

bool IsEcdsa(KeyScheme scheme) { return scheme != KeyScheme::kEd25519; }

int CurveNid(KeyScheme scheme) {
  return scheme == KeyScheme::kEcdsaP256 ? NID_X9_62_prime256v1 : NID_secp256k1;
}

// OpenSSL's short name of the curve, which EVP_PKEY_fromdata takes as the
// group name.
const char* CurveGroupName(KeyScheme scheme) { return OBJ_nid2sn(CurveNid(scheme)); }

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_clear_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The reason of the most recent OpenSSL error, and an empty error queue: a
// failure here must not leave stale errors for the next OpenSSL user on this
// thread.
std::string OpenSslReason() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

// The group order n of an ECDSA scheme's curve and floor(n/2), computed once
// and never freed; read-only afterwards, so shared between threads.
struct CurveOrder {
  BIGNUM* n;
  BIGNUM* half;
};

const CurveOrder* NewCurveOrder(int nid) {
  EcGroupPtr group(EC_GROUP_new_by_curve_name(nid), EC_GROUP_free);
  auto* order = new CurveOrder{BN_dup(EC_GROUP_get0_order(group.get())), BN_new()};
  BN_rshift1(order->half, order->n);
  return order;
}

const CurveOrder& OrderOf(KeyScheme scheme) {
  static const CurveOrder* const p256 = NewCurveOrder(NID_X9_62_prime256v1);
  static const CurveOrder* const secp256k1 = NewCurveOrder(NID_secp256k1);
  return scheme == KeyScheme::kEcdsaP256 ? *p256 : *secp256k1;
}

// --- Building keys from raw bytes: the one path every key takes, so that a
// key's encodings do not depend on where it came from. ---

absl::Status OpenSslFailure(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", OpenSslReason()));
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> EcKeyFromData(KeyScheme scheme, absl::string_view point,
                                                        const BIGNUM* scalar) {
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        OSSL_PARAM_BLD_free);
  // Compressed input is re-encoded uncompressed, the form SEC1 calls the
  // default and every library reads.
  if (build == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      CurveGroupName(scheme), 0) != 1 ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                      "uncompressed", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1 ||
      (scalar != nullptr &&
       OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar) != 1)) {
    return OpenSslFailure("building EC key parameters");
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
      OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, scalar != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    // Import decodes the point, so a point off the curve fails here.
    return absl::InvalidArgumentError(absl::StrCat("not a valid ", KeySchemeName(scheme),
                                                   " public key: OpenSSL rejects the point (",
                                                   OpenSslReason(), ")"));
  }
  return Own(key);
}

// The key for raw public bytes, once their length and SEC1 form are right.
absl::StatusOr<std::shared_ptr<EVP_PKEY>> PublicEvpFromRaw(KeyScheme scheme,
                                                           absl::string_view raw) {
  if (!IsEcdsa(scheme)) {
    if (raw.size() != kEd25519KeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a valid ed25519 public key: it is 32 bytes, got ", raw.size()));
    }
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(raw), raw.size());
    if (key == nullptr) return OpenSslFailure("importing an ed25519 public key");
    return Own(key);
  }
  const unsigned char prefix = raw.empty() ? 0 : static_cast<unsigned char>(raw[0]);
  const bool uncompressed = raw.size() == kUncompressedPointBytes && prefix == 0x04;
  const bool compressed = raw.size() == kCompressedPointBytes && (prefix == 0x02 || prefix == 0x03);
  if (!uncompressed && !compressed) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid ", KeySchemeName(scheme),
                     " public key: a SEC1 point is 65 bytes starting 04 (uncompressed) or 33 bytes "
                     "starting 02 or 03 (compressed); got ",
                     raw.size(), " bytes starting ", absl::BytesToHexString(raw.substr(0, 1))));
  }
  auto key = EcKeyFromData(scheme, raw, nullptr);
  if (!key.ok()) return key.status();
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr), EVP_PKEY_CTX_free);
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid ", KeySchemeName(scheme), " public key: ", OpenSslReason()));
  }
  return key;
}

// The uncompressed point d·G for the scalar d, which must be in [1, n-1].
// OpenSSL 3.0's EVP_PKEY_fromdata does not derive the public point from the
// private scalar, so this is the one place that needs the EC_POINT interface.
absl::StatusOr<std::string> EcPublicPoint(KeyScheme scheme, const BIGNUM* scalar) {
  EcGroupPtr group(EC_GROUP_new_by_curve_name(CurveNid(scheme)), EC_GROUP_free);
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> point(
      group == nullptr ? nullptr : EC_POINT_new(group.get()), EC_POINT_free);
  std::string out(kUncompressedPointBytes, '\0');
  if (point == nullptr ||
      EC_POINT_mul(group.get(), point.get(), scalar, nullptr, nullptr, nullptr) != 1 ||
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED,
                         reinterpret_cast<unsigned char*>(out.data()), out.size(),
                         nullptr) != out.size()) {
    return OpenSslFailure(absl::StrCat("deriving a ", KeySchemeName(scheme), " public key"));
  }
  return out;
}

// --- Text forms ---

// "a 32-byte hex ecdsa-p256 private key (64 hex digits)", for messages.
std::string Describe(KeyScheme scheme, bool is_private, KeyEncoding encoding) {
  const absl::string_view kind = is_private ? "private" : "public";
  const absl::string_view scheme_name = KeySchemeName(scheme);
  if (encoding == KeyEncoding::kPem) {
    if (!is_private) {
      return absl::StrCat("a PEM ", scheme_name,
                          " public key (SubjectPublicKeyInfo '-----BEGIN PUBLIC KEY-----')");
    }
    return absl::StrCat("a PEM ", scheme_name, " private key (PKCS#8 '-----BEGIN PRIVATE KEY-----'",
                        IsEcdsa(scheme) ? " or SEC1 '-----BEGIN EC PRIVATE KEY-----')" : ")");
  }
  const bool hex = encoding == KeyEncoding::kHex;
  const absl::string_view form = hex ? "hex" : "base64";
  if (is_private && !IsEcdsa(scheme)) {
    return absl::StrCat("a 32-byte ", form, " ", scheme_name, " private key (",
                        hex ? "64 hex digits" : "44 base64 characters", "; or 64 bytes, ",
                        hex ? "128 hex digits" : "88 base64 characters", ", seed||public)");
  }
  if (is_private || !IsEcdsa(scheme)) {
    return absl::StrCat("a 32-byte ", form, " ", scheme_name, " ", kind, " key (",
                        hex ? "64 hex digits" : "44 base64 characters", ")");
  }
  return absl::StrCat("a ", form, " ", scheme_name,
                      " public key (a SEC1 point: 65 bytes uncompressed, ",
                      hex ? "130 hex digits" : "88 base64 characters", ", or 33 compressed, ",
                      hex ? "66" : "44", ")");
}

std::string CharacterAt(absl::string_view text, size_t i) {
  return absl::StrCat("'", absl::CHexEscape(text.substr(i, 1)), "' at offset ", i);
}

// The raw bytes of hex or base64 `text` (already stripped), which must be one
// of `sizes` long.
absl::StatusOr<std::string> DecodeRaw(absl::string_view text, KeyEncoding encoding,
                                      std::initializer_list<size_t> sizes,
                                      const std::string& what) {
  if (absl::StartsWith(text, "-----BEGIN")) {
    return absl::InvalidArgumentError(
        absl::StrCat("not ", what, ": this is PEM; set the key encoding to pem"));
  }
  if (encoding == KeyEncoding::kHex) {
    if (!absl::ConsumePrefix(&text, "0x")) absl::ConsumePrefix(&text, "0X");
    bool size_ok = false;
    for (size_t size : sizes) size_ok = size_ok || text.size() == 2 * size;
    if (!size_ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("not ", what, "; got ", text.size(), " characters"));
    }
    for (size_t i = 0; i < text.size(); ++i) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(text[i]))) {
        return absl::InvalidArgumentError(
            absl::StrCat("not ", what, ": ", CharacterAt(text, i), " is not a hex digit"));
      }
    }
    return absl::HexStringToBytes(text);
  }
  std::string raw;
  if (!absl::Base64Unescape(text, &raw)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not ", what, ": not valid base64 (A-Z, a-z, 0-9, '+', '/', '=' padding)"));
  }
  for (size_t size : sizes) {
    if (raw.size() == size) return raw;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "not ", what, "; got ", text.size(), " characters, which decode to ", raw.size(), " bytes"));
}

std::string EncodeRaw(absl::string_view raw, KeyEncoding encoding) {
  return encoding == KeyEncoding::kHex ? absl::BytesToHexString(raw) : absl::Base64Escape(raw);
}

// Catches text that cannot be PEM before OpenSSL's less telling "unsupported".
absl::Status CheckLooksLikePem(absl::string_view text, const std::string& what) {
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat("not ", what, ": it is empty"));
  if (!absl::StrContains(text, "-----BEGIN ")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not ", what, ": there is no '-----BEGIN' line; for hex or base64 set that key encoding"));
  }
  return absl::OkStatus();
}

// The scheme of a key read from PEM, if it has one of ours; `what` says in
// words what the key is ("an ed25519 key", "an EC key on curve secp384r1",
// "a key of type RSA").
std::optional<KeyScheme> SchemeOfKey(const EVP_PKEY* key, std::string* what) {
  std::optional<KeyScheme> scheme;
  if (EVP_PKEY_is_a(key, "ED25519")) {
    scheme = KeyScheme::kEd25519;
  } else if (EVP_PKEY_is_a(key, "EC")) {
    char group[80];
    size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1) {
      ERR_clear_error();
      *what = "an EC key with explicit curve parameters instead of a named curve";
      return std::nullopt;
    }
    int nid = EC_curve_nist2nid(group);
    if (nid == NID_undef) nid = OBJ_sn2nid(group);
    if (nid == NID_X9_62_prime256v1) scheme = KeyScheme::kEcdsaP256;
    if (nid == NID_secp256k1) scheme = KeyScheme::kSecp256k1;
    if (!scheme.has_value()) *what = absl::StrCat("an EC key on curve ", group);
  } else {
    const char* type = EVP_PKEY_get0_type_name(key);
    *what = absl::StrCat("a key of type ", type != nullptr ? type : "unknown");
  }
  if (scheme.has_value()) {
    const absl::string_view name = KeySchemeName(*scheme);
    *what = absl::StrCat(name[0] == 'e' ? "an " : "a ", name, " key");
  }
  return scheme;
}

// OK iff the key read from PEM is of `scheme`.
absl::Status CheckPemScheme(const EVP_PKEY* key, KeyScheme scheme, bool is_private) {
  std::string what;
  if (SchemeOfKey(key, &what) == scheme) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("the PEM holds ", what, "; expected ",
                                                 Describe(scheme, is_private, KeyEncoding::kPem)));
}

// Never prompts: an encrypted key fails to load instead of blocking on a
// terminal.
int NoPassphrase(char*, int, int, void*) { return -1; }

absl::StatusOr<std::string> RawPrivate(const EVP_PKEY* key, KeyScheme scheme) {
  std::string raw(kScalarBytes, '\0');
  if (!IsEcdsa(scheme)) {
    size_t len = raw.size();
    if (EVP_PKEY_get_raw_private_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) !=
            1 ||
        len != raw.size()) {
      return OpenSslFailure("reading an ed25519 private key");
    }
    return raw;
  }
  BIGNUM* scalar = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &scalar) != 1) {
    return OpenSslFailure(absl::StrCat("reading a ", KeySchemeName(scheme), " private key"));
  }
  BnPtr owned(scalar, BN_clear_free);
  if (BN_bn2binpad(scalar, reinterpret_cast<unsigned char*>(raw.data()), raw.size()) < 0) {
    return absl::InvalidArgumentError(absl::StrCat("not a valid ", KeySchemeName(scheme),
                                                   " private key: the scalar exceeds 32 bytes"));
  }
  return raw;
}

absl::StatusOr<std::string> RawPublic(const EVP_PKEY* key, KeyScheme scheme) {
  std::string raw(IsEcdsa(scheme) ? kUncompressedPointBytes : kEd25519KeyBytes, '\0');
  size_t len = raw.size();
  const int ok =
      IsEcdsa(scheme)
          ? EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
                                            reinterpret_cast<unsigned char*>(raw.data()),
                                            raw.size(), &len)
          : EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len);
  if (ok != 1) {
    return OpenSslFailure(absl::StrCat("reading a ", KeySchemeName(scheme), " public key"));
  }
  raw.resize(len);
  return raw;
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot read key file ", path));
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return absl::ErrnoToStatus(error, absl::StrCat("cannot read key file ", path));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

// Key::Parse of the file at `path`, with the path in any error.
template <typename Key>
absl::StatusOr<Key> ParseKeyFile(const std::string& path, KeyScheme scheme,
                                 KeyEncoding encoding) {
  auto text = ReadKeyFile(path);
  if (!text.ok()) return text.status();
  auto key = Key::Parse(*text, scheme, encoding);
  if (!key.ok()) {
    return absl::Status(key.status().code(),
                        absl::StrCat("file ", path, ": ", key.status().message()));
  }
  return key;
}

// Writes `text` to `path`, created or truncated. A private key's file is
// made 0600 before anything is written to it, also if it existed with a wider
// mode.
absl::Status WriteKeyText(const std::string& path, absl::string_view text, bool is_private) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, is_private ? 0600 : 0644);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot create key file ", path));
  if (is_private && fchmod(fd, 0600) != 0) {
    const int error = errno;
    close(fd);
    return absl::ErrnoToStatus(error, absl::StrCat("cannot make key file ", path, " mode 0600"));
  }
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return absl::ErrnoToStatus(error, absl::StrCat("cannot write key file ", path));
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (close(fd) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot write key file ", path));
  }
  return absl::OkStatus();
}

std::string FileText(std::string encoded, KeyEncoding encoding) {
  if (encoding != KeyEncoding::kPem) encoded.push_back('\n');
  return encoded;
}

std::string DrainBio(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

// --- ECDSA signature forms ---

// r||s, each left-padded to 32 bytes; empty if `der` is not a DER ECDSA
// signature with 32-byte r and s.
std::string DerToRaw(absl::string_view der) {
  const unsigned char* p = Bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), ECDSA_SIG_free);
  if (sig == nullptr) {
    ERR_clear_error();
    return "";
  }
  std::string raw(2 * kScalarBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kScalarBytes) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kScalarBytes, kScalarBytes) < 0) {
    return "";
  }
  return raw;
}

// The DER form of r||s given as two 32-byte big-endian integers.
std::string RawToDer(absl::string_view raw) {
  EcdsaSigPtr sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(Bytes(raw), kScalarBytes, nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + kScalarBytes, kScalarBytes, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ERR_clear_error();
    return "";
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// The signature `der` with s replaced by n - s if s > n/2.
absl::StatusOr<std::string> LowS(absl::string_view der, KeyScheme scheme) {
  const unsigned char* p = Bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), ECDSA_SIG_free);
  if (sig == nullptr) return OpenSslFailure("reading OpenSSL's own ECDSA signature");
  const CurveOrder& order = OrderOf(scheme);
  if (BN_cmp(ECDSA_SIG_get0_s(sig.get()), order.half) <= 0) return std::string(der);
  BIGNUM* r = BN_dup(ECDSA_SIG_get0_r(sig.get()));
  BIGNUM* s = BN_new();
  if (r == nullptr || s == nullptr || BN_sub(s, order.n, ECDSA_SIG_get0_s(sig.get())) != 1 ||
      ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return OpenSslFailure("normalising an ECDSA signature to low S");
  }
  unsigned char* out = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &out);
  if (len <= 0) return OpenSslFailure("encoding an ECDSA signature");
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return result;
}

}  // namespace

absl::StatusOr<KeyScheme> ParseKeyScheme(absl::string_view name) {
  return ParseName(kSchemes, name, "key scheme");
}
absl::string_view KeySchemeName(KeyScheme scheme) { return NameOf(kSchemes, scheme); }
std::string KeySchemeNames() { return Names(kSchemes); }

absl::StatusOr<KeyEncoding> ParseKeyEncoding(absl::string_view name) {
  return ParseName(kKeyEncodings, name, "key encoding");
}
absl::string_view KeyEncodingName(KeyEncoding encoding) { return NameOf(kKeyEncodings, encoding); }
std::string KeyEncodingNames() { return Names(kKeyEncodings); }

absl::StatusOr<SignatureEncoding> ParseSignatureEncoding(absl::string_view name) {
  return ParseName(kSignatureEncodings, name, "signature encoding");
}
absl::string_view SignatureEncodingName(SignatureEncoding encoding) {
  return NameOf(kSignatureEncodings, encoding);
}
std::string SignatureEncodingNames() { return Names(kSignatureEncodings); }

SignatureEncoding DefaultSignatureEncoding(KeyScheme scheme) {
  return IsEcdsa(scheme) ? SignatureEncoding::kDer : SignatureEncoding::kRaw;
}

absl::Status CheckSignatureEncoding(KeyScheme scheme, SignatureEncoding encoding) {
  if (!IsEcdsa(scheme) && encoding != SignatureEncoding::kRaw) {
    return absl::InvalidArgumentError(
        "ed25519 signatures have a single encoding, 64 raw bytes, and no DER form; use "
        "signature encoding 'raw' (SignatureEncoding::kRaw)");
  }
  return absl::OkStatus();
}

// --- PublicKey ---

absl::StatusOr<PublicKey> PublicKey::FromRaw(KeyScheme scheme, absl::string_view raw) {
  auto key = PublicEvpFromRaw(scheme, raw);
  if (!key.ok()) return key.status();
  return PublicKey(*std::move(key), scheme);
}

absl::StatusOr<PublicKey> PublicKey::Parse(absl::string_view text, KeyScheme scheme,
                                           KeyEncoding encoding) {
  text = absl::StripAsciiWhitespace(text);
  const std::string what = Describe(scheme, /*is_private=*/false, encoding);
  if (encoding != KeyEncoding::kPem) {
    auto raw = IsEcdsa(scheme) ? DecodeRaw(text, encoding,
                                           {kUncompressedPointBytes, kCompressedPointBytes}, what)
                               : DecodeRaw(text, encoding, {kEd25519KeyBytes}, what);
    if (!raw.ok()) return raw.status();
    return FromRaw(scheme, *raw);
  }
  if (absl::Status s = CheckLooksLikePem(text, what); !s.ok()) return s;
  if (absl::StrContains(text, "PRIVATE KEY-----")) {
    return absl::InvalidArgumentError(
        absl::StrCat("not ", what, ": this is a private key; give its public key"));
  }
  if (absl::StrContains(text, "-----BEGIN CERTIFICATE-----")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not ", what,
        ": this is a certificate; extract its key with 'openssl x509 -pubkey -noout'"));
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  EVP_PKEY* read = PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr);
  if (read == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("not ", what, ": ", OpenSslReason()));
  }
  auto key = Own(read);
  if (absl::Status s = CheckPemScheme(key.get(), scheme, false); !s.ok()) return s;
  auto raw = RawPublic(key.get(), scheme);
  if (!raw.ok()) return raw.status();
  return FromRaw(scheme, *raw);
}

absl::StatusOr<PublicKey> PublicKey::LoadFile(const std::string& path, KeyScheme scheme,
                                              KeyEncoding encoding) {
  return ParseKeyFile<PublicKey>(path, scheme, encoding);
}

std::string PublicKey::Raw() const {
  // Cannot fail for a key this class built.
  return RawPublic(key_.get(), scheme_).value();
}

std::string PublicKey::Encode(KeyEncoding encoding) const {
  if (encoding != KeyEncoding::kPem) return EncodeRaw(Raw(), encoding);
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  return DrainBio(bio.get());
}

absl::Status PublicKey::WriteFile(const std::string& path, KeyEncoding encoding) const {
  return WriteKeyText(path, FileText(Encode(encoding), encoding), /*is_private=*/false);
}

bool PublicKey::Verify(absl::string_view message, absl::string_view signature,
                       SignatureEncoding encoding) const {
  if (!CheckSignatureEncoding(scheme_, encoding).ok()) return false;
  std::string der;
  if (IsEcdsa(scheme_) && encoding == SignatureEncoding::kRaw) {
    if (signature.size() != 2 * kScalarBytes) return false;
    der = RawToDer(signature);
    if (der.empty()) return false;
    signature = der;
  }
  if (!IsEcdsa(scheme_) && signature.size() != kEd25519SignatureBytes) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  // Ed25519 is "pure": no digest, the whole message goes in one call.
  if (ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, IsEcdsa(scheme_) ? EVP_sha256() : nullptr, nullptr,
                           key_.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  const int rc = EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                                  message.size());
  if (rc != 1) ERR_clear_error();
  return rc == 1;
}

bool operator==(const PublicKey& a, const PublicKey& b) {
  return a.scheme_ == b.scheme_ && (a.key_ == b.key_ || a.Raw() == b.Raw());
}

// --- PrivateKey ---

absl::StatusOr<PrivateKey> PrivateKey::FromRaw(KeyScheme scheme, absl::string_view raw) {
  if (raw.size() != kScalarBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a valid ", KeySchemeName(scheme), " private key: it is 32 bytes, got ", raw.size()));
  }
  std::shared_ptr<EVP_PKEY> key;
  std::string point;
  if (!IsEcdsa(scheme)) {
    EVP_PKEY* made =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(raw), raw.size());
    if (made == nullptr) return OpenSslFailure("importing an ed25519 private key");
    key = Own(made);
    auto pub = RawPublic(key.get(), scheme);
    if (!pub.ok()) return pub.status();
    point = *std::move(pub);
  } else {
    BnPtr scalar(BN_bin2bn(Bytes(raw), static_cast<int>(raw.size()), nullptr), BN_clear_free);
    if (scalar == nullptr) return OpenSslFailure("importing an ECDSA private key");
    if (BN_is_zero(scalar.get()) || BN_cmp(scalar.get(), OrderOf(scheme).n) >= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "not a valid ", KeySchemeName(scheme),
          " private key: the scalar must be at least 1 and less than the curve order"));
    }
    auto pub = EcPublicPoint(scheme, scalar.get());
    if (!pub.ok()) return pub.status();
    point = *std::move(pub);
    auto made = EcKeyFromData(scheme, point, scalar.get());
    if (!made.ok()) return made.status();
    key = *std::move(made);
  }
  // The public half is a key of its own, free of private material.
  auto public_key = PublicKey::FromRaw(scheme, point);
  if (!public_key.ok()) return public_key.status();
  return PrivateKey(std::move(key), *std::move(public_key));
}

absl::StatusOr<PrivateKey> PrivateKey::Generate(KeyScheme scheme) {
  EVP_PKEY* made = IsEcdsa(scheme)
                       ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", CurveGroupName(scheme))
                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (made == nullptr) {
    return OpenSslFailure(absl::StrCat(KeySchemeName(scheme), " key generation failed"));
  }
  auto generated = Own(made);
  auto raw = RawPrivate(generated.get(), scheme);
  if (!raw.ok()) return raw.status();
  return FromRaw(scheme, *raw);
}

absl::StatusOr<PrivateKey> PrivateKey::Parse(absl::string_view text, KeyScheme scheme,
                                             KeyEncoding encoding) {
  text = absl::StripAsciiWhitespace(text);
  const std::string what = Describe(scheme, /*is_private=*/true, encoding);
  if (encoding != KeyEncoding::kPem) {
    if (IsEcdsa(scheme)) {
      auto raw = DecodeRaw(text, encoding, {kScalarBytes}, what);
      if (!raw.ok()) return raw.status();
      return FromRaw(scheme, *raw);
    }
    // Go's crypto/ed25519, libsodium and CometBFT keep an Ed25519 secret as
    // seed||public; the seed alone is the key, and the public half must be
    // the one the seed derives, or the file holds something else.
    auto raw = DecodeRaw(text, encoding, {kEd25519KeyBytes, 2 * kEd25519KeyBytes}, what);
    if (!raw.ok()) return raw.status();
    auto key = FromRaw(scheme, absl::string_view(*raw).substr(0, kEd25519KeyBytes));
    if (!key.ok() || raw->size() == kEd25519KeyBytes) return key;
    if (key->public_key().Raw() != raw->substr(kEd25519KeyBytes)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "not ", what, ": it is 64 bytes, seed||public as Go and libsodium write it, but its "
          "second half is not the public key of its first"));
    }
    return key;
  }
  if (absl::Status s = CheckLooksLikePem(text, what); !s.ok()) return s;
  if (absl::StrContains(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
      absl::StrContains(text, "Proc-Type: 4,ENCRYPTED")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not ", what,
        ": the key is encrypted; write it unencrypted with 'openssl pkey -in KEY -out PLAIN'"));
  }
  if (absl::StrContains(text, "-----BEGIN PUBLIC KEY-----")) {
    return absl::InvalidArgumentError(
        absl::StrCat("not ", what, ": this is a public key, not a private one"));
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  EVP_PKEY* read = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr);
  if (read == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("not ", what, ": ", OpenSslReason()));
  }
  auto key = Own(read);
  if (absl::Status s = CheckPemScheme(key.get(), scheme, true); !s.ok()) return s;
  auto raw = RawPrivate(key.get(), scheme);
  if (!raw.ok()) return raw.status();
  return FromRaw(scheme, *raw);
}

absl::StatusOr<PrivateKey> PrivateKey::LoadFile(const std::string& path, KeyScheme scheme,
                                                KeyEncoding encoding) {
  return ParseKeyFile<PrivateKey>(path, scheme, encoding);
}

std::string PrivateKey::Encode(KeyEncoding encoding) const {
  if (encoding != KeyEncoding::kPem) {
    return EncodeRaw(RawPrivate(key_.get(), scheme()).value(), encoding);
  }
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return DrainBio(bio.get());
}

absl::Status PrivateKey::WriteFile(const std::string& path, KeyEncoding encoding) const {
  return WriteKeyText(path, FileText(Encode(encoding), encoding), /*is_private=*/true);
}

absl::StatusOr<std::string> PrivateKey::Sign(absl::string_view message,
                                             SignatureEncoding encoding) const {
  if (absl::Status s = CheckSignatureEncoding(scheme(), encoding); !s.ok()) return s;
  const bool ecdsa = IsEcdsa(scheme());
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, ecdsa ? EVP_sha256() : nullptr, nullptr, key_.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, Bytes(message), message.size()) != 1) {
    return OpenSslFailure(absl::StrCat(KeySchemeName(scheme()), " signing failed"));
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     Bytes(message), message.size()) != 1) {
    return OpenSslFailure(absl::StrCat(KeySchemeName(scheme()), " signing failed"));
  }
  signature.resize(len);
  if (!ecdsa) return signature;
  auto low = LowS(signature, scheme());
  if (!low.ok() || encoding == SignatureEncoding::kDer) return low;
  std::string raw = DerToRaw(*low);
  if (raw.empty()) return absl::InternalError("converting an ECDSA signature to raw r||s");
  return raw;
}

absl::Status WriteKeyPair(const PrivateKey& key, const std::string& dir, const std::string& name,
                          KeyEncoding private_encoding, KeyEncoding public_encoding) {
  if (absl::Status s = key.WriteFile(absl::StrCat(dir, "/", name, ".key"), private_encoding);
      !s.ok()) {
    return s;
  }
  return key.public_key().WriteFile(absl::StrCat(dir, "/", name, ".pub"), public_encoding);
}

}  // namespace turncoat
