// ProtoTree: every MessageTree operation on protobuf messages of the
// pbft-like schema, loaded at run time as a target's schema is.
#include "agents/proto_tree.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "tests/agents/pbftlike_fixture.h"

namespace turncoat {
namespace agent {
namespace pbftlike_test {
namespace {

namespace pb = google::protobuf;

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class ProtoTreeTest : public PbftLikeTest {
 protected:
  // `m` (a generated message) decoded into the run-time schema's type of
  // the same name.
  static std::unique_ptr<ProtoTree> TreeOf(const pb::Message& m) {
    const pb::Descriptor* type = schema()->FindMessage(m.GetDescriptor()->full_name());
    EXPECT_NE(type, nullptr) << m.GetDescriptor()->full_name();
    auto decoded = schema()->Decode(type, m.SerializeAsString());
    EXPECT_TRUE(decoded.ok()) << decoded.status();
    return std::make_unique<ProtoTree>(*std::move(decoded), schema().get());
  }

  template <typename M>
  static M As(const MessageTree& tree) {
    M m;
    EXPECT_TRUE(m.ParseFromString(MessageCodec::Encode(*tree.proto())));
    return m;
  }

  static pbftlike::Batch Batch(uint64_t view, uint64_t seq, const std::vector<std::string>& ops) {
    pbftlike::Batch b;
    b.set_view(view);
    b.set_seq(seq);
    b.set_digest("d");
    int ts = 5;
    for (const std::string& op : ops) {
      pbftlike::Request* r = b.add_requests();
      r->set_client("c0");
      r->set_ts(ts++);
      r->set_op(op);
    }
    return b;
  }

  static std::vector<std::string> Ops(const pbftlike::Batch& b) {
    std::vector<std::string> ops;
    for (const pbftlike::Request& r : b.requests()) ops.push_back(r.op());
    return ops;
  }

  static std::vector<std::string> Paths(const std::vector<IntegerLeaf>& leaves) {
    std::vector<std::string> paths;
    for (const IntegerLeaf& leaf : leaves) paths.push_back(leaf.path);
    return paths;
  }
};

TEST_F(ProtoTreeTest, AnyValueReadsEveryScalarTypeAsText) {
  pbftlike::Ping ping;
  ping.set_view(3);
  ping.set_skew(-2);
  ping.set_phase(pbftlike::PREPARE);
  ping.set_urgent(true);
  ping.set_load(0.5);
  ping.set_note("n");
  auto tree = TreeOf(ping);
  struct Want {
    const char* path;
    const char* text;
    bool numeric;
    double number;
  };
  for (const Want& want : {Want{"view", "3", true, 3}, Want{"skew", "-2", true, -2},
                           Want{"phase", "PREPARE", true, 2}, Want{"urgent", "true", true, 1},
                           Want{"load", "0.5", true, 0.5}, Want{"note", "n", false, 0}}) {
    std::vector<FieldValue> values;
    EXPECT_FALSE(tree->AnyValue(P(want.path), [&values](const FieldValue& v) {
      values.push_back(v);
      return false;
    }));
    ASSERT_EQ(values.size(), 1u) << want.path;
    EXPECT_EQ(values[0].text, want.text) << want.path;
    EXPECT_EQ(values[0].numeric, want.numeric) << want.path;
    if (want.numeric) {
      EXPECT_EQ(values[0].number, want.number) << want.path;
    }
  }
  // Unset scalars read as their defaults; unknown fields reach nothing.
  auto empty = TreeOf(pbftlike::Ping());
  EXPECT_THAT(Texts(*empty, "view"), ElementsAre("0"));
  EXPECT_THAT(Texts(*empty, "phase"), ElementsAre("PHASE_UNSPECIFIED"));
  EXPECT_THAT(Texts(*empty, "nope"), IsEmpty());
}

TEST_F(ProtoTreeTest, RepeatedFieldsFanOutAndTheCallbackStopsTheWalk) {
  pbftlike::Control control;
  *control.mutable_batch() = Batch(3, 17, {"a", "b", "c"});
  auto tree = TreeOf(control);
  EXPECT_THAT(Texts(*tree, "batch.requests.op"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Texts(*tree, "batch.requests.ts"), ElementsAre("5", "6", "7"));
  int calls = 0;
  EXPECT_TRUE(tree->AnyValue(P("batch.requests.op"), [&calls](const FieldValue& v) {
    ++calls;
    return v.text == "b";
  }));
  EXPECT_EQ(calls, 2);
  // An unset message on the way reaches nothing, not defaults.
  EXPECT_THAT(Texts(*tree, "ping.view"), IsEmpty());

  pbftlike::Limits limits;
  for (uint32_t x : {4u, 0u, 9u}) limits.add_many(x);
  EXPECT_THAT(Texts(*TreeOf(limits), "many"), ElementsAre("4", "0", "9"));
}

TEST_F(ProtoTreeTest, StarStandsForEverySetField) {
  pbftlike::Control with_ping;
  with_ping.set_epoch(7);
  with_ping.mutable_ping()->set_view(3);
  EXPECT_THAT(Texts(*TreeOf(with_ping), "*.view"), ElementsAre("3"));
  pbftlike::Control with_batch;
  *with_batch.mutable_batch() = Batch(4, 9, {"a"});
  auto batch = TreeOf(with_batch);
  EXPECT_THAT(Texts(*batch, "*.view"), ElementsAre("4"));
  EXPECT_THAT(Texts(*batch, "*.requests.op"), ElementsAre("a"));
  EXPECT_TRUE(batch->Present(P("*")));
  EXPECT_FALSE(TreeOf(pbftlike::Control())->Present(P("*")));
  EXPECT_THAT(Texts(*TreeOf(pbftlike::Control()), "*.view"), IsEmpty());
}

TEST_F(ProtoTreeTest, PathsGoThroughEmbeddedPayloads) {
  pbftlike::Control control;
  control.mutable_ping()->set_view(6);
  pbftlike::HeartbeatMsg heartbeat;
  heartbeat.set_sender(2);
  heartbeat.set_payload(control.SerializeAsString());
  heartbeat.set_sig("s");
  auto tree = TreeOf(heartbeat);
  EXPECT_THAT(Texts(*tree, "payload.ping.view"), ElementsAre("6"));
  EXPECT_TRUE(tree->Present(P("payload.ping")));
  EXPECT_FALSE(tree->Present(P("payload.batch")));

  ASSERT_TRUE(tree->Set(P("payload.ping.view"), "7", /*create=*/false).ok());
  pbftlike::HeartbeatMsg edited = As<pbftlike::HeartbeatMsg>(*tree);
  pbftlike::Control payload;
  ASSERT_TRUE(payload.ParseFromString(edited.payload()));
  EXPECT_EQ(payload.ping().view(), 7u);
  EXPECT_EQ(edited.sig(), "s");
  EXPECT_TRUE(absl::IsNotFound(tree->Set(P("payload.batch.seq"), "1", /*create=*/false)));
}

TEST_F(ProtoTreeTest, PresentMeansSetMessagesListsAndNonDefaultScalars) {
  pbftlike::Control control;
  control.mutable_batch()->set_seq(2);
  auto tree = TreeOf(control);
  EXPECT_TRUE(tree->Present(P("batch")));
  EXPECT_FALSE(tree->Present(P("ping")));
  EXPECT_FALSE(tree->Present(P("batch.view")));  // 0
  EXPECT_TRUE(tree->Present(P("batch.seq")));
  EXPECT_FALSE(tree->Present(P("batch.requests")));
  EXPECT_FALSE(tree->Present(P("nope")));
  control.mutable_batch()->add_requests()->set_op("x");
  EXPECT_TRUE(TreeOf(control)->Present(P("batch.requests")));
  EXPECT_TRUE(TreeOf(control)->Present(P("batch.requests.op")));
}

TEST_F(ProtoTreeTest, SetMemberNamesTheOneofMemberOrTheOnlySetField) {
  pbftlike::Control control;
  EXPECT_EQ(TreeOf(control)->SetMember(P("kind")), std::nullopt);
  control.mutable_ping();
  EXPECT_EQ(TreeOf(control)->SetMember(P("kind")), "ping");
  control.mutable_fetch()->mutable_latest()->set_view(2);
  EXPECT_EQ(TreeOf(control)->SetMember(P("kind")), "fetch");
  EXPECT_EQ(TreeOf(control)->SetMember(P("fetch.latest")), "view");
  control.mutable_fetch()->mutable_latest()->set_seq(3);
  EXPECT_EQ(TreeOf(control)->SetMember(P("fetch.latest")), std::nullopt);
  EXPECT_EQ(TreeOf(control)->SetMember(P("fetch.nope")), std::nullopt);
}

TEST_F(ProtoTreeTest, SetReadsTextAsTheFieldsType) {
  auto tree = TreeOf(pbftlike::Ping());
  ASSERT_TRUE(tree->Set(P("view"), "12", false).ok());
  ASSERT_TRUE(tree->Set(P("skew"), "-4", false).ok());
  ASSERT_TRUE(tree->Set(P("phase"), "COMMIT", false).ok());
  ASSERT_TRUE(tree->Set(P("urgent"), "true", false).ok());
  ASSERT_TRUE(tree->Set(P("load"), "1.25", false).ok());
  ASSERT_TRUE(tree->Set(P("note"), "set v1 1", false).ok());
  pbftlike::Ping ping = As<pbftlike::Ping>(*tree);
  EXPECT_EQ(ping.view(), 12u);
  EXPECT_EQ(ping.skew(), -4);
  EXPECT_EQ(ping.phase(), pbftlike::COMMIT);
  EXPECT_TRUE(ping.urgent());
  EXPECT_EQ(ping.load(), 1.25);
  EXPECT_EQ(ping.note(), "set v1 1");
  ASSERT_TRUE(tree->Set(P("phase"), "2", false).ok());  // enums by number too
  EXPECT_EQ(As<pbftlike::Ping>(*tree).phase(), pbftlike::PREPARE);

  struct Bad {
    const char* path;
    const char* text;
  };
  for (const Bad& bad :
       {Bad{"view", "abc"}, Bad{"view", "-1"}, Bad{"view", "1.5"}, Bad{"skew", "99999999999"},
        Bad{"phase", "DECIDED"}, Bad{"phase", "9"}, Bad{"urgent", "maybe"}, Bad{"load", "x"}}) {
    absl::Status s = tree->Set(P(bad.path), bad.text, false);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << bad.path << "=" << bad.text << ": " << s;
    EXPECT_NE(s.message().find(bad.text), std::string::npos) << s;
  }
  EXPECT_EQ(As<pbftlike::Ping>(*tree).view(), 12u);  // a refused value changes nothing
  absl::Status unknown = tree->Set(P("nope"), "1", true);
  EXPECT_TRUE(absl::IsInvalidArgument(unknown)) << unknown;
  EXPECT_NE(unknown.message().find("has no field 'nope'"), std::string::npos) << unknown;
  // Messages and lists are no scalars.
  pbftlike::Control control;
  control.mutable_ping();
  EXPECT_TRUE(absl::IsInvalidArgument(TreeOf(control)->Set(P("ping"), "1", true)));
  pbftlike::Limits limits;
  limits.add_many(1);
  EXPECT_TRUE(absl::IsInvalidArgument(TreeOf(limits)->Set(P("many"), "1", true)));
}

TEST_F(ProtoTreeTest, SetCreatesMissingParentsOnlyWhenAsked) {
  auto tree = TreeOf(pbftlike::Control());
  absl::Status missing = tree->Set(P("ping.view"), "5", /*create=*/false);
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
  EXPECT_FALSE(tree->Present(P("ping")));
  ASSERT_TRUE(tree->Set(P("ping.view"), "5", /*create=*/true).ok());
  EXPECT_EQ(tree->SetMember(P("kind")), "ping");
  EXPECT_EQ(As<pbftlike::Control>(*tree).ping().view(), 5u);

  // Lists fan out: every element is set, and an empty list reaches nothing.
  pbftlike::Control control;
  *control.mutable_batch() = Batch(1, 1, {"a", "b"});
  auto batch = TreeOf(control);
  ASSERT_TRUE(batch->Set(P("batch.requests.op"), "z", false).ok());
  EXPECT_EQ(Ops(As<pbftlike::Control>(*batch).batch()), (std::vector<std::string>{"z", "z"}));
  *control.mutable_batch() = Batch(1, 1, {});
  EXPECT_TRUE(absl::IsNotFound(TreeOf(control)->Set(P("batch.requests.op"), "z", true)));
}

TEST_F(ProtoTreeTest, ClearRemovesWhatThePathReaches) {
  pbftlike::Control control;
  control.mutable_ping()->set_view(3);
  control.mutable_ping()->set_note("x");
  auto tree = TreeOf(control);
  EXPECT_TRUE(tree->Clear(P("ping.note")));
  EXPECT_EQ(As<pbftlike::Control>(*tree).ping().note(), "");
  EXPECT_EQ(As<pbftlike::Control>(*tree).ping().view(), 3u);
  EXPECT_FALSE(tree->Clear(P("ping.note")));
  EXPECT_FALSE(tree->Clear(P("batch")));
  EXPECT_TRUE(tree->Clear(P("ping")));
  EXPECT_EQ(tree->SetMember(P("kind")), std::nullopt);

  *control.mutable_batch() = Batch(1, 2, {"a", "b"});
  auto batch = TreeOf(control);
  EXPECT_TRUE(batch->Clear(P("batch.requests.client")));
  const pbftlike::Batch cleared = As<pbftlike::Control>(*batch).batch();
  ASSERT_EQ(cleared.requests_size(), 2);
  for (const pbftlike::Request& r : cleared.requests()) EXPECT_EQ(r.client(), "");
  EXPECT_EQ(Ops(cleared), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(batch->Clear(P("batch.*")));
  EXPECT_FALSE(batch->Present(P("batch.*")));
}

TEST_F(ProtoTreeTest, TrimListsTrimsTheListInEveryMessageOfItsContainerType) {
  pbftlike::Control control;
  pbftlike::Fetch* fetch = control.mutable_fetch();
  *fetch->mutable_latest() = Batch(3, 17, {"a", "b", "c", "d"});
  *fetch->add_batches() = Batch(3, 16, {"p", "q", "r"});
  *fetch->add_batches() = Batch(3, 15, {"x"});
  *fetch->add_batches() = Batch(3, 14, {});

  // Through `batches`, the list is Batch.requests: the latest batch, which
  // is no element of `batches`, is trimmed as well.
  auto tree = TreeOf(control);
  EXPECT_EQ(tree->TrimLists(P("fetch.batches.requests.op"), 2), 3);
  pbftlike::Fetch trimmed = As<pbftlike::Control>(*tree).fetch();
  EXPECT_EQ(Ops(trimmed.latest()), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(Ops(trimmed.batches(0)), (std::vector<std::string>{"r"}));
  EXPECT_THAT(Ops(trimmed.batches(1)), IsEmpty());  // k beyond the list
  EXPECT_THAT(Ops(trimmed.batches(2)), IsEmpty());
  EXPECT_EQ(trimmed.latest().view(), 3u);
  EXPECT_EQ(trimmed.latest().seq(), 17u);
  EXPECT_EQ(trimmed.batches(0).seq(), 16u);
  EXPECT_EQ(trimmed.batches(0).requests(0).ts(), 7);  // the survivors keep their fields

  auto whole = TreeOf(control);
  EXPECT_EQ(whole->TrimLists(P("fetch.latest.requests"), 100), 3);
  EXPECT_THAT(Ops(As<pbftlike::Control>(*whole).fetch().latest()), IsEmpty());

  auto untouched = TreeOf(control);
  EXPECT_EQ(untouched->TrimLists(P("fetch.latest.requests"), 0), 0);
  EXPECT_EQ(untouched->TrimLists(P("fetch.latest.view"), 1), 0);  // no list on the path
  EXPECT_EQ(untouched->TrimLists(P("fetch.nope.requests"), 1), 0);
  EXPECT_EQ(MessageCodec::Encode(*untouched->proto()),
            MessageCodec::Encode(*TreeOf(control)->proto()));
}

TEST_F(ProtoTreeTest, IntegerLeavesComeInFieldOrderAndBumpTurnsAtTheLimits) {
  pbftlike::Limits limits;
  limits.set_i32(std::numeric_limits<int32_t>::max());
  limits.set_i64(std::numeric_limits<int64_t>::min());
  limits.set_u32(1);
  limits.set_u64(std::numeric_limits<uint64_t>::max());
  limits.set_s32(-1);
  limits.set_f64(7);
  limits.set_phase(pbftlike::COMMIT);
  limits.add_many(0);
  limits.add_many(5);
  auto tree = TreeOf(limits);
  std::vector<IntegerLeaf> leaves = tree->IntegerLeaves();
  ASSERT_THAT(Paths(leaves),
              ElementsAre("i32", "i64", "u32", "u64", "s32", "f64", "phase", "many", "many"));
  // The same tree, or a clone, lists the same leaves in the same order: a
  // seed always picks the same one.
  EXPECT_EQ(Paths(tree->IntegerLeaves()), Paths(leaves));
  EXPECT_EQ(Paths(tree->Clone()->IntegerLeaves()), Paths(leaves));

  leaves[0].bump(true);   // at the maximum: down instead
  leaves[1].bump(false);  // at the minimum: up instead
  leaves[2].bump(false);
  leaves[3].bump(true);
  leaves[4].bump(true);
  leaves[5].bump(false);
  leaves[6].bump(true);   // the last declared value wraps to the first
  leaves[7].bump(false);  // an unsigned 0 can only go up
  leaves[8].bump(true);
  pbftlike::Limits bumped = As<pbftlike::Limits>(*tree);
  EXPECT_EQ(bumped.i32(), std::numeric_limits<int32_t>::max() - 1);
  EXPECT_EQ(bumped.i64(), std::numeric_limits<int64_t>::min() + 1);
  EXPECT_EQ(bumped.u32(), 0u);
  EXPECT_EQ(bumped.u64(), std::numeric_limits<uint64_t>::max() - 1);
  EXPECT_EQ(bumped.s32(), 0);
  EXPECT_EQ(bumped.f64(), 6u);
  EXPECT_EQ(bumped.phase(), pbftlike::PHASE_UNSPECIFIED);
  ASSERT_EQ(bumped.many_size(), 2);
  EXPECT_EQ(bumped.many(0), 1u);
  EXPECT_EQ(bumped.many(1), 6u);

  // Enums always move to the next declared value, whichever way.
  pbftlike::Ping ping;
  ping.set_phase(pbftlike::PRE_PREPARE);
  ping.set_urgent(true);
  ping.set_load(2.5);
  ping.set_note("7");
  auto enum_tree = TreeOf(ping);
  std::vector<IntegerLeaf> enum_leaves = enum_tree->IntegerLeaves();
  ASSERT_THAT(Paths(enum_leaves), ElementsAre("phase"));  // no bool, double or string
  enum_leaves[0].bump(false);
  EXPECT_EQ(As<pbftlike::Ping>(*enum_tree).phase(), pbftlike::PREPARE);
}

TEST_F(ProtoTreeTest, IntegerLeavesGoThroughMessagesButNotEmbeddedBytes) {
  pbftlike::Control control;
  control.set_epoch(2);
  *control.mutable_fetch()->mutable_latest() = Batch(3, 17, {"a", "b"});
  control.mutable_fetch()->set_from_seq(9);
  EXPECT_THAT(Paths(TreeOf(control)->IntegerLeaves()),
              ElementsAre("epoch", "fetch.from_seq", "fetch.latest.view", "fetch.latest.seq",
                          "fetch.latest.requests.ts", "fetch.latest.requests.ts"));
  pbftlike::HeartbeatMsg heartbeat;
  heartbeat.set_sender(2);
  heartbeat.set_payload(control.SerializeAsString());
  EXPECT_THAT(Paths(TreeOf(heartbeat)->IntegerLeaves()), ElementsAre("sender"));
}

TEST_F(ProtoTreeTest, ExactBytesOfSingularFields) {
  pbftlike::ReplyMsg reply;
  reply.mutable_header()->set_sender("r1");
  reply.mutable_header()->set_view(3);
  reply.mutable_header()->set_seq(4);
  reply.mutable_header()->set_result(std::string("o\0k", 3));
  reply.set_sig("s");
  reply.set_note("n");
  auto tree = TreeOf(reply);
  EXPECT_EQ(*tree->GetBytes(P("header.sender")), "r1");
  EXPECT_EQ(*tree->GetBytes(P("header.result")), std::string("o\0k", 3));
  EXPECT_TRUE(absl::IsInvalidArgument(tree->GetBytes(P("header.view")).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(tree->GetBytes(P("nope")).status()));
  EXPECT_TRUE(
      absl::IsNotFound(TreeOf(pbftlike::ReplyMsg())->GetBytes(P("header.sender")).status()));

  EXPECT_EQ(*tree->SerializeAt(P("header")), reply.header().SerializeAsString());
  EXPECT_EQ(*tree->SerializeAt({}), reply.SerializeAsString());
  EXPECT_EQ(*tree->SerializeAt(P("sig")), "s");
  EXPECT_TRUE(absl::IsInvalidArgument(tree->SerializeAt(P("header.view")).status()));
  // An unset message serializes as an empty one; a path through it is NotFound.
  EXPECT_EQ(*TreeOf(pbftlike::ReplyMsg())->SerializeAt(P("header")), "");
  pbftlike::Control control;
  EXPECT_TRUE(absl::IsNotFound(TreeOf(control)->SerializeAt(P("fetch.latest")).status()));

  auto empty = TreeOf(pbftlike::ReplyMsg());
  ASSERT_TRUE(empty->SetBytes(P("header.result"), std::string("\xff\0", 2)).ok());
  EXPECT_EQ(As<pbftlike::ReplyMsg>(*empty).header().result(), std::string("\xff\0", 2));
  EXPECT_TRUE(absl::IsInvalidArgument(empty->SetBytes(P("header.view"), "1")));
  EXPECT_TRUE(absl::IsInvalidArgument(empty->SetBytes(P("note.x"), "1")));
}

TEST_F(ProtoTreeTest, CheckPathFollowsTheSchemaAndDeclaredPayloads) {
  const pb::Descriptor* heartbeat = schema()->FindMessage("pbftlike.HeartbeatMsg");
  const pb::Descriptor* control = schema()->FindMessage("pbftlike.Control");
  const pb::Descriptor* pre_prepare = schema()->FindMessage("pbftlike.PrePrepareMsg");
  EXPECT_TRUE(ProtoTree::CheckPath(P("payload.ping.view"), heartbeat, schema().get()).ok());
  EXPECT_TRUE(ProtoTree::CheckPath(P("payload.*"), heartbeat, schema().get()).ok());
  EXPECT_TRUE(ProtoTree::CheckPath(P("fetch.batches.requests.op"), control, schema().get()).ok());

  absl::Status unknown = ProtoTree::CheckPath(P("payload.nope"), heartbeat, schema().get());
  EXPECT_TRUE(absl::IsInvalidArgument(unknown));
  EXPECT_NE(unknown.message().find("pbftlike.Control has no field 'nope'"), std::string::npos)
      << unknown;
  EXPECT_NE(unknown.message().find("epoch, ping, batch, fetch, stamp"), std::string::npos)
      << unknown;
  // Through a scalar, or through bytes nobody declared a payload.
  EXPECT_FALSE(ProtoTree::CheckPath(P("sender.x"), heartbeat, schema().get()).ok());
  EXPECT_FALSE(ProtoTree::CheckPath(P("body.view"), pre_prepare, schema().get()).ok());
  EXPECT_FALSE(ProtoTree::CheckPath(P("payload.ping.view"), heartbeat, nullptr).ok());
}

TEST_F(ProtoTreeTest, ClonesAreIndependent) {
  pbftlike::Control control;
  control.mutable_ping()->set_view(3);
  auto tree = TreeOf(control);
  std::unique_ptr<MessageTree> copy = tree->Clone();
  ASSERT_TRUE(copy->Set(P("ping.view"), "4", false).ok());
  EXPECT_THAT(Texts(*tree, "ping.view"), ElementsAre("3"));
  EXPECT_THAT(Texts(*copy, "ping.view"), ElementsAre("4"));
  EXPECT_NE(copy->DebugString(), tree->DebugString());
}

}  // namespace
}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat
