// turncoat-agent's control API over TLS, off the loopback-only default.
//
// Certificates are made at test time with OpenSSL (no files in the tree, no
// network): a CA, a server certificate it signs for 127.0.0.1 and 127.0.0.2,
// a client certificate it signs, and an unrelated second CA. The agent
// listens on 127.0.0.2, which it treats as "not 127.0.0.1" and so serves only
// with TLS, while the test still never opens a port beyond the loopback
// interface. Every agent is a Subprocess owned by the fixture, whose
// destruction kills it, so none outlives a failed assertion.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "proto/agent.grpc.pb.h"

namespace turncoat {
namespace agent {
namespace {

namespace v1 = ::turncoat::agent::v1;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

// A certificate and its key, both also as PEM.
struct Identity {
  Key key;
  Cert cert;
  std::string key_pem;
  std::string cert_pem;
};

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string ToPem(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string pem;
  if (write(bio, object) == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    pem.assign(data, size);
  }
  BIO_free(bio);
  return pem;
}

// A P-256 key and a certificate for `common_name`, valid for a day, signed
// by `issuer` (self-signed when null). A CA when `ca`; else a leaf for the
// `alt_names` (OpenSSL's "IP:…,DNS:…" syntax), with server and client use.
std::optional<Identity> MakeIdentity(const std::string& common_name, bool ca,
                                     const char* alt_names, const Identity* issuer) {
  Identity id;
  id.key.reset(EVP_EC_gen("P-256"));
  id.cert.reset(X509_new());
  if (id.key == nullptr || id.cert == nullptr) return std::nullopt;
  X509* cert = id.cert.get();
  static long serial = 1;
  X509_set_version(cert, 2);  // v3, for the extensions
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, id.key.get());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  EVP_PKEY* issuer_key = issuer != nullptr ? issuer->key.get() : id.key.get();
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  bool ok = AddExtension(cert, issuer_cert, NID_subject_key_identifier, "hash") &&
            AddExtension(cert, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    ok = ok && AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(cert, issuer_cert, NID_key_usage, "critical,digitalSignature") &&
         AddExtension(cert, issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth") &&
         AddExtension(cert, issuer_cert, NID_subject_alt_name, alt_names);
  }
  if (!ok || X509_sign(cert, issuer_key, EVP_sha256()) == 0) return std::nullopt;
  id.cert_pem = ToPem(
      [](BIO* bio, void* x) { return PEM_write_bio_X509(bio, static_cast<X509*>(x)); }, cert);
  id.key_pem = ToPem(
      [](BIO* bio, void* k) {
        return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0,
                                        nullptr, nullptr);
      },
      id.key.get());
  if (id.cert_pem.empty() || id.key_pem.empty()) return std::nullopt;
  return id;
}

class AgentTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/turncoat_agent_tls_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ca_ = MakeIdentity("turncoat test CA", true, nullptr, nullptr);
    other_ca_ = MakeIdentity("some other CA", true, nullptr, nullptr);
    ASSERT_TRUE(ca_.has_value() && other_ca_.has_value());
    server_ = MakeIdentity("turncoat-agent", false, "IP:127.0.0.1,IP:127.0.0.2", &*ca_);
    client_ = MakeIdentity("turncoat controller", false, "DNS:controller", &*ca_);
    ASSERT_TRUE(server_.has_value() && client_.has_value());
    WriteFile("ca.pem", ca_->cert_pem);
    WriteFile("server.pem", server_->cert_pem);
    WriteFile("server.key", server_->key_pem);
  }

  void TearDown() override {
    agent_.reset();  // kills the agent if a test left it running
    std::filesystem::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(Path(name)) << text;
  }

  // Starts an agent with `flags` on 127.0.0.2 and waits for its port file.
  // Returns the port, 0 if the agent did not come up.
  int StartAgent(std::vector<std::string> flags) {
    const std::string port_file = Path("agent.port");
    flags.insert(flags.begin(), {AGENT_BIN, "--listen=127.0.0.2:0", "--port_file=" + port_file});
    SpawnOptions opts;
    opts.stderr_path = Path("agent.err");
    auto agent = Subprocess::Spawn(flags, opts);
    if (!agent.ok()) return 0;
    agent_.emplace(std::move(*agent));
    for (absl::Time end = absl::Now() + absl::Seconds(10);
         absl::Now() < end && !std::filesystem::exists(port_file);) {
      auto exited = agent_->TryWait();
      if (!exited.ok() || exited->has_value()) return 0;
      absl::SleepFor(absl::Milliseconds(20));
    }
    int port = 0;
    std::ifstream(port_file) >> port;
    return port;
  }

  // One GetRuleStats call to the agent on 127.0.0.2:`port`.
  grpc::Status CallAgent(int port, std::shared_ptr<grpc::ChannelCredentials> creds) {
    auto stub = v1::Agent::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.2:", port), std::move(creds)));
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::RuleStatsReply reply;
    return stub->GetRuleStats(&ctx, v1::Empty(), &reply);
  }

  // The exit code of an agent started with `flags`, which is expected to
  // refuse to start (-1 if it runs on or dies of a signal).
  int ExitCodeOfRefusal(std::vector<std::string> flags) {
    flags.insert(flags.begin(), AGENT_BIN);
    auto agent = Subprocess::Spawn(flags, {});
    if (!agent.ok()) return -1;
    agent_.emplace(std::move(*agent));
    auto exit = agent_->Wait(absl::Seconds(10));
    return exit.ok() && exit->signal == 0 ? exit->code : -1;
  }

  std::shared_ptr<grpc::ChannelCredentials> Trusting(const Identity& ca,
                                                     const Identity* client = nullptr) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca.cert_pem;
    if (client != nullptr) {
      ssl.pem_private_key = client->key_pem;
      ssl.pem_cert_chain = client->cert_pem;
    }
    return grpc::SslCredentials(ssl);
  }

  std::string dir_;
  std::optional<Identity> ca_, other_ca_, server_, client_;
  std::optional<Subprocess> agent_;
};

TEST_F(AgentTlsTest, ServesOnlyClientsThatTrustItsCertificate) {
  const int port =
      StartAgent({"--tls_cert=" + Path("server.pem"), "--tls_key=" + Path("server.key")});
  ASSERT_GT(port, 0) << "the agent did not start; see " << Path("agent.err");

  grpc::Status trusted = CallAgent(port, Trusting(*ca_));
  EXPECT_TRUE(trusted.ok()) << trusted.error_message();

  grpc::Status plaintext = CallAgent(port, grpc::InsecureChannelCredentials());
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE)
      << plaintext.error_message();

  grpc::Status untrusted = CallAgent(port, Trusting(*other_ca_));
  EXPECT_EQ(untrusted.error_code(), grpc::StatusCode::UNAVAILABLE)
      << untrusted.error_message();
}

TEST_F(AgentTlsTest, ClientCaRequiresClientCertificate) {
  const int port =
      StartAgent({"--tls_cert=" + Path("server.pem"), "--tls_key=" + Path("server.key"),
                  "--tls_client_ca=" + Path("ca.pem")});
  ASSERT_GT(port, 0) << "the agent did not start; see " << Path("agent.err");

  grpc::Status with_cert = CallAgent(port, Trusting(*ca_, &*client_));
  EXPECT_TRUE(with_cert.ok()) << with_cert.error_message();

  grpc::Status without_cert = CallAgent(port, Trusting(*ca_));
  EXPECT_EQ(without_cert.error_code(), grpc::StatusCode::UNAVAILABLE)
      << without_cert.error_message();
}

TEST_F(AgentTlsTest, RefusesIncompleteTlsFlags) {
  const std::string off_loopback = "--listen=127.0.0.2:0";
  EXPECT_EQ(ExitCodeOfRefusal({off_loopback}), 1);
  EXPECT_EQ(ExitCodeOfRefusal({off_loopback, "--tls_cert=" + Path("server.pem")}), 1);
  EXPECT_EQ(ExitCodeOfRefusal({off_loopback, "--tls_key=" + Path("server.key")}), 1);
  EXPECT_EQ(ExitCodeOfRefusal({off_loopback, "--tls_cert=" + Path("missing.pem"),
                               "--tls_key=" + Path("server.key")}),
            1);
  // A client CA without a server certificate would silently serve plaintext.
  EXPECT_EQ(ExitCodeOfRefusal({"--listen=127.0.0.1:0", "--tls_client_ca=" + Path("ca.pem")}),
            1);
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
