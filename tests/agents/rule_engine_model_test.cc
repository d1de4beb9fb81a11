// The rule engine with a message model, on the pbft-like schema: rules that
// match kinds of peer message (fixed kinds without decoding, oneof and field
// kinds by decoding) and field predicates that reach into JSON bodies.
#include <memory>
#include <string>

#include "agents/rule_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agents/pbftlike_fixture.h"

namespace turncoat {
namespace agent {
namespace pbftlike_test {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1000);

class RuleEngineModelTest : public PbftLikeTest {
 protected:
  void SetUp() override { engine_.SetCodec(schema(), model()); }

  static RuleSpec Drop(std::string id) {
    RuleSpec spec;
    spec.id = std::move(id);
    spec.action.kind = ActionKind::kDrop;
    return spec;
  }

  // Whether the installed rules drop `bytes` sent as `method`.
  bool Dropped(absl::string_view method, std::string bytes) {
    Decision d = engine_.Process(PeerFrame(method, std::move(bytes)), kT0);
    return d.action == ActionKind::kDrop;
  }

  // The action the installed rules take on a response of a peer method:
  // responses are no peer messages.
  ActionKind ResponseAction() {
    return engine_
        .Process(Frame(9, {1, 0}, kPrepare, Direction::kResponse, "", schema().get(), nullptr,
                       model().get()),
                 kT0)
        .action;
  }

  // A prepare whose body is no JSON: no kind to decode, no round to read.
  static std::string NotJsonPrepare() {
    pbftlike::PrepareMsg m;
    m.set_body("{{{");
    return m.SerializeAsString();
  }

  static std::string Gossip(bool batch) {
    pbftlike::GossipMsg m;
    m.set_sender("r1");
    if (batch) {
      m.mutable_batch()->set_view(3);
    } else {
      m.mutable_ping()->set_view(3);
    }
    return m.SerializeAsString();
  }

  static std::string ViewChange(const std::string& body) {
    pbftlike::ViewChangeMsg m;
    m.set_body(body);
    return m.SerializeAsString();
  }

  static std::string Status(const std::string& body) {
    pbftlike::StatusMsg m;
    m.set_sender("r1");
    m.set_body(body);
    return m.SerializeAsString();
  }

  RuleEngine engine_;
};

TEST_F(RuleEngineModelTest, FixedKindsMatchWithoutDecoding) {
  RuleSpec spec = Drop("prepares");
  spec.kinds = {"prepare"};
  ASSERT_TRUE(engine_.Install(spec).ok());
  const std::string prepare = Prepare(1, PhaseBody("prepare", 3, 17, "r1"));
  EXPECT_TRUE(Dropped(kPrepare, prepare));
  EXPECT_TRUE(Dropped(kRetransmitPrepare, prepare));
  EXPECT_FALSE(Dropped(kCommit, prepare));
  EXPECT_FALSE(Dropped(kPrePrepare, PrePrepare(1, PrePrepareBody(3, 17, {"a"}))));
  // The kind is the method's: bytes that parse as nothing still match.
  EXPECT_TRUE(Dropped(kPrepare, "\xff\xff\xff"));
  EXPECT_TRUE(Dropped(kPrepare, NotJsonPrepare()));
  // Responses are no peer messages.
  EXPECT_EQ(ResponseAction(), ActionKind::kPass);
  ASSERT_EQ(engine_.Stats().size(), 1u);
  EXPECT_EQ(engine_.Stats()[0].matched, 4u);
}

TEST_F(RuleEngineModelTest, OneofAndFieldKindsMatchByDecoding) {
  RuleSpec spec = Drop("decoded-kinds");
  spec.kinds = {"batch", "new-view", "Alive", "fetch"};
  ASSERT_TRUE(engine_.Install(spec).ok());
  EXPECT_TRUE(Dropped(kGossip, Gossip(true)));
  EXPECT_FALSE(Dropped(kGossip, Gossip(false)));
  EXPECT_TRUE(Dropped(kViewChange, ViewChange(R"({"type":"new-view","new_view":4})")));
  EXPECT_FALSE(Dropped(kViewChange, ViewChange(R"({"type":"view-change","new_view":4})")));
  EXPECT_FALSE(Dropped(kViewChange, ViewChange("new-view")));  // no JSON, no kind
  EXPECT_TRUE(Dropped(kStatus, Status(R"({"Alive":{"view":3}})")));
  EXPECT_FALSE(Dropped(kStatus, Status(R"({"Lagging":{"view":3}})")));
  pbftlike::Control control;
  control.mutable_fetch()->set_from_seq(3);
  pbftlike::HeartbeatMsg heartbeat;
  heartbeat.set_payload(control.SerializeAsString());
  EXPECT_TRUE(Dropped(kHeartbeat, heartbeat.SerializeAsString()));
  heartbeat.set_payload("\xff\xff");
  EXPECT_FALSE(Dropped(kHeartbeat, heartbeat.SerializeAsString()));
}

TEST_F(RuleEngineModelTest, FieldPredicatesReachIntoJsonBodies) {
  RuleSpec spec = Drop("views");
  spec.method = kPrePrepare;
  spec.direction = Direction::kRequest;
  FieldMatch view;
  view.path = "body.view";
  view.op = FieldMatch::Op::kRange;
  view.min = 3;
  view.max = 5;
  spec.fields = {view};
  ASSERT_TRUE(engine_.Install(spec).ok());
  EXPECT_TRUE(Dropped(kPrePrepare, PrePrepare(1, PrePrepareBody(4, 17, {"a"}))));
  EXPECT_FALSE(Dropped(kPrePrepare, PrePrepare(1, PrePrepareBody(9, 17, {"a"}))));
  pbftlike::PrePrepareMsg not_json;
  not_json.set_body("view 4");
  EXPECT_FALSE(Dropped(kPrePrepare, not_json.SerializeAsString()));

  // Pinned by kind, or by the request type only: JSON has no schema to
  // check the path against, and the frame knows its kind when it comes.
  RuleSpec by_kind = Drop("ops");
  by_kind.kinds = {"pre-prepare"};
  FieldMatch op;
  op.path = "body.requests.op";
  op.op = FieldMatch::Op::kEquals;
  op.values = {"set v2 2"};
  by_kind.fields = {op};
  ASSERT_TRUE(engine_.Install(by_kind).ok());
  EXPECT_TRUE(Dropped(kPrePrepare, PrePrepare(1, PrePrepareBody(9, 17, {"set v1 1", "set v2 2"}))));
  EXPECT_FALSE(Dropped(kPrePrepare, PrePrepare(1, PrePrepareBody(9, 17, {"set v1 1"}))));

  RuleSpec by_type = Drop("seqs");
  by_type.message_type = "pbftlike.CommitMsg";
  FieldMatch seq;
  seq.path = "body.seq";
  seq.op = FieldMatch::Op::kEquals;
  seq.values = {"17"};
  by_type.fields = {seq};
  absl::Status installed = engine_.Install(by_type);
  ASSERT_TRUE(installed.ok()) << installed;
  EXPECT_TRUE(
      Dropped(kCommit, BodySigned<pbftlike::CommitMsg>("r1", PhaseBody("commit", 3, 17, "r1"), 1)));
  EXPECT_FALSE(
      Dropped(kCommit, BodySigned<pbftlike::CommitMsg>("r1", PhaseBody("commit", 3, 18, "r1"), 1)));
}

TEST_F(RuleEngineModelTest, FieldPathsAreCheckedWhereTheSchemaIsKnown) {
  RuleSpec spec = Drop("bad");
  spec.method = kHeartbeat;
  spec.direction = Direction::kRequest;
  FieldMatch present;
  present.op = FieldMatch::Op::kPresent;
  present.path = "payload.ping.nope";
  spec.fields = {present};
  absl::Status typo = engine_.Install(spec);
  EXPECT_FALSE(typo.ok());
  EXPECT_THAT(std::string(typo.message()), HasSubstr("has no field 'nope'"));
  spec.fields[0].path = "payload.ping.view";
  EXPECT_TRUE(engine_.Install(spec).ok());

  // Nothing inside an opaque payload can ever match.
  RuleSpec opaque = Drop("opaque");
  opaque.method = kBlob;
  opaque.direction = Direction::kRequest;
  present.path = "data.seq";
  opaque.fields = {present};
  absl::Status inside = engine_.Install(opaque);
  EXPECT_FALSE(inside.ok());
  EXPECT_THAT(std::string(inside.message()), HasSubstr("opaque"));
}

TEST_F(RuleEngineModelTest, KindsNeedTheMessageModel) {
  RuleEngine without_model;
  without_model.SetCodec(schema(), nullptr);
  RuleSpec spec = Drop("prepares");
  spec.kinds = {"prepare"};
  absl::Status refused = without_model.Install(spec);
  EXPECT_TRUE(absl::IsInvalidArgument(refused)) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("message model"));
  spec.kinds.clear();
  spec.method = kPrepare;
  EXPECT_TRUE(without_model.Install(spec).ok());
}

TEST_F(RuleEngineModelTest, RoundRangesMatchTheMajorRound) {
  RuleSpec spec = Drop("views-3-4");
  spec.rounds = RoundRange{3, 4};
  ASSERT_TRUE(engine_.Install(spec).ok());
  // The major round is the first component: the view of prepares, the
  // sequence number of checkpoints (whose round has only that).
  EXPECT_TRUE(Dropped(kPrepare, Prepare(1, PhaseBody("prepare", 3, 90, "r1"))));
  EXPECT_TRUE(Dropped(kPrepare, Prepare(1, PhaseBody("prepare", 4, 1, "r1"))));
  EXPECT_FALSE(Dropped(kPrepare, Prepare(1, PhaseBody("prepare", 2, 4, "r1"))));
  EXPECT_FALSE(Dropped(kPrepare, Prepare(1, PhaseBody("prepare", 5, 3, "r1"))));
  pbftlike::CheckpointMsg checkpoint;
  checkpoint.set_sender("r1");
  checkpoint.set_body(R"({"seq": 4})");
  EXPECT_TRUE(Dropped(kCheckpoint, checkpoint.SerializeAsString()));
  // Of the alternatives, the one present counts.
  EXPECT_TRUE(Dropped(kGossip, Gossip(false)));
  // Without the field, or without content to read it from, no round: the
  // message passes.
  pbftlike::PrepareMsg no_view;
  no_view.set_sender("r1");
  no_view.set_body(R"({"seq": 3})");
  EXPECT_FALSE(Dropped(kPrepare, no_view.SerializeAsString()));
  EXPECT_FALSE(Dropped(kPrepare, NotJsonPrepare()));
  // Responses carry no round.
  EXPECT_EQ(ResponseAction(), ActionKind::kPass);
  ASSERT_EQ(engine_.Stats().size(), 1u);
  EXPECT_EQ(engine_.Stats()[0].matched, 4u);
}

TEST_F(RuleEngineModelTest, KindsWithoutRoundNeverMatchARoundRange) {
  MessageModelSpec spec = PbftSpec();
  KindOf(spec, kCommit).round.clear();
  std::shared_ptr<const MessageModel> model = BuildModel(spec);
  ASSERT_NE(model, nullptr);
  RuleEngine engine;
  engine.SetCodec(schema(), model);
  RuleSpec rule = Drop("every-round");
  rule.rounds = RoundRange{INT64_MIN, INT64_MAX};
  ASSERT_TRUE(engine.Install(rule).ok());
  auto dropped = [&](absl::string_view method, std::string bytes) {
    return engine.Process(PeerFrame(method, std::move(bytes), model.get()), kT0).action ==
           ActionKind::kDrop;
  };
  EXPECT_FALSE(dropped(kCommit, BodySigned<pbftlike::CommitMsg>(
                                    "r1", PhaseBody("commit", 3, 18, "r1"), 1)));
  EXPECT_TRUE(dropped(kPrepare, Prepare(1, PhaseBody("prepare", 3, 18, "r1"))));
}

TEST_F(RuleEngineModelTest, RoundRangesAreChecked) {
  RuleSpec spec = Drop("backwards");
  spec.rounds = RoundRange{5, 4};
  absl::Status empty = engine_.Install(spec);
  EXPECT_TRUE(absl::IsInvalidArgument(empty)) << empty;
  EXPECT_THAT(std::string(empty.message()), HasSubstr("5..4 is empty"));

  RuleEngine without_model;
  without_model.SetCodec(schema(), nullptr);
  spec.rounds = RoundRange{4, 5};
  absl::Status no_model = without_model.Install(spec);
  EXPECT_THAT(std::string(no_model.message()), HasSubstr("message model"));

  MessageModelSpec roundless = PbftSpec();
  for (MessageKindSpec& kind : roundless.messages) kind.round.clear();
  std::shared_ptr<const MessageModel> model = BuildModel(roundless);
  ASSERT_NE(model, nullptr);
  RuleEngine without_rounds;
  without_rounds.SetCodec(schema(), model);
  absl::Status none = without_rounds.Install(spec);
  EXPECT_TRUE(absl::IsInvalidArgument(none)) << none;
  EXPECT_THAT(std::string(none.message()), HasSubstr("add `round`"));
}

TEST_F(RuleEngineModelTest, TracksTheHighestMajorRoundOnlyWhenAsked) {
  engine_.Process(PeerFrame(kPrepare, Prepare(1, PhaseBody("prepare", 7, 1, "r1"))), kT0);
  EXPECT_FALSE(engine_.MaxRound().has_value());
  EXPECT_FALSE(engine_.Snapshot()->track_rounds());

  engine_.TrackRounds(true);
  // With no rule installed the snapshot still asks the proxy for frames.
  EXPECT_TRUE(engine_.Snapshot()->track_rounds());
  EXPECT_EQ(engine_.Process(PeerFrame(kPrepare, Prepare(1, PhaseBody("prepare", 5, 1, "r1"))), kT0)
                .action,
            ActionKind::kPass);
  engine_.Process(PeerFrame(kPrepare, Prepare(1, PhaseBody("prepare", 9, 1, "r1"))), kT0);
  engine_.Process(PeerFrame(kPrepare, Prepare(1, PhaseBody("prepare", 6, 1, "r1"))), kT0);
  engine_.Process(PeerFrame(kPrepare, NotJsonPrepare()), kT0);
  EXPECT_EQ(engine_.MaxRound(), std::optional<int64_t>(9));
  // Installing rules keeps tracking on.
  ASSERT_TRUE(engine_.Install(Drop("any")).ok());
  EXPECT_TRUE(engine_.Snapshot()->track_rounds());
}

TEST_F(RuleEngineModelTest, ArchivesEveryRequestOnlyOnceEnabled) {
  RuleSpec replay;
  replay.id = "replay";
  replay.action.kind = ActionKind::kRewrite;
  replay.action.rewriter = "replay";
  replay.action.params = {{"older_than", "20s"}};
  absl::Status refused = engine_.Install(replay);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("archive")) << refused;
  EXPECT_EQ(engine_.Snapshot()->archive(), nullptr);

  engine_.TrackRounds(true);
  engine_.EnableArchive();
  MessageArchive* archive = engine_.Snapshot()->archive();
  ASSERT_NE(archive, nullptr);
  // Dropped or not, what the replica sent is archived, with its round;
  // responses are not.
  ASSERT_TRUE(engine_.Install(Drop("drop-all")).ok());
  engine_.Process(PeerFrame(kPrepare, Prepare(1, PhaseBody("prepare", 7, 1, "r1"))), kT0);
  ResponseAction();
  const ArchiveTotals totals = archive->Totals(kT0);
  EXPECT_EQ(totals.messages, 1u);
  EXPECT_EQ(archive->MaxRound(), std::optional<int64_t>(7));
  ArchiveQuery query;
  query.from = 1;
  query.to = 0;
  query.method = kPrepare;
  std::optional<ArchivedMessage> kept = archive->Oldest(query, kT0);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->round, std::optional<int64_t>(7));

  ASSERT_TRUE(engine_.Remove("drop-all").ok());
  EXPECT_TRUE(engine_.Install(replay).ok());
}

}  // namespace
}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat
