// JsonTree: every MessageTree operation on JSON bodies as a PBFT-like
// system writes them, key order and odd strings included.
#include "agents/json_tree.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agents/pbftlike_fixture.h"

namespace turncoat {
namespace agent {
namespace pbftlike_test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Json Parse(const std::string& text) { return Json::parse(text); }

std::vector<std::string> Paths(const std::vector<IntegerLeaf>& leaves) {
  std::vector<std::string> paths;
  for (const IntegerLeaf& leaf : leaves) paths.push_back(leaf.path);
  return paths;
}

std::vector<FieldValue> Values(const MessageTree& tree, absl::string_view path) {
  std::vector<FieldValue> values;
  tree.AnyValue(P(path), [&values](const FieldValue& v) {
    values.push_back(v);
    return false;
  });
  return values;
}

TEST(JsonTreeTest, AnyValueReadsScalarsByTheirJsonType) {
  JsonTree tree(Parse(R"({"view":3,"skew":-2,"load":0.5,"ok":true,"digest":"ab","none":null,)"
                      R"("cert":{"seq":1}})"));
  struct Want {
    const char* path;
    const char* text;
    bool numeric;
    double number;
  };
  for (const Want& want :
       {Want{"view", "3", true, 3}, Want{"skew", "-2", true, -2}, Want{"load", "0.5", true, 0.5},
        Want{"ok", "true", true, 1}, Want{"digest", "ab", false, 0},
        Want{"cert", R"({"seq":1})", false, 0}}) {
    std::vector<FieldValue> values = Values(tree, want.path);
    ASSERT_EQ(values.size(), 1u) << want.path;
    EXPECT_EQ(values[0].text, want.text) << want.path;
    EXPECT_EQ(values[0].numeric, want.numeric) << want.path;
    if (want.numeric) {
      EXPECT_EQ(values[0].number, want.number) << want.path;
    }
  }
  EXPECT_THAT(Values(tree, "none"), IsEmpty());
  EXPECT_THAT(Values(tree, "nope"), IsEmpty());
  EXPECT_THAT(Values(tree, "view.x"), IsEmpty());
}

TEST(JsonTreeTest, ArraysFanOutAndStarStandsForEveryMember) {
  JsonTree tree(PrePrepareBody(3, 17, {"set v1 1", "set v2 2", "del v1"}));
  EXPECT_THAT(Texts(tree, "requests.op"), ElementsAre("set v1 1", "set v2 2", "del v1"));
  EXPECT_THAT(Texts(tree, "requests.ts"), ElementsAre("5", "6", "7"));
  int calls = 0;
  EXPECT_TRUE(tree.AnyValue(P("requests.op"), [&calls](const FieldValue& v) {
    ++calls;
    return v.text == "set v2 2";
  }));
  EXPECT_EQ(calls, 2);

  JsonTree status(Parse(R"({"Alive":{"view":3},"Meta":{"view":4,"seq":9}})"));
  EXPECT_THAT(Texts(status, "*.view"), ElementsAre("3", "4"));
  EXPECT_THAT(Texts(status, "*.seq"), ElementsAre("9"));
  JsonTree top_array(Parse(R"([{"view":1},{"view":2}])"));
  EXPECT_THAT(Texts(top_array, "view"), ElementsAre("1", "2"));
}

TEST(JsonTreeTest, ListsAreReadAndReplacedOnePerHolder) {
  // pbft's VIEW-CHANGE: a list of prepared certificates, each with its list
  // of signed PREPAREs.
  JsonTree tree(Parse(R"({"prepared":[{"prepares":[{"s":"r1"},{"s":"r2"}]},)"
                      R"({"prepares":[{"s":"r3"}]}],"view":4})"));
  auto lists = tree.Lists({"prepared", "prepares"});
  ASSERT_EQ(lists.size(), 2u);
  ASSERT_EQ(lists[0].size(), 2u);
  ASSERT_EQ(lists[1].size(), 1u);
  EXPECT_EQ(lists[1][0]->DebugString(), R"({"s":"r3"})");
  // The second certificate gets the first one's second vote, twice.
  ASSERT_TRUE(tree.SetList({"prepared", "prepares"}, 1, {lists[0][1].get(), lists[0][1].get()}).ok());
  EXPECT_EQ(tree.DebugString(), R"({"prepared":[{"prepares":[{"s":"r1"},{"s":"r2"}]},)"
                                R"({"prepares":[{"s":"r2"},{"s":"r2"}]}],"view":4})");
  EXPECT_TRUE(absl::IsNotFound(tree.SetList({"prepared", "prepares"}, 2, {})));
  EXPECT_TRUE(tree.Lists({"view"}).empty()) << "a number is no list";
}

TEST(JsonTreeTest, PresentMeansNonNullAndNonEmpty) {
  JsonTree tree(Parse(R"({"view":0,"digest":"","none":null,"requests":[],"cert":{},)"
                      R"("batch":{"requests":[{"op":"x"}]}})"));
  EXPECT_TRUE(tree.Present(P("view")));  // JSON says 0: it is there
  EXPECT_TRUE(tree.Present(P("digest")));
  EXPECT_FALSE(tree.Present(P("none")));
  EXPECT_FALSE(tree.Present(P("requests")));
  EXPECT_FALSE(tree.Present(P("cert")));
  EXPECT_FALSE(tree.Present(P("nope")));
  EXPECT_TRUE(tree.Present(P("batch.requests")));
  EXPECT_TRUE(tree.Present(P("batch.requests.op")));
  EXPECT_FALSE(tree.Present(P("batch.requests.ts")));
}

TEST(JsonTreeTest, SetMemberIsTheOnlyKeyOfAnObject) {
  EXPECT_EQ(JsonTree(Parse(R"({"Alive":{"view":3}})")).SetMember({}), "Alive");
  EXPECT_EQ(JsonTree(Parse(R"({"a":1,"b":2})")).SetMember({}), std::nullopt);
  EXPECT_EQ(JsonTree(Parse(R"({})")).SetMember({}), std::nullopt);
  EXPECT_EQ(JsonTree(Parse(R"([1])")).SetMember({}), std::nullopt);
  JsonTree nested(Parse(R"({"msg":{"Commit":{"seq":1}},"other":{"a":1,"b":2}})"));
  EXPECT_EQ(nested.SetMember(P("msg")), "Commit");
  EXPECT_EQ(nested.SetMember(P("other")), std::nullopt);
  EXPECT_EQ(nested.SetMember(P("nope")), std::nullopt);
}

TEST(JsonTreeTest, SetKeepsEachValuesJsonType) {
  JsonTree tree(Parse(R"({"view":3,"neg":-1,"load":0.5,"ok":false,"digest":"12","none":null})"));
  ASSERT_TRUE(tree.Set(P("view"), "9", false).ok());
  ASSERT_TRUE(tree.Set(P("neg"), "-7", false).ok());
  ASSERT_TRUE(tree.Set(P("load"), "2.25", false).ok());
  ASSERT_TRUE(tree.Set(P("ok"), "true", false).ok());
  ASSERT_TRUE(tree.Set(P("digest"), "34", false).ok());  // a string stays a string
  ASSERT_TRUE(tree.Set(P("none"), "5", false).ok());     // null takes the text's type
  EXPECT_EQ(tree.DebugString(),
            R"({"view":9,"neg":-7,"load":2.25,"ok":true,"digest":"34","none":5})");
  // A non-negative integer may become negative.
  ASSERT_TRUE(tree.Set(P("view"), "-1", false).ok());
  EXPECT_EQ(tree.value()["view"], -1);

  struct Bad {
    const char* path;
    const char* text;
  };
  for (const Bad& bad : {Bad{"view", "abc"}, Bad{"view", "1.5"}, Bad{"neg", "x"},
                         Bad{"load", "fast"}, Bad{"ok", "maybe"}}) {
    absl::Status s = tree.Set(P(bad.path), bad.text, false);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << bad.path << "=" << bad.text << ": " << s;
    EXPECT_NE(s.message().find(bad.path), std::string::npos) << s;
  }
  JsonTree nested(Parse(R"({"cert":{"seq":1},"list":[1,2]})"));
  EXPECT_TRUE(absl::IsInvalidArgument(nested.Set(P("cert"), "1", false)));
  // A list of scalars fans out like any list.
  ASSERT_TRUE(nested.Set(P("list"), "7", false).ok());
  EXPECT_EQ(nested.DebugString(), R"({"cert":{"seq":1},"list":[7,7]})");
}

TEST(JsonTreeTest, SetCreatesMissingMembersOnlyWhenAsked) {
  JsonTree tree(PrePrepareBody(3, 17, {"a", "b"}));
  const std::string before = tree.DebugString();
  EXPECT_TRUE(absl::IsNotFound(tree.Set(P("new_view"), "4", false)));
  EXPECT_TRUE(absl::IsNotFound(tree.Set(P("cert.seq"), "4", false)));
  EXPECT_EQ(tree.DebugString(), before);

  ASSERT_TRUE(tree.Set(P("cert.seq"), "4", true).ok());
  ASSERT_TRUE(tree.Set(P("cert.signed"), "true", true).ok());
  ASSERT_TRUE(tree.Set(P("cert.by"), "r2", true).ok());
  ASSERT_TRUE(tree.Set(P("cert.load"), "0.5", true).ok());
  EXPECT_EQ(tree.value()["cert"].dump(), R"({"seq":4,"signed":true,"by":"r2","load":0.5})");
  // New members go last; existing ones keep their place.
  std::vector<std::string> keys;
  for (auto it = tree.value().begin(); it != tree.value().end(); ++it) keys.push_back(it.key());
  EXPECT_THAT(keys, ElementsAre("type", "view", "seq", "digest", "requests", "cert"));

  // Into every element of a list, not through a scalar, not with '*'.
  ASSERT_TRUE(tree.Set(P("requests.note"), "x", true).ok());
  EXPECT_THAT(Texts(tree, "requests.note"), ElementsAre("x", "x"));
  EXPECT_TRUE(absl::IsNotFound(tree.Set(P("view.x"), "1", true)));
  // '*' goes only through what is there: into each object, none created.
  ASSERT_TRUE(tree.Set(P("*.fresh"), "1", true).ok());
  EXPECT_EQ(tree.value()["cert"].dump(),
            R"({"seq":4,"signed":true,"by":"r2","load":0.5,"fresh":1})");
  EXPECT_THAT(Texts(tree, "requests.fresh"), ElementsAre("1", "1"));
  JsonTree flat(Parse(R"({"view":3,"seq":1})"));
  EXPECT_TRUE(absl::IsNotFound(flat.Set(P("*.fresh"), "1", true)));
  JsonTree empty_list(Parse(R"({"requests":[]})"));
  EXPECT_TRUE(absl::IsNotFound(empty_list.Set(P("requests.op"), "x", true)));
}

TEST(JsonTreeTest, ClearErasesMembersWhereverThePathGoes) {
  JsonTree tree(PrePrepareBody(3, 17, {"a", "b"}));
  EXPECT_TRUE(tree.Clear(P("requests.ts")));
  EXPECT_THAT(Texts(tree, "requests.ts"), IsEmpty());
  EXPECT_THAT(Texts(tree, "requests.op"), ElementsAre("a", "b"));
  EXPECT_FALSE(tree.Clear(P("requests.ts")));
  EXPECT_TRUE(tree.Clear(P("digest")));
  EXPECT_FALSE(tree.Present(P("digest")));
  EXPECT_FALSE(tree.Clear(P("nope.x")));
  EXPECT_TRUE(tree.Clear(P("requests.*")));
  EXPECT_EQ(tree.value()["requests"].dump(), "[{},{}]");
  EXPECT_EQ(tree.DebugString(), R"({"type":"pre-prepare","view":3,"seq":17,"requests":[{},{}]})");
}

TEST(JsonTreeTest, TrimListsTrimsEveryArrayUnderTheKey) {
  JsonTree tree(Parse(R"({"requests":[{"op":"a"},{"op":"b"},{"op":"c"}],)"
                      R"("cert":{"requests":[{"op":"x"},{"op":"y"}]},)"
                      R"("history":[{"requests":[{"op":"p"}]},{"requests":[]}],)"
                      R"("other":[{"op":"keep"},{"op":"me"}]})"));
  EXPECT_EQ(tree.TrimLists(P("requests.op"), 2), 3);
  EXPECT_EQ(tree.DebugString(),
            R"({"requests":[{"op":"c"}],"cert":{"requests":[]},)"
            R"("history":[{"requests":[]},{"requests":[]}],"other":[{"op":"keep"},{"op":"me"}]})");

  // The last list along the path names the key: `history` leads to `requests`.
  JsonTree through(Parse(R"({"history":[{"requests":[1,2,3]}],"requests":[4,5]})"));
  EXPECT_EQ(through.TrimLists(P("history.requests"), 1), 2);
  EXPECT_EQ(through.DebugString(), R"({"history":[{"requests":[2,3]}],"requests":[5]})");

  JsonTree order(PrePrepareBody(3, 17, {"a", "b", "c", "d"}));
  EXPECT_EQ(order.TrimLists(P("requests.op"), 1), 1);
  EXPECT_THAT(Texts(order, "requests.op"), ElementsAre("b", "c", "d"));
  EXPECT_THAT(Texts(order, "requests.ts"), ElementsAre("6", "7", "8"));
  EXPECT_EQ(order.TrimLists(P("requests.op"), 0), 0);
  EXPECT_EQ(order.TrimLists(P("view"), 1), 0);  // no list on the path
  EXPECT_EQ(order.TrimLists(P("nope.op"), 1), 0);
  JsonTree prepare(PhaseBody("prepare", 3, 17, "r1"));
  EXPECT_EQ(prepare.TrimLists(P("requests.op"), 1), 0);
}

TEST(JsonTreeTest, IntegerLeavesInDocumentOrderAndBumpTurnsAtTheLimits) {
  JsonTree tree(Parse(R"({"view":3,"seq":0,"requests":[{"ts":5,"op":"7"},{"ts":6}],)"
                      R"("neg":-9223372036854775808,"big":18446744073709551615,)"
                      R"("load":1.5,"ok":true,"digest":"12"})"));
  std::vector<IntegerLeaf> leaves = tree.IntegerLeaves();
  ASSERT_THAT(Paths(leaves),
              ElementsAre("view", "seq", "requests.ts", "requests.ts", "neg", "big"));
  EXPECT_EQ(Paths(tree.Clone()->IntegerLeaves()), Paths(leaves));
  leaves[0].bump(true);
  leaves[1].bump(false);  // an unsigned 0 goes up
  leaves[3].bump(false);
  leaves[4].bump(false);  // at the minimum: up
  leaves[5].bump(true);   // at the maximum: down
  EXPECT_EQ(tree.DebugString(), R"({"view":4,"seq":1,"requests":[{"ts":5,"op":"7"},{"ts":5}],)"
                                R"("neg":-9223372036854775807,"big":18446744073709551614,)"
                                R"("load":1.5,"ok":true,"digest":"12"})");
  JsonTree negative(Parse(R"({"skew":0})"));
  ASSERT_EQ(negative.IntegerLeaves().size(), 1u);
  JsonTree signed_value(Parse(R"({"skew":-1})"));
  signed_value.IntegerLeaves()[0].bump(true);
  EXPECT_EQ(signed_value.DebugString(), R"({"skew":0})");
}

TEST(JsonTreeTest, KeyOrderSurvivesCloneAndEdits) {
  JsonTree tree(Parse(R"({"z":1,"type":"commit","a":{"y":2,"b":3},"m":[{"q":1,"c":2}]})"));
  std::unique_ptr<MessageTree> copy = tree.Clone();
  ASSERT_TRUE(copy->Set(P("a.b"), "4", false).ok());
  ASSERT_TRUE(copy->Set(P("m.q"), "5", false).ok());
  ASSERT_TRUE(copy->Set(P("z"), "0", false).ok());
  EXPECT_EQ(copy->DebugString(),
            R"({"z":0,"type":"commit","a":{"y":2,"b":4},"m":[{"q":5,"c":2}]})");
  EXPECT_EQ(tree.DebugString(), R"({"z":1,"type":"commit","a":{"y":2,"b":3},"m":[{"q":1,"c":2}]})");
  ASSERT_NE(copy->json(), nullptr);
  EXPECT_EQ(copy->proto(), nullptr);
}

TEST(JsonTreeTest, StringsThatAreNotUtf8DoNotThrow) {
  JsonTree tree(Parse(R"({"cert":{"by":"r1"},"op":"x"})"));
  ASSERT_TRUE(tree.Set(P("cert.by"), "\xff\xfe", false).ok());
  ASSERT_TRUE(tree.Set(P("op"), "\xc3", false).ok());
  std::string debug;
  EXPECT_NO_THROW(debug = tree.DebugString());
  EXPECT_FALSE(debug.empty());
  // A path ending at an object reads it as text.
  std::vector<FieldValue> values;
  EXPECT_NO_THROW(values = Values(tree, "cert"));
  EXPECT_EQ(values.size(), 1u);
  EXPECT_THAT(Texts(tree, "op"), ElementsAre("\xc3"));  // raw content, as set
}

}  // namespace
}  // namespace pbftlike_test
}  // namespace agent
}  // namespace turncoat
