#include "common/ed25519.h"

#include <unistd.h>

#include <cstdlib>
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
