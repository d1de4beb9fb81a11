#include "loaders/yaml_reader.h"

#include "gtest/gtest.h"

namespace turncoat {
namespace {

YamlReader Read(const char* text) {
  absl::StatusOr<YamlReader> r = YamlReader::Parse(text, "f.yaml");
  EXPECT_TRUE(r.ok()) << r.status();
  return *r;
}

TEST(YamlReaderTest, SyntaxErrorsCarryTheirPosition) {
  absl::StatusOr<YamlReader> r = YamlReader::Parse("a: [1, 2\nb: 3\n", "f.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()),
            "f.yaml:2:2: not valid YAML: end of sequence flow not found");
}

TEST(YamlReaderTest, MapRejectsUnknownAndRepeatedKeys) {
  YamlReader r = Read("a: 1\nwat: 2\n");
  EXPECT_EQ(std::string(r.Map(r.root(), {"a", "b"}).status().message()),
            "f.yaml:2:1: unknown key 'wat'; expected one of: a, b");
  YamlReader twice = Read("outer:\n  a: 1\n  a: 2\n");
  absl::StatusOr<YamlMap> root = twice.Map(twice.root(), {"outer"});
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(std::string(twice.Map(root->Get("outer"), {"a"}).status().message()),
            "f.yaml:3:3: outer: key 'a' appears twice (first on line 2)");
}

TEST(YamlReaderTest, MissingKeyBlamesTheMapping) {
  YamlReader r = Read("x:\n  a: 1\n");
  YamlMap root = *r.Map(r.root(), {"x"});
  YamlMap x = *r.Map(root.Get("x"), {"a", "b"});
  EXPECT_EQ(std::string(x.Require("b").status().message()),
            "f.yaml:2:3: x: missing required key 'b'");
}

TEST(YamlReaderTest, EmptyValueBlamesItsKey) {
  YamlReader r = Read("a: 1\nname:\nb: 2\n");
  YamlMap root = *r.Map(r.root(), {"a", "name", "b"});
  EXPECT_EQ(std::string(r.String(root.Get("name")).status().message()),
            "f.yaml:2:1: name: expected a string; got an empty value");
}

TEST(YamlReaderTest, EmptyDocumentIsNotAMapping) {
  YamlReader r = Read("");
  EXPECT_EQ(std::string(r.Map(r.root(), {"a"}).status().message()),
            "f.yaml: expected a mapping with keys a; got an empty value");
}

TEST(YamlReaderTest, ScalarsAreCheckedByKindAndRange) {
  YamlReader r = Read("n: four\nm: 70\nb: yes\nd: 5\nl: [1, 2, 1]\nok: [3, 1]\nu: -1\n");
  YamlMap root = *r.Map(r.root(), {"n", "m", "b", "d", "l", "ok", "u"});
  EXPECT_EQ(std::string(r.Int(root.Get("n"), 1, 64).status().message()),
            "f.yaml:1:4: n: expected an integer from 1 to 64; got 'four'");
  EXPECT_EQ(std::string(r.Int(root.Get("m"), 1, 64).status().message()),
            "f.yaml:2:4: m: expected an integer from 1 to 64; got '70'");
  EXPECT_EQ(std::string(r.Bool(root.Get("b")).status().message()),
            "f.yaml:3:4: b: expected true or false; got 'yes'");
  EXPECT_EQ(std::string(r.Duration(root.Get("d")).status().message()),
            "f.yaml:4:4: d: '5' is not a duration; expected a number with a unit (ns, us, ms, s, "
            "m, h), e.g. 40s, 500ms or 1m30s");
  EXPECT_EQ(std::string(r.DistinctIntList(root.Get("l"), 0, 3).status().message()),
            "f.yaml:5:11: l[2]: 1 appears twice; list each value once");
  EXPECT_EQ(*r.DistinctIntList(root.Get("ok"), 0, 3), (std::vector<int>{3, 1}));
  EXPECT_EQ(std::string(r.Uint64(root.Get("u")).status().message()),
            "f.yaml:7:4: u: expected an integer from 0 to 18446744073709551615; got '-1'");
  EXPECT_EQ(std::string(r.String(root.Get("l")).status().message()),
            "f.yaml:5:4: l: expected a string; got a list");
}

}  // namespace
}  // namespace turncoat
