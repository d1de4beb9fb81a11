#include "common/ed25519.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace turncoat {
namespace {

TEST(Ed25519Test, SignatureVerifiesOnlyForSignedBytesAndKey) {
  auto a = Ed25519PrivateKey::Generate();
  auto b = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string sig = a->Sign("payload");
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(a->PublicKey().Verify("payload", sig));
  EXPECT_FALSE(a->PublicKey().Verify("payload!", sig));
  EXPECT_FALSE(b->PublicKey().Verify("payload", sig));
  std::string flipped = sig;
  flipped[10] ^= 1;
  EXPECT_FALSE(a->PublicKey().Verify("payload", flipped));
  EXPECT_FALSE(a->PublicKey().Verify("payload", ""));
}

TEST(Ed25519Test, PemRoundTripKeepsTheKey) {
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  auto again = Ed25519PrivateKey::FromPem(key->ToPem());
  ASSERT_TRUE(again.ok()) << again.status();
  auto pub = Ed25519PublicKey::FromPem(key->PublicKey().ToPem());
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(pub->Raw(), key->PublicKey().Raw());
  EXPECT_TRUE(pub->Verify("x", again->Sign("x")));
}

// PEM other writers produce (CRLF line ends, text before the block) reads as
// the same key as the PEM ToPem writes, whichever reader takes it.
TEST(Ed25519Test, PemOfOtherLayoutsReadsAsTheSameKey) {
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const auto crlf = [](std::string pem) {
    std::string out;
    for (char c : pem) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return out;
  };
  for (const std::string& pem :
       {crlf(key->PublicKey().ToPem()), "Ed25519 key of replica 3\n" + key->PublicKey().ToPem()}) {
    auto pub = Ed25519PublicKey::FromPem(pem);
    ASSERT_TRUE(pub.ok()) << pub.status() << "\n" << pem;
    EXPECT_EQ(pub->Raw(), key->PublicKey().Raw());
  }
  for (const std::string& pem : {crlf(key->ToPem()), "# comment\n" + key->ToPem()}) {
    auto priv = Ed25519PrivateKey::FromPem(pem);
    ASSERT_TRUE(priv.ok()) << priv.status() << "\n" << pem;
    EXPECT_TRUE(key->PublicKey().Verify("m", priv->Sign("m")));
  }
}

// A well-formed PEM key of another algorithm is refused, not read as
// Ed25519, and a block whose body is cut short is not a key.
TEST(Ed25519Test, RefusesOtherAlgorithmsAndCutBodies) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* x25519 = nullptr;
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_keygen(ctx.get(), &x25519), 1);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), x25519);
  EVP_PKEY_free(x25519);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  auto other = Ed25519PublicKey::FromPem(std::string(data, static_cast<size_t>(len)));
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("not Ed25519"), std::string::npos) << other.status();

  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string pem = key->PublicKey().ToPem();
  const size_t body = pem.find('\n') + 1;
  std::string cut = pem;
  cut.erase(body, 8);  // 6 of the DER's 44 bytes
  EXPECT_FALSE(Ed25519PublicKey::FromPem(cut).ok()) << cut;
}

TEST(Ed25519Test, RejectsGarbageAndWritesFiles) {
  EXPECT_FALSE(Ed25519PublicKey::FromPem("not a key").ok());
  EXPECT_FALSE(Ed25519PrivateKey::FromPem("").ok());
  auto missing = Ed25519PrivateKey::LoadPemFile("/nonexistent/key.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/key.pem"), std::string::npos);

  char tmpl[] = "/tmp/ed25519_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(WriteKeyPair(*key, dir, "3").ok());
  auto priv = Ed25519PrivateKey::LoadPemFile(dir + "/3.key");
  auto pub = Ed25519PublicKey::LoadPemFile(dir + "/3.pub");
  ASSERT_TRUE(priv.ok() && pub.ok());
  EXPECT_TRUE(pub->Verify("m", priv->Sign("m")));
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace turncoat
