// turncoat-agent's control API over TLS, off the loopback-only default.
//
// Certificates are made at test time (common/tls_certificates.h; no files in
// the tree, no network): a CA, a server certificate it signs for 127.0.0.1
// and 127.0.0.2, a client certificate it signs, and an unrelated second CA. The agent
// listens on 127.0.0.2, which it treats as "not 127.0.0.1" and so serves only
// with TLS, while the test still never opens a port beyond the loopback
// interface. Every agent is a Subprocess owned by the fixture, whose
// destruction kills it, so none outlives a failed assertion.
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
#include "common/tls_certificates.h"
#include "gtest/gtest.h"
#include "proto/agent.grpc.pb.h"

namespace turncoat {
namespace agent {
namespace {

namespace v1 = ::turncoat::agent::v1;

class AgentTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/turncoat_agent_tls_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ca_ = Made(TlsIdentity::MakeCa("turncoat test CA"));
    other_ca_ = Made(TlsIdentity::MakeCa("some other CA"));
    ASSERT_TRUE(ca_ && other_ca_);
    server_ = Made(TlsIdentity::MakeSigned(*ca_, "turncoat-agent", {"127.0.0.1", "127.0.0.2"},
                                           TlsUsage::kServer));
    client_ = Made(TlsIdentity::MakeSigned(*ca_, "turncoat controller", {"controller"},
                                           TlsUsage::kClient));
    ASSERT_TRUE(server_ && client_);
    WriteFile("ca.pem", ca_->cert_pem());
    ASSERT_TRUE(server_->WriteFiles(Path("server.pem"), Path("server.key")).ok());
  }

  void TearDown() override {
    agent_.reset();  // kills the agent if a test left it running
    std::filesystem::remove_all(dir_);
  }

  static std::optional<TlsIdentity> Made(absl::StatusOr<TlsIdentity> made) {
    EXPECT_TRUE(made.ok()) << made.status();
    if (!made.ok()) return std::nullopt;
    return *std::move(made);
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

  std::shared_ptr<grpc::ChannelCredentials> Trusting(const TlsIdentity& ca,
                                                     const TlsIdentity* client = nullptr) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca.cert_pem();
    if (client != nullptr) {
      ssl.pem_private_key = client->key_pem();
      ssl.pem_cert_chain = client->cert_pem();
    }
    return grpc::SslCredentials(ssl);
  }

  std::string dir_;
  std::optional<TlsIdentity> ca_, other_ca_, server_, client_;
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
