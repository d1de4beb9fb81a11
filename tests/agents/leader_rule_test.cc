// Rules keyed to who leads a round (RuleSpec::leader), on refbft's
// messages, without sockets: the proposal log the engine keeps, which
// messages are proposals, and when SELF and NOT_SELF match.
#include <memory>
#include <string>

#include "agents/message_view.h"
#include "agents/proposal_log.h"
#include "agents/rule_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agents/refbft_fixture.h"

namespace turncoat {
namespace agent {
namespace refbft_test {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1000);

std::string Proposal(uint64_t height) {
  refbft::Message m;
  m.mutable_proposal()->set_height(height);
  m.mutable_proposal()->mutable_block()->set_height(height);
  m.mutable_proposal()->mutable_block()->add_values("v");
  refbft::Envelope env;
  env.set_payload(m.SerializeAsString());
  return env.SerializeAsString();
}

std::string Vote(uint64_t height) {
  refbft::Message m;
  m.mutable_vote()->set_height(height);
  refbft::Envelope env;
  env.set_payload(m.SerializeAsString());
  return env.SerializeAsString();
}

TEST(ProposalLogTest, KeepsRoundsPerReplicaAndForgetsTheOldest) {
  ProposalLog log;
  log.Record(1, 5);
  EXPECT_TRUE(log.Led(1, 5));
  EXPECT_FALSE(log.Led(1, 6));
  EXPECT_FALSE(log.Led(2, 5));
  for (int64_t round = 6; round < 6 + static_cast<int64_t>(ProposalLog::kMaxRounds); ++round) {
    log.Record(1, round);
  }
  EXPECT_FALSE(log.Led(1, 5));  // the oldest went when the bound was passed
  EXPECT_TRUE(log.Led(1, 6));
}

class LeaderRuleTest : public RefbftTest {
 protected:
  void SetUp() override {
    model_ = BuildModel(/*certificates=*/false);
    ASSERT_NE(model_, nullptr);
    engine_.SetCodec(schema(), model_);
  }

  Frame PeerFrame(LinkId link, std::string bytes, absl::string_view method = kSend) {
    return Frame(next_id_++, link, method, Direction::kRequest, std::move(bytes), codec(),
                 nullptr, model_.get());
  }
  bool Dropped(LinkId link, std::string bytes, absl::string_view method = kSend) {
    return engine_.Process(PeerFrame(link, std::move(bytes), method), kT0).emits.empty();
  }
  static RuleSpec DropWhen(std::string id, LeaderCondition leader) {
    RuleSpec spec;
    spec.id = std::move(id);
    spec.leader = leader;
    spec.action.kind = ActionKind::kDrop;
    return spec;
  }

  std::shared_ptr<const MessageModel> model_;
  RuleEngine engine_;
  uint64_t next_id_ = 1;
};

TEST_F(LeaderRuleTest, ProposalsAreMessagesHoldingValues) {
  Frame proposal = PeerFrame({1, 0}, Proposal(3));
  Frame vote = PeerFrame({1, 0}, Vote(3));
  ASSERT_NE(proposal.view(), nullptr);
  ASSERT_NE(vote.view(), nullptr);
  EXPECT_TRUE(proposal.view()->proposal());
  EXPECT_FALSE(vote.view()->proposal());  // same kind of message, no values held
}

TEST_F(LeaderRuleTest, SelfMatchesFromTheSendersProposalOfTheRoundOn) {
  ASSERT_TRUE(engine_.Install(DropWhen("leads", LeaderCondition::kSelf)).ok());
  // Before 1's proposal of round 5 its messages of round 5 pass.
  EXPECT_FALSE(Dropped({1, 2}, Vote(5)));
  // The proposal makes 1 the leader of round 5, and is itself dropped.
  EXPECT_TRUE(Dropped({1, 0}, Proposal(5)));
  EXPECT_TRUE(Dropped({1, 2}, Vote(5)));
  EXPECT_TRUE(Dropped({1, 3}, Proposal(5)));
  // Other rounds, and other senders in round 5, do not lead it.
  EXPECT_FALSE(Dropped({1, 2}, Vote(6)));
  EXPECT_FALSE(Dropped({2, 1}, Vote(5)));
  EXPECT_TRUE(engine_.proposals().Led(1, 5));
  EXPECT_FALSE(engine_.proposals().Led(2, 5));
}

TEST_F(LeaderRuleTest, NotSelfMatchesUntilTheSenderProposes) {
  ASSERT_TRUE(engine_.Install(DropWhen("follows", LeaderCondition::kNotSelf)).ok());
  EXPECT_TRUE(Dropped({1, 2}, Vote(5)));
  EXPECT_FALSE(Dropped({1, 0}, Proposal(5)));
  EXPECT_FALSE(Dropped({1, 2}, Vote(5)));
  EXPECT_TRUE(Dropped({2, 1}, Vote(5)));
  EXPECT_TRUE(Dropped({1, 2}, Vote(6)));
}

TEST_F(LeaderRuleTest, MessagesWithoutARoundMatchNeither) {
  ASSERT_TRUE(engine_.Install(DropWhen("leads", LeaderCondition::kSelf)).ok());
  ASSERT_TRUE(engine_.Install(DropWhen("follows", LeaderCondition::kNotSelf)).ok());
  EXPECT_FALSE(Dropped({1, 2}, "x", "/refbft.Client/Submit"));
  EXPECT_FALSE(Dropped({1, 2}, "\xff\xff"));  // does not decode: no round
}

TEST_F(LeaderRuleTest, CombinesWithRoundRanges) {
  RuleSpec spec = DropWhen("leads-7", LeaderCondition::kSelf);
  spec.rounds = RoundRange{7, 7};
  ASSERT_TRUE(engine_.Install(spec).ok());
  EXPECT_FALSE(Dropped({1, 0}, Proposal(6)));
  EXPECT_FALSE(Dropped({1, 0}, Vote(6)));
  EXPECT_TRUE(Dropped({1, 0}, Proposal(7)));
  EXPECT_TRUE(Dropped({1, 2}, Vote(7)));
}

TEST_F(LeaderRuleTest, LeadershipIsTrackedForGoodOnceARuleAsksForIt) {
  EXPECT_FALSE(engine_.Snapshot()->track_rounds());
  engine_.Process(PeerFrame({1, 0}, Proposal(2)), kT0);
  EXPECT_FALSE(engine_.proposals().Led(1, 2));  // nobody asked: nothing decoded

  ASSERT_TRUE(engine_.Install(DropWhen("leads", LeaderCondition::kSelf)).ok());
  ASSERT_TRUE(engine_.Remove("leads").ok());
  EXPECT_TRUE(engine_.Snapshot()->track_rounds());
  // No rule is installed, yet the proposal of round 8 is recorded: a
  // phase keyed to round 8 may be installed only after it was sent.
  engine_.Process(PeerFrame({1, 0}, Proposal(8)), kT0);
  ASSERT_TRUE(engine_.Install(DropWhen("leads-again", LeaderCondition::kSelf)).ok());
  EXPECT_TRUE(Dropped({1, 2}, Vote(8)));
}

TEST_F(LeaderRuleTest, FailedChangeDoesNotStartTracking) {
  RuleSpec bad = DropWhen("bad", LeaderCondition::kSelf);
  bad.probability = 2;
  EXPECT_FALSE(engine_.Install(bad).ok());
  EXPECT_FALSE(engine_.Snapshot()->track_rounds());
}

TEST_F(LeaderRuleTest, RefusedWithoutProposals) {
  RuleEngine bare;
  absl::Status no_model = bare.Install(DropWhen("leads", LeaderCondition::kSelf));
  EXPECT_THAT(no_model.message(), HasSubstr("proposals"));

  MessageModelSpec spec = RefbftModelSpec(/*certificates=*/false);
  spec.messages[0].values.clear();
  auto without_values = MessageModel::Build(spec, schema());
  ASSERT_TRUE(without_values.ok()) << without_values.status();
  RuleEngine engine;
  engine.SetCodec(schema(), std::shared_ptr<const MessageModel>(*std::move(without_values)));
  absl::Status refused = engine.Install(DropWhen("leads", LeaderCondition::kNotSelf));
  EXPECT_THAT(refused.message(), HasSubstr("`values` and `round`"));
  EXPECT_TRUE(engine.Install(DropWhen("any", LeaderCondition::kAny)).ok());
}

}  // namespace
}  // namespace refbft_test
}  // namespace agent
}  // namespace turncoat
