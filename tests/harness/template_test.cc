#include "harness/template.h"

#include "gtest/gtest.h"

namespace turncoat {
namespace {

const TemplateScope kScope{{"id", "n"}, {{"peers", TemplateScope{{"addr"}, {}}}}};

TEST(TemplateTest, RendersVariablesAndLists) {
  absl::StatusOr<Template> t =
      Template::Parse("node {{id}} of {{ n }}:{{#peers}} {{id}}@{{addr}}{{/peers}}", kScope);
  ASSERT_TRUE(t.ok()) << t.status();
  TemplateValues v;
  v.variables = {{"id", "2"}, {"n", "4"}};
  TemplateValues p0, p1;
  p0.variables = {{"id", "0"}, {"addr", "a:1"}};
  p1.variables = {{"addr", "b:2"}};  // no id: the outer one shows through
  v.lists["peers"] = {p0, p1};
  EXPECT_EQ(*t->Render(v), "node 2 of 4: 0@a:1 2@b:2");
}

TEST(TemplateTest, TextWithoutTagsIsVerbatim) {
  EXPECT_EQ(*Template::Parse("plain } { text", kScope)->Render({}), "plain } { text");
}

struct BadTemplate {
  const char* text;
  const char* message;
};

class TemplateErrorTest : public testing::TestWithParam<BadTemplate> {};

TEST_P(TemplateErrorTest, NamesTheProblem) {
  absl::StatusOr<Template> t = Template::Parse(GetParam().text, kScope);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(std::string(t.status().message()), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    All, TemplateErrorTest,
    testing::Values(BadTemplate{"--listen={{lsten}}", "unknown variable {{lsten}}; known: id, n"},
                    BadTemplate{"{{addr}}", "unknown variable {{addr}}; known: id, n"},
                    BadTemplate{"x {{id", "'{{' at offset 2 has no closing '}}'"},
                    BadTemplate{"{{#id}}{{/id}}", "{{#id}}: 'id' is not a list; lists: peers"},
                    BadTemplate{"{{#peers}}{{addr}}", "{{#peers}} is never closed; add {{/peers}}"},
                    BadTemplate{"{{/peers}}", "{{/peers}} closes a list never opened"},
                    BadTemplate{"{{#peers}}{{/n}}",
                                "{{/n}} closes {{#peers}}; expected {{/peers}}"}));

TEST(TemplateTest, RenderReportsMissingValues) {
  absl::StatusOr<std::string> s = Template::Parse("{{id}}", kScope)->Render({});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.status().message()), "no value for {{id}}");
}

}  // namespace
}  // namespace turncoat
