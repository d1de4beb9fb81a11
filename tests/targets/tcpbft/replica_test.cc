// tcpbft's protocol in a simulated network: every message delivered in
// order unless a partition or crash drops it, time advanced by hand.
#include "targets/tcpbft/replica.h"

#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/targets/tcpbft/cluster_spec.h"

namespace tcpbft {
namespace {

class Sim {
 public:
  explicit Sim(const std::string& bug = "none") : spec_(4, 1, Addresses()) {
    spec_.bug = bug;
    spec_.view_change_timeout_ms = 200;
    spec_.checkpoint_interval = 4;
    for (int i = 0; i < spec_.n; ++i) {
      boxes_.push_back(std::make_unique<Box>(this, i));
      replicas_.push_back(std::make_unique<Replica>(spec_.Replica(i), boxes_.back().get(), now_));
    }
    commits_.resize(spec_.n);
    up_.assign(spec_.n, true);
  }

  // Sends `value` as client c0's next request to the replicas in `to`.
  void Submit(const std::string& value, const std::set<int>& to) {
    const std::string payload =
        Seal(*SignKey::FromHex(spec_.client_seeds[0]), Encode(FrameType::kRequest, Request{"c0", ++rid_, value}));
    for (int i : to) {
      if (up_[i]) replicas_[i]->OnRequest(payload, now_);
    }
  }

  void Run(absl::Duration duration) {
    for (absl::Time end = now_ + duration; now_ < end; now_ += absl::Milliseconds(10)) {
      while (!queue_.empty()) {
        Message m = std::move(queue_.front());
        queue_.pop_front();
        if (up_[m.to] && up_[m.from] && (!cut_ || !cut_(m.from, m.to))) {
          replicas_[m.to]->OnPeerMessage(static_cast<uint8_t>(m.type), m.payload, now_);
        }
      }
      for (int i = 0; i < spec_.n; ++i) {
        if (up_[i]) replicas_[i]->Tick(now_);
      }
    }
  }

  void Crash(int i) { up_[i] = false; }
  void Partition(std::function<bool(int, int)> cut) { cut_ = std::move(cut); }
  const std::vector<std::string>& commits(int i) const { return commits_[i]; }
  const Replica& replica(int i) const { return *replicas_[i]; }

 private:
  struct Message {
    int from, to;
    FrameType type;
    std::string payload;
  };
  class Box : public Outbox {
   public:
    Box(Sim* sim, int me) : sim_(sim), me_(me) {}
    void ToReplica(int index, FrameType type, const std::string& payload) override {
      sim_->queue_.push_back(Message{me_, index, type, payload});
    }
    void ToClient(const std::string&, const std::string&) override {}
    void Log(const std::string&) override {}
    void Commit(uint64_t number, const std::string& value) override {
      EXPECT_EQ(number, sim_->commits_[me_].size() + 1);
      sim_->commits_[me_].push_back(value);
    }

   private:
    Sim* sim_;
    int me_;
  };

  static std::vector<std::string> Addresses() {
    std::vector<std::string> out;
    for (int i = 0; i < 4; ++i) out.push_back(absl::StrCat("127.0.0.1:", 7000 + i));
    return out;
  }

  ClusterSpec spec_;
  absl::Time now_ = absl::FromUnixSeconds(1000);
  uint64_t rid_ = 0;
  std::vector<std::unique_ptr<Box>> boxes_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<std::vector<std::string>> commits_;
  std::vector<bool> up_;
  std::deque<Message> queue_;
  std::function<bool(int, int)> cut_;
};

const std::set<int> kAll = {0, 1, 2, 3};

TEST(TcpbftReplicaTest, EveryReplicaCommitsTheSameValuesInOrder) {
  Sim sim;
  std::vector<std::string> values;
  for (int k = 0; k < 20; ++k) {
    values.push_back(absl::StrCat("v", k));
    sim.Submit(values.back(), kAll);
    sim.Run(absl::Milliseconds(20));
  }
  sim.Run(absl::Seconds(1));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(sim.commits(i), values) << "replica " << i;
  EXPECT_EQ(sim.replica(0).view(), 0u);
}

TEST(TcpbftReplicaTest, ACrashedLeaderIsReplaced) {
  Sim sim;
  sim.Submit("before", kAll);
  sim.Run(absl::Milliseconds(200));
  sim.Crash(0);
  for (int k = 0; k < 10; ++k) sim.Submit(absl::StrCat("after", k), kAll);
  sim.Run(absl::Seconds(3));
  for (int i = 1; i < 4; ++i) {
    ASSERT_EQ(sim.commits(i).size(), 11u) << "replica " << i;
    EXPECT_EQ(sim.commits(i), sim.commits(1));
    EXPECT_GE(sim.replica(i).view(), 1u);
  }
}

TEST(TcpbftReplicaTest, AReplicaCutOffCatchesUpAfterwards) {
  Sim sim;
  sim.Partition([](int from, int to) { return from == 3 || to == 3; });
  for (int k = 0; k < 10; ++k) sim.Submit(absl::StrCat("v", k), kAll);
  sim.Run(absl::Seconds(1));
  EXPECT_EQ(sim.commits(0).size(), 10u);
  EXPECT_TRUE(sim.commits(3).empty());
  sim.Partition(nullptr);
  sim.Run(absl::Seconds(2));
  EXPECT_EQ(sim.commits(3), sim.commits(0));
}

// Each half of a 2|2 partition gets its own client request, which after the
// partition heals reaches the other half only through the protocol.
std::vector<std::vector<std::string>> SplitBrain(const std::string& bug) {
  Sim sim(bug);
  auto halves = [](int from, int to) { return (from < 2) != (to < 2); };
  sim.Partition(halves);
  sim.Submit("left", {0, 1});
  sim.Submit("right", {2, 3});
  sim.Run(absl::Seconds(3));
  sim.Partition(nullptr);
  sim.Run(absl::Seconds(5));
  std::vector<std::vector<std::string>> out;
  for (int i = 0; i < 4; ++i) out.push_back(sim.commits(i));
  return out;
}

TEST(TcpbftReplicaTest, APartitionWithoutQuorumCommitsNothingAndThenAgrees) {
  std::vector<std::vector<std::string>> commits = SplitBrain("none");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(commits[i].size(), 2u) << "replica " << i;
    EXPECT_EQ(commits[i], commits[0]) << "replica " << i;
  }
}

TEST(TcpbftReplicaTest, SmallQuorumBugCommitsDifferentValuesInEachHalf) {
  std::vector<std::vector<std::string>> commits = SplitBrain("small-quorum");
  ASSERT_FALSE(commits[0].empty());
  ASSERT_FALSE(commits[2].empty());
  EXPECT_EQ(commits[0][0], "left");
  EXPECT_EQ(commits[2][0], "right");
}

}  // namespace
}  // namespace tcpbft
