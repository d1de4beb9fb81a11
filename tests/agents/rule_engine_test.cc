// Rule engine tests: matching, order and every action, without sockets.
#include "agents/rule_engine.h"

#include <algorithm>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "agents/message_codec.h"
#include "agents/message_rewriter.h"
#include "gtest/gtest.h"
#include "targets/refbft/refbft.pb.h"

namespace turncoat {
namespace agent {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1000);
constexpr char kSend[] = "/refbft.Peer/Send";

std::shared_ptr<const MessageCodec> RefbftCodec() {
  auto codec = MessageCodec::Load({TURNCOAT_SOURCE_DIR}, {"targets/refbft/refbft.proto"});
  EXPECT_TRUE(codec.ok()) << codec.status();
  EXPECT_TRUE((*codec)->SetEmbedded("refbft.Envelope", "payload", "refbft.Message").ok());
  return std::shared_ptr<const MessageCodec>(std::move(*codec));
}

std::string ProposalEnvelope(uint64_t height, uint32_t sender = 0) {
  refbft::Message m;
  m.mutable_proposal()->set_height(height);
  m.mutable_proposal()->mutable_block()->set_height(height);
  m.mutable_proposal()->mutable_block()->add_values("a");
  m.mutable_proposal()->mutable_block()->add_values("b");
  refbft::Envelope env;
  env.set_sender(sender);
  env.set_payload(m.SerializeAsString());
  env.set_signature("sig");
  return env.SerializeAsString();
}

std::string VoteEnvelope(refbft::Phase phase) {
  refbft::Message m;
  m.mutable_vote()->set_phase(phase);
  m.mutable_vote()->set_height(1);
  refbft::Envelope env;
  env.set_payload(m.SerializeAsString());
  return env.SerializeAsString();
}

class RuleEngineTest : public ::testing::Test {
 protected:
  Frame MakeFrame(LinkId link, std::string bytes, std::string method = kSend,
                  Direction dir = Direction::kRequest,
                  std::shared_ptr<FrameSink> sink = nullptr) {
    return Frame(next_id_++, link, method, dir, std::move(bytes),
                 engine_.Snapshot()->codec(), std::move(sink));
  }
  Decision Run(LinkId link, std::string bytes = "x", std::string method = kSend,
               Direction dir = Direction::kRequest) {
    return engine_.Process(MakeFrame(link, std::move(bytes), method, dir), kT0);
  }
  RuleSpec Rule(std::string id, ActionKind kind) {
    RuleSpec spec;
    spec.id = std::move(id);
    spec.action.kind = kind;
    return spec;
  }

  RuleEngine engine_;
  uint64_t next_id_ = 1;
};

TEST_F(RuleEngineTest, NoRulePassesBytesUnchanged) {
  Decision d = Run({0, 1}, "hello");
  EXPECT_EQ(d.action, ActionKind::kPass);
  EXPECT_TRUE(d.rule_id.empty());
  ASSERT_EQ(d.emits.size(), 1u);
  EXPECT_EQ(d.emits[0].bytes, "hello");
  EXPECT_EQ(d.emits[0].delay, absl::ZeroDuration());
  EXPECT_EQ(d.emits[0].frame_id, 1u);
  EXPECT_FALSE(d.held);
}

TEST_F(RuleEngineTest, MatchesLinkEndpoints) {
  RuleSpec spec = Rule("drop-0-1", ActionKind::kDrop);
  spec.from = 0;
  spec.to = 1;
  ASSERT_TRUE(engine_.Install(spec).ok());
  EXPECT_TRUE(Run({0, 1}).emits.empty());
  EXPECT_EQ(Run({0, 2}).emits.size(), 1u);
  EXPECT_EQ(Run({1, 0}).emits.size(), 1u);

  RuleSpec from_two = Rule("drop-from-2", ActionKind::kDrop);
  from_two.from = 2;  // any destination
  ASSERT_TRUE(engine_.Install(from_two).ok());
  EXPECT_TRUE(Run({2, 0}).emits.empty());
  EXPECT_TRUE(Run({2, 3}).emits.empty());
  EXPECT_EQ(Run({3, 2}).emits.size(), 1u);
}

TEST_F(RuleEngineTest, MatchesMethodExactlyOrByRegexAndDirection) {
  RuleSpec exact = Rule("exact", ActionKind::kDrop);
  exact.method = kSend;
  exact.direction = Direction::kResponse;
  ASSERT_TRUE(engine_.Install(exact).ok());
  RuleSpec regex = Rule("regex", ActionKind::kReplace);
  regex.method_regex = "/refbft\\.Client/.*";
  regex.action.payload = "replaced";
  ASSERT_TRUE(engine_.Install(regex).ok());

  EXPECT_TRUE(Run({0, 1}, "x", kSend, Direction::kResponse).emits.empty());
  EXPECT_EQ(Run({0, 1}, "x", kSend, Direction::kRequest).emits.size(), 1u);
  Decision submit = Run({0, 1}, "x", "/refbft.Client/Submit");
  ASSERT_EQ(submit.emits.size(), 1u);
  EXPECT_EQ(submit.emits[0].bytes, "replaced");
  // The regex must match the whole path, not a substring.
  EXPECT_EQ(Run({0, 1}, "x", "/x/refbft.Client/Submit").emits[0].bytes, "x");
}

TEST_F(RuleEngineTest, FirstMatchingRuleWinsAndInstallBeforeReorders) {
  RuleSpec delay = Rule("delay-all", ActionKind::kDelay);
  delay.action.delay = absl::Milliseconds(50);
  ASSERT_TRUE(engine_.Install(delay).ok());
  RuleSpec drop = Rule("drop-0-1", ActionKind::kDrop);
  drop.from = 0;
  drop.to = 1;
  ASSERT_TRUE(engine_.Install(drop).ok());
  // delay-all comes first, so it takes 0->1 too.
  Decision d = Run({0, 1});
  EXPECT_EQ(d.rule_id, "delay-all");
  ASSERT_EQ(d.emits.size(), 1u);

  ASSERT_TRUE(engine_.Remove("drop-0-1").ok());
  ASSERT_TRUE(engine_.Install(drop, "delay-all").ok());
  EXPECT_EQ(Run({0, 1}).rule_id, "drop-0-1");
  EXPECT_TRUE(Run({0, 1}).emits.empty());
  Decision other = Run({0, 2});
  EXPECT_EQ(other.rule_id, "delay-all");
  EXPECT_EQ(other.emits[0].delay, absl::Milliseconds(50));

  EXPECT_EQ(engine_.Install(drop).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(engine_.Install(Rule("x", ActionKind::kDrop), "nope").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(engine_.Remove("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RuleEngineTest, ChangeSwapsRulesInOneStep) {
  RuleSpec drop = Rule("drop-0-1", ActionKind::kDrop);
  drop.from = 0;
  drop.to = 1;
  ASSERT_TRUE(engine_.Install(drop).ok());
  auto before = engine_.Snapshot();

  RuleChange change;
  change.remove = {"drop-0-1"};
  RuleSpec delay = Rule("delay-0-2", ActionKind::kDelay);
  delay.to = 2;
  delay.action.delay = absl::Milliseconds(5);
  RuleSpec drop_first = Rule("drop-all", ActionKind::kDrop);
  drop_first.from = 3;
  change.install.push_back({delay, ""});
  change.install.push_back({drop_first, "delay-0-2"});
  ASSERT_TRUE(engine_.Change(change).ok());

  // One published set per change: the old snapshot still holds the old
  // rule, the new one all of the change, in the requested order.
  ASSERT_EQ(before->rules().size(), 1u);
  const auto& now = engine_.Snapshot()->rules();
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0]->id(), "drop-all");
  EXPECT_EQ(now[1]->id(), "delay-0-2");
  EXPECT_FALSE(Run({0, 1}).emits.empty());
  EXPECT_EQ(Run({0, 2}).rule_id, "delay-0-2");
  EXPECT_TRUE(Run({3, 1}).emits.empty());
}

TEST_F(RuleEngineTest, ChangeIsAllOrNothing) {
  RuleSpec hold = Rule("hold", ActionKind::kHold);
  hold.action.hold_count = 10;
  hold.action.hold_time = absl::Seconds(10);
  ASSERT_TRUE(engine_.Install(hold).ok());
  Run({0, 1}, "a");
  ASSERT_EQ(engine_.held(), 1u);

  RuleSpec bad = Rule("bad", ActionKind::kDrop);
  bad.method_regex = "(";  // does not compile
  RuleChange invalid;
  invalid.remove = {"hold"};
  invalid.install.push_back({Rule("fine", ActionKind::kDrop), ""});
  invalid.install.push_back({bad, ""});
  EXPECT_EQ(engine_.Change(invalid).status().code(), absl::StatusCode::kInvalidArgument);

  RuleChange unknown;
  unknown.remove = {"hold", "nope"};
  EXPECT_EQ(engine_.Change(unknown).status().code(), absl::StatusCode::kNotFound);

  RuleChange duplicate;
  duplicate.install.push_back({Rule("twice", ActionKind::kDrop), ""});
  duplicate.install.push_back({Rule("twice", ActionKind::kDrop), ""});
  EXPECT_EQ(engine_.Change(duplicate).status().code(), absl::StatusCode::kAlreadyExists);

  // None of them touched the hold rule or what it holds.
  ASSERT_EQ(engine_.Snapshot()->rules().size(), 1u);
  EXPECT_EQ(engine_.Snapshot()->rules()[0]->id(), "hold");
  EXPECT_EQ(engine_.held(), 1u);

  RuleChange heal;
  heal.remove = {"hold"};
  auto released = engine_.Change(heal);
  ASSERT_TRUE(released.ok());
  ASSERT_EQ(released->size(), 1u);
  EXPECT_EQ((*released)[0].bytes, "a");
  EXPECT_TRUE(engine_.Snapshot()->empty());
}

TEST_F(RuleEngineTest, ChangeReportsTheRemovedRulesFinalCounters) {
  RuleSpec drop = Rule("drop-0-1", ActionKind::kDrop);
  drop.to = 1;
  ASSERT_TRUE(engine_.Install(drop).ok());
  ASSERT_TRUE(engine_.Install(Rule("delay-all", ActionKind::kDelay)).ok());
  for (int i = 0; i < 3; ++i) Run({0, 1});
  Run({0, 2});

  RuleChange change;
  change.remove = {"drop-0-1"};
  change.install.push_back({Rule("drop-all", ActionKind::kDrop), ""});
  std::vector<RuleStats> removed;
  ASSERT_TRUE(engine_.Change(change, &removed).ok());
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].id, "drop-0-1");
  EXPECT_EQ(removed[0].matched, 3u);
  EXPECT_EQ(removed[0].applied, 3u);

  // A change that fails removes nothing and reports nothing.
  RuleChange unknown;
  unknown.remove = {"delay-all", "nope"};
  removed.clear();
  EXPECT_FALSE(engine_.Change(unknown, &removed).ok());
  EXPECT_TRUE(removed.empty());
}

TEST_F(RuleEngineTest, MatchesMessageTypeAndFieldsInsideEmbeddedPayload) {
  engine_.SetCodec(RefbftCodec());
  RuleSpec spec = Rule("drop-high-proposals", ActionKind::kDrop);
  spec.message_type = "refbft.Envelope";
  spec.fields.push_back({"payload.proposal", FieldMatch::Op::kPresent, {}, 0, 0});
  spec.fields.push_back(
      {"payload.proposal.block.height", FieldMatch::Op::kRange, {}, 5, 10});
  ASSERT_TRUE(engine_.Install(spec).ok());

  EXPECT_TRUE(Run({0, 1}, ProposalEnvelope(5)).emits.empty());
  EXPECT_TRUE(Run({0, 1}, ProposalEnvelope(10)).emits.empty());
  EXPECT_EQ(Run({0, 1}, ProposalEnvelope(4)).emits.size(), 1u);
  EXPECT_EQ(Run({0, 1}, ProposalEnvelope(11)).emits.size(), 1u);
  EXPECT_EQ(Run({0, 1}, VoteEnvelope(refbft::PREPARE)).emits.size(), 1u);
  // Undecodable bytes and other methods' types never match a typed rule.
  EXPECT_EQ(Run({0, 1}, "\xff\xff").emits.size(), 1u);
  EXPECT_EQ(Run({0, 1}, ProposalEnvelope(6), "/refbft.Client/Submit").emits.size(), 1u);
}

TEST_F(RuleEngineTest, FieldEqualityInSetRepeatedAndEnums) {
  engine_.SetCodec(RefbftCodec());
  RuleSpec sender = Rule("sender-in", ActionKind::kDrop);
  sender.method = kSend;
  sender.direction = Direction::kRequest;
  sender.fields.push_back({"sender", FieldMatch::Op::kIn, {"2", "3"}, 0, 0});
  ASSERT_TRUE(engine_.Install(sender).ok());
  RuleSpec value = Rule("value-b", ActionKind::kReplace);
  value.message_type = "refbft.Envelope";
  value.action.payload = "saw-b";
  // Repeated leaf: any element equal to "b" matches.
  value.fields.push_back({"payload.proposal.block.values", FieldMatch::Op::kEquals, {"b"}, 0, 0});
  ASSERT_TRUE(engine_.Install(value).ok());
  RuleSpec phase = Rule("commit-votes", ActionKind::kReplace);
  phase.message_type = "refbft.Envelope";
  phase.action.payload = "commit-vote";
  // Enum values match by name or by number.
  phase.fields.push_back({"payload.vote.phase", FieldMatch::Op::kIn, {"COMMIT", "2"}, 0, 0});
  ASSERT_TRUE(engine_.Install(phase).ok());

  EXPECT_TRUE(Run({0, 1}, ProposalEnvelope(1, /*sender=*/3)).emits.empty());
  EXPECT_EQ(Run({0, 1}, ProposalEnvelope(1, /*sender=*/1)).emits[0].bytes, "saw-b");
  EXPECT_EQ(Run({0, 1}, VoteEnvelope(refbft::COMMIT)).emits[0].bytes, "commit-vote");
  EXPECT_EQ(Run({0, 1}, VoteEnvelope(refbft::PRE_COMMIT)).emits[0].bytes, "commit-vote");
  const std::string prepare = VoteEnvelope(refbft::PREPARE);
  EXPECT_EQ(Run({0, 1}, prepare).emits[0].bytes, prepare);
}

TEST_F(RuleEngineTest, AbsentMatchesDecodedMessagesWithoutTheField) {
  engine_.SetCodec(RefbftCodec());
  RuleSpec spec = Rule("not-proposals", ActionKind::kDrop);
  spec.message_type = "refbft.Envelope";
  spec.fields.push_back({"payload.proposal", FieldMatch::Op::kAbsent, {}, 0, 0});
  ASSERT_TRUE(engine_.Install(spec).ok());
  EXPECT_TRUE(Run({0, 1}, VoteEnvelope(refbft::PREPARE)).emits.empty());
  EXPECT_EQ(Run({0, 1}, ProposalEnvelope(1)).emits.size(), 1u);
}

TEST_F(RuleEngineTest, RejectsInvalidRulesWithReasons) {
  RuleSpec regex = Rule("bad-regex", ActionKind::kDrop);
  regex.method_regex = "(";
  absl::Status s = engine_.Install(regex);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("bad-regex"), std::string::npos) << s;

  RuleSpec prob = Rule("p", ActionKind::kDrop);
  prob.probability = 1.5;
  EXPECT_FALSE(engine_.Install(prob).ok());

  RuleSpec fields = Rule("fields-without-schema", ActionKind::kDrop);
  fields.fields.push_back({"sender", FieldMatch::Op::kEquals, {"1"}, 0, 0});
  s = engine_.Install(fields);
  EXPECT_NE(s.message().find(".proto"), std::string::npos) << s;

  engine_.SetCodec(RefbftCodec());
  RuleSpec typo = Rule("typo", ActionKind::kDrop);
  typo.message_type = "refbft.Envelope";
  typo.fields.push_back({"payload.proposal.blok.height", FieldMatch::Op::kEquals, {"1"}, 0, 0});
  s = engine_.Install(typo);
  EXPECT_NE(s.message().find("no field 'blok'"), std::string::npos) << s;
  EXPECT_NE(s.message().find("block"), std::string::npos) << s;  // lists fields

  RuleSpec hold = Rule("hold", ActionKind::kHold);
  hold.action.hold_time = absl::ZeroDuration();
  EXPECT_FALSE(engine_.Install(hold).ok());
  RuleSpec dup = Rule("dup", ActionKind::kDuplicate);
  dup.action.duplicates = 0;
  EXPECT_FALSE(engine_.Install(dup).ok());
  RuleSpec rw = Rule("rw", ActionKind::kRewrite);
  rw.action.rewriter = "no-such-rewriter";
  s = engine_.Install(rw);
  EXPECT_NE(s.message().find("set_field"), std::string::npos) << s;  // lists known
  EXPECT_TRUE(engine_.Stats().empty());
}

TEST_F(RuleEngineTest, DelayAddsFixedPlusBoundedJitter) {
  RuleSpec spec = Rule("jittery", ActionKind::kDelay);
  spec.action.delay = absl::Milliseconds(20);
  spec.action.jitter = absl::Milliseconds(10);
  ASSERT_TRUE(engine_.Install(spec).ok());
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    Decision d = Run({0, 1});
    ASSERT_EQ(d.emits.size(), 1u);
    EXPECT_GE(d.emits[0].delay, absl::Milliseconds(20));
    EXPECT_LE(d.emits[0].delay, absl::Milliseconds(30));
    seen.insert(absl::ToInt64Microseconds(d.emits[0].delay));
  }
  EXPECT_GT(seen.size(), 50u);  // the jitter is actually random
}

TEST_F(RuleEngineTest, DuplicateSendsOriginalPlusCopies) {
  RuleSpec spec = Rule("dup", ActionKind::kDuplicate);
  spec.action.duplicates = 3;
  ASSERT_TRUE(engine_.Install(spec).ok());
  Decision d = Run({0, 1}, "m");
  ASSERT_EQ(d.emits.size(), 4u);
  for (const Emit& e : d.emits) {
    EXPECT_EQ(e.bytes, "m");
    EXPECT_EQ(e.frame_id, 1u);
  }
}

TEST_F(RuleEngineTest, HoldReleasesReversedWhenFull) {
  RuleSpec spec = Rule("reorder", ActionKind::kHold);
  spec.action.hold_count = 3;
  spec.action.hold_time = absl::Seconds(10);
  ASSERT_TRUE(engine_.Install(spec).ok());
  Decision d1 = Run({0, 1}, "1");
  Decision d2 = Run({0, 2}, "2");
  EXPECT_TRUE(d1.held);
  EXPECT_TRUE(d1.emits.empty());
  EXPECT_TRUE(d2.emits.empty());
  EXPECT_EQ(engine_.held(), 2u);
  Decision d3 = Run({0, 1}, "3");
  EXPECT_TRUE(d3.held);
  ASSERT_EQ(d3.emits.size(), 3u);
  EXPECT_EQ(d3.emits[0].bytes, "3");
  EXPECT_EQ(d3.emits[1].bytes, "2");
  EXPECT_EQ(d3.emits[2].bytes, "1");
  EXPECT_EQ(d3.emits[2].frame_id, 1u);  // routed back to the first frame's stream
  for (const Emit& e : d3.emits) EXPECT_TRUE(e.from_hold);
  EXPECT_EQ(engine_.held(), 0u);
}

TEST_F(RuleEngineTest, HoldReleasesWhenWindowExpires) {
  RuleSpec spec = Rule("hold", ActionKind::kHold);
  spec.action.hold_count = 100;
  spec.action.hold_time = absl::Milliseconds(50);
  spec.action.order = ActionSpec::Order::kShuffle;
  ASSERT_TRUE(engine_.Install(spec).ok());
  for (int i = 0; i < 10; ++i) {
    engine_.Process(MakeFrame({0, 1}, std::to_string(i)), kT0 + absl::Milliseconds(i));
  }
  ASSERT_TRUE(engine_.NextRelease().has_value());
  EXPECT_EQ(*engine_.NextRelease(), kT0 + absl::Milliseconds(50));
  EXPECT_TRUE(engine_.ReleaseExpired(kT0 + absl::Milliseconds(49)).empty());
  std::vector<Emit> out = engine_.ReleaseExpired(kT0 + absl::Milliseconds(50));
  ASSERT_EQ(out.size(), 10u);
  std::vector<std::string> got;
  for (const Emit& e : out) got.push_back(e.bytes);
  std::vector<std::string> sorted = got;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  EXPECT_NE(got, sorted) << "10 frames shuffled back into arrival order";
  EXPECT_FALSE(engine_.NextRelease().has_value());
}

TEST_F(RuleEngineTest, HoldBoundPassesOverflowAndCountsIt) {
  RuleEngine engine(EngineOptions{1, /*max_held=*/2});
  RuleSpec spec = Rule("hold", ActionKind::kHold);
  spec.action.hold_count = 10;
  spec.action.hold_time = absl::Seconds(1);
  ASSERT_TRUE(engine.Install(spec).ok());
  auto frame = [](uint64_t id) {
    return Frame(id, {0, 1}, kSend, Direction::kRequest, "b", nullptr);
  };
  EXPECT_TRUE(engine.Process(frame(1), kT0).held);
  EXPECT_TRUE(engine.Process(frame(2), kT0).held);
  Decision third = engine.Process(frame(3), kT0);
  EXPECT_FALSE(third.held);
  ASSERT_EQ(third.emits.size(), 1u);
  EXPECT_EQ(third.emits[0].frame_id, 3u);
  EXPECT_EQ(engine.Stats()[0].hold_overflows, 1u);
  EXPECT_EQ(engine.Stats()[0].held_now, 2u);
}

TEST_F(RuleEngineTest, RemovingAHoldRuleReleasesItsFrames) {
  RuleSpec spec = Rule("hold", ActionKind::kHold);
  spec.action.hold_count = 10;
  spec.action.hold_time = absl::Seconds(10);
  ASSERT_TRUE(engine_.Install(spec).ok());
  auto stale = engine_.Snapshot();
  Run({0, 1}, "a");
  Run({0, 1}, "b");
  auto released = engine_.Remove("hold");
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(released->size(), 2u);
  EXPECT_EQ(engine_.held(), 0u);
  // A proxy thread still on the old snapshot must not strand its frame.
  Decision late = engine_.Process(*stale, MakeFrame({0, 1}, "c"), kT0);
  EXPECT_FALSE(late.held);
  ASSERT_EQ(late.emits.size(), 1u);
  EXPECT_EQ(late.emits[0].bytes, "c");
}

TEST_F(RuleEngineTest, ProbabilityIsSeededAndRoughlyRight) {
  auto sample = [this](uint64_t seed) {
    RuleEngine engine(EngineOptions{seed, 100});
    RuleSpec spec = Rule("coin", ActionKind::kDrop);
    spec.probability = 0.3;
    EXPECT_TRUE(engine.Install(spec).ok());
    std::vector<bool> dropped;
    for (int i = 0; i < 1000; ++i) {
      dropped.push_back(
          engine.Process(Frame(i, {0, 1}, kSend, Direction::kRequest, "x", nullptr), kT0)
              .emits.empty());
    }
    EXPECT_EQ(engine.Stats()[0].matched, 1000u);
    EXPECT_EQ(engine.Stats()[0].applied,
              static_cast<uint64_t>(std::count(dropped.begin(), dropped.end(), true)));
    return dropped;
  };
  std::vector<bool> a = sample(7), b = sample(7), c = sample(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  const auto n = std::count(a.begin(), a.end(), true);
  EXPECT_GT(n, 230);
  EXPECT_LT(n, 370);
}

TEST_F(RuleEngineTest, LosingTheCoinFallsThroughToLaterRules) {
  RuleSpec never = Rule("never", ActionKind::kDrop);
  never.probability = 0;
  ASSERT_TRUE(engine_.Install(never).ok());
  RuleSpec dup = Rule("dup", ActionKind::kDuplicate);
  ASSERT_TRUE(engine_.Install(dup).ok());
  EXPECT_EQ(Run({0, 1}).rule_id, "dup");
  std::vector<RuleStats> stats = engine_.Stats();
  EXPECT_EQ(stats[0].matched, 1u);
  EXPECT_EQ(stats[0].applied, 0u);
  EXPECT_EQ(stats[1].applied, 1u);
}

TEST_F(RuleEngineTest, SetFieldRewriterChangesTheEmbeddedPayload) {
  engine_.SetCodec(RefbftCodec());
  RuleSpec spec = Rule("bump-height", ActionKind::kRewrite);
  spec.message_type = "refbft.Envelope";
  spec.action.rewriter = "set_field";
  spec.action.params = {{"path", "payload.proposal.block.height"}, {"value", "99"}};
  ASSERT_TRUE(engine_.Install(spec).ok());

  Decision d = Run({0, 1}, ProposalEnvelope(3, 2));
  ASSERT_EQ(d.emits.size(), 1u);
  refbft::Envelope env;
  ASSERT_TRUE(env.ParseFromString(d.emits[0].bytes));
  EXPECT_EQ(env.sender(), 2u);
  EXPECT_EQ(env.signature(), "sig");  // not re-signed
  refbft::Message m;
  ASSERT_TRUE(m.ParseFromString(env.payload()));
  EXPECT_EQ(m.proposal().block().height(), 99u);
  EXPECT_EQ(m.proposal().height(), 3u);

  // Undecodable input: the rewriter fails, the frame passes, the error counts.
  Decision bad = Run({0, 1}, "\xff\xff");
  ASSERT_EQ(bad.emits.size(), 1u);
  EXPECT_EQ(bad.emits[0].bytes, "\xff\xff");
  EXPECT_EQ(engine_.Stats()[0].rewrite_errors, 1u);

  RuleSpec typo = spec;
  typo.id = "typo";
  typo.action.params["path"] = "payload.proposal.nope";
  EXPECT_FALSE(engine_.Install(typo).ok());
}

// An adversary-style rewriter defined entirely here: registering it is all it
// takes for rules to use it.
class ReplayTwiceRewriter : public MessageRewriter {
 public:
  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    return std::vector<std::string>{frame.bytes() + "-replay", frame.bytes()};
  }
};
TURNCOAT_REGISTER_REWRITER("test_replay_twice", [](const RewriterContext&) {
  return absl::StatusOr<std::unique_ptr<MessageRewriter>>(
      std::make_unique<ReplayTwiceRewriter>());
});

TEST_F(RuleEngineTest, RegisteredRewritersAreUsableByName) {
  RuleSpec spec = Rule("replay", ActionKind::kRewrite);
  spec.action.rewriter = "test_replay_twice";
  ASSERT_TRUE(engine_.Install(spec).ok());
  Decision d = Run({0, 1}, "m");
  ASSERT_EQ(d.emits.size(), 2u);
  EXPECT_EQ(d.emits[0].bytes, "m-replay");
  EXPECT_EQ(d.emits[1].bytes, "m");
  EXPECT_EQ(d.action, ActionKind::kRewrite);
}

// Changes only frames whose bytes start with "x", as a rewriter for one kind
// of message leaves the others alone.
class OnlyXRewriter : public MessageRewriter {
 public:
  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    if (frame.bytes().rfind("x", 0) != 0) return std::vector<std::string>{frame.bytes()};
    return std::vector<std::string>{"changed"};
  }
};
TURNCOAT_REGISTER_REWRITER("test_only_x", [](const RewriterContext&) {
  return absl::StatusOr<std::unique_ptr<MessageRewriter>>(std::make_unique<OnlyXRewriter>());
});

TEST_F(RuleEngineTest, RewritesThatChangeNothingAreCountedApartFromApplied) {
  RuleSpec spec = Rule("only-x", ActionKind::kRewrite);
  spec.action.rewriter = "test_only_x";
  ASSERT_TRUE(engine_.Install(spec).ok());
  Decision left_alone = Run({0, 1}, "a");
  EXPECT_EQ(left_alone.action, ActionKind::kPass);
  ASSERT_EQ(left_alone.emits.size(), 1u);
  EXPECT_EQ(left_alone.emits[0].bytes, "a");
  Run({0, 1}, "b");
  Decision changed = Run({0, 1}, "x1");
  EXPECT_EQ(changed.action, ActionKind::kRewrite);
  ASSERT_EQ(changed.emits.size(), 1u);
  EXPECT_EQ(changed.emits[0].bytes, "changed");
  const RuleStats stats = engine_.Stats()[0];
  EXPECT_EQ(stats.matched, 3u);
  EXPECT_EQ(stats.applied, 1u);    // only what the rewrite changed
  EXPECT_EQ(stats.unchanged, 2u);  // matched, but given back as they were
  EXPECT_EQ(stats.rewrite_errors, 0u);
}

// A rewriter whose creation (as when a rule compiles) waits for the test.
absl::Notification* slow_rewriter_entered = nullptr;
absl::Notification* slow_rewriter_release = nullptr;
TURNCOAT_REGISTER_REWRITER("test_slow_to_create", [](const RewriterContext&) {
  slow_rewriter_entered->Notify();
  slow_rewriter_release->WaitForNotificationWithTimeout(absl::Seconds(10));
  return absl::StatusOr<std::unique_ptr<MessageRewriter>>(
      std::make_unique<ReplayTwiceRewriter>());
});

TEST_F(RuleEngineTest, FramesDoNotWaitForARuleToCompile) {
  absl::Notification entered;
  absl::Notification release;
  slow_rewriter_entered = &entered;
  slow_rewriter_release = &release;
  RuleSpec slow = Rule("slow", ActionKind::kRewrite);
  slow.action.rewriter = "test_slow_to_create";
  std::thread installer([&] { EXPECT_TRUE(engine_.Install(slow).ok()); });
  ASSERT_TRUE(entered.WaitForNotificationWithTimeout(absl::Seconds(10)));

  // While the rule compiles, frames go on with the rules published before.
  absl::Notification processed;
  Decision during;
  std::thread frame([&] {
    during = Run({0, 1}, "m");
    processed.Notify();
  });
  EXPECT_TRUE(processed.WaitForNotificationWithTimeout(absl::Seconds(5)))
      << "a frame waited for a rule to compile";
  release.Notify();
  frame.join();
  installer.join();
  ASSERT_EQ(during.emits.size(), 1u);
  EXPECT_EQ(during.emits[0].bytes, "m");
  // Once compiled, the rule applies.
  EXPECT_EQ(Run({0, 1}, "m").emits.size(), 2u);
}

TEST_F(RuleEngineTest, ClearReleasesEverythingAndRestoresPassThrough) {
  RuleSpec hold = Rule("hold", ActionKind::kHold);
  hold.action.hold_count = 5;
  ASSERT_TRUE(engine_.Install(hold).ok());
  Run({0, 1}, "a");
  EXPECT_EQ(engine_.Clear().size(), 1u);
  EXPECT_TRUE(engine_.Snapshot()->empty());
  EXPECT_EQ(Run({0, 1}, "b").emits.size(), 1u);
}

TEST_F(RuleEngineTest, ConnectionRulesMatchNoFrameOnlyTheirLinks) {
  for (ActionKind kind : {ActionKind::kCut, ActionKind::kReset, ActionKind::kRefuse}) {
    RuleSpec spec = Rule(absl::StrCat("conn-", ActionName(kind)), kind);
    spec.from = 0;
    spec.to = 1;
    ASSERT_TRUE(engine_.Install(spec).ok());
  }
  const Decision d = Run({0, 1}, "hello");
  EXPECT_EQ(d.action, ActionKind::kPass);
  EXPECT_TRUE(d.rule_id.empty());
  ASSERT_EQ(d.emits.size(), 1u);
  EXPECT_TRUE(engine_.Refuses({0, 1}));
  EXPECT_FALSE(engine_.Refuses({0, 2}));
  EXPECT_FALSE(engine_.Refuses({1, 0}));
  for (const RuleStats& s : engine_.Stats()) {
    EXPECT_EQ(s.applied, s.id == "conn-refuse" ? 1u : 0u) << s.id;
  }
}

TEST_F(RuleEngineTest, ConnectionRulesTakeNothingButTheirLinks) {
  RuleSpec spec = Rule("cut-votes", ActionKind::kCut);
  spec.kinds = {"vote"};
  const absl::Status s = engine_.Install(spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "rule 'cut-votes': cut acts on connections, which carry no one message: it matches "
            "only from and to");
}

TEST_F(RuleEngineTest, WatchersSeeEachCutOrResetRuleOnceWhenItIsInstalled) {
  std::vector<std::string> seen;
  const int id = engine_.WatchConnections([&](const FaultRule& rule) { seen.push_back(rule.id()); });
  ASSERT_TRUE(engine_.Install(Rule("drop", ActionKind::kDrop)).ok());
  ASSERT_TRUE(engine_.Install(Rule("refuse", ActionKind::kRefuse)).ok());
  RuleChange change;
  change.install.push_back({Rule("cut", ActionKind::kCut), ""});
  change.install.push_back({Rule("reset", ActionKind::kReset), ""});
  ASSERT_TRUE(engine_.Change(change).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"cut", "reset"}));
  // Later changes do not cut again.
  ASSERT_TRUE(engine_.Remove("drop").ok());
  EXPECT_EQ(seen.size(), 2u);
  engine_.UnwatchConnections(id);
  ASSERT_TRUE(engine_.Install(Rule("cut-2", ActionKind::kCut)).ok());
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(RuleEngineTest, PaceSpacesFramesByTheirSizeAtTheRateInOrder) {
  RuleSpec spec = Rule("pace", ActionKind::kPace);
  spec.action.bytes_per_second = 1000;
  ASSERT_TRUE(engine_.Install(spec).ok());
  // 500 bytes at 1000 B/s: each leaves half a second after the one before.
  const Decision first = Run({0, 1}, std::string(500, 'a'));
  const Decision second = Run({0, 1}, std::string(500, 'b'));
  ASSERT_EQ(first.emits.size(), 1u);
  ASSERT_EQ(second.emits.size(), 1u);
  EXPECT_EQ(first.action, ActionKind::kPace);
  EXPECT_EQ(first.emits[0].delay, absl::Milliseconds(500));
  EXPECT_EQ(second.emits[0].delay, absl::Milliseconds(1000));
  // Once the budget has caught up, a frame waits only for itself.
  const Decision later = engine_.Process(MakeFrame({0, 1}, std::string(100, 'c')),
                                         kT0 + absl::Seconds(5));
  ASSERT_EQ(later.emits.size(), 1u);
  EXPECT_EQ(later.emits[0].delay, absl::Milliseconds(100));
  RuleSpec zero = Rule("pace-0", ActionKind::kPace);
  EXPECT_FALSE(engine_.Install(zero).ok());
}

}  // namespace
}  // namespace agent
}  // namespace turncoat
