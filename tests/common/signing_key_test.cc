#include "common/signing_key.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"

namespace turncoat {

// Test names and failures show a scheme by its name, not its bytes.
void PrintTo(KeyScheme scheme, std::ostream* os) { *os << KeySchemeName(scheme); }

namespace {

constexpr KeyScheme kSchemes[] = {KeyScheme::kEd25519, KeyScheme::kEcdsaP256,
                                  KeyScheme::kSecp256k1};
constexpr KeyEncoding kKeyEncodings[] = {KeyEncoding::kPem, KeyEncoding::kHex,
                                         KeyEncoding::kBase64};
constexpr SignatureEncoding kSignatureEncodings[] = {SignatureEncoding::kRaw,
                                                     SignatureEncoding::kDer};

// Curve orders, from SEC 2 v2 §2.4.1 (secp256k1) and FIPS 186-4 D.1.2.3
// (P-256); typed in here rather than taken from the code under test.
constexpr char kSecp256k1Order[] =
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141";
constexpr char kP256Order[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

std::string Unhex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/signing_key_test_XXXXXX";
    path_ = mkdtemp(tmpl) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string SchemeTestName(const testing::TestParamInfo<KeyScheme>& info) {
  return absl::StrReplaceAll(KeySchemeName(info.param), {{"-", "_"}});
}

PrivateKey MustGenerate(KeyScheme scheme) {
  auto key = PrivateKey::Generate(scheme);
  EXPECT_TRUE(key.ok()) << key.status();
  return *std::move(key);
}

// --- Names ---

TEST(SigningKeyNamesTest, EveryNameParsesBackAndUnknownNamesListTheChoices) {
  for (KeyScheme scheme : kSchemes) {
    EXPECT_EQ(*ParseKeyScheme(KeySchemeName(scheme)), scheme);
  }
  for (KeyEncoding encoding : kKeyEncodings) {
    EXPECT_EQ(*ParseKeyEncoding(KeyEncodingName(encoding)), encoding);
  }
  for (SignatureEncoding encoding : kSignatureEncodings) {
    EXPECT_EQ(*ParseSignatureEncoding(SignatureEncodingName(encoding)), encoding);
  }
  EXPECT_EQ(ParseKeyScheme("rsa").status().message(),
            "unknown key scheme 'rsa'; expected one of: ed25519, ecdsa-p256, secp256k1");
  EXPECT_EQ(ParseKeyEncoding("der").status().message(),
            "unknown key encoding 'der'; expected one of: pem, hex, base64");
  EXPECT_EQ(ParseSignatureEncoding("asn1").status().message(),
            "unknown signature encoding 'asn1'; expected one of: raw, der");
  EXPECT_FALSE(ParseKeyScheme("Ed25519").ok());
}

TEST(SigningKeyNamesTest, Ed25519HasOnlyRawSignatures) {
  EXPECT_EQ(DefaultSignatureEncoding(KeyScheme::kEd25519), SignatureEncoding::kRaw);
  EXPECT_EQ(DefaultSignatureEncoding(KeyScheme::kSecp256k1), SignatureEncoding::kDer);
  EXPECT_TRUE(CheckSignatureEncoding(KeyScheme::kEd25519, SignatureEncoding::kRaw).ok());
  EXPECT_TRUE(CheckSignatureEncoding(KeyScheme::kEcdsaP256, SignatureEncoding::kRaw).ok());
  EXPECT_TRUE(CheckSignatureEncoding(KeyScheme::kSecp256k1, SignatureEncoding::kDer).ok());
  const absl::Status der = CheckSignatureEncoding(KeyScheme::kEd25519, SignatureEncoding::kDer);
  EXPECT_EQ(der.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(der.message(), "use signature encoding 'raw'")) << der;

  const PrivateKey key = MustGenerate(KeyScheme::kEd25519);
  auto signature = key.Sign("m", SignatureEncoding::kDer);
  ASSERT_FALSE(signature.ok());
  EXPECT_EQ(signature.status(), der);
}

// --- Every scheme ---

class SigningKeyTest : public testing::TestWithParam<KeyScheme> {};

INSTANTIATE_TEST_SUITE_P(Schemes, SigningKeyTest, testing::ValuesIn(kSchemes), SchemeTestName);

TEST_P(SigningKeyTest, KeysRoundTripThroughEveryEncoding) {
  const KeyScheme scheme = GetParam();
  const PrivateKey key = MustGenerate(scheme);
  EXPECT_EQ(key.scheme(), scheme);
  EXPECT_EQ(key.public_key().scheme(), scheme);
  const std::string private_hex = key.Encode(KeyEncoding::kHex);
  const std::string public_raw = key.public_key().Raw();
  EXPECT_EQ(private_hex.size(), 64u);
  if (scheme == KeyScheme::kEd25519) {
    EXPECT_EQ(public_raw.size(), 32u);
  } else {
    ASSERT_EQ(public_raw.size(), 65u);
    EXPECT_EQ(public_raw[0], '\x04');
  }
  EXPECT_EQ(key.public_key().Encode(KeyEncoding::kHex), absl::BytesToHexString(public_raw));
  EXPECT_EQ(key.public_key().Encode(KeyEncoding::kBase64), absl::Base64Escape(public_raw));
  EXPECT_EQ(key.Encode(KeyEncoding::kBase64), absl::Base64Escape(Unhex(private_hex)));
  EXPECT_TRUE(absl::StartsWith(key.Encode(KeyEncoding::kPem), "-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_TRUE(
      absl::StartsWith(key.public_key().Encode(KeyEncoding::kPem), "-----BEGIN PUBLIC KEY-----\n"));

  for (KeyEncoding encoding : kKeyEncodings) {
    SCOPED_TRACE(KeyEncodingName(encoding));
    // Keys are often read from files: surrounding whitespace does not matter.
    auto again =
        PrivateKey::Parse(absl::StrCat("\n  ", key.Encode(encoding), "\r\n\n"), scheme, encoding);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->Encode(KeyEncoding::kHex), private_hex);
    EXPECT_EQ(again->Encode(encoding), key.Encode(encoding));
    EXPECT_EQ(again->public_key(), key.public_key());

    auto pub = PublicKey::Parse(absl::StrCat(" ", key.public_key().Encode(encoding), "\n"), scheme,
                                encoding);
    ASSERT_TRUE(pub.ok()) << pub.status();
    EXPECT_EQ(*pub, key.public_key());
    EXPECT_EQ(pub->Encode(encoding), key.public_key().Encode(encoding));
  }
}

TEST_P(SigningKeyTest, HexTakesEitherCaseAndAnOptional0xPrefix) {
  const KeyScheme scheme = GetParam();
  const PrivateKey key = MustGenerate(scheme);
  const std::string upper = absl::AsciiStrToUpper(key.Encode(KeyEncoding::kHex));
  for (const std::string& text : {upper, "0x" + upper, "0X" + key.Encode(KeyEncoding::kHex)}) {
    auto again = PrivateKey::Parse(text, scheme, KeyEncoding::kHex);
    ASSERT_TRUE(again.ok()) << text << ": " << again.status();
    EXPECT_EQ(again->public_key(), key.public_key());
  }
  auto pub =
      PublicKey::Parse("0x" + absl::AsciiStrToUpper(key.public_key().Encode(KeyEncoding::kHex)),
                       scheme, KeyEncoding::kHex);
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(*pub, key.public_key());
}

TEST_P(SigningKeyTest, DistinctKeysAreUnequal) {
  const PrivateKey a = MustGenerate(GetParam());
  const PrivateKey b = MustGenerate(GetParam());
  EXPECT_NE(a.public_key(), b.public_key());
  EXPECT_NE(a.Encode(KeyEncoding::kHex), b.Encode(KeyEncoding::kHex));
  const PrivateKey copy = a;
  EXPECT_EQ(copy.public_key(), a.public_key());
}

TEST_P(SigningKeyTest, SignaturesVerifyOnlyForTheirMessageKeyAndEncoding) {
  const KeyScheme scheme = GetParam();
  const PrivateKey key = MustGenerate(scheme);
  const PrivateKey other = MustGenerate(scheme);
  const std::string message("payload\0with\xffzero", 17);
  for (SignatureEncoding encoding : kSignatureEncodings) {
    SCOPED_TRACE(SignatureEncodingName(encoding));
    if (!CheckSignatureEncoding(scheme, encoding).ok()) {
      // The one signature of Ed25519 does not verify as DER either.
      auto raw = key.Sign(message, SignatureEncoding::kRaw);
      ASSERT_TRUE(raw.ok());
      EXPECT_FALSE(key.public_key().Verify(message, *raw, encoding));
      continue;
    }
    auto signature = key.Sign(message, encoding);
    ASSERT_TRUE(signature.ok()) << signature.status();
    if (encoding == SignatureEncoding::kRaw) {
      EXPECT_EQ(signature->size(), 64u);
    } else {
      EXPECT_GE(signature->size(), 8u);
      EXPECT_LE(signature->size(), 72u);
      EXPECT_EQ((*signature)[0], '\x30');  // an ASN.1 SEQUENCE
    }
    const PublicKey& pub = key.public_key();
    EXPECT_TRUE(pub.Verify(message, *signature, encoding));
    EXPECT_FALSE(pub.Verify(message + "!", *signature, encoding));
    EXPECT_FALSE(pub.Verify(message.substr(1), *signature, encoding));
    EXPECT_FALSE(other.public_key().Verify(message, *signature, encoding));
    EXPECT_FALSE(pub.Verify(message, signature->substr(0, signature->size() - 1), encoding));
    EXPECT_FALSE(pub.Verify(message, *signature + std::string(1, '\0'), encoding));
    EXPECT_FALSE(pub.Verify(message, "", encoding));
    std::string flipped = *signature;
    flipped[flipped.size() / 2] ^= 0x01;
    EXPECT_FALSE(pub.Verify(message, flipped, encoding));
    const SignatureEncoding wrong =
        encoding == SignatureEncoding::kRaw ? SignatureEncoding::kDer : SignatureEncoding::kRaw;
    EXPECT_FALSE(pub.Verify(message, *signature, wrong));
    // A fresh signature is another valid one (ECDSA is randomised, Ed25519
    // deterministic); both verify.
    auto again = key.Sign(message, encoding);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(pub.Verify(message, *again, encoding));
    EXPECT_EQ(*again == *signature, scheme == KeyScheme::kEd25519);
  }
}

TEST_P(SigningKeyTest, WritesKeyFilesThatLoadBack) {
  const KeyScheme scheme = GetParam();
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const PrivateKey key = MustGenerate(scheme);
  for (KeyEncoding private_encoding : kKeyEncodings) {
    for (KeyEncoding public_encoding : kKeyEncodings) {
      SCOPED_TRACE(
          absl::StrCat(KeyEncodingName(private_encoding), "/", KeyEncodingName(public_encoding)));
      const std::string name =
          absl::StrCat(KeyEncodingName(private_encoding), "-", KeyEncodingName(public_encoding));
      const std::string key_path = absl::StrCat(dir.path(), "/", name, ".key");
      const std::string pub_path = absl::StrCat(dir.path(), "/", name, ".pub");
      // An existing key file with a wider mode must end up 0600 too.
      std::ofstream(key_path) << "old";
      ASSERT_EQ(chmod(key_path.c_str(), 0644), 0);
      ASSERT_TRUE(WriteKeyPair(key, dir.path(), name, private_encoding, public_encoding).ok());

      struct stat st;
      ASSERT_EQ(stat(key_path.c_str(), &st), 0);
      EXPECT_EQ(st.st_mode & 0777, 0600u);
      const std::string key_text = ReadAll(key_path);
      const std::string pub_text = ReadAll(pub_path);
      if (private_encoding == KeyEncoding::kPem) {
        EXPECT_EQ(key_text, key.Encode(KeyEncoding::kPem));
      } else {
        EXPECT_EQ(key_text, key.Encode(private_encoding) + "\n");
      }
      if (public_encoding == KeyEncoding::kPem) {
        EXPECT_EQ(pub_text, key.public_key().Encode(KeyEncoding::kPem));
      } else {
        EXPECT_EQ(pub_text, key.public_key().Encode(public_encoding) + "\n");
      }

      auto loaded = PrivateKey::LoadFile(key_path, scheme, private_encoding);
      ASSERT_TRUE(loaded.ok()) << loaded.status();
      EXPECT_EQ(loaded->public_key(), key.public_key());
      auto pub = PublicKey::LoadFile(pub_path, scheme, public_encoding);
      ASSERT_TRUE(pub.ok()) << pub.status();
      EXPECT_EQ(*pub, key.public_key());
    }
  }
  const std::string pub_only = dir.path() + "/alone.pub";
  ASSERT_TRUE(key.public_key().WriteFile(pub_only, KeyEncoding::kBase64).ok());
  EXPECT_EQ(ReadAll(pub_only), key.public_key().Encode(KeyEncoding::kBase64) + "\n");
  EXPECT_EQ(
      WriteKeyPair(key, dir.path() + "/missing", "0", KeyEncoding::kPem, KeyEncoding::kPem).code(),
      absl::StatusCode::kNotFound);
}

TEST_P(SigningKeyTest, ThreadsShareOneKey) {
  const PrivateKey key = MustGenerate(GetParam());
  const SignatureEncoding encoding = DefaultSignatureEncoding(GetParam());
  std::atomic<int> verified{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string message = absl::StrCat("thread ", t, " message ", i);
        auto signature = key.Sign(message, encoding);
        if (signature.ok() && key.public_key().Verify(message, *signature, encoding) &&
            !key.public_key().Verify(message + ".", *signature, encoding)) {
          ++verified;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(verified.load(), 100);
}

// --- ECDSA low S ---

class LowSTest : public testing::TestWithParam<KeyScheme> {};

INSTANTIATE_TEST_SUITE_P(Ecdsa, LowSTest,
                         testing::Values(KeyScheme::kEcdsaP256, KeyScheme::kSecp256k1),
                         SchemeTestName);

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

BnPtr Bn(absl::string_view bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr),
               BN_free);
}

// s of a DER ECDSA signature, as 32 big-endian bytes.
std::string DerS(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), ECDSA_SIG_free);
  if (sig == nullptr) return "";
  std::string s(32, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), reinterpret_cast<unsigned char*>(s.data()), 32);
  return s;
}

TEST_P(LowSTest, EverySignatureHasLowS) {
  const KeyScheme scheme = GetParam();
  BIGNUM* n_raw = nullptr;
  ASSERT_GT(BN_hex2bn(&n_raw, scheme == KeyScheme::kSecp256k1 ? kSecp256k1Order : kP256Order), 0);
  BnPtr n(n_raw, BN_free);
  BnPtr half(BN_new(), BN_free);
  ASSERT_EQ(BN_rshift1(half.get(), n.get()), 1);

  const PrivateKey key = MustGenerate(scheme);
  // Without normalisation about half of these would have s > n/2; the chance
  // that 200 unnormalised signatures all happen to be low is 2^-200.
  for (int i = 0; i < 100; ++i) {
    const std::string message = absl::StrCat("message ", i);
    auto raw = key.Sign(message, SignatureEncoding::kRaw);
    auto der = key.Sign(message, SignatureEncoding::kDer);
    ASSERT_TRUE(raw.ok() && der.ok());
    ASSERT_EQ(raw->size(), 64u);
    const std::string der_s = DerS(*der);
    ASSERT_EQ(der_s.size(), 32u) << "not a DER ECDSA signature";
    for (const std::string& s_bytes : {raw->substr(32), der_s}) {
      BnPtr s = Bn(s_bytes);
      EXPECT_FALSE(BN_is_zero(s.get()));
      EXPECT_LE(BN_cmp(s.get(), half.get()), 0) << "high S in signature " << i;
    }
    EXPECT_TRUE(key.public_key().Verify(message, *raw, SignatureEncoding::kRaw));
    EXPECT_TRUE(key.public_key().Verify(message, *der, SignatureEncoding::kDer));

    // (r, n - s) is the other valid signature; Verify accepts it (it is valid
    // ECDSA), which also shows the order used to normalise is the right one.
    BnPtr high(BN_new(), BN_free);
    ASSERT_EQ(BN_sub(high.get(), n.get(), Bn(raw->substr(32)).get()), 1);
    std::string high_raw = raw->substr(0, 32) + std::string(32, '\0');
    BN_bn2binpad(high.get(), reinterpret_cast<unsigned char*>(high_raw.data()) + 32, 32);
    EXPECT_TRUE(key.public_key().Verify(message, high_raw, SignatureEncoding::kRaw));
  }
}

// --- Known answers from published vectors ---

TEST(SigningKeyKnownAnswerTest, Ed25519Rfc8032Test1) {
  // RFC 8032 §7.1, TEST 1: seed, public key, and the signature of the empty
  // message (Ed25519 is deterministic, so it must match exactly).
  const std::string seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  const std::string public_hex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  const std::string signature_hex =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
      "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
  auto key = PrivateKey::Parse(seed, KeyScheme::kEd25519, KeyEncoding::kHex);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->public_key().Encode(KeyEncoding::kHex), public_hex);
  auto signature = key->Sign("", SignatureEncoding::kRaw);
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(absl::BytesToHexString(*signature), signature_hex);
  auto pub = PublicKey::Parse(public_hex, KeyScheme::kEd25519, KeyEncoding::kHex);
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_TRUE(pub->Verify("", Unhex(signature_hex), SignatureEncoding::kRaw));
  EXPECT_FALSE(pub->Verify("x", Unhex(signature_hex), SignatureEncoding::kRaw));
}

TEST(SigningKeyKnownAnswerTest, P256Rfc6979A25) {
  // RFC 6979 A.2.5: the P-256 key pair, and the SHA-256 signature of
  // "sample" (a high-S signature, which is valid ECDSA).
  const std::string x = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
  const std::string ux = "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6";
  const std::string uy = "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";
  const std::string r = "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716";
  const std::string s = "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8";
  auto key = PrivateKey::Parse(x, KeyScheme::kEcdsaP256, KeyEncoding::kHex);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->public_key().Encode(KeyEncoding::kHex),
            absl::AsciiStrToLower(absl::StrCat("04", ux, uy)));
  const PublicKey& pub = key->public_key();
  EXPECT_TRUE(pub.Verify("sample", Unhex(r + s), SignatureEncoding::kRaw));
  // The same signature in DER: both integers have their top bit set, so each
  // gets a leading zero byte.
  const std::string der = Unhex(absl::StrCat("3046022100", r, "022100", s));
  EXPECT_TRUE(pub.Verify("sample", der, SignatureEncoding::kDer));
  EXPECT_FALSE(pub.Verify("sampl", der, SignatureEncoding::kDer));
  EXPECT_FALSE(pub.Verify("sample", der, SignatureEncoding::kRaw));
}

TEST(SigningKeyKnownAnswerTest, Secp256k1GeneratorAndSatoshiVector) {
  // Scalar 1's public key is the generator G of SEC 2 v2 §2.4.1.
  const std::string gx = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
  const std::string gy = "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
  auto key =
      PrivateKey::Parse(std::string(63, '0') + "1", KeyScheme::kSecp256k1, KeyEncoding::kHex);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->public_key().Encode(KeyEncoding::kHex), absl::StrCat("04", gx, gy));
  // G's y is even, so its compressed form starts 02; it parses to the same key.
  auto compressed = PublicKey::Parse("02" + gx, KeyScheme::kSecp256k1, KeyEncoding::kHex);
  ASSERT_TRUE(compressed.ok()) << compressed.status();
  EXPECT_EQ(*compressed, key->public_key());
  EXPECT_FALSE(PublicKey::Parse("03" + gx, KeyScheme::kSecp256k1, KeyEncoding::kHex).value() ==
               key->public_key());
  // The widely reproduced RFC 6979 secp256k1 vector (key 1, "Satoshi
  // Nakamoto", low S), as used by python-ecdsa, bitcoin-s and others.
  const std::string der = Unhex(
      "3045022100934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
      "02202442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5");
  EXPECT_TRUE(key->public_key().Verify("Satoshi Nakamoto", der, SignatureEncoding::kDer));
  EXPECT_FALSE(key->public_key().Verify("Satoshi Nakamoto!", der, SignatureEncoding::kDer));
}

TEST(SigningKeyKnownAnswerTest, ReadsOpenSslSec1KeysAndCompressedPublicPem) {
  // `openssl ecparam -name secp256k1 -genkey` output (parameters block, then
  // a SEC1 key), its public key with `-conv_form compressed`, and the
  // uncompressed point OpenSSL printed for it.
  const std::string sec1 =
      "-----BEGIN EC PARAMETERS-----\n"
      "BgUrgQQACg==\n"
      "-----END EC PARAMETERS-----\n"
      "-----BEGIN EC PRIVATE KEY-----\n"
      "MHQCAQEEIJGZr4WxtUBCT8dd04vqTjqWKjwNto0XE6/2QqbDlaHHoAcGBSuBBAAK\n"
      "oUQDQgAEdJlPiEcpD6lu3t8apAhU87Ju/6MV2CgY2uw/ZkHq6aPHCc0/lRy8srvA\n"
      "Vg+/U5kGWz+2mGRKNKDR8QuPHdj5oA==\n"
      "-----END EC PRIVATE KEY-----\n";
  const std::string compressed_pem =
      "-----BEGIN PUBLIC KEY-----\n"
      "MDYwEAYHKoZIzj0CAQYFK4EEAAoDIgACdJlPiEcpD6lu3t8apAhU87Ju/6MV2CgY\n"
      "2uw/ZkHq6aM=\n"
      "-----END PUBLIC KEY-----\n";
  const std::string point =
      "0474994f8847290fa96ededf1aa40854f3b26effa315d82818daec3f6641eae9a3"
      "c709cd3f951cbcb2bbc0560fbf5399065b3fb698644a34a0d1f10b8f1dd8f9a0";
  auto key = PrivateKey::Parse(sec1, KeyScheme::kSecp256k1, KeyEncoding::kPem);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->Encode(KeyEncoding::kHex),
            "9199af85b1b540424fc75dd38bea4e3a962a3c0db68d1713aff642a6c395a1c7");
  EXPECT_EQ(key->public_key().Encode(KeyEncoding::kHex), point);
  EXPECT_TRUE(absl::StartsWith(key->Encode(KeyEncoding::kPem), "-----BEGIN PRIVATE KEY-----"));
  auto pub = PublicKey::Parse(compressed_pem, KeyScheme::kSecp256k1, KeyEncoding::kPem);
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(*pub, key->public_key());
  // Re-encoded in the canonical, uncompressed form.
  EXPECT_NE(pub->Encode(KeyEncoding::kPem), compressed_pem);
  EXPECT_EQ(pub->Encode(KeyEncoding::kPem), key->public_key().Encode(KeyEncoding::kPem));
}

// --- Errors ---

void ExpectError(const absl::Status& status, absl::string_view expected) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), expected))
      << "message: " << status.message() << "\nexpected to contain: " << expected;
}

TEST(SigningKeyTest, Ed25519SecretsAlsoReadInTheirSeedAndPublicForm) {
  const PrivateKey key = PrivateKey::Generate(KeyScheme::kEd25519).value();
  const std::string seed = absl::HexStringToBytes(key.Encode(KeyEncoding::kHex));
  const std::string both = seed + key.public_key().Raw();
  for (KeyEncoding encoding : {KeyEncoding::kHex, KeyEncoding::kBase64}) {
    const std::string text = encoding == KeyEncoding::kHex ? absl::BytesToHexString(both)
                                                           : absl::Base64Escape(both);
    absl::StatusOr<PrivateKey> read = PrivateKey::Parse(text, KeyScheme::kEd25519, encoding);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->public_key(), key.public_key());
    EXPECT_TRUE(key.public_key().Verify(
        "m", read->Sign("m", SignatureEncoding::kRaw).value(), SignatureEncoding::kRaw));
  }
  // A second half that is not the seed's public key is something else.
  const std::string other = PrivateKey::Generate(KeyScheme::kEd25519).value().public_key().Raw();
  ExpectError(PrivateKey::Parse(absl::BytesToHexString(seed + other), KeyScheme::kEd25519,
                                KeyEncoding::kHex)
                  .status(),
              "its second half is not the public key of its first");
  // ECDSA secrets have no such form.
  ExpectError(PrivateKey::Parse(std::string(128, 'a'), KeyScheme::kEcdsaP256, KeyEncoding::kHex)
                  .status(),
              "got 128 characters");
}

TEST(SigningKeyErrorTest, HexAndBase64OfTheWrongShape) {
  const std::string hex63(63, 'a');
  ExpectError(PrivateKey::Parse(hex63, KeyScheme::kEcdsaP256, KeyEncoding::kHex).status(),
              "not a 32-byte hex ecdsa-p256 private key (64 hex digits); got 63 characters");
  ExpectError(PrivateKey::Parse("0x" + std::string(66, 'a'), KeyScheme::kEd25519, KeyEncoding::kHex)
                  .status(),
              "not a 32-byte hex ed25519 private key (64 hex digits; or 64 bytes, 128 hex digits, "
              "seed||public); got 66 characters");
  ExpectError(PrivateKey::Parse("", KeyScheme::kSecp256k1, KeyEncoding::kHex).status(),
              "got 0 characters");
  ExpectError(
      PrivateKey::Parse("00000g" + std::string(58, '0'), KeyScheme::kSecp256k1, KeyEncoding::kHex)
          .status(),
      "'g' at offset 5 is not a hex digit");
  ExpectError(PrivateKey::Parse(std::string(31, '0') + " " + std::string(32, '0'),
                                KeyScheme::kEd25519, KeyEncoding::kHex)
                  .status(),
              "' ' at offset 31 is not a hex digit");
  ExpectError(
      PublicKey::Parse(std::string(128, 'a'), KeyScheme::kSecp256k1, KeyEncoding::kHex).status(),
      "not a hex secp256k1 public key (a SEC1 point: 65 bytes uncompressed, 130 hex digits, or "
      "33 compressed, 66); got 128 characters");
  ExpectError(
      PublicKey::Parse(std::string(62, 'a'), KeyScheme::kEd25519, KeyEncoding::kHex).status(),
      "not a 32-byte hex ed25519 public key (64 hex digits); got 62 characters");

  ExpectError(PrivateKey::Parse(absl::Base64Escape(std::string(31, 'k')), KeyScheme::kEd25519,
                                KeyEncoding::kBase64)
                  .status(),
              "not a 32-byte base64 ed25519 private key (44 base64 characters; or 64 bytes, 88 "
              "base64 characters, seed||public); got 44 characters, which decode to 31 bytes");
  ExpectError(PrivateKey::Parse("not*base64", KeyScheme::kEd25519, KeyEncoding::kBase64).status(),
              "not valid base64");
  ExpectError(PublicKey::Parse(absl::Base64Escape(std::string(64, 'k')), KeyScheme::kEcdsaP256,
                               KeyEncoding::kBase64)
                  .status(),
              "decode to 64 bytes");
}

TEST(SigningKeyErrorTest, InvalidPointsAndScalars) {
  const std::string x = std::string(31, '\0') + "\x01";
  ExpectError(PublicKey::Parse(absl::BytesToHexString("\x05" + x + x), KeyScheme::kSecp256k1,
                               KeyEncoding::kHex)
                  .status(),
              "65 bytes starting 04 (uncompressed)");
  ExpectError(PublicKey::Parse(absl::BytesToHexString("\x04" + x + x), KeyScheme::kEcdsaP256,
                               KeyEncoding::kHex)
                  .status(),
              "OpenSSL rejects the point (point is not on curve)");
  ExpectError(PublicKey::Parse(absl::BytesToHexString("\x04" + x + x), KeyScheme::kSecp256k1,
                               KeyEncoding::kHex)
                  .status(),
              "OpenSSL rejects the point (point is not on curve)");

  const std::string out_of_range = "the scalar must be at least 1 and less than the curve order";
  ExpectError(
      PrivateKey::Parse(std::string(64, '0'), KeyScheme::kSecp256k1, KeyEncoding::kHex).status(),
      out_of_range);
  ExpectError(PrivateKey::Parse(kSecp256k1Order, KeyScheme::kSecp256k1, KeyEncoding::kHex).status(),
              out_of_range);
  ExpectError(PrivateKey::Parse(kP256Order, KeyScheme::kEcdsaP256, KeyEncoding::kHex).status(),
              out_of_range);
  ExpectError(
      PrivateKey::Parse(std::string(64, 'f'), KeyScheme::kEcdsaP256, KeyEncoding::kHex).status(),
      out_of_range);
  // n - 1 is the largest valid scalar; its public key is -G.
  auto largest =
      PrivateKey::Parse("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140",
                        KeyScheme::kSecp256k1, KeyEncoding::kHex);
  ASSERT_TRUE(largest.ok()) << largest.status();
  EXPECT_TRUE(
      absl::StartsWith(largest->public_key().Encode(KeyEncoding::kHex),
                       "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"));
}

TEST(SigningKeyErrorTest, PemOfTheWrongKindOrScheme) {
  const PrivateKey ed = MustGenerate(KeyScheme::kEd25519);
  const PrivateKey p256 = MustGenerate(KeyScheme::kEcdsaP256);
  const PrivateKey k1 = MustGenerate(KeyScheme::kSecp256k1);

  ExpectError(
      PrivateKey::Parse(ed.Encode(KeyEncoding::kPem), KeyScheme::kSecp256k1, KeyEncoding::kPem)
          .status(),
      "the PEM holds an ed25519 key; expected a PEM secp256k1 private key");
  ExpectError(
      PrivateKey::Parse(p256.Encode(KeyEncoding::kPem), KeyScheme::kSecp256k1, KeyEncoding::kPem)
          .status(),
      "the PEM holds an ecdsa-p256 key; expected a PEM secp256k1 private key");
  ExpectError(PublicKey::Parse(k1.public_key().Encode(KeyEncoding::kPem), KeyScheme::kEcdsaP256,
                               KeyEncoding::kPem)
                  .status(),
              "the PEM holds a secp256k1 key; expected a PEM ecdsa-p256 public key");
  ExpectError(PublicKey::Parse(p256.public_key().Encode(KeyEncoding::kPem), KeyScheme::kEd25519,
                               KeyEncoding::kPem)
                  .status(),
              "the PEM holds an ecdsa-p256 key");

  ExpectError(PublicKey::Parse(ed.Encode(KeyEncoding::kPem), KeyScheme::kEd25519, KeyEncoding::kPem)
                  .status(),
              "this is a private key");
  ExpectError(PrivateKey::Parse(ed.public_key().Encode(KeyEncoding::kPem), KeyScheme::kEd25519,
                                KeyEncoding::kPem)
                  .status(),
              "this is a public key");
  ExpectError(
      PrivateKey::Parse(ed.Encode(KeyEncoding::kPem), KeyScheme::kEd25519, KeyEncoding::kHex)
          .status(),
      "this is PEM; set the key encoding to pem");
  ExpectError(PrivateKey::Parse("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                                KeyScheme::kEd25519, KeyEncoding::kPem)
                  .status(),
              "not a PEM ed25519 private key");
  ExpectError(
      PublicKey::Parse(" \n", KeyScheme::kEcdsaP256, KeyEncoding::kPem).status(),
      "not a PEM ecdsa-p256 public key (SubjectPublicKeyInfo '-----BEGIN PUBLIC KEY-----'): "
      "it is empty");
  ExpectError(
      PrivateKey::Parse(ed.Encode(KeyEncoding::kHex), KeyScheme::kEd25519, KeyEncoding::kPem)
          .status(),
      "there is no '-----BEGIN' line; for hex or base64 set that key encoding");

  // An RSA key is no key of any scheme here.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> rsa(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)), EVP_PKEY_free);
  ASSERT_NE(rsa, nullptr);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), rsa.get()), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  ExpectError(PublicKey::Parse(std::string(data, static_cast<size_t>(len)), KeyScheme::kEd25519,
                               KeyEncoding::kPem)
                  .status(),
              "the PEM holds a key of type RSA");
}

TEST(SigningKeyErrorTest, EncryptedPemFailsWithoutPrompting) {
  const PrivateKey key = MustGenerate(KeyScheme::kEcdsaP256);
  const std::string pem = key.Encode(KeyEncoding::kPem);
  std::unique_ptr<BIO, decltype(&BIO_free)> in(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  ASSERT_NE(pkey, nullptr);
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  char password[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(out.get(), pkey.get(), EVP_aes_256_cbc(), password,
                                          sizeof(password) - 1, nullptr, nullptr),
            1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  const std::string encrypted(data, static_cast<size_t>(len));
  ASSERT_TRUE(absl::StartsWith(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
  ExpectError(PrivateKey::Parse(encrypted, KeyScheme::kEcdsaP256, KeyEncoding::kPem).status(),
              "the key is encrypted; write it unencrypted with 'openssl pkey -in KEY -out PLAIN'");
}

TEST(SigningKeyErrorTest, FileErrorsNameTheFile) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.path() + "/short.key";
  std::ofstream(path) << std::string(63, 'a') << "\n";
  const absl::Status short_key =
      PrivateKey::LoadFile(path, KeyScheme::kEcdsaP256, KeyEncoding::kHex).status();
  EXPECT_EQ(short_key.message(),
            absl::StrCat("file ", path,
                         ": not a 32-byte hex ecdsa-p256 private key (64 hex digits); got 63 "
                         "characters"));
  const absl::Status missing =
      PublicKey::LoadFile(dir.path() + "/none.pub", KeyScheme::kEd25519, KeyEncoding::kPem)
          .status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(missing.message(), dir.path() + "/none.pub")) << missing;
}

// --- Interoperability with Python's `cryptography` ---

constexpr char kPython[] = "/usr/bin/python3";

// generate SCHEME DIR MESSAGE_HEX: makes a key, writes it to DIR/py.key and
//   DIR/py.pub (PEM) and prints its private key, its public key and its own
//   signature over the message, all in hex.
// check SCHEME DIR MESSAGE_HEX PUBLIC_HEX [ENCODING SIGNATURE_HEX]...: prints
//   per signature "ok", "bad" or "high-s" on one line, then the public keys
//   of DIR/cpp.key and DIR/cpp.pub in hex on the next.
constexpr char kInteropScript[] = R"py(
import sys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils

ORDERS = {
    "ecdsa-p256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp256k1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}

def curve(scheme):
    return ec.SECP256R1() if scheme == "ecdsa-p256" else ec.SECP256K1()

def raw_public(key):
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)

def generate(scheme, directory, message):
    if scheme == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
        private = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        signature = key.sign(message)
    else:
        key = ec.generate_private_key(curve(scheme))
        private = key.private_numbers().private_value.to_bytes(32, "big")
        signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    with open(directory + "/py.key", "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(directory + "/py.pub", "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    print(private.hex(), raw_public(key.public_key()).hex(), signature.hex())

def verify(scheme, public, message, encoding, signature):
    try:
        if scheme == "ed25519":
            ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
            return "ok"
        if encoding == "raw":
            if len(signature) != 64:
                return "bad"
            signature = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                                   int.from_bytes(signature[32:], "big"))
        key = ec.EllipticCurvePublicKey.from_encoded_point(curve(scheme), public)
        key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        if utils.decode_dss_signature(signature)[1] > ORDERS[scheme] // 2:
            return "high-s"
        return "ok"
    except (InvalidSignature, ValueError):
        return "bad"

def check(scheme, directory, message, public, pairs):
    print(" ".join(verify(scheme, public, message, pairs[i], bytes.fromhex(pairs[i + 1]))
                   for i in range(0, len(pairs), 2)))
    with open(directory + "/cpp.key", "rb") as f:
        private = serialization.load_pem_private_key(f.read(), password=None)
    with open(directory + "/cpp.pub", "rb") as f:
        public_key = serialization.load_pem_public_key(f.read())
    print(raw_public(private.public_key()).hex(), raw_public(public_key).hex())

command, scheme, directory, message = sys.argv[1:5]
if command == "generate":
    generate(scheme, directory, bytes.fromhex(message))
else:
    check(scheme, directory, bytes.fromhex(message), bytes.fromhex(sys.argv[5]), sys.argv[6:])
)py";

// Runs `argv` with a time limit; its stdout, or why it failed.
absl::StatusOr<std::string> RunChild(const std::vector<std::string>& argv, const std::string& dir) {
  SpawnOptions options;
  options.stdout_path = dir + "/stdout";
  options.stderr_path = dir + "/stderr";
  auto child = Subprocess::Spawn(argv, options);
  if (!child.ok()) return child.status();
  // Destroying `child` kills it if the wait times out.
  auto exit = child->Wait(absl::Seconds(60));
  if (!exit.ok()) return exit.status();
  if (!exit->success()) {
    return absl::InternalError(
        absl::StrCat(argv[0], " ", exit->ToString(), ": ", ReadAll(dir + "/stderr")));
  }
  return ReadAll(dir + "/stdout");
}

class PythonInteropTest : public testing::TestWithParam<KeyScheme> {
 protected:
  void SetUp() override {
    if (access(kPython, X_OK) != 0) GTEST_SKIP() << kPython << " is not installed";
    ASSERT_FALSE(dir_.path().empty());
    script_ = dir_.path() + "/interop.py";
    std::ofstream(script_) << kInteropScript;
    if (!RunChild({kPython, "-c", "import cryptography.hazmat.primitives.asymmetric.ed25519"},
                  dir_.path())
             .ok()) {
      GTEST_SKIP() << kPython << " has no 'cryptography' module (Debian: python3-cryptography)";
    }
  }

  absl::StatusOr<std::vector<std::string>> Python(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kPython, script_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto out = RunChild(argv, dir_.path());
    if (!out.ok()) return out.status();
    return std::vector<std::string>(
        absl::StrSplit(*out, absl::ByAnyChar(" \n"), absl::SkipEmpty()));
  }

  TempDir dir_;
  std::string script_;
};

INSTANTIATE_TEST_SUITE_P(Schemes, PythonInteropTest, testing::ValuesIn(kSchemes), SchemeTestName);

TEST_P(PythonInteropTest, KeysAndSignaturesCrossOver) {
  const KeyScheme scheme = GetParam();
  const std::string scheme_name(KeySchemeName(scheme));
  const std::string message("interop \x00\xff message", 18);
  const std::string message_hex = absl::BytesToHexString(message);

  // Python's key, in hex and PEM, loads here; its signature verifies here.
  auto generated = Python({"generate", scheme_name, dir_.path(), message_hex});
  ASSERT_TRUE(generated.ok()) << generated.status();
  ASSERT_EQ(generated->size(), 3u);
  const std::string& private_hex = (*generated)[0];
  const std::string& public_hex = (*generated)[1];
  const std::string python_signature = Unhex((*generated)[2]);
  auto key = PrivateKey::Parse(private_hex, scheme, KeyEncoding::kHex);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->public_key().Encode(KeyEncoding::kHex), public_hex);
  auto from_pem = PrivateKey::LoadFile(dir_.path() + "/py.key", scheme, KeyEncoding::kPem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  EXPECT_EQ(from_pem->Encode(KeyEncoding::kHex), private_hex);
  auto pub = PublicKey::LoadFile(dir_.path() + "/py.pub", scheme, KeyEncoding::kPem);
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(*pub, key->public_key());
  const SignatureEncoding native = DefaultSignatureEncoding(scheme);
  EXPECT_TRUE(pub->Verify(message, python_signature, native));
  EXPECT_FALSE(pub->Verify(message + "x", python_signature, native));

  // Signatures made here with Python's key verify in Python, in every
  // encoding, and are low S; a signature over another message does not.
  std::vector<std::string> check = {"check", scheme_name, dir_.path(), message_hex, public_hex};
  std::vector<std::string> expected;
  for (SignatureEncoding encoding : kSignatureEncodings) {
    if (!CheckSignatureEncoding(scheme, encoding).ok()) continue;
    for (int i = 0; i < 4; ++i) {
      auto signature = key->Sign(message, encoding);
      ASSERT_TRUE(signature.ok()) << signature.status();
      check.push_back(std::string(SignatureEncodingName(encoding)));
      check.push_back(absl::BytesToHexString(*signature));
      expected.push_back("ok");
    }
  }
  auto other = key->Sign(message + "x", native);
  ASSERT_TRUE(other.ok());
  check.push_back(std::string(SignatureEncodingName(native)));
  check.push_back(absl::BytesToHexString(*other));
  expected.push_back("bad");

  // A key generated here, written as PEM, loads in Python as the same key.
  const PrivateKey ours = MustGenerate(scheme);
  ASSERT_TRUE(WriteKeyPair(ours, dir_.path(), "cpp", KeyEncoding::kPem, KeyEncoding::kPem).ok());
  expected.push_back(ours.public_key().Encode(KeyEncoding::kHex));
  expected.push_back(ours.public_key().Encode(KeyEncoding::kHex));

  auto checked = Python(check);
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(*checked, expected);
}

}  // namespace
}  // namespace turncoat
