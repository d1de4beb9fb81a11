// Test support for adversaries: a FaultControl that records what it is
// asked to do, and a fixture that makes adversaries by name as the
// controller does, for a 4-replica refbft-like target.
#ifndef TURNCOAT_TESTS_ADVERSARIES_ADVERSARY_TEST_UTIL_H_
#define TURNCOAT_TESTS_ADVERSARIES_ADVERSARY_TEST_UTIL_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adversaries/adversary.h"
#include "gtest/gtest.h"

namespace turncoat {

class RecordingControl : public FaultControl {
 public:
  // All or nothing, like an agent's engine; counts the changes, so tests
  // can tell a phase that starts in one step from one rule at a time.
  absl::Status ChangeRules(const std::vector<PlacedRule>& remove,
                           const std::vector<PlacedRule>& install) override {
    auto next = rules;
    for (const PlacedRule& r : remove) {
      if (next.erase(std::make_tuple(r.from, r.to, r.rule.id())) == 0) {
        return absl::NotFoundError(r.rule.id());
      }
    }
    for (const PlacedRule& r : install) {
      // An agent refuses a rule placed before one its link does not have.
      if (!r.rule.before().empty() && next.count(std::make_tuple(r.from, r.to, r.rule.before())) == 0) {
        return absl::NotFoundError(absl::StrCat(r.rule.id(), " before ", r.rule.before()));
      }
      if (!next.emplace(std::make_tuple(r.from, r.to, r.rule.id()), r.rule).second) {
        return absl::AlreadyExistsError(r.rule.id());
      }
    }
    rules = std::move(next);
    ++changes;
    return absl::OkStatus();
  }
  absl::Status Kill(int r) override { return Log("kill", r); }
  absl::Status Restart(int r) override { return Log("restart", r); }
  absl::Status Pause(int r) override { return Signal("pause", r); }
  absl::Status Resume(int r) override { return Signal("resume", r); }

  std::set<std::pair<int, int>> Links() const {
    std::set<std::pair<int, int>> links;
    for (const auto& [key, rule] : rules) links.emplace(std::get<0>(key), std::get<1>(key));
    return links;
  }

  // The links holding a rule of `kind`.
  std::set<std::pair<int, int>> Links(agent::v1::Action::Kind kind) const {
    std::set<std::pair<int, int>> links;
    for (const auto& [key, rule] : rules) {
      if (rule.action().kind() == kind) links.emplace(std::get<0>(key), std::get<1>(key));
    }
    return links;
  }

  std::map<std::tuple<int, int, std::string>, agent::v1::Rule> rules;
  std::vector<std::string> actions;
  int changes = 0;
  // Replicas with no process (crashed by another phase): signals to them
  // fail as an agent's do.
  std::set<int> not_running;

 private:
  absl::Status Signal(const char* what, int r) {
    if (not_running.count(r) > 0) return absl::FailedPreconditionError("no replica running");
    return Log(what, r);
  }
  absl::Status Log(const char* what, int r) {
    actions.push_back(absl::StrCat(what, " ", r));
    return absl::OkStatus();
  }
};

class AdversaryTest : public ::testing::Test {
 protected:
  AdversaryTest() {
    target_.protocol.messages = {RefbftMessage()};
    target_.path = "targets/refbft.yaml";
    target_.name = "refbft";
  }

  // refbft's one kind of peer message, as targets/refbft.yaml describes it.
  static MessageSpec RefbftMessage() {
    MessageSpec m;
    m.methods = {"/refbft.Peer/Send"};
    m.request_type = "refbft.Envelope";
    m.kind_oneof = "payload.kind";
    m.kinds = {"proposal", "vote", "phase_cert", "new_view", "decide", "forward", "sync_request"};
    m.sender = "sender";
    m.signature.field = "signature";
    m.signature.covers = "payload";
    m.payload.field = "payload";
    m.payload.codec = PayloadSpec::Codec::kProtobuf;
    m.payload.type = "refbft.Message";
    m.values = "payload.proposal.block.values";
    return m;
  }

  std::unique_ptr<Adversary> Make(const std::string& name, std::vector<int> nodes, Params params) {
    auto adversary = TryMake(name, std::move(nodes), std::move(params));
    EXPECT_TRUE(adversary.ok()) << adversary.status();
    return adversary.ok() ? *std::move(adversary) : nullptr;
  }

  absl::StatusOr<std::unique_ptr<Adversary>> TryMake(const std::string& name,
                                                     std::vector<int> nodes, Params params) {
    phase_.adversary = name;
    phase_.nodes = std::move(nodes);
    phase_.params = std::move(params);
    AdversaryContext context;
    context.n = n_;
    context.f = (n_ - 1) / 3;
    context.phase = &phase_;
    context.phase_index = 3;
    context.target = &target_;
    context.byzantine = byzantine_;
    context.seed = seed_;
    context.delta = delta_;
    context.round_base = round_base_;
    context.byzantine_key_path = [this](int replica) {
      return byzantine_.count(replica) ? absl::StrCat("keys/", replica, ".key") : std::string();
    };
    return MakeAdversary(context);
  }

  TargetSpec target_;
  Phase phase_;
  int n_ = 4;
  std::set<int> byzantine_;
  uint64_t seed_ = 7;
  std::optional<absl::Duration> delta_;  // the plan's network.delta
  int64_t round_base_ = 0;
  RecordingControl control_;
};

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_ADVERSARIES_ADVERSARY_TEST_UTIL_H_
