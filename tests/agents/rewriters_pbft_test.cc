// The Byzantine rewriters (forge, equivocate, mutate, splice, set_field) on
// the pbft-like schema: string replica ids, JSON bodies, ECDSA P-256 with
// DER signatures, and the other layouts of pbftlike.proto. Rewriters are
// built through the registry, as the rule engine builds them, and every
// signature they make is verified with the public key over exactly what the
// model says it covers.
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agents/json_tree.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agents/pbftlike_fixture.h"

namespace turncoat {
namespace agent {
namespace pbftlike_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr SignatureEncoding kDer = SignatureEncoding::kDer;

template <typename M>
M ParseAs(const std::string& bytes) {
  M m;
  EXPECT_TRUE(m.ParseFromString(bytes));
  return m;
}

// Every scalar of a JSON document with its path, in document order.
void Flatten(const Json& v, const std::string& path,
             std::vector<std::pair<std::string, Json>>* out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      Flatten(it.value(), path.empty() ? it.key() : absl::StrCat(path, ".", it.key()), out);
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) Flatten(v[i], absl::StrCat(path, "[", i, "]"), out);
  } else {
    out->emplace_back(path, v);
  }
}

class RewritersPbftTest : public PbftLikeTest {
 protected:
  static RewriterParams KeyParams() { return {{"key", keys().path(kByzantine)}}; }

  static RewriterParams ForgeParams(const std::string& signature) {
    RewriterParams p = KeyParams();
    p["signature"] = signature;
    p["as"] = "0";
    return p;
  }

  // Expects building `name` with `params` for a rule pinning `method` to
  // fail, naming the rewriter and `what`.
  static void ExpectCreateError(const std::string& name, const RewriterParams& params,
                                absl::string_view method, const std::string& what,
                                const MessageModel* model = nullptr) {
    auto rewriter = MakeRewriter(name, params, method, model);
    ASSERT_FALSE(rewriter.ok()) << name << " accepted params for " << method;
    EXPECT_THAT(std::string(rewriter.status().message()), HasSubstr("rewriter '" + name + "'"));
    EXPECT_THAT(std::string(rewriter.status().message()), HasSubstr(what));
  }

  // A prepare (or commit) body with its own digest, so two differ.
  static Json Phase(absl::string_view type, int view, int seq) {
    Json body = PhaseBody(type, view, seq, "r1");
    body["digest"] = absl::StrCat("d", seq);
    return body;
  }

  static std::string Commit(int replica, const Json& body) {
    return BodySigned<pbftlike::CommitMsg>(absl::StrCat("r", replica), body, replica);
  }

  static std::string Gossip(uint64_t view, uint64_t seq, const std::vector<std::string>& ops) {
    pbftlike::GossipMsg m;
    m.set_sender("r1");
    m.mutable_batch()->set_view(view);
    m.mutable_batch()->set_seq(seq);
    for (const std::string& op : ops) m.mutable_batch()->add_requests()->set_op(op);
    m.set_sig(Sign(m.SerializeAsString(), kByzantine));
    return m.SerializeAsString();
  }

  // True if the gossip's signature is the Byzantine replica's over the
  // message with the signature cleared.
  static bool GossipVerifies(const pbftlike::GossipMsg& m) {
    pbftlike::GossipMsg cleared = m;
    cleared.clear_sig();
    return keys().pub(kByzantine).Verify(cleared.SerializeAsString(), m.sig(), kDer);
  }

  static std::string Blob(uint64_t seq, const std::string& data) {
    pbftlike::BlobMsg m;
    m.set_sender("r1");
    m.set_data(data);
    m.set_sig(Sign(data, kByzantine));
    m.set_seq(seq);
    return m.SerializeAsString();
  }

  static std::string UniquePool() {
    static int next = 0;
    return absl::StrCat("pbft-pool-", ++next);
  }
};

// ---------------------------------------------------------------------- forge

TEST_F(RewritersPbftTest, ForgeSignatureKindsOnEcdsaDer) {
  const Json body = PrePrepareBody(3, 17, {"set v1 1", "set v2 2"});
  const std::string original = PrePrepare(kByzantine, body);
  const auto sent = ParseAs<pbftlike::PrePrepareMsg>(original);
  Json changed = body;
  changed["view"] = 9;
  const std::string new_body = Compact(changed);
  const PublicKey& byzantine = keys().pub(kByzantine);
  const PublicKey& impersonated = keys().pub(kHonest);

  // Each kind's forged copy: the pre-prepare of view 9, claimed by r0.
  auto forge = [&](const std::string& kind) {
    RewriterParams params = ForgeParams(kind);
    params["set"] = "view=9";
    auto rewriter = MustMake("forge", params, kPrePrepare);
    if (rewriter == nullptr) return pbftlike::PrePrepareMsg();
    std::vector<std::string> out = Run(*rewriter, kPrePrepare, original);
    EXPECT_EQ(out.size(), 2u) << kind;
    if (out.size() != 2u) return pbftlike::PrePrepareMsg();
    EXPECT_EQ(out[0], original);
    auto forged = ParseAs<pbftlike::PrePrepareMsg>(out[1]);
    EXPECT_EQ(forged.sender(), "r0") << kind;
    EXPECT_EQ(forged.body(), new_body) << kind;
    return forged;
  };

  auto random = forge("random");
  EXPECT_EQ(random.sig().size(), 71u);  // as long as a usual DER signature
  EXPECT_FALSE(impersonated.Verify(random.body(), random.sig(), kDer));
  EXPECT_FALSE(byzantine.Verify(random.body(), random.sig(), kDer));

  auto wrong_length = forge("wrong-length");
  EXPECT_EQ(wrong_length.sig().size(), 70u);

  EXPECT_EQ(forge("empty").sig(), "");

  auto signed_byzantine = forge("byzantine");
  EXPECT_TRUE(byzantine.Verify(new_body, signed_byzantine.sig(), kDer));
  EXPECT_FALSE(impersonated.Verify(new_body, signed_byzantine.sig(), kDer));

  auto other = forge("other-content");
  EXPECT_TRUE(byzantine.Verify(sent.body(), other.sig(), kDer));
  EXPECT_FALSE(byzantine.Verify(new_body, other.sig(), kDer));

  auto replayed = forge("replayed");
  EXPECT_EQ(replayed.sig(), sent.sig());
}

TEST_F(RewritersPbftTest, ForgeClaimsEachReplicaByItsStringId) {
  const std::string original = Prepare(kByzantine, Phase("prepare", 3, 17));
  RewriterParams params = ForgeParams("replayed");
  params["as"] = "0, 2,3";
  auto rewriter = MustMake("forge", params, kPrepare);
  ASSERT_NE(rewriter, nullptr);
  std::vector<std::string> out = Run(*rewriter, kRetransmitPrepare, original);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], original);
  const auto sent = ParseAs<pbftlike::PrepareMsg>(original);
  const char* senders[] = {"r0", "r2", "r3"};
  for (size_t i = 1; i < out.size(); ++i) {
    auto forged = ParseAs<pbftlike::PrepareMsg>(out[i]);
    EXPECT_EQ(forged.sender(), senders[i - 1]);
    EXPECT_EQ(forged.body(), sent.body());  // no `set`: not re-encoded
    EXPECT_EQ(forged.sig(), sent.sig());
  }

  params["keep_original"] = "false";
  auto only_forged = MustMake("forge", params, kPrepare);
  ASSERT_NE(only_forged, nullptr);
  out = Run(*only_forged, kPrepare, original);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(ParseAs<pbftlike::PrepareMsg>(out[0]).sender(), "r0");
}

TEST_F(RewritersPbftTest, ForgeWritesASenderThatLivesInTheBody) {
  Json body{
      {"type", "view-change"}, {"replica", "r1"}, {"new_view", 4}, {"prepared", Json::array()}};
  pbftlike::ViewChangeMsg m;
  m.set_body(Compact(body));
  m.set_sig(Sign(m.body(), kByzantine));
  auto rewriter = MustMake("forge", ForgeParams("byzantine"), kViewChange);
  ASSERT_NE(rewriter, nullptr);
  std::vector<std::string> out = Run(*rewriter, kViewChange, m.SerializeAsString());
  ASSERT_EQ(out.size(), 2u);
  auto forged = ParseAs<pbftlike::ViewChangeMsg>(out[1]);
  EXPECT_EQ(forged.body(), R"({"type":"view-change","replica":"r0","new_view":4,"prepared":[]})");
  EXPECT_TRUE(keys().pub(kByzantine).Verify(forged.body(), forged.sig(), kDer));
}

TEST_F(RewritersPbftTest, ForgeSendsUnsignedMessagesWithoutTouchingASignature) {
  pbftlike::StatusMsg status;
  status.set_sender("r1");
  status.set_body(R"({"Alive":{"view":3}})");
  const std::string original = status.SerializeAsString();
  RewriterParams params = ForgeParams("random");
  params["as"] = "0,2";
  auto rewriter = MustMake("forge", params, kStatus);
  ASSERT_NE(rewriter, nullptr);
  std::vector<std::string> out = Run(*rewriter, kStatus, original);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(ParseAs<pbftlike::StatusMsg>(out[1]).sender(), "r0");
  EXPECT_EQ(ParseAs<pbftlike::StatusMsg>(out[2]).sender(), "r2");
  EXPECT_EQ(ParseAs<pbftlike::StatusMsg>(out[2]).body(), status.body());

  // A target that does not sign prepares: whatever the field holds stays.
  MessageModelSpec spec = PbftSpec();
  KindOf(spec, kPrepare).signature.clear();
  KindOf(spec, kPrepare).signature_covers.clear();
  std::shared_ptr<const MessageModel> unsigned_prepares = BuildModel(spec);
  ASSERT_NE(unsigned_prepares, nullptr);
  const std::string prepare = Prepare(kByzantine, Phase("prepare", 3, 17));
  for (const char* kind : {"random", "empty", "byzantine"}) {
    params = ForgeParams(kind);
    params["set"] = "seq=18";
    auto forge = MustMake("forge", params, kPrepare, unsigned_prepares.get());
    ASSERT_NE(forge, nullptr);
    out = Run(*forge, kPrepare, prepare, unsigned_prepares.get());
    ASSERT_EQ(out.size(), 2u);
    auto forged = ParseAs<pbftlike::PrepareMsg>(out[1]);
    EXPECT_EQ(forged.sender(), "r0");
    EXPECT_EQ(Json::parse(forged.body())["seq"], 18);
    EXPECT_EQ(forged.sig(), ParseAs<pbftlike::PrepareMsg>(prepare).sig()) << kind;
  }
}

TEST_F(RewritersPbftTest, ForgeNeedsASenderField) {
  MessageModelSpec spec = PbftSpec();
  KindOf(spec, kBlob).sender.clear();
  std::shared_ptr<const MessageModel> link = BuildModel(spec);
  ASSERT_NE(link, nullptr);
  ExpectCreateError("forge", ForgeParams("random"), kBlob, "no sender field", link.get());
  // A rule that pins no kind meets it at run time: a rewrite error.
  auto any = MustMake("forge", ForgeParams("random"), "", link.get());
  ASSERT_NE(any, nullptr);
  Frame frame = PeerFrame(kBlob, Blob(1, "x"), link.get());
  auto out = any->Rewrite(frame);
  EXPECT_TRUE(absl::IsFailedPrecondition(out.status())) << out.status();
}

TEST_F(RewritersPbftTest, ForgeSetOnJsonIsCheckedWhenTheMessageIsSeen) {
  const std::string original = PrePrepare(kByzantine, PrePrepareBody(3, 17, {"a"}));
  // No such member: another kind of message, which passes unchanged.
  RewriterParams absent = ForgeParams("byzantine");
  absent["set"] = "new_view=5";
  auto passes = MustMake("forge", absent, kPrePrepare);
  ASSERT_NE(passes, nullptr);
  EXPECT_THAT(Run(*passes, kPrePrepare, original), ElementsAre(original));
  // A value that does not fit: a rewrite error, counted by the engine.
  RewriterParams bad = ForgeParams("byzantine");
  bad["set"] = "view=three";
  auto fails = MustMake("forge", bad, kPrePrepare);
  ASSERT_NE(fails, nullptr);
  Frame frame = PeerFrame(kPrePrepare, original);
  EXPECT_TRUE(absl::IsInvalidArgument(fails->Rewrite(frame).status()));
}

TEST_F(RewritersPbftTest, ForgeChecksItsParams) {
  RewriterParams params = ForgeParams("byzantine");
  params["as"] = "4";
  ExpectCreateError("forge", params, kPrePrepare, "no replica 4 (the cluster has 4)");
  params["as"] = "1,r2";
  ExpectCreateError("forge", params, kPrePrepare, "'as'");
  params = ForgeParams("byzantine");
  params["key"] = keys().path(kByzantine) + ".missing";
  ExpectCreateError("forge", params, kPrePrepare, "'key'");
  // Where the content is protobuf, paths and values are checked at once.
  params = ForgeParams("byzantine");
  params["set"] = "ping.view=three";
  ExpectCreateError("forge", params, kHeartbeat, "'set'");
  params["set"] = "ping.nope=1";
  ExpectCreateError("forge", params, kHeartbeat, "'set'");
  // An opaque payload has no fields to set, but the message has.
  params["set"] = "seq=5";
  ExpectCreateError("forge", params, kBlob, "opaque");
  params["set"] = "/seq=5";
  auto blob = MustMake("forge", params, kBlob);
  ASSERT_NE(blob, nullptr);
  std::vector<std::string> out = Run(*blob, kBlob, Blob(1, "data"));
  ASSERT_EQ(out.size(), 2u);
  auto forged = ParseAs<pbftlike::BlobMsg>(out[1]);
  EXPECT_EQ(forged.seq(), 5u);
  EXPECT_EQ(forged.sender(), "r0");
  EXPECT_TRUE(keys().pub(kByzantine).Verify("data", forged.sig(), kDer));
}

// ----------------------------------------------------------------- equivocate

TEST_F(RewritersPbftTest, EquivocateTrimsTheRequestsOfAPrePrepareAndResigns) {
  const Json body = PrePrepareBody(3, 17, {"set v1 1", "set v2 2", "set v3 3", "set v4 4"});
  const std::string original = PrePrepare(kByzantine, body);
  RewriterParams params = KeyParams();
  params["variant"] = "2";
  params["clear"] = "digest";
  auto rewriter = MustMake("equivocate", params, kPrePrepare);
  ASSERT_NE(rewriter, nullptr);
  std::vector<std::string> out = Run(*rewriter, kPrePrepare, original);
  ASSERT_EQ(out.size(), 1u);
  auto sent = ParseAs<pbftlike::PrePrepareMsg>(out[0]);
  Json expected = body;
  expected["requests"].erase(0);
  expected["requests"].erase(0);
  expected.erase("digest");
  EXPECT_EQ(sent.body(), Compact(expected));
  EXPECT_EQ(sent.sender(), "r1");
  EXPECT_TRUE(keys().pub(kByzantine).Verify(sent.body(), sent.sig(), kDer));

  params["variant"] = "9";
  auto all = MustMake("equivocate", params, kPrePrepare);
  ASSERT_NE(all, nullptr);
  out = Run(*all, kPrePrepare, original);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Json::parse(ParseAs<pbftlike::PrePrepareMsg>(out[0]).body())["requests"],
            Json::array());
}

TEST_F(RewritersPbftTest, EquivocateLeavesMessagesWithoutValuesAndVariantZeroAlone) {
  RewriterParams params = KeyParams();
  params["variant"] = "2";
  auto any = MustMake("equivocate", params);  // pins no kind
  ASSERT_NE(any, nullptr);
  const std::string prepare = Prepare(kByzantine, Phase("prepare", 3, 17));
  EXPECT_THAT(Run(*any, kPrepare, prepare), ElementsAre(prepare));
  const std::string commit = Commit(kByzantine, Phase("commit", 3, 17));
  EXPECT_THAT(Run(*any, kCommit, commit), ElementsAre(commit));
  const std::string pre_prepare = PrePrepare(kByzantine, PrePrepareBody(3, 17, {"a", "b", "c"}));
  std::vector<std::string> out = Run(*any, kPrePrepare, pre_prepare);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_THAT(
      Texts(JsonTree(Json::parse(ParseAs<pbftlike::PrePrepareMsg>(out[0]).body())), "requests.op"),
      ElementsAre("c"));
  // A pre-prepare with no requests has nothing to trim.
  const std::string empty = PrePrepare(kByzantine, PrePrepareBody(3, 18, {}));
  EXPECT_THAT(Run(*any, kPrePrepare, empty), ElementsAre(empty));

  // Variant 0 is the group that sees the pre-prepare as sent: no key needed.
  auto zero = MustMake("equivocate", {{"variant", "0"}}, kPrePrepare);
  ASSERT_NE(zero, nullptr);
  EXPECT_THAT(Run(*zero, kPrePrepare, pre_prepare), ElementsAre(pre_prepare));
  // A signing variant needs the key, unless the kind is unsigned.
  ExpectCreateError("equivocate", {{"variant", "1"}}, kPrePrepare, "'key'");
  EXPECT_TRUE(MakeRewriter("equivocate", {{"variant", "1"}}, kStatus).ok());
}

TEST_F(RewritersPbftTest, EquivocateOnProtobufContentSignsWhatTheModelSays) {
  RewriterParams params = KeyParams();
  params["variant"] = "1";
  auto rewriter = MustMake("equivocate", params);
  ASSERT_NE(rewriter, nullptr);
  // The whole message, signature cleared.
  std::vector<std::string> out = Run(*rewriter, kGossip, Gossip(3, 17, {"a", "b", "c"}));
  ASSERT_EQ(out.size(), 1u);
  auto gossip = ParseAs<pbftlike::GossipMsg>(out[0]);
  ASSERT_EQ(gossip.batch().requests_size(), 2);
  EXPECT_EQ(gossip.batch().requests(0).op(), "b");
  EXPECT_TRUE(GossipVerifies(gossip));

  // A field inside the protobuf payload: the heartbeat's stamp.
  pbftlike::Control control;
  control.mutable_batch()->set_view(3);
  for (const char* op : {"a", "b"}) control.mutable_batch()->add_requests()->set_op(op);
  control.mutable_stamp()->set_sender("r1");
  control.mutable_stamp()->set_seq(17);
  pbftlike::HeartbeatMsg heartbeat;
  heartbeat.set_sender(1);
  heartbeat.set_payload(control.SerializeAsString());
  heartbeat.set_sig("old");
  out = Run(*rewriter, kHeartbeat, heartbeat.SerializeAsString());
  ASSERT_EQ(out.size(), 1u);
  auto beat = ParseAs<pbftlike::HeartbeatMsg>(out[0]);
  auto payload = ParseAs<pbftlike::Control>(beat.payload());
  ASSERT_EQ(payload.batch().requests_size(), 1);
  EXPECT_EQ(payload.batch().requests(0).op(), "b");
  EXPECT_TRUE(keys().pub(kByzantine).Verify(payload.stamp().SerializeAsString(), beat.sig(), kDer));
}

// --------------------------------------------------------------------- mutate

TEST_F(RewritersPbftTest, MutateMovesOneJsonIntegerByOneAndResigns) {
  const Json body = PrePrepareBody(3, 17, {"set v1 1", "set 7 8"});
  const std::string original = PrePrepare(kByzantine, body);
  std::vector<std::pair<std::string, Json>> before;
  Flatten(body, "", &before);
  std::set<std::string> mutated;
  for (int seed = 1; seed <= 30; ++seed) {
    RewriterParams params = KeyParams();
    params["seed"] = absl::StrCat(seed);
    auto rewriter = MustMake("mutate", params, kPrePrepare);
    ASSERT_NE(rewriter, nullptr);
    std::vector<std::string> out = Run(*rewriter, kPrePrepare, original);
    ASSERT_EQ(out.size(), 1u);
    auto sent = ParseAs<pbftlike::PrePrepareMsg>(out[0]);
    EXPECT_EQ(sent.sender(), "r1");
    EXPECT_TRUE(keys().pub(kByzantine).Verify(sent.body(), sent.sig(), kDer)) << seed;
    std::vector<std::pair<std::string, Json>> after;
    Flatten(Json::parse(sent.body()), "", &after);
    ASSERT_EQ(after.size(), before.size());
    int changes = 0;
    for (size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ(after[i].first, before[i].first);  // same members, same order
      if (after[i].second == before[i].second) continue;
      ++changes;
      mutated.insert(before[i].first);
      ASSERT_TRUE(before[i].second.is_number_integer()) << before[i].first;
      EXPECT_EQ(std::abs(after[i].second.get<int64_t>() - before[i].second.get<int64_t>()), 1);
    }
    EXPECT_EQ(changes, 1) << "seed " << seed;
  }
  // view, seq and each request's ts can be picked; strings never.
  EXPECT_GE(mutated.size(), 3u);
  for (const std::string& path : mutated) {
    EXPECT_TRUE(path == "view" || path == "seq" || path == "requests[0].ts" ||
                path == "requests[1].ts")
        << path;
  }
}

TEST_F(RewritersPbftTest, MutateCannotReadAnOpaquePayload) {
  ExpectCreateError("mutate", KeyParams(), kBlob, "opaque");
  auto any = MustMake("mutate", KeyParams());
  ASSERT_NE(any, nullptr);
  Frame frame = PeerFrame(kBlob, Blob(1, "data"));
  auto out = any->Rewrite(frame);
  EXPECT_TRUE(absl::IsFailedPrecondition(out.status())) << out.status();
}

TEST_F(RewritersPbftTest, MutateSendsUnsignedMessagesWithoutAKey) {
  auto rewriter = MustMake("mutate", {{"seed", "3"}}, kStatus);
  ASSERT_NE(rewriter, nullptr);
  pbftlike::StatusMsg status;
  status.set_sender("r1");
  status.set_body(R"({"Alive":{"view":3,"note":"7"}})");
  std::vector<std::string> out = Run(*rewriter, kStatus, status.SerializeAsString());
  ASSERT_EQ(out.size(), 1u);
  const std::string body = ParseAs<pbftlike::StatusMsg>(out[0]).body();
  EXPECT_TRUE(body == R"({"Alive":{"view":2,"note":"7"}})" ||
              body == R"({"Alive":{"view":4,"note":"7"}})")
      << body;
  ExpectCreateError("mutate", {}, kPrePrepare, "'key'");
}

// --------------------------------------------------------------------- splice

TEST_F(RewritersPbftTest, SpliceSendsTheEarlierMessageRelabelledAndResigned) {
  const std::string pool = UniquePool();
  auto recorder = MustMake("splice", {{"variant", "0"}, {"pool", pool}}, kPrepare);
  RewriterParams params = KeyParams();
  params["variant"] = "1";
  params["pool"] = pool;
  auto splicer = MustMake("splice", params, kPrepare);
  ASSERT_NE(recorder, nullptr);
  ASSERT_NE(splicer, nullptr);

  const std::string m1 = Prepare(kByzantine, Phase("prepare", 3, 17));
  const std::string m2 = Prepare(kByzantine, Phase("prepare", 3, 18));
  const std::string m3 = Prepare(kByzantine, Phase("prepare", 4, 19));
  // Variant 0 records what it passes, for the rules sharing its pool.
  EXPECT_THAT(Run(*recorder, kPrepare, m1), ElementsAre(m1));
  std::vector<std::string> out = Run(*splicer, kPrepare, m2);
  ASSERT_EQ(out.size(), 1u);
  auto spliced = ParseAs<pbftlike::PrepareMsg>(out[0]);
  EXPECT_EQ(spliced.sender(), "r1");
  EXPECT_EQ(spliced.body(),
            R"({"type":"prepare","view":3,"seq":18,"digest":"d17","replica":"r1"})");
  EXPECT_TRUE(keys().pub(kByzantine).Verify(spliced.body(), spliced.sig(), kDer));

  out = Run(*splicer, kRetransmitPrepare, m3);
  ASSERT_EQ(out.size(), 1u);
  spliced = ParseAs<pbftlike::PrepareMsg>(out[0]);
  EXPECT_EQ(spliced.body(),
            R"({"type":"prepare","view":4,"seq":19,"digest":"d18","replica":"r1"})");
  EXPECT_TRUE(keys().pub(kByzantine).Verify(spliced.body(), spliced.sig(), kDer));

  // Only the same kind is spliced in, and only from the same pool.
  const std::string commit = Commit(kByzantine, Phase("commit", 4, 19));
  EXPECT_THAT(Run(*splicer, kCommit, commit), ElementsAre(commit));
  params["pool"] = UniquePool();
  auto apart = MustMake("splice", params, kPrepare);
  ASSERT_NE(apart, nullptr);
  EXPECT_THAT(Run(*apart, kPrepare, m3), ElementsAre(m3));
}

TEST_F(RewritersPbftTest, SpliceRelabelsAZeroViewToo) {
  const std::string pool = UniquePool();
  auto recorder = MustMake("splice", {{"variant", "0"}, {"pool", pool}}, kGossip);
  RewriterParams params = KeyParams();
  params["variant"] = "1";
  params["pool"] = pool;
  auto splicer = MustMake("splice", params, kGossip);
  ASSERT_NE(recorder, nullptr);
  ASSERT_NE(splicer, nullptr);
  const std::string g1 = Gossip(1, 1, {"a"});
  Run(*recorder, kGossip, g1);
  // View 0: protobuf does not write it, but it is the round all the same.
  std::vector<std::string> out = Run(*splicer, kGossip, Gossip(0, 2, {"b"}));
  ASSERT_EQ(out.size(), 1u);
  auto spliced = ParseAs<pbftlike::GossipMsg>(out[0]);
  EXPECT_EQ(spliced.batch().view(), 0u);
  EXPECT_EQ(spliced.batch().seq(), 2u);
  ASSERT_EQ(spliced.batch().requests_size(), 1);
  EXPECT_EQ(spliced.batch().requests(0).op(), "a");
  EXPECT_TRUE(GossipVerifies(spliced));
}

TEST_F(RewritersPbftTest, SpliceSendsAnEarlierMessageAsItWasWhenItCannotRelabel) {
  // An opaque payload: nothing to relabel, the earlier blob goes as it was.
  const std::string pool = UniquePool();
  RewriterParams params = {{"variant", "1"}, {"pool", pool}, {"relabel", "false"}};
  auto blobs = MustMake("splice", params, kBlob);
  ASSERT_NE(blobs, nullptr);
  const std::string b1 = Blob(1, "first");
  const std::string b2 = Blob(2, "second");
  EXPECT_THAT(Run(*blobs, kBlob, b1), ElementsAre(b1));  // nothing earlier yet
  EXPECT_THAT(Run(*blobs, kBlob, b2), ElementsAre(b1));
  // relabel defaults to true, which an opaque kind cannot do: as it was too.
  RewriterParams relabel = KeyParams();
  relabel["variant"] = "1";
  relabel["pool"] = pool;
  auto relabelling = MustMake("splice", relabel, kBlob);
  ASSERT_NE(relabelling, nullptr);
  const std::string b3 = Blob(3, "third");
  EXPECT_THAT(Run(*relabelling, kBlob, b3), ElementsAre(b2));

  // A kind without round fields: as it was.
  MessageModelSpec spec = PbftSpec();
  KindOf(spec, kCommit).round.clear();
  std::shared_ptr<const MessageModel> roundless = BuildModel(spec);
  ASSERT_NE(roundless, nullptr);
  relabel["pool"] = UniquePool();
  auto commits = MustMake("splice", relabel, kCommit, roundless.get());
  ASSERT_NE(commits, nullptr);
  const std::string c1 = Commit(kByzantine, Phase("commit", 3, 17));
  const std::string c2 = Commit(kByzantine, Phase("commit", 3, 18));
  EXPECT_THAT(Run(*commits, kCommit, c1, roundless.get()), ElementsAre(c1));
  EXPECT_THAT(Run(*commits, kCommit, c2, roundless.get()), ElementsAre(c1));
}

TEST_F(RewritersPbftTest, SpliceTakeLaterSendsTheNextMessageRelabelledToTheHeldRound) {
  RewriterParams params = KeyParams();
  params["variant"] = "1";
  params["take"] = "later";
  auto later = MustMake("splice", params, kPrepare);
  ASSERT_NE(later, nullptr);
  const std::string m1 = Prepare(kByzantine, Phase("prepare", 3, 17));
  const std::string m2 = Prepare(kByzantine, Phase("prepare", 3, 18));
  const std::string m3 = Prepare(kByzantine, Phase("prepare", 4, 19));
  EXPECT_THAT(Run(*later, kPrepare, m1), IsEmpty());  // held back
  std::vector<std::string> out = Run(*later, kPrepare, m2);
  ASSERT_EQ(out.size(), 1u);
  auto sent = ParseAs<pbftlike::PrepareMsg>(out[0]);
  EXPECT_EQ(sent.body(), R"({"type":"prepare","view":3,"seq":17,"digest":"d18","replica":"r1"})");
  EXPECT_TRUE(keys().pub(kByzantine).Verify(sent.body(), sent.sig(), kDer));
  out = Run(*later, kPrepare, m3);
  ASSERT_EQ(out.size(), 1u);
  sent = ParseAs<pbftlike::PrepareMsg>(out[0]);
  EXPECT_EQ(sent.body(), R"({"type":"prepare","view":3,"seq":18,"digest":"d19","replica":"r1"})");
  EXPECT_TRUE(keys().pub(kByzantine).Verify(sent.body(), sent.sig(), kDer));
}

TEST_F(RewritersPbftTest, SpliceTakeLaterRelabelsToAHeldZeroView) {
  RewriterParams params = KeyParams();
  params["variant"] = "1";
  params["take"] = "later";
  auto later = MustMake("splice", params, kGossip);
  ASSERT_NE(later, nullptr);
  EXPECT_THAT(Run(*later, kGossip, Gossip(0, 5, {"a"})), IsEmpty());
  std::vector<std::string> out = Run(*later, kGossip, Gossip(1, 6, {"b"}));
  ASSERT_EQ(out.size(), 1u);
  auto sent = ParseAs<pbftlike::GossipMsg>(out[0]);
  EXPECT_EQ(sent.batch().view(), 0u);
  EXPECT_EQ(sent.batch().seq(), 5u);
  EXPECT_EQ(sent.batch().requests(0).op(), "b");
  EXPECT_TRUE(GossipVerifies(sent));
}

TEST_F(RewritersPbftTest, SpliceChecksItsParams) {
  RewriterParams later = KeyParams();
  later["variant"] = "1";
  later["take"] = "later";
  ExpectCreateError("splice", later, kBlob, "does not decode");
  MessageModelSpec spec = PbftSpec();
  KindOf(spec, kCommit).round.clear();
  std::shared_ptr<const MessageModel> roundless = BuildModel(spec);
  ASSERT_NE(roundless, nullptr);
  ExpectCreateError("splice", later, kCommit, "no round fields", roundless.get());
  RewriterParams no_relabel = later;
  no_relabel["relabel"] = "false";
  ExpectCreateError("splice", no_relabel, kPrepare, "needs relabel");
  RewriterParams sideways = later;
  sideways["take"] = "sideways";
  ExpectCreateError("splice", sideways, kPrepare, "'take'");
  ExpectCreateError("splice", KeyParams(), kPrepare, "'variant'");
  RewriterParams unbounded = later;
  unbounded["max_stored"] = "0";
  ExpectCreateError("splice", unbounded, kPrepare, "'max_stored'");
  // Relabelling re-signs a signed kind: it needs the key.
  ExpectCreateError("splice", {{"variant", "1"}}, kPrepare, "'key'");
  EXPECT_TRUE(MakeRewriter("splice", {{"variant", "1"}}, kStatus).ok());
  EXPECT_TRUE(MakeRewriter("splice", {{"variant", "1"}, {"relabel", "false"}}, kPrepare).ok());
}

// ------------------------------------------------------------------ set_field

TEST_F(RewritersPbftTest, SetFieldEditsAJsonBodyAndDoesNotResign) {
  const std::string original = PrePrepare(kByzantine, PrePrepareBody(3, 17, {"a", "b"}));
  const auto sent = ParseAs<pbftlike::PrePrepareMsg>(original);
  for (const char* method : {kPrePrepare, ""}) {
    auto rewriter = MustMake("set_field", {{"path", "body.view"}, {"value", "9"}}, method);
    ASSERT_NE(rewriter, nullptr);
    std::vector<std::string> out = Run(*rewriter, kPrePrepare, original);
    ASSERT_EQ(out.size(), 1u);
    auto edited = ParseAs<pbftlike::PrePrepareMsg>(out[0]);
    EXPECT_EQ(edited.body(), Compact(PrePrepareBody(9, 17, {"a", "b"})));
    EXPECT_EQ(edited.sig(), sent.sig());
    EXPECT_FALSE(keys().pub(kByzantine).Verify(edited.body(), edited.sig(), kDer));
  }
  auto every =
      MustMake("set_field", {{"path", "body.requests.op"}, {"value", "noop"}}, kPrePrepare);
  ASSERT_NE(every, nullptr);
  std::vector<std::string> out = Run(*every, kPrePrepare, original);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_THAT(
      Texts(JsonTree(Json::parse(ParseAs<pbftlike::PrePrepareMsg>(out[0]).body())), "requests.op"),
      ElementsAre("noop", "noop"));
  auto create = MustMake("set_field", {{"path", "body.cert.seq"}, {"value", "4"}}, kPrePrepare);
  ASSERT_NE(create, nullptr);
  out = Run(*create, kPrePrepare, original);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Json::parse(ParseAs<pbftlike::PrePrepareMsg>(out[0]).body())["cert"]["seq"], 4);
}

}  // namespace
}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat
