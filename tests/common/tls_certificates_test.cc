#include "common/tls_certificates.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/read_file.h"
#include "gtest/gtest.h"

namespace turncoat {
namespace {

// X509_verify_cert of `leaf` against a store holding only `ca`, for
// `purpose` (X509_PURPOSE_SSL_SERVER, ...); the verifier's error otherwise.
std::string Verify(const TlsIdentity& ca, const TlsIdentity& leaf, int purpose) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  if (X509_STORE_add_cert(store.get(), ca.cert()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf.cert(), nullptr) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), purpose) != 1) {
    return "cannot set up the verifier";
  }
  if (X509_verify_cert(ctx.get()) == 1) return "";
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
}

// The subjectAltName entries as "IP:a.b.c.d" / "DNS:name".
std::vector<std::string> AltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                         ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const int length = name->d.iPAddress->length;
      char text[INET6_ADDRSTRLEN] = "";
      inet_ntop(length == 4 ? AF_INET : AF_INET6, name->d.iPAddress->data, text, sizeof(text));
      out.push_back(std::string("IP:") + text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

TEST(TlsCertificatesTest, SignedCertificateVerifiesAgainstItsCaOnly) {
  auto ca = TlsIdentity::MakeCa("test CA");
  auto other_ca = TlsIdentity::MakeCa("other CA");
  ASSERT_TRUE(ca.ok() && other_ca.ok());
  auto server = TlsIdentity::MakeSigned(*ca, "agent", {"127.0.0.1"}, TlsUsage::kServer);
  ASSERT_TRUE(server.ok()) << server.status();

  EXPECT_EQ(X509_verify(server->cert(), X509_get0_pubkey(ca->cert())), 1);
  EXPECT_NE(X509_verify(server->cert(), X509_get0_pubkey(other_ca->cert())), 1);
  EXPECT_EQ(Verify(*ca, *server, X509_PURPOSE_SSL_SERVER), "");
  EXPECT_NE(Verify(*other_ca, *server, X509_PURPOSE_SSL_SERVER), "");
}

TEST(TlsCertificatesTest, UsageDecidesServerOrClient) {
  auto ca = TlsIdentity::MakeCa("test CA");
  ASSERT_TRUE(ca.ok());
  auto server = TlsIdentity::MakeSigned(*ca, "agent", {"localhost"}, TlsUsage::kServer);
  auto client = TlsIdentity::MakeSigned(*ca, "controller", {"controller"}, TlsUsage::kClient);
  ASSERT_TRUE(server.ok() && client.ok());
  EXPECT_EQ(Verify(*ca, *server, X509_PURPOSE_SSL_SERVER), "");
  EXPECT_NE(Verify(*ca, *server, X509_PURPOSE_SSL_CLIENT), "");
  EXPECT_EQ(Verify(*ca, *client, X509_PURPOSE_SSL_CLIENT), "");
  EXPECT_NE(Verify(*ca, *client, X509_PURPOSE_SSL_SERVER), "");
  // The CA itself signs certificates and nothing else.
  EXPECT_EQ(X509_check_ca(ca->cert()), 1);
  EXPECT_EQ(X509_check_ca(server->cert()), 0);
}

TEST(TlsCertificatesTest, CarriesTheHostsAskedAsIpOrDns) {
  auto ca = TlsIdentity::MakeCa("test CA");
  ASSERT_TRUE(ca.ok());
  auto server = TlsIdentity::MakeSigned(
      *ca, "agent", {"127.0.0.1", "localhost", "agent-3.example.org", "::1", "10.1.2.3"},
      TlsUsage::kServer);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(AltNames(server->cert()),
            (std::vector<std::string>{"IP:127.0.0.1", "DNS:localhost", "DNS:agent-3.example.org",
                                      "IP:::1", "IP:10.1.2.3"}));
  EXPECT_EQ(X509_check_host(server->cert(), "agent-3.example.org", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(server->cert(), "10.1.2.3", 0), 1);
  EXPECT_NE(X509_check_ip_asc(server->cert(), "10.1.2.4", 0), 1);
}

TEST(TlsCertificatesTest, RefusesHostsThatAreNotNames) {
  auto ca = TlsIdentity::MakeCa("test CA");
  ASSERT_TRUE(ca.ok());
  for (const std::string& bad : {std::string(""), std::string("a,DNS:evil"), std::string("a b")}) {
    auto cert = TlsIdentity::MakeSigned(*ca, "agent", {bad}, TlsUsage::kServer);
    EXPECT_EQ(cert.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(TlsIdentity::MakeSigned(*ca, "agent", {}, TlsUsage::kServer).ok());
}

TEST(TlsCertificatesTest, WritesPemWhoseKeyMatchesAndIsPrivate) {
  auto ca = TlsIdentity::MakeCa("test CA");
  ASSERT_TRUE(ca.ok());
  auto client = TlsIdentity::MakeSigned(*ca, "controller", {"controller"}, TlsUsage::kClient);
  ASSERT_TRUE(client.ok());
  const std::string dir =
      ::testing::TempDir() + "/tls_certificates_test_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  // A key file that existed with a wider mode is narrowed too.
  std::ofstream(dir + "/c.key") << "old";
  chmod((dir + "/c.key").c_str(), 0644);
  ASSERT_TRUE(client->WriteFiles(dir + "/c.pem", dir + "/c.key").ok());

  struct stat st;
  ASSERT_EQ(stat((dir + "/c.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::string cert_pem = Slurp(dir + "/c.pem");
  const std::string key_pem = Slurp(dir + "/c.key");
  EXPECT_EQ(cert_pem, client->cert_pem());
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  ASSERT_NE(cert, nullptr);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert, key), 1);
  EXPECT_EQ(X509_check_private_key(cert, ca->key()), 0);
  EXPECT_EQ(X509_verify(cert, X509_get0_pubkey(ca->cert())), 1);
  EVP_PKEY_free(key);
  X509_free(cert);
  BIO_free(key_bio);
  BIO_free(cert_bio);
  std::filesystem::remove_all(dir);
}

TEST(TlsCertificatesTest, WriteErrorNamesTheFile) {
  auto ca = TlsIdentity::MakeCa("test CA");
  ASSERT_TRUE(ca.ok());
  absl::Status s = ca->WriteFiles("/nonexistent-dir/ca.pem", "/nonexistent-dir/ca.key");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir/ca.key"), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace turncoat
