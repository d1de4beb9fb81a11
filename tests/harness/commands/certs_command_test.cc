// `turncoat certs` (harness/commands/certs_command.h) in process: the six
// files, what they hold, and its refusal to overwrite.
#include "harness/commands/certs_command.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/read_file.h"
#include "gtest/gtest.h"
#include "model/exit_codes.h"

namespace turncoat {
namespace {

struct Ran {
  int code;
  std::string out;
  std::string err;
};

Ran Certs(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunCerts(args, out, err);
  return {code, out.str(), err.str()};
}

X509* ReadCert(const std::string& path) {
  const std::string pem = Slurp(path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

EVP_PKEY* ReadKey(const std::string& path) {
  const std::string pem = Slurp(path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

class CertsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/turncoat_certs_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CertsCommandTest, WritesSixFilesThatChainToTheCa) {
  const Ran r = Certs({dir_ + "/tls", "--hosts=10.0.0.5,agents.example.org"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const std::string tls = dir_ + "/tls/";
  ASSERT_EQ(CertsFileNames().size(), 6u);
  for (const std::string& name : CertsFileNames()) {
    EXPECT_TRUE(absl::StrContains(r.out, "wrote " + tls + name)) << r.out;
    struct stat st;
    ASSERT_EQ(stat((tls + name).c_str(), &st), 0) << name;
    if (absl::EndsWith(name, ".key")) {
      EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
    }
  }
  EXPECT_TRUE(absl::StrContains(r.out, "--agent-tls=" + dir_ + "/tls")) << r.out;

  X509* ca = ReadCert(tls + "ca.pem");
  X509* agent = ReadCert(tls + "agent.pem");
  X509* controller = ReadCert(tls + "controller.pem");
  EVP_PKEY* agent_key = ReadKey(tls + "agent.key");
  EVP_PKEY* controller_key = ReadKey(tls + "controller.key");
  EVP_PKEY* ca_key = ReadKey(tls + "ca.key");
  ASSERT_TRUE(ca && agent && controller && agent_key && controller_key && ca_key);
  EXPECT_EQ(X509_verify(agent, X509_get0_pubkey(ca)), 1);
  EXPECT_EQ(X509_verify(controller, X509_get0_pubkey(ca)), 1);
  EXPECT_EQ(X509_check_private_key(agent, agent_key), 1);
  EXPECT_EQ(X509_check_private_key(controller, controller_key), 1);
  EXPECT_EQ(X509_check_private_key(ca, ca_key), 1);
  // The agent answers at the hosts given and on loopback.
  EXPECT_EQ(X509_check_ip_asc(agent, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(agent, "10.0.0.5", 0), 1);
  EXPECT_EQ(X509_check_host(agent, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(agent, "agents.example.org", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_purpose(agent, X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_check_purpose(controller, X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_NE(X509_check_purpose(controller, X509_PURPOSE_SSL_SERVER, 0), 1);
  for (EVP_PKEY* k : {agent_key, controller_key, ca_key}) EVP_PKEY_free(k);
  for (X509* c : {ca, agent, controller}) X509_free(c);
}

TEST_F(CertsCommandTest, RefusesToOverwriteAndWritesNothing) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/controller.key") << "mine";
  const Ran r = Certs({dir_});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_TRUE(absl::StrContains(r.err, dir_ + "/controller.key exists")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "another directory")) << r.err;
  EXPECT_EQ(Slurp(dir_ + "/controller.key"), "mine");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/ca.pem"));

  // A second run over a complete directory refuses too.
  std::filesystem::remove(dir_ + "/controller.key");
  ASSERT_EQ(Certs({dir_}).code, kExitOk);
  const std::string ca = Slurp(dir_ + "/ca.pem");
  const Ran again = Certs({dir_});
  EXPECT_EQ(again.code, kExitBadInput);
  EXPECT_EQ(Slurp(dir_ + "/ca.pem"), ca);
}

TEST_F(CertsCommandTest, BadCommandLines) {
  EXPECT_EQ(Certs({}).code, kExitBadInput);
  const Ran empty_host = Certs({dir_, "--hosts=a,,b"});
  EXPECT_EQ(empty_host.code, kExitBadInput);
  EXPECT_TRUE(absl::StrContains(empty_host.err, "empty entry")) << empty_host.err;
  const Ran bad_host = Certs({dir_, "--hosts=a b"});
  EXPECT_EQ(bad_host.code, kExitBadInput);
  EXPECT_TRUE(absl::StrContains(bad_host.err, "'a b'")) << bad_host.err;
}

}  // namespace
}  // namespace turncoat
