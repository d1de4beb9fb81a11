// Tests of the Byzantine rewriters (equivocate, forge, replay, mutate) on real
// refbft envelopes signed with real keys. Rewriters are built through the
// registry, as the rule engine builds them, so the tests also cover their
// registration and parameter checking.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agents/frame.h"
#include "agents/message_archive.h"
#include "agents/message_codec.h"
#include "agents/message_model.h"
#include "agents/message_rewriter.h"
#include "agents/rule_engine.h"
#include "common/ed25519.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "targets/refbft/refbft.pb.h"
#include "tests/agents/refbft_fixture.h"

namespace turncoat {
namespace agent {
namespace refbft_test {
namespace {

namespace pb = google::protobuf;

class RewritersTest : public RefbftTest {
 public:  // the helpers below are shared with free functions too
  static void SetUpTestSuite() {
    RefbftTest::SetUpTestSuite();
    model_ = new std::shared_ptr<const MessageModel>(BuildModel(/*certificates=*/false));
  }

  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
    RefbftTest::TearDownTestSuite();
  }

  static const MessageModel* model() { return model_->get(); }

  // Where sender, payload and signature are is the message model's
  // business; a rewriter that signs needs only the Byzantine replica's key.
  static RewriterParams KeyParams() { return {{"key", KeyPath(kByzantine)}}; }

  // A rule that pins the envelope type pins refbft's one kind of message.
  static absl::StatusOr<std::unique_ptr<MessageRewriter>> Make(
      const std::string& name, const RewriterParams& params,
      const pb::Descriptor* root = EnvelopeType()) {
    RewriterContext context{&params, codec(), root, model(),
                            root == nullptr ? nullptr : model()->ForMethod(kSend)};
    return RewriterRegistry::Create(name, context);
  }

  static std::unique_ptr<MessageRewriter> MakeOk(
      const std::string& name, const RewriterParams& params,
      const pb::Descriptor* root = EnvelopeType()) {
    auto rewriter = Make(name, params, root);
    EXPECT_TRUE(rewriter.ok()) << rewriter.status();
    return rewriter.ok() ? *std::move(rewriter) : nullptr;
  }

  static Frame PeerFrame(const std::string& bytes, Direction direction = Direction::kRequest) {
    return Frame(1, {1, 0}, kSend, direction, bytes, codec(), nullptr, model());
  }

  // The rewriter's output for `bytes` sent as a peer message on link 1 -> 0.
  static std::vector<std::string> Run(MessageRewriter& rewriter, const std::string& bytes,
                                      Direction direction = Direction::kRequest) {
    Frame frame = PeerFrame(bytes, direction);
    auto out = rewriter.Rewrite(frame);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : std::vector<std::string>{};
  }

  // A proposal with four values and a justification holding one signed vote.
  static refbft::Message Proposal() {
    refbft::Message m;
    refbft::Proposal* p = m.mutable_proposal();
    p->set_height(5);
    p->set_view(2);
    p->mutable_block()->set_height(5);
    for (const char* v : {"a", "b", "c", "d"}) p->mutable_block()->add_values(v);
    refbft::QuorumCert* qc = p->mutable_justify();
    qc->set_phase(refbft::PREPARE);
    qc->set_height(4);
    qc->set_view(1);
    qc->set_block_hash("hash-4");
    *qc->add_votes() = Sealed(Vote(refbft::PREPARE), 2, Key(kHonest));
    return m;
  }

  static refbft::Message Vote(refbft::Phase phase) {
    refbft::Message m;
    m.mutable_vote()->set_phase(phase);
    m.mutable_vote()->set_height(5);
    m.mutable_vote()->set_view(2);
    m.mutable_vote()->set_block_hash("hash-5");
    return m;
  }

  static refbft::Message Forward() {
    refbft::Message m;
    m.mutable_forward()->add_values("x");
    m.mutable_forward()->add_values("y");
    return m;
  }

  // What the Byzantine replica sends honestly.
  static std::string FromByzantine(const refbft::Message& message) {
    return Sealed(message, kByzantine, Key(kByzantine)).SerializeAsString();
  }

  static refbft::Envelope ParseEnvelope(const std::string& bytes) {
    refbft::Envelope env;
    EXPECT_TRUE(env.ParseFromString(bytes));
    return env;
  }
  static refbft::Message ParsePayload(const refbft::Envelope& env) {
    refbft::Message m;
    EXPECT_TRUE(m.ParseFromString(env.payload()));
    return m;
  }

  // Expects building `name` with `params` to fail with a message naming
  // param `param`.
  static void ExpectParamError(const std::string& name, const RewriterParams& params,
                               const std::string& param,
                               const pb::Descriptor* root = EnvelopeType()) {
    auto rewriter = Make(name, params, root);
    ASSERT_FALSE(rewriter.ok()) << name << " accepted a bad '" << param << "'";
    EXPECT_NE(rewriter.status().message().find(absl::StrCat("'", param, "'")),
              std::string::npos)
        << rewriter.status();
    EXPECT_NE(rewriter.status().message().find(absl::StrCat("rewriter '", name, "'")),
              std::string::npos)
        << rewriter.status();
  }

 private:
  static inline std::shared_ptr<const MessageModel>* model_ = nullptr;
};


// ---------------------------------------------------------------- equivocate

RewriterParams EquivocateParams(int variant) {
  RewriterParams p = RewritersTest::KeyParams();
  p["variant"] = absl::StrCat(variant);
  p["clear"] = "proposal.justify";
  return p;
}

TEST_F(RewritersTest, EquivocateDropsLeadingValuesClearsJustifyAndResigns) {
  auto rewriter = MakeOk("equivocate", EquivocateParams(2));
  ASSERT_NE(rewriter, nullptr);
  const std::string original = FromByzantine(Proposal());
  std::vector<std::string> out = Run(*rewriter, original);
  ASSERT_EQ(out.size(), 1u);
  refbft::Envelope env = ParseEnvelope(out[0]);
  EXPECT_EQ(env.sender(), kByzantine);
  refbft::Message m = ParsePayload(env);
  ASSERT_TRUE(m.has_proposal());
  EXPECT_EQ(std::vector<std::string>(m.proposal().block().values().begin(),
                                     m.proposal().block().values().end()),
            (std::vector<std::string>{"c", "d"}));
  EXPECT_FALSE(m.proposal().has_justify());
  EXPECT_EQ(m.proposal().height(), 5u);
  EXPECT_EQ(m.proposal().view(), 2u);
  EXPECT_EQ(m.proposal().block().height(), 5u);
  EXPECT_NE(env.payload(), ParseEnvelope(original).payload());
  EXPECT_TRUE(Public(kByzantine).Verify(env.payload(), env.signature()));

  // A variant beyond the number of values drops them all.
  auto all = MakeOk("equivocate", EquivocateParams(9));
  ASSERT_NE(all, nullptr);
  out = Run(*all, original);
  ASSERT_EQ(out.size(), 1u);
  m = ParsePayload(ParseEnvelope(out[0]));
  EXPECT_EQ(m.proposal().block().values_size(), 0);
  EXPECT_EQ(m.proposal().height(), 5u);
}

TEST_F(RewritersTest, EquivocatePassesVariantZeroAndOtherMessagesUnchanged) {
  auto zero = MakeOk("equivocate", EquivocateParams(0));
  auto two = MakeOk("equivocate", EquivocateParams(2));
  ASSERT_NE(zero, nullptr);
  ASSERT_NE(two, nullptr);
  const std::string proposal = FromByzantine(Proposal());
  EXPECT_EQ(Run(*zero, proposal), std::vector<std::string>{proposal});
  // No values path in a vote or a forward (its values are elsewhere).
  for (const refbft::Message& m : {Vote(refbft::PREPARE), Forward()}) {
    const std::string bytes = FromByzantine(m);
    EXPECT_EQ(Run(*two, bytes), std::vector<std::string>{bytes});
  }
  // Nothing to drop and nothing to clear: the payload would be the same.
  refbft::Message bare;
  bare.mutable_proposal()->set_height(5);
  bare.mutable_proposal()->mutable_block()->set_height(5);
  const std::string bare_bytes = FromByzantine(bare);
  EXPECT_EQ(Run(*two, bare_bytes), std::vector<std::string>{bare_bytes});

  // A rule that pins no type also meets the replies (refbft.Ack): no
  // envelope, so they pass.
  auto untyped = MakeOk("equivocate", EquivocateParams(2), nullptr);
  ASSERT_NE(untyped, nullptr);
  EXPECT_EQ(Run(*untyped, "", Direction::kResponse), std::vector<std::string>{""});
  std::vector<std::string> out = Run(*untyped, proposal);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ParsePayload(ParseEnvelope(out[0])).proposal().block().values_size(), 2);
}

TEST_F(RewritersTest, EquivocateFailsOnFramesThatDoNotDecode) {
  auto rewriter = MakeOk("equivocate", EquivocateParams(1));
  ASSERT_NE(rewriter, nullptr);
  Frame garbage = PeerFrame("\xff\xff\xff");
  EXPECT_FALSE(rewriter->Rewrite(garbage).ok());
  refbft::Envelope bad_payload;
  bad_payload.set_sender(kByzantine);
  bad_payload.set_payload("\xff\xff\xff");
  Frame inner = PeerFrame(bad_payload.SerializeAsString());
  auto out = rewriter->Rewrite(inner);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("does not decode as protobuf refbft.Message"),
            std::string::npos)
      << out.status();
}

TEST_F(RewritersTest, EquivocateChecksItsParams) {
  auto without = [](const char* name) {
    RewriterParams p = EquivocateParams(1);
    p.erase(name);
    return p;
  };
  auto with = [](const char* name, const char* value) {
    RewriterParams p = EquivocateParams(1);
    p[name] = value;
    return p;
  };
  for (const char* name : {"key", "variant"}) {
    ExpectParamError("equivocate", without(name), name);
  }
  ExpectParamError("equivocate", with("key", "/nonexistent/1.key"), "key");
  ExpectParamError("equivocate", with("variant", "-1"), "variant");
  ExpectParamError("equivocate", with("variant", "two"), "variant");
  ExpectParamError("equivocate", with("values", "proposal.block.height"), "values");
  ExpectParamError("equivocate", with("values", "proposal.blok.values"), "values");
  ExpectParamError("equivocate", with("values", "proposal..values"), "values");
  ExpectParamError("equivocate", with("clear", "proposal.justify,proposal.nope"), "clear");
  // Variant 0 never signs, so it needs no key.
  RewriterParams zero = EquivocateParams(0);
  zero.erase("key");
  EXPECT_TRUE(Make("equivocate", zero).ok());
  // The values path defaults to the message model's, but may be given.
  EXPECT_TRUE(Make("equivocate", with("values", "proposal.block.values")).ok());
  // Without the message model nothing can be decoded.
  RewriterParams params = EquivocateParams(1);
  RewriterContext no_model{&params, codec(), nullptr};
  EXPECT_FALSE(RewriterRegistry::Create("equivocate", no_model).ok());
}

// The values of the proposal in `bytes`, and whether it still has its
// justification.
std::vector<std::string> ProposedValues(const std::string& bytes, bool* justified = nullptr) {
  const refbft::Message m = RewritersTest::ParsePayload(RewritersTest::ParseEnvelope(bytes));
  if (justified != nullptr) *justified = m.proposal().has_justify();
  return {m.proposal().block().values().begin(), m.proposal().block().values().end()};
}

TEST_F(RewritersTest, EquivocateVariantsSendsEachVersionOnceInTheGivenOrder) {
  RewriterParams params = EquivocateParams(0);
  params.erase("variant");
  params["variants"] = "0,2,1";
  auto rewriter = MakeOk("equivocate", params);
  ASSERT_NE(rewriter, nullptr);
  const std::string original = FromByzantine(Proposal());
  const std::vector<std::string> out = Run(*rewriter, original);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], original);
  bool justified = true;
  EXPECT_EQ(ProposedValues(out[1], &justified), (std::vector<std::string>{"c", "d"}));
  EXPECT_FALSE(justified);
  EXPECT_EQ(ProposedValues(out[2]), (std::vector<std::string>{"b", "c", "d"}));
  for (const std::string& bytes : out) {
    const refbft::Envelope env = ParseEnvelope(bytes);
    EXPECT_TRUE(Public(kByzantine).Verify(env.payload(), env.signature()));
  }
  // Messages without values are the same in every version: sent once, so
  // hearing every version never duplicates a vote.
  const std::string vote = FromByzantine(Vote(refbft::PREPARE));
  EXPECT_EQ(Run(*rewriter, vote), std::vector<std::string>{vote});
  // Two trims that both empty a short block give one version, not two.
  refbft::Message short_block = Proposal();
  short_block.mutable_proposal()->mutable_block()->clear_values();
  short_block.mutable_proposal()->mutable_block()->add_values("a");
  const std::vector<std::string> trimmed = Run(*rewriter, FromByzantine(short_block));
  ASSERT_EQ(trimmed.size(), 2u);
  EXPECT_EQ(ProposedValues(trimmed[0]), std::vector<std::string>{"a"});
  EXPECT_TRUE(ProposedValues(trimmed[1]).empty());
}

TEST_F(RewritersTest, EquivocateVariantsAreChecked) {
  auto with = [](const char* variants) {
    RewriterParams p = EquivocateParams(0);
    p.erase("variant");
    p["variants"] = variants;
    return p;
  };
  for (const char* bad : {"1,1", "1,x", "-1", "", " , "}) {
    ExpectParamError("equivocate", with(bad), "variants");
  }
  // One of variant and variants, not both.
  RewriterParams both = with("1,0");
  both["variant"] = "1";
  ExpectParamError("equivocate", both, "variants");
  // Sending only the proposal as sent signs nothing, so it needs no key.
  RewriterParams as_sent = with("0");
  as_sent.erase("key");
  EXPECT_TRUE(Make("equivocate", as_sent).ok());
  RewriterParams signs = with("0,1");
  signs.erase("key");
  ExpectParamError("equivocate", signs, "key");
}

// What a proxy sends on one link, recorded in place of a stream.
class RecordingSink : public FrameSink {
 public:
  void Deliver(absl::Duration, std::string bytes, bool) override {
    sent.push_back(std::move(bytes));
  }
  std::vector<std::string> sent;
};

// The rules the `equivocation` adversary installs for Byzantine replica 1
// with split [[0], [2, 3]] and both [3] (tests/adversaries checks that it
// does), through the agent's rule engine: replica 3 hears the proposal as
// sent and the changed one, the others one version each.
TEST_F(RewritersTest, EquivocationThroughTheEngineGivesABothReplicaEveryVersion) {
  RuleEngine engine;
  std::shared_ptr<const MessageModel> model = BuildModel(/*certificates=*/false);
  engine.SetCodec(schema(), model);
  auto rule = [](int to, const char* param, const char* variants) {
    RuleSpec spec;
    spec.id = absl::StrCat("p0-equivocation-to", to);
    spec.from = kByzantine;
    spec.to = to;
    spec.method = kSend;
    spec.direction = Direction::kRequest;
    spec.action.kind = ActionKind::kRewrite;
    spec.action.rewriter = "equivocate";
    spec.action.params = EquivocateParams(0);
    spec.action.params.erase("variant");
    spec.action.params[param] = variants;
    return spec;
  };
  ASSERT_TRUE(engine.Install(rule(2, "variant", "1")).ok());
  ASSERT_TRUE(engine.Install(rule(3, "variants", "1,0")).ok());
  uint64_t id = 1;
  auto send = [&](int to, const std::string& bytes) {
    auto sink = std::make_shared<RecordingSink>();
    Frame frame(id++, {static_cast<int>(kByzantine), to}, kSend, Direction::kRequest, bytes,
                codec(), sink, model.get());
    DeliverAll(engine.Process(std::move(frame), absl::Now()).emits);
    return sink->sent;
  };
  const std::string proposal = FromByzantine(Proposal());
  EXPECT_EQ(send(0, proposal), std::vector<std::string>{proposal});
  const std::vector<std::string> to2 = send(2, proposal);
  ASSERT_EQ(to2.size(), 1u);
  EXPECT_EQ(ProposedValues(to2[0]), (std::vector<std::string>{"b", "c", "d"}));
  const std::vector<std::string> to3 = send(3, proposal);
  ASSERT_EQ(to3.size(), 2u);
  EXPECT_EQ(to3[0], to2[0]) << "the changed version first, as the rule's order says";
  EXPECT_EQ(to3[1], proposal);
  const std::string vote = FromByzantine(Vote(refbft::COMMIT));
  EXPECT_EQ(send(3, vote), std::vector<std::string>{vote});
}

// ---------------------------------------------------------------------- forge

RewriterParams ForgeParams(const std::string& signature) {
  RewriterParams p = RewritersTest::KeyParams();
  p["signature"] = signature;
  p["as"] = "0";
  p["set"] = "vote.phase=COMMIT";
  return p;
}

TEST_F(RewritersTest, ForgeSendsTheOriginalAndOneCopyPerImpersonatedReplica) {
  RewriterParams params = ForgeParams("replayed");
  params["as"] = "0, 2,3";
  params.erase("set");
  auto rewriter = MakeOk("forge", params);
  ASSERT_NE(rewriter, nullptr);
  const std::string original = FromByzantine(Vote(refbft::PREPARE));
  const refbft::Envelope sent = ParseEnvelope(original);
  std::vector<std::string> out = Run(*rewriter, original);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], original);
  const uint32_t senders[] = {0, 2, 3};
  for (size_t i = 1; i < out.size(); ++i) {
    refbft::Envelope env = ParseEnvelope(out[i]);
    EXPECT_EQ(env.sender(), senders[i - 1]);
    EXPECT_EQ(env.payload(), sent.payload());  // no `set`: the very same bytes
    EXPECT_EQ(env.signature(), sent.signature());
  }

  params["keep_original"] = "false";
  auto forged_only = MakeOk("forge", params);
  ASSERT_NE(forged_only, nullptr);
  out = Run(*forged_only, original);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(ParseEnvelope(out[0]).sender(), 0u);
}

TEST_F(RewritersTest, ForgeSignatureKindsHaveExactlyTheirProperty) {
  const std::string original = FromByzantine(Vote(refbft::PREPARE));
  const refbft::Envelope sent = ParseEnvelope(original);
  const Ed25519PublicKey byzantine = Public(kByzantine);
  const Ed25519PublicKey impersonated = Public(kHonest);

  // Each kind's forged copy (as replica 0, vote turned into a COMMIT vote).
  auto forge = [&](const std::string& kind) {
    auto rewriter = MakeOk("forge", ForgeParams(kind));
    EXPECT_NE(rewriter, nullptr);
    if (rewriter == nullptr) return refbft::Envelope();
    std::vector<std::string> out = Run(*rewriter, original);
    EXPECT_EQ(out.size(), 2u);
    if (out.size() != 2u) return refbft::Envelope();
    EXPECT_EQ(out[0], original);
    refbft::Envelope env = ParseEnvelope(out[1]);
    EXPECT_EQ(env.sender(), kHonest);
    refbft::Message m = ParsePayload(env);
    EXPECT_EQ(m.vote().phase(), refbft::COMMIT) << kind;
    EXPECT_EQ(m.vote().height(), 5u);
    EXPECT_EQ(m.vote().view(), 2u);
    EXPECT_EQ(m.vote().block_hash(), "hash-5");
    return env;
  };

  refbft::Envelope random = forge("random");
  EXPECT_EQ(random.signature().size(), 64u);
  EXPECT_FALSE(impersonated.Verify(random.payload(), random.signature()));
  EXPECT_FALSE(byzantine.Verify(random.payload(), random.signature()));

  refbft::Envelope empty = forge("empty");
  EXPECT_TRUE(empty.signature().empty());

  refbft::Envelope signed_byzantine = forge("byzantine");
  EXPECT_TRUE(byzantine.Verify(signed_byzantine.payload(), signed_byzantine.signature()));
  EXPECT_FALSE(
      impersonated.Verify(signed_byzantine.payload(), signed_byzantine.signature()));

  refbft::Envelope other = forge("other-content");
  EXPECT_NE(other.payload(), sent.payload());
  EXPECT_TRUE(byzantine.Verify(sent.payload(), other.signature()));
  EXPECT_FALSE(byzantine.Verify(other.payload(), other.signature()));
  EXPECT_FALSE(impersonated.Verify(other.payload(), other.signature()));

  refbft::Envelope replayed = forge("replayed");
  EXPECT_EQ(replayed.signature(), sent.signature());
  EXPECT_FALSE(byzantine.Verify(replayed.payload(), replayed.signature()));
}

TEST_F(RewritersTest, ForgeRandomSignaturesDifferPerCopyAndFollowTheSeed) {
  RewriterParams params = ForgeParams("random");
  params["as"] = "0,2";
  params["seed"] = "42";
  auto a = MakeOk("forge", params);
  auto b = MakeOk("forge", params);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::string original = FromByzantine(Vote(refbft::PREPARE));
  std::vector<std::string> out_a = Run(*a, original);
  ASSERT_EQ(out_a.size(), 3u);
  EXPECT_NE(ParseEnvelope(out_a[1]).signature(), ParseEnvelope(out_a[2]).signature());
  EXPECT_EQ(Run(*b, original), out_a);
}

// mutate: true moves one integer or enum field of the forged copies by
// one, as the mutate rewriter does: over many votes, each of height, view
// and phase moves, one at a time, and nothing else changes.
TEST_F(RewritersTest, ForgeWithMutateMovesOneIntegerFieldOfTheCopies) {
  RewriterParams params = ForgeParams("byzantine");
  params.erase("set");
  params["mutate"] = "true";
  params["seed"] = "7";
  auto rewriter = MakeOk("forge", params);
  ASSERT_NE(rewriter, nullptr);
  const std::string original = FromByzantine(Vote(refbft::PREPARE));
  std::set<std::string> moved;
  for (int i = 0; i < 60; ++i) {
    std::vector<std::string> out = Run(*rewriter, original);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0], original);
    refbft::Envelope env = ParseEnvelope(out[1]);
    EXPECT_EQ(env.sender(), kHonest);
    const refbft::Vote v = ParsePayload(env).vote();
    int changes = 0;
    if (v.height() != 5u) { ++changes; moved.insert("height"); }
    if (v.view() != 2u) { ++changes; moved.insert("view"); }
    if (v.phase() != refbft::PREPARE) { ++changes; moved.insert("phase"); }
    EXPECT_EQ(v.block_hash(), "hash-5");
    EXPECT_LE(changes, 1);
  }
  EXPECT_TRUE(moved.count("phase") == 1 && moved.count("height") == 1 && moved.count("view") == 1)
      << moved.size();
}

TEST_F(RewritersTest, ForgePassesMessagesThatLackTheSetPath) {
  auto rewriter = MakeOk("forge", ForgeParams("byzantine"));
  ASSERT_NE(rewriter, nullptr);
  const std::string proposal = FromByzantine(Proposal());
  EXPECT_EQ(Run(*rewriter, proposal), std::vector<std::string>{proposal});
}

TEST_F(RewritersTest, ForgeChecksItsParams) {
  auto without = [](const char* name) {
    RewriterParams p = ForgeParams("byzantine");
    p.erase(name);
    return p;
  };
  auto with = [](const char* name, const char* value) {
    RewriterParams p = ForgeParams("byzantine");
    p[name] = value;
    return p;
  };
  for (const char* name : {"as", "signature", "key"}) {
    ExpectParamError("forge", without(name), name);
  }
  ExpectParamError("forge", with("as", ""), "as");
  ExpectParamError("forge", with("as", "0,x"), "as");
  ExpectParamError("forge", with("as", "-1"), "as");
  ExpectParamError("forge", with("as", "4"), "as");  // a cluster of four: 0..3
  ExpectParamError("forge", with("signature", "forged"), "signature");
  ExpectParamError("forge", with("key", "/nonexistent/1.key"), "key");
  ExpectParamError("forge", with("set", "vote.phase=DECIDED"), "set");
  ExpectParamError("forge", with("set", "vote.phase"), "set");
  ExpectParamError("forge", with("set", "vote.nope=1"), "set");
  ExpectParamError("forge", with("set", "vote=1"), "set");
  ExpectParamError("forge", with("keep_original", "maybe"), "keep_original");
  ExpectParamError("forge", with("mutate", "maybe"), "mutate");
  ExpectParamError("forge", with("seed", "-1"), "seed");
  // Kinds that do not sign need no key.
  for (const char* kind : {"random", "empty", "replayed"}) {
    RewriterParams p = ForgeParams(kind);
    p.erase("key");
    EXPECT_TRUE(Make("forge", p).ok()) << kind;
  }
}

// --------------------------------------------------------------------- replay

TEST_F(RewritersTest, ReplaySendsEachEarlierFrameOnceInOrder) {
  auto rewriter = MakeOk("replay", {{"after", "0s"}});
  ASSERT_NE(rewriter, nullptr);
  EXPECT_EQ(Run(*rewriter, "a"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Run(*rewriter, "b"), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(Run(*rewriter, "c"), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(Run(*rewriter, "d"), (std::vector<std::string>{"d", "c"}));
}

TEST_F(RewritersTest, ReplayWaitsUntilFramesAreOldEnough) {
  auto rewriter = MakeOk("replay", {{"after", "1h"}});
  ASSERT_NE(rewriter, nullptr);
  for (const char* bytes : {"a", "b", "c"}) {
    EXPECT_EQ(Run(*rewriter, bytes), (std::vector<std::string>{bytes}));
  }
}

TEST_F(RewritersTest, ReplayPoolsAreSharedByName) {
  const std::string pool = absl::StrCat("shared-", ::testing::UnitTest::GetInstance()->random_seed());
  auto on_link_a = MakeOk("replay", {{"after", "0s"}, {"pool", pool}});
  auto on_link_b = MakeOk("replay", {{"after", "0s"}, {"pool", pool}});
  auto apart = MakeOk("replay", {{"after", "0s"}});
  ASSERT_NE(on_link_a, nullptr);
  ASSERT_NE(on_link_b, nullptr);
  ASSERT_NE(apart, nullptr);
  EXPECT_EQ(Run(*on_link_a, "a"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Run(*on_link_b, "b"), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(Run(*on_link_a, "c"), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(Run(*apart, "d"), (std::vector<std::string>{"d"}));
  EXPECT_EQ(Run(*on_link_b, "e"), (std::vector<std::string>{"e", "c"}));
}

TEST_F(RewritersTest, ReplayForgetsTheOldestBeyondMaxStored) {
  const std::string pool = "bounded";
  auto recorder = MakeOk("replay", {{"after", "1h"}, {"pool", pool}, {"max_stored", "2"}});
  auto replayer = MakeOk("replay", {{"after", "0s"}, {"pool", pool}});
  ASSERT_NE(recorder, nullptr);
  ASSERT_NE(replayer, nullptr);
  for (const char* bytes : {"a", "b", "c"}) Run(*recorder, bytes);
  EXPECT_EQ(Run(*replayer, "d"), (std::vector<std::string>{"d", "b"}));
}

TEST_F(RewritersTest, ReplayChecksItsParams) {
  ExpectParamError("replay", {}, "after");
  ExpectParamError("replay", {{"after", "soon"}}, "after");
  ExpectParamError("replay", {{"after", "-1s"}}, "after");
  ExpectParamError("replay", {{"after", "1s"}, {"max_stored", "0"}}, "max_stored");
  ExpectParamError("replay", {{"after", "1s"}, {"max_stored", "many"}}, "max_stored");
  // Bytes are replayed as they are: no schema needed.
  RewriterParams params = {{"after", "500ms"}};
  RewriterContext no_codec{&params, nullptr, nullptr};
  EXPECT_TRUE(RewriterRegistry::Create("replay", no_codec).ok());
}

// A replay rewriter drawing on `archive`, on refbft's Send.
absl::StatusOr<std::unique_ptr<MessageRewriter>> FromArchive(
    const RewriterParams& params, std::shared_ptr<MessageArchive> archive) {
  RewriterContext context{&params, RewritersTest::codec(), RewritersTest::EnvelopeType(),
                          RewritersTest::model(),
                          RewritersTest::model()->ForMethod(kSend), std::move(archive)};
  return RewriterRegistry::Create("replay", context);
}

TEST_F(RewritersTest, ArchiveReplayWalksForwardThroughOldMessagesOnce) {
  auto archive = std::make_shared<MessageArchive>();
  const absl::Time now = absl::Now();
  // Link 1 -> 0 (where Run sends) and 1 -> 2, a minute and a few seconds back.
  archive->Record({1, 0}, kSend, now - absl::Seconds(60), "a", 10);
  archive->Record({1, 2}, kSend, now - absl::Seconds(50), "other-link", 11);
  archive->Record({1, 0}, kSend, now - absl::Seconds(40), "b", 12);
  archive->Record({1, 0}, kSend, now - absl::Seconds(5), "too-young", 90);
  auto same = FromArchive({{"older_than", "20s"}}, archive);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(Run(**same, "x"), (std::vector<std::string>{"x", "a"}));
  EXPECT_EQ(Run(**same, "y"), (std::vector<std::string>{"y", "b"}));
  EXPECT_EQ(Run(**same, "z"), (std::vector<std::string>{"z"}));
  const std::map<std::string, int64_t> counters = (*same)->Counters();
  EXPECT_EQ(counters.at("replayed"), 2);
  EXPECT_GE(counters.at("replayed age ms min"), 40'000);
  EXPECT_GE(counters.at("replayed age ms max"), 60'000);
  EXPECT_EQ(counters.at("replayed rounds behind min"), 90 - 12);
  EXPECT_EQ(counters.at("replayed rounds behind max"), 90 - 10);

  auto any = FromArchive({{"older_than", "20s"}, {"links", "any"}}, archive);
  ASSERT_TRUE(any.ok()) << any.status();
  EXPECT_EQ(Run(**any, "x"), (std::vector<std::string>{"x", "a"}));
  EXPECT_EQ(Run(**any, "y"), (std::vector<std::string>{"y", "other-link"}));
  EXPECT_EQ(Run(**any, "z"), (std::vector<std::string>{"z", "b"}));
}

TEST_F(RewritersTest, ArchiveReplayByRoundsAgo) {
  auto archive = std::make_shared<MessageArchive>();
  const absl::Time now = absl::Now();
  archive->Record({1, 0}, kSend, now - absl::Seconds(3), "round-40", 40);
  archive->Record({1, 0}, kSend, now - absl::Seconds(2), "round-60", 60);
  archive->Record({1, 0}, kSend, now - absl::Seconds(1), "round-100", 100);
  auto rewriter = FromArchive({{"rounds_ago", "50"}}, archive);
  ASSERT_TRUE(rewriter.ok()) << rewriter.status();
  EXPECT_EQ(Run(**rewriter, "x"), (std::vector<std::string>{"x", "round-40"}));
  EXPECT_EQ(Run(**rewriter, "y"), (std::vector<std::string>{"y"}));
  EXPECT_EQ((*rewriter)->Counters().at("replayed rounds behind min"), 60);
}

TEST_F(RewritersTest, ArchiveReplaySharesHowFarItGotByPool) {
  auto archive = std::make_shared<MessageArchive>();
  const absl::Time now = absl::Now();
  archive->Record({1, 0}, kSend, now - absl::Seconds(30), "a", std::nullopt);
  archive->Record({1, 0}, kSend, now - absl::Seconds(25), "b", std::nullopt);
  const RewriterParams params = {{"older_than", "20s"}, {"pool", "archive-walk"}};
  auto first = FromArchive(params, archive);
  auto second = FromArchive(params, archive);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(Run(**first, "x"), (std::vector<std::string>{"x", "a"}));
  EXPECT_EQ(Run(**second, "y"), (std::vector<std::string>{"y", "b"}));
  EXPECT_EQ(Run(**first, "z"), (std::vector<std::string>{"z"}));
}

TEST_F(RewritersTest, ArchiveReplayChecksItsParams) {
  auto archive = std::make_shared<MessageArchive>();
  const auto error = [&](const RewriterParams& params) {
    auto rewriter = FromArchive(params, archive);
    return rewriter.ok() ? std::string("accepted") : std::string(rewriter.status().message());
  };
  EXPECT_NE(error({{"older_than", "soon"}}).find("'older_than'"), std::string::npos);
  EXPECT_NE(error({{"older_than", "0s"}}).find("'older_than'"), std::string::npos);
  EXPECT_NE(error({{"older_than", "20s"}, {"after", "1s"}}).find("'after'"), std::string::npos);
  EXPECT_NE(error({{"rounds_ago", "0"}}).find("rounds_ago"), std::string::npos);
  EXPECT_NE(error({{"older_than", "20s"}, {"links", "some"}}).find("'links'"), std::string::npos);
  EXPECT_EQ(error({{"older_than", "20s"}, {"rounds_ago", "5"}}), "accepted");
  // Without an archive there is nothing to replay from, which must not pass
  // silently as a replay that never fires.
  auto none = FromArchive({{"older_than", "20s"}}, nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("archive"), std::string::npos);
}

// --------------------------------------------------------------------- mutate

// One scalar that differs between two messages of the same type.
struct Change {
  std::string path;
  const pb::FieldDescriptor* field;
  std::string before;
  std::string after;
};

std::string ValueText(const pb::Message& m, const pb::FieldDescriptor* f, int index) {
  std::string text;
  pb::TextFormat::PrintFieldValueToString(m, f, index, &text);
  return text;
}

// Every scalar (and repeated element) that differs between `a` and `b`,
// descending into sub-messages; bytes that embed messages count as bytes.
void Diff(const pb::Message& a, const pb::Message& b, const std::string& prefix,
          std::vector<Change>* out) {
  const pb::Descriptor* type = a.GetDescriptor();
  const pb::Reflection* r = a.GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const pb::FieldDescriptor* f = type->field(i);
    const std::string path = prefix + f->name();
    const bool message = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
    if (f->is_repeated()) {
      const int n = r->FieldSize(a, f);
      if (n != r->FieldSize(b, f)) {
        out->push_back({path, f, absl::StrCat(n, " elements"),
                        absl::StrCat(r->FieldSize(b, f), " elements")});
        continue;
      }
      for (int k = 0; k < n; ++k) {
        if (message) {
          Diff(r->GetRepeatedMessage(a, f, k), r->GetRepeatedMessage(b, f, k),
               absl::StrCat(path, "[", k, "]."), out);
        } else if (ValueText(a, f, k) != ValueText(b, f, k)) {
          out->push_back({absl::StrCat(path, "[", k, "]"), f, ValueText(a, f, k),
                          ValueText(b, f, k)});
        }
      }
    } else if (message) {
      if (r->HasField(a, f) != r->HasField(b, f)) {
        out->push_back({path, f, r->HasField(a, f) ? "set" : "unset",
                        r->HasField(b, f) ? "set" : "unset"});
      } else if (r->HasField(a, f)) {
        Diff(r->GetMessage(a, f), r->GetMessage(b, f), path + ".", out);
      }
    } else if (ValueText(a, f, -1) != ValueText(b, f, -1)) {
      out->push_back({path, f, ValueText(a, f, -1), ValueText(b, f, -1)});
    }
  }
}

// Expects `change` to be an integer moved by one or an enum moved to the next
// declared value.
void ExpectOneStep(const Change& change) {
  const pb::FieldDescriptor* f = change.field;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      int64_t before, after;
      ASSERT_TRUE(absl::SimpleAtoi(change.before, &before)) << change.before;
      ASSERT_TRUE(absl::SimpleAtoi(change.after, &after)) << change.after;
      EXPECT_EQ(std::abs(after - before), 1) << change.path;
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* before = f->enum_type()->FindValueByName(change.before);
      ASSERT_NE(before, nullptr) << change.before;
      const int next = (before->index() + 1) % f->enum_type()->value_count();
      EXPECT_EQ(change.after, f->enum_type()->value(next)->name()) << change.path;
      break;
    }
    default:
      ADD_FAILURE() << "mutated " << change.path << ", a " << f->type_name()
                    << " field, from " << change.before << " to " << change.after;
  }
}

RewriterParams MutateParams(int seed) {
  RewriterParams p = RewritersTest::KeyParams();
  p["seed"] = absl::StrCat(seed);
  return p;
}

TEST_F(RewritersTest, MutateMovesExactlyOneIntegerOrEnumFieldByOneStep) {
  const std::string original = FromByzantine(Proposal());
  const refbft::Message sent = Proposal();
  std::set<std::string> mutated;
  for (int seed = 1; seed <= 40; ++seed) {
    auto rewriter = MakeOk("mutate", MutateParams(seed));
    ASSERT_NE(rewriter, nullptr);
    std::vector<std::string> out = Run(*rewriter, original);
    ASSERT_EQ(out.size(), 1u);
    refbft::Envelope env = ParseEnvelope(out[0]);
    EXPECT_EQ(env.sender(), kByzantine);
    EXPECT_TRUE(Public(kByzantine).Verify(env.payload(), env.signature())) << seed;
    std::vector<Change> changes;
    Diff(sent, ParsePayload(env), "", &changes);
    ASSERT_EQ(changes.size(), 1u) << "seed " << seed;
    ExpectOneStep(changes[0]);
    mutated.insert(changes[0].path);
  }
  // Any set integer or enum can be picked, at any depth: the proposal's
  // heights and view, the certificate's phase, height and view, and the
  // sender of the vote inside it. (Unset fields, such as the vote's own
  // phase inside its bytes payload, are out of reach.)
  EXPECT_GE(mutated.size(), 5u);
  EXPECT_TRUE(mutated.count("proposal.justify.votes[0].sender")) << mutated.size();
  EXPECT_TRUE(mutated.count("proposal.justify.phase"));
}

TEST_F(RewritersTest, MutateIsDeterministicForASeed) {
  auto a = MakeOk("mutate", MutateParams(7));
  auto b = MakeOk("mutate", MutateParams(7));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::set<std::string> outputs;
  for (int i = 0; i < 10; ++i) {
    const std::string original = FromByzantine(Proposal());
    std::vector<std::string> out = Run(*a, original);
    EXPECT_EQ(Run(*b, original), out);
    ASSERT_EQ(out.size(), 1u);
    outputs.insert(out[0]);
  }
  // The generator advances: the same frame is not mutated the same way each time.
  EXPECT_GT(outputs.size(), 1u);
}

TEST_F(RewritersTest, MutatePassesMessagesWithoutIntegersOrEnums) {
  auto rewriter = MakeOk("mutate", MutateParams(1));
  ASSERT_NE(rewriter, nullptr);
  // A forward carries client values only, which must stay as submitted.
  const std::string forward = FromByzantine(Forward());
  EXPECT_EQ(Run(*rewriter, forward), std::vector<std::string>{forward});
  // A vote whose only set field is its phase: the phase moves to the next one.
  refbft::Message vote;
  vote.mutable_vote()->set_phase(refbft::PRE_COMMIT);
  vote.mutable_vote()->set_block_hash("hash");
  std::vector<std::string> out = Run(*rewriter, FromByzantine(vote));
  ASSERT_EQ(out.size(), 1u);
  refbft::Message m = ParsePayload(ParseEnvelope(out[0]));
  EXPECT_EQ(m.vote().phase(), refbft::COMMIT);
  EXPECT_EQ(m.vote().block_hash(), "hash");
  // The last phase wraps around to the first declared value.
  vote.mutable_vote()->set_phase(refbft::COMMIT);
  out = Run(*rewriter, FromByzantine(vote));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ParsePayload(ParseEnvelope(out[0])).vote().phase(), refbft::PHASE_UNSPECIFIED);
}

TEST_F(RewritersTest, MutateChecksItsParams) {
  RewriterParams no_key = MutateParams(1);
  no_key.erase("key");
  ExpectParamError("mutate", no_key, "key");
  RewriterParams bad_seed = MutateParams(1);
  bad_seed["seed"] = "abc";
  ExpectParamError("mutate", bad_seed, "seed");
  Frame garbage = PeerFrame("\xff\xff\xff");
  auto rewriter = MakeOk("mutate", MutateParams(1));
  ASSERT_NE(rewriter, nullptr);
  EXPECT_FALSE(rewriter->Rewrite(garbage).ok());
}

}  // namespace
}  // namespace refbft_test
}  // namespace agent
}  // namespace turncoat
