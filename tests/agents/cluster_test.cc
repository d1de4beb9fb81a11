// A 4-replica refbft cluster whose 12 directed links all run through
// turncoat-agent processes, driven only through the agents' control API.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/ports.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "proto/agent.grpc.pb.h"
#include "targets/refbft/refbft.grpc.pb.h"

namespace turncoat {
namespace agent {
namespace {

namespace v1 = ::turncoat::agent::v1;
constexpr int kN = 4;

template <typename F>
bool WaitFor(F done, absl::Duration limit) {
  for (absl::Time end = absl::Now() + limit; absl::Now() < end;) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

std::unique_ptr<grpc::ClientContext> Ctx(absl::Duration timeout = absl::Seconds(10)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return ctx;
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/turncoat_cluster_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto keygen = Subprocess::Spawn(
        {REFBFT_BIN, "keygen", "--out=" + dir_ + "/keys", absl::StrCat("--n=", kN)}, {});
    ASSERT_TRUE(keygen.ok()) << keygen.status();
    auto exit = keygen->Wait(absl::Seconds(10));
    ASSERT_TRUE(exit.ok() && exit->success());

    for (int i = 0; i < kN; ++i) {
      auto port = PickFreePort();
      ASSERT_TRUE(port.ok());
      replica_port_[i] = *port;
      const std::string port_file = absl::StrCat(dir_, "/agent", i, ".port");
      SpawnOptions opts;
      opts.stderr_path = absl::StrCat(dir_, "/agent", i, ".err");
      auto agent = Subprocess::Spawn(
          {AGENT_BIN, "--port_file=" + port_file, absl::StrCat("--seed=", i + 1)}, opts);
      ASSERT_TRUE(agent.ok()) << agent.status();
      agents_.push_back(std::move(*agent));
      ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(port_file); }, absl::Seconds(10)));
      int agent_port = 0;
      std::ifstream(port_file) >> agent_port;
      ASSERT_GT(agent_port, 0);
      stubs_.push_back(v1::Agent::NewStub(grpc::CreateChannel(
          absl::StrCat("127.0.0.1:", agent_port), grpc::InsecureChannelCredentials())));
      StartEventReader(i);
    }
    // Agent i owns the links i->j; replica i dials j through them.
    for (int i = 0; i < kN; ++i) {
      std::vector<std::string> peers = {absl::StrCat(i, "=127.0.0.1:", replica_port_[i])};
      for (int j = 0; j < kN; ++j) {
        if (j == i) continue;
        v1::OpenLinkRequest req;
        req.set_from(i);
        req.set_to(j);
        req.set_target(absl::StrCat("127.0.0.1:", replica_port_[j]));
        v1::OpenLinkReply reply;
        ASSERT_TRUE(stubs_[i]->OpenLink(Ctx().get(), req, &reply).ok());
        peers.push_back(absl::StrCat(j, "=127.0.0.1:", reply.port()));
      }
      v1::LoadTargetRequest target;
      target.add_import_paths(TURNCOAT_SOURCE_DIR);
      target.add_files("targets/refbft/refbft.proto");
      v1::MessageKind* kind = target.mutable_model()->add_messages();
      kind->add_methods("/refbft.Peer/Send");
      kind->set_kind_oneof("payload.kind");
      kind->set_sender("sender");
      kind->set_signature("signature");
      kind->set_signature_covers("payload");
      kind->set_payload("payload");
      kind->set_payload_codec("protobuf");
      kind->set_payload_type("refbft.Message");
      for (int r = 0; r < kN; ++r) target.mutable_model()->add_replica_ids(absl::StrCat(r));
      v1::Empty empty;
      ASSERT_TRUE(stubs_[i]->LoadTarget(Ctx().get(), target, &empty).ok());
      v1::ObserveRequest observe;
      observe.set_json_seq("seq");
      observe.set_json_value("value");
      ASSERT_TRUE(stubs_[i]->Observe(Ctx().get(), observe, &empty).ok());
      v1::StartReplicaRequest start;
      for (std::string arg :
           {std::string(REFBFT_BIN), absl::StrCat("--id=", i),
            absl::StrCat("--listen=127.0.0.1:", replica_port_[i]),
            "--peers=" + absl::StrJoin(peers, ","),
            absl::StrCat("--key=", dir_, "/keys/", i, ".key"), "--pubkeys=" + dir_ + "/keys",
            std::string("--view_timeout_ms=300")}) {
        start.add_argv(arg);
      }
      start.set_workdir(absl::StrCat(dir_, "/r", i));
      v1::ReplicaReply started;
      grpc::Status s = stubs_[i]->StartReplica(Ctx().get(), start, &started);
      ASSERT_TRUE(s.ok()) << s.error_message();
      ASSERT_GT(started.pid(), 0);
    }
  }

  void TearDown() override {
    for (auto& ctx : event_ctx_) ctx->TryCancel();
    for (auto& t : readers_) t.join();
    stubs_.clear();
    for (Subprocess& a : agents_) {
      auto exit = a.Stop(absl::Seconds(5));
      EXPECT_TRUE(exit.ok() && exit->success()) << "agent did not shut down cleanly";
    }
  }

  void StartEventReader(int i) {
    event_ctx_.push_back(std::make_unique<grpc::ClientContext>());
    grpc::ClientContext* ctx = event_ctx_.back().get();
    v1::Agent::Stub* stub = stubs_[i].get();
    readers_.emplace_back([this, i, ctx, stub] {
      auto reader = stub->Events(ctx, v1::EventsRequest());
      v1::Event e;
      while (reader->Read(&e)) {
        absl::MutexLock lock(&mu_);
        if (e.has_commit()) {
          committed_[i].insert(e.commit().value());
          commit_time_[{i, e.commit().value()}] = absl::FromUnixMicros(e.time_unix_micros());
        } else if (e.has_process()) {
          process_[i].push_back(e.process());
        }
      }
      reader->Finish().IgnoreError();
    });
    // The subscription must exist before anything it should see happens.
    absl::SleepFor(absl::Milliseconds(50));
  }

  // Submits `value` to replica `to` directly (clients are not proxied).
  bool Submit(int to, const std::string& value) {
    auto stub = refbft::Client::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", replica_port_[to]), grpc::InsecureChannelCredentials()));
    refbft::SubmitRequest req;
    req.set_value(value);
    refbft::SubmitReply reply;
    auto ctx = Ctx(absl::Seconds(5));
    ctx->set_wait_for_ready(true);
    return stub->Submit(ctx.get(), req, &reply).ok() && reply.accepted();
  }

  bool Committed(int replica, const std::string& value) {
    absl::MutexLock lock(&mu_);
    return committed_[replica].count(value) != 0;
  }

  bool AllCommitted(const std::vector<int>& replicas, const std::string& value,
                    absl::Duration limit) {
    return WaitFor(
        [&] {
          for (int r : replicas) {
            if (!Committed(r, value)) return false;
          }
          return true;
        },
        limit);
  }

  // Until every replica commits a probe: replicas start one after another,
  // and a value submitted while links still come up may wait for several
  // views (refbft re-proposes it only when its receiver leads again).
  bool WarmUp() {
    for (int k = 0; k < 30; ++k) {
      const std::string probe = absl::StrCat("probe-", k);
      if (Submit(1, probe) && AllCommitted({0, 1, 2, 3}, probe, absl::Seconds(1))) return true;
    }
    return false;
  }

  void DropAllFrom(int replica, const std::string& id) {
    v1::Rule rule;
    rule.set_id(id);
    rule.set_from(replica);
    rule.mutable_action()->set_kind(v1::Action::DROP);
    v1::Empty empty;
    ASSERT_TRUE(stubs_[replica]->InstallRule(Ctx().get(), rule, &empty).ok());
  }

  // Milliseconds from submitting `value` to replica 1 until replica 0 commits it.
  absl::Duration CommitLatency(const std::string& value) {
    const absl::Time start = absl::Now();
    EXPECT_TRUE(Submit(1, value));
    EXPECT_TRUE(AllCommitted({0}, value, absl::Seconds(20)));
    absl::MutexLock lock(&mu_);
    return commit_time_[{0, value}] - start;
  }

  std::string dir_;
  int replica_port_[kN] = {};
  std::vector<Subprocess> agents_;
  std::vector<std::unique_ptr<v1::Agent::Stub>> stubs_;
  std::vector<std::unique_ptr<grpc::ClientContext>> event_ctx_;
  std::vector<std::thread> readers_;
  absl::Mutex mu_;
  std::map<int, std::set<std::string>> committed_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<int, std::string>, absl::Time> commit_time_ ABSL_GUARDED_BY(mu_);
  std::map<int, std::vector<v1::ProcessEvent>> process_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ClusterTest, CommitsThroughPassThroughProxiesAndToleratesOneSilentReplica) {
  ASSERT_TRUE(WarmUp());
  ASSERT_TRUE(Submit(2, "first"));
  ASSERT_TRUE(AllCommitted({0, 1, 2, 3}, "first", absl::Seconds(20)));

  // Replica 3 says nothing to anyone: f = 1, so the others still decide.
  DropAllFrom(3, "silence-3");
  ASSERT_TRUE(Submit(1, "without-3"));
  EXPECT_TRUE(AllCommitted({0, 1, 2}, "without-3", absl::Seconds(20)));
  v1::RuleStatsReply stats;
  ASSERT_TRUE(stubs_[3]->GetRuleStats(Ctx().get(), v1::Empty(), &stats).ok());
  ASSERT_EQ(stats.stats_size(), 1);
  EXPECT_GT(stats.stats(0).applied(), 0u);
  // Healing reports what the removed rule did, up to its removal.
  v1::RuleChangeRequest heal;
  heal.add_remove(stats.stats(0).id());
  v1::RuleChangeReply healed;
  ASSERT_TRUE(stubs_[3]->ChangeRules(Ctx().get(), heal, &healed).ok());
  ASSERT_EQ(healed.removed_size(), 1);
  EXPECT_EQ(healed.removed(0).id(), stats.stats(0).id());
  EXPECT_GE(healed.removed(0).applied(), stats.stats(0).applied());
}

TEST_F(ClusterTest, TwoSilentReplicasStopCommitsUntilHealed) {
  ASSERT_TRUE(WarmUp());
  DropAllFrom(2, "silence-2");
  DropAllFrom(3, "silence-3");
  ASSERT_TRUE(Submit(1, "stuck"));
  EXPECT_FALSE(AllCommitted({0}, "stuck", absl::Seconds(3)));
  EXPECT_FALSE(Committed(1, "stuck"));
  v1::Empty empty;
  ASSERT_TRUE(stubs_[2]->ClearRules(Ctx().get(), v1::Empty(), &empty).ok());
  ASSERT_TRUE(stubs_[3]->ClearRules(Ctx().get(), v1::Empty(), &empty).ok());
  EXPECT_TRUE(AllCommitted({0, 1, 2, 3}, "stuck", absl::Seconds(30)));
}

TEST_F(ClusterTest, DelayRuleShowsInCommitLatency) {
  ASSERT_TRUE(WarmUp());
  absl::Duration base = CommitLatency("fast");
  for (int i = 0; i < kN; ++i) {
    v1::Rule rule;
    rule.set_id("slow-links");
    rule.set_direction(v1::REQUEST);
    rule.mutable_action()->set_kind(v1::Action::DELAY);
    rule.mutable_action()->set_delay_ms(150);
    v1::Empty empty;
    ASSERT_TRUE(stubs_[i]->InstallRule(Ctx().get(), rule, &empty).ok());
  }
  absl::Duration slow = CommitLatency("slow");
  // A decision needs several message delays in sequence; each now costs 150 ms.
  EXPECT_GE(slow, base + absl::Milliseconds(300)) << "base " << base << " slow " << slow;
}

TEST_F(ClusterTest, PauseResumeKillRestartThroughTheApi) {
  ASSERT_TRUE(WarmUp());
  v1::Empty empty;
  ASSERT_TRUE(stubs_[3]->PauseReplica(Ctx().get(), v1::Empty(), &empty).ok());
  ASSERT_TRUE(Submit(1, "while-paused"));
  ASSERT_TRUE(AllCommitted({0, 1, 2}, "while-paused", absl::Seconds(20)));
  EXPECT_FALSE(Committed(3, "while-paused"));
  ASSERT_TRUE(stubs_[3]->ResumeReplica(Ctx().get(), v1::Empty(), &empty).ok());
  EXPECT_TRUE(AllCommitted({3}, "while-paused", absl::Seconds(20)));

  v1::ReplicaReply killed;
  ASSERT_TRUE(stubs_[0]->KillReplica(Ctx().get(), v1::Empty(), &killed).ok());
  EXPECT_EQ(killed.signal(), SIGKILL);
  ASSERT_TRUE(Submit(1, "while-dead"));
  ASSERT_TRUE(AllCommitted({1, 2, 3}, "while-dead", absl::Seconds(20)));
  v1::StopReplicaRequest restart;
  v1::ReplicaReply restarted;
  ASSERT_TRUE(stubs_[0]->RestartReplica(Ctx().get(), restart, &restarted).ok());
  EXPECT_GT(restarted.pid(), 0);
  ASSERT_TRUE(Submit(1, "after-restart"));
  EXPECT_TRUE(AllCommitted({0, 1, 2, 3}, "after-restart", absl::Seconds(30)));
  absl::MutexLock lock(&mu_);
  std::vector<v1::ProcessEvent::Kind> kinds0, kinds3;
  for (const auto& p : process_[0]) kinds0.push_back(p.kind());
  for (const auto& p : process_[3]) kinds3.push_back(p.kind());
  EXPECT_EQ(kinds0, (std::vector<v1::ProcessEvent::Kind>{
                        v1::ProcessEvent::STARTED, v1::ProcessEvent::EXITED,
                        v1::ProcessEvent::STARTED}));
  EXPECT_EQ(kinds3, (std::vector<v1::ProcessEvent::Kind>{
                        v1::ProcessEvent::STARTED, v1::ProcessEvent::PAUSED,
                        v1::ProcessEvent::RESUMED}));
}

TEST_F(ClusterTest, ControlApiRefusesNonLoopbackWithoutTls) {
  auto agent = Subprocess::Spawn({AGENT_BIN, "--listen=0.0.0.0:0"}, {});
  ASSERT_TRUE(agent.ok());
  auto exit = agent->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->code, 1);
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
