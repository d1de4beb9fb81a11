// `turncoat certs` then `turncoat run --agent-tls`, end to end: the real
// binary, agents and refbft replicas on 127.0.0.1. The run must pass with
// its control API on mutual TLS, and while it runs an agent must refuse a
// client that presents no certificate (or speaks plaintext) and serve one
// that presents the controller's.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/read_file.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "proto/agent.grpc.pb.h"
#include "tests/harness/run_fixture.h"

namespace turncoat {
namespace {

namespace v1 = ::turncoat::agent::v1;

using AgentTlsRunTest = TurncoatRunTest;

// Waits (bounded) until the run's cluster is up; then agent 0's port, or 0.
int AwaitAgentPort(const std::string& run_dir) {
  for (const absl::Time end = absl::Now() + absl::Seconds(30); absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(100))) {
    if (!absl::StrContains(Slurp(run_dir + "/history.jsonl"), "\"type\":\"cluster_ready\"")) {
      continue;
    }
    int port = 0;
    std::ifstream(run_dir + "/agent-0/agent.port") >> port;
    return port;
  }
  return 0;
}

// One GetRuleStats call to the agent on 127.0.0.1:`port`.
grpc::Status CallAgent(int port, std::shared_ptr<grpc::ChannelCredentials> creds) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  auto stub = v1::Agent::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), std::move(creds), args));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::RuleStatsReply reply;
  return stub->GetRuleStats(&ctx, v1::Empty(), &reply);
}

TEST_F(AgentTlsRunTest, RunPassesOnMutualTlsAndAgentsRefuseClientsWithoutCertificate) {
  Subprocess certs = StartTurncoat({"certs", "tls"}, "certs.");
  ASSERT_EQ(Finish(certs), 0) << Slurp(dir_ + "/certs.stderr");

  // Relative, as a user would type it: agents run in directories of their own.
  Subprocess run = Start({Plan("smoke.yaml"), "--agent-tls=tls"});
  const int port = AwaitAgentPort(run_dir_);
  ASSERT_GT(port, 0) << Output();

  grpc::SslCredentialsOptions trusting;
  trusting.pem_root_certs = Slurp(dir_ + "/tls/ca.pem");
  grpc::SslCredentialsOptions controller = trusting;
  controller.pem_cert_chain = Slurp(dir_ + "/tls/controller.pem");
  controller.pem_private_key = Slurp(dir_ + "/tls/controller.key");

  const grpc::Status without_cert = CallAgent(port, grpc::SslCredentials(trusting));
  EXPECT_EQ(without_cert.error_code(), grpc::StatusCode::UNAVAILABLE)
      << without_cert.error_message();
  const grpc::Status plaintext = CallAgent(port, grpc::InsecureChannelCredentials());
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE) << plaintext.error_message();
  const grpc::Status with_cert = CallAgent(port, grpc::SslCredentials(controller));
  EXPECT_TRUE(with_cert.ok()) << with_cert.error_message();

  EXPECT_EQ(Finish(run), 0) << Output();
  EXPECT_TRUE(absl::StrContains(Output(), "PASS: every invariant holds")) << Output();
}

TEST_F(AgentTlsRunTest, MissingCertificateIsBadInputNamingTheFileAndTheFix) {
  Subprocess certs = StartTurncoat({"certs", "tls"}, "certs.");
  ASSERT_EQ(Finish(certs), 0) << Slurp(dir_ + "/certs.stderr");
  std::remove((dir_ + "/tls/controller.key").c_str());

  EXPECT_EQ(RunToEnd({Plan("smoke.yaml"), "--agent-tls=tls"}), 2) << Output();
  EXPECT_TRUE(absl::StrContains(Output(), "/tls/controller.key")) << Output();
  EXPECT_TRUE(absl::StrContains(Output(), "turncoat certs tls")) << Output();
  EXPECT_FALSE(std::filesystem::exists(run_dir_)) << "nothing starts on bad input";
}

}  // namespace
}  // namespace turncoat
