#include "model/template.h"

#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/param_name.h"

namespace turncoat {
namespace {

const TemplateScope kScope{{"id", "n"}, {{"peers", TemplateScope{{"addr"}, {}}}}};

// A system with clients per replica: lists inside lists, flags at both
// levels, and `peers` a variable and a list at once, as in ReplicaScope().
const TemplateScope kRich{
    {"id", "n", "peers", "note", "raw"},
    {{"peers",
      TemplateScope{
          {"id", "addr"}, {{"clients", TemplateScope{{"key"}, {}, {"first"}}}}, {"self", "last"}}},
     {"keys", TemplateScope{{"k"}, {}}}},
    {"tls"}};

TemplateValues Client(const std::string& key, bool first) {
  TemplateValues v;
  v.variables = {{"key", key}};
  v.flags = {{"first", first}};
  return v;
}

TemplateValues Peer(int id, bool self, bool last, std::vector<TemplateValues> clients) {
  TemplateValues v;
  v.variables = {{"id", std::to_string(id)}, {"addr", "a:" + std::to_string(id)}};
  v.flags = {{"self", self}, {"last", last}};
  v.lists = {{"clients", std::move(clients)}};
  return v;
}

// Replica 1 of 3; peer 0 has two clients, peer 1 (itself) none, peer 2 one.
TemplateValues RichValues() {
  TemplateValues v;
  v.variables = {{"id", "1"},
                 {"n", "3"},
                 {"peers", "0,2"},
                 {"note", ""},
                 {"raw", "<a href=\"x\">&'</a> {{id}}"}};
  v.flags = {{"tls", true}};
  v.lists["peers"] = {Peer(0, false, false, {Client("k0a", true), Client("k0b", false)}),
                      Peer(1, true, false, {}), Peer(2, false, true, {Client("k2a", true)})};
  v.lists["keys"] = {};
  return v;
}

std::string RenderRich(const std::string& text, const TemplateValues& values = RichValues()) {
  absl::StatusOr<Template> t = Template::Parse(text, kRich);
  if (!t.ok()) return "parse error: " + std::string(t.status().message());
  absl::StatusOr<std::string> s = t->Render(values);
  if (!s.ok()) return "render error: " + std::string(s.status().message());
  return *s;
}

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

TEST(TemplateTest, DefaultRendersEmpty) { EXPECT_EQ(*Template().Render({}), ""); }

// Every construct the name checker accepts, rendered through kainjow: the
// output must be what the Mustache spec says (cases marked "spec" are the
// spec's own tests, on the flag `tls` = true).
struct Case {
  const char* name;
  const char* text;
  const char* expected;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class TemplateSpecTest : public testing::TestWithParam<Case> {};

TEST_P(TemplateSpecTest, RendersAsTheSpecSays) {
  EXPECT_EQ(RenderRich(GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    All, TemplateSpecTest,
    testing::Values(
        Case{"Variables", "{{id}}/{{n}}", "1/3"},
        Case{"PaddingInTags", "{{ id }}{{& id }}{{{ id }}}|{{# tls }}={{/ tls }}|", "111|=|"},
        Case{"NoEscapingAndNoReexpansion", "{{raw}}|{{{raw}}}|{{&raw}}",
             "<a href=\"x\">&'</a> {{id}}|<a href=\"x\">&'</a> {{id}}|<a href=\"x\">&'</a> {{id}}"},
        Case{"BracesInText", "a{\n{{id}}}} {c} }}}\n{", "a{\n1}} {c} }}}\n{"},
        Case{"List", "{{#peers}}{{id}}@{{addr}} {{/peers}}", "0@a:0 1@a:1 2@a:2 "},
        Case{"VariableAndListOfOneName",
             "{{peers}}|{{#peers}}{{id}}{{/peers}}|{{#peers}}{{peers}};{{/peers}}",
             "0,2|012|0,2;0,2;0,2;"},
        Case{"NestedListsSeeOuterNames",
             "{{#peers}}{{id}}:"
             "{{#clients}}{{^first}},{{/first}}{{key}}@{{id}}/{{n}}{{/clients}};"
             "{{/peers}}",
             "0:k0a@0/3,k0b@0/3;1:;2:k2a@2/3;"},
        Case{"Flag", "{{#tls}}--tls{{/tls}}{{^tls}}--plain{{/tls}}", "--tls"},
        Case{"ElementFlags", "{{#peers}}{{^self}}{{id}}{{^last}},{{/last}}{{/self}}{{/peers}}",
             "0,2"},
        Case{"VariableAsSection",
             "[{{#note}}note={{note}}{{/note}}{{^note}}no note{{/note}}]"
             "{{#id}}id={{id}}{{/id}}{{^id}}none{{/id}}",
             "[no note]id=1"},
        Case{"EmptyList", "{{#keys}}k={{k}}{{/keys}}{{^keys}}no keys{{/keys}}", "no keys"},
        Case{"InvertedNonEmptyList", "[{{^peers}}none{{/peers}}]", "[]"},
        Case{"NestedFalsey", "| A {{^tls}}B {{#tls}}C{{/tls}} D{{/tls}} E |", "| A  E |"},
        Case{"CommentInline (spec)", "12345{{! Comment Block! }}67890", "1234567890"},
        Case{"CommentMultiline (spec)", "12345{{!\n  This is a\n  multi-line comment...\n}}67890\n",
             "1234567890\n"},
        Case{"CommentStandalone (spec)", "Begin.\n{{! Comment Block! }}\nEnd.\n", "Begin.\nEnd.\n"},
        Case{"CommentIndentedMultilineStandalone (spec)",
             "Begin.\n  {{!\n    Something's going on here...\n  }}\nEnd.\n", "Begin.\nEnd.\n"},
        Case{"CommentIndentedInline (spec)", "  12 {{! 34 }}\n", "  12 \n"},
        Case{"CommentStandaloneWithoutNewline (spec)", "!\n  {{! I'm Still Standalone }}", "!\n"},
        Case{"StandaloneLines (spec)", "| This Is\n{{#tls}}\n|\n{{/tls}}\n| A Line\n",
             "| This Is\n|\n| A Line\n"},
        Case{"IndentedStandaloneLines (spec)", "| This Is\n  {{#tls}}\n|\n  {{/tls}}\n| A Line\n",
             "| This Is\n|\n| A Line\n"},
        Case{"StandaloneLineEndings (spec)", "|\r\n{{#tls}}\r\n{{/tls}}\r\n|", "|\r\n|"},
        Case{"StandaloneWithoutPreviousLine (spec)", "  {{#tls}}\n#{{/tls}}\n/", "#\n/"},
        Case{"StandaloneWithoutNewline (spec)", "#{{#tls}}\n/\n  {{/tls}}", "#\n/\n"},
        Case{"SurroundingWhitespace (spec)", " | {{#tls}}\t|\t{{/tls}} | \n", " | \t|\t | \n"},
        Case{"InternalWhitespace (spec)", " | {{#tls}} {{! Important Whitespace }}\n {{/tls}} | \n",
             " |  \n  | \n"},
        Case{"IndentedInlineSections (spec)", " {{#tls}}YES{{/tls}}\n {{#tls}}GOOD{{/tls}}\n",
             " YES\n GOOD\n"},
        Case{"InterpolationIsNeverStandalone (spec)", "  {{note}}\n", "  \n"},
        // kainjow alone keeps the line of a false standalone section, drops a
        // blank line it rendered next to a section tag, and drops a blank
        // output: the spec does the opposite in all three.
        Case{"StandaloneFalseSection", "a\n{{^tls}}\nplain\n{{/tls}}\nb\n", "a\nb\n"},
        Case{"TwoTagsOnALineAreNotStandalone", "a\n{{#tls}}{{/tls}}\nb", "a\n\nb"},
        Case{"BlankLinePerElement", "{{#peers}}\n\n{{/peers}}", "\n\n\n"},
        Case{"BlankRenderedLinePerElement", "{{#peers}}\n  {{note}}\n{{/peers}}", "  \n  \n  \n"},
        Case{"BlankOutput", "{{#tls}} {{/tls}}", " "},
        Case{"ConfigFile",
             "[node]\n"
             "id = {{id}}\n"
             "{{#peers}}\n"
             "  {{^self}}\n"
             "peer = {{id}},{{addr}}\n"
             "  {{/self}}\n"
             "{{/peers}}\n"
             "{{! clients get the same key file }}\n"
             "{{#tls}}\n"
             "tls = on\n"
             "{{/tls}}\n",
             "[node]\nid = 1\npeer = 0,a:0\npeer = 2,a:2\ntls = on\n"}),
    [](const testing::TestParamInfo<Case>& info) {
      std::string name;
      for (const char* c = info.param.name; *c != '\0' && *c != ' '; ++c) name += *c;
      return name;
    });

TEST(TemplateTest, FalseFlagRemovesItsStandaloneLines) {
  TemplateValues v = RichValues();
  v.flags["tls"] = false;
  EXPECT_EQ(RenderRich("{{#tls}}--tls{{/tls}}{{^tls}}--plain{{/tls}}", v), "--plain");
  EXPECT_EQ(RenderRich("a\n{{#tls}}\ntls = on\n{{/tls}}\nb\n", v), "a\nb\n");
}

struct BadTemplate {
  const TemplateScope* scope;
  const char* text;
  const char* message;
};

void PrintTo(const BadTemplate& b, std::ostream* os) { *os << testing::PrintToString(b.text); }

class TemplateErrorTest : public testing::TestWithParam<BadTemplate> {};

TEST_P(TemplateErrorTest, NamesTheProblem) {
  absl::StatusOr<Template> t = Template::Parse(GetParam().text, *GetParam().scope);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(t.status().message()), GetParam().message);
}

const TemplateScope kShadow{{"x"}, {{"l", TemplateScope{{}, {}, {"x"}}}}};

INSTANTIATE_TEST_SUITE_P(
    All, TemplateErrorTest,
    testing::Values(
        BadTemplate{&kScope, "--listen={{lsten}}", "unknown variable {{lsten}}; known: id, n"},
        BadTemplate{&kScope, "{{addr}}", "unknown variable {{addr}}; known: id, n"},
        BadTemplate{&kScope, "x {{id", "'{{' at column 3 has no closing '}}'"},
        BadTemplate{&kScope, "{{#peers}}{{addr}}", "{{#peers}} is never closed; add {{/peers}}"},
        BadTemplate{&kScope, "{{/peers}}", "{{/peers}} closes a section never opened"},
        BadTemplate{&kScope, "{{#peers}}{{/n}}", "{{/n}} closes {{#peers}}; expected {{/peers}}"},
        BadTemplate{&kRich, "{{^tls}}x{{/peers}}", "{{/peers}} closes {{^tls}}; expected {{/tls}}"},
        BadTemplate{&kRich, "{{{id}}", "'{{{' at column 1 has no closing '}}}'"},
        // Sections take any kind, so their hint lists every name with its kind.
        BadTemplate{&kRich, "{{#tsl}}x{{/tsl}}",
                    "unknown name {{#tsl}}; known: id, keys (list), n, note, peers (list), raw, "
                    "tls (flag)"},
        BadTemplate{&kRich, "{{#peers}}{{^slef}}{{/slef}}{{/peers}}",
                    "unknown name {{^slef}}; known: addr, clients (list), id, keys (list), "
                    "last (flag), n, note, peers (list), raw, self (flag), tls (flag)"},
        BadTemplate{&kRich, "{{#peers}}{{adr}}{{/peers}}",
                    "unknown variable {{adr}}; known: addr, id, n, note, peers, raw"},
        BadTemplate{&kRich, "{{#peers}}{{#clients}}{{kye}}{{/clients}}{{/peers}}",
                    "unknown variable {{kye}}; known: addr, id, key, n, note, peers, raw"},
        BadTemplate{&kRich, "{{#keys}}{{/keys}}{{k}}",
                    "unknown variable {{k}}; known: id, n, note, peers, raw"},
        BadTemplate{&kRich, "{{.}}", "unknown variable {{.}}; known: id, n, note, peers, raw"},
        BadTemplate{&kRich, "{{}}", "unknown variable {{}}; known: id, n, note, peers, raw"},
        BadTemplate{&kRich, "{{{ #id }}}",
                    "unknown variable {{{#id}}}; known: id, n, note, peers, raw"},
        BadTemplate{&kRich, "{{keys}}",
                    "{{keys}}: 'keys' is a list; write {{#keys}}...{{/keys}} to repeat text for "
                    "each element"},
        BadTemplate{&kRich, "{{{tls}}}",
                    "{{{tls}}}: 'tls' is a flag, true or false; write {{#tls}}...{{/tls}} for "
                    "text when it is true"},
        BadTemplate{&kRich, "{{& tls}}",
                    "{{& tls}}: 'tls' is a flag, true or false; write {{#tls}}...{{/tls}} for "
                    "text when it is true"},
        // An element's flag hides an outer variable of the same name.
        BadTemplate{&kShadow, "{{x}}{{#l}}{{x}}{{/l}}",
                    "{{x}}: 'x' is a flag, true or false; write {{#x}}...{{/x}} for text when it "
                    "is true"},
        BadTemplate{&kRich, "{{> header}}",
                    "{{> header}}: partials are not supported; write the text in place"},
        BadTemplate{
            &kRich, "{{=<% %>=}}<%id%>",
            "{{=<% %>=}}: set-delimiter tags are not supported; write every tag with {{ }}"},
        // Templates of several lines say on which line.
        BadTemplate{&kRich, "[node]\nid = {{idd}}\n",
                    "template line 2: unknown variable {{idd}}; known: id, n, note, peers, raw"},
        BadTemplate{&kRich, "a\nb {{id\n", "template line 2: '{{' at column 3 has no closing '}}'"},
        BadTemplate{&kRich, "a\n{{#peers}}\nx\n",
                    "template line 2: {{#peers}} is never closed; add {{/peers}}"},
        BadTemplate{&kRich, "{{#peers}}\n{{#clients}}\n{{/peers}}\n",
                    "template line 3: {{/peers}} closes {{#clients}} (line 2); expected "
                    "{{/clients}}"},
        BadTemplate{&kRich, "{{!\n\n}}  {{/tls}}",
                    "template line 3: {{/tls}} closes a section never opened"}),
    MessageParamName());

TEST(TemplateTest, RenderReportsMissingValues) {
  absl::StatusOr<std::string> s = Template::Parse("{{id}}", kScope)->Render({});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.status().message()), "no value for {{id}}");
}

TEST(TemplateTest, RenderNamesEachKindOfMissingValue) {
  TemplateValues no_client_key = RichValues();
  no_client_key.lists["peers"][2].lists["clients"][0].variables.clear();
  TemplateValues no_tls = RichValues();
  no_tls.flags.clear();
  TemplateValues no_keys = RichValues();
  no_keys.lists.erase("keys");
  TemplateValues tls_off_no_note = RichValues();
  tls_off_no_note.flags["tls"] = false;
  tls_off_no_note.variables.erase("note");

  EXPECT_EQ(RenderRich("{{#peers}}{{#clients}}{{key}}{{/clients}}{{/peers}}", no_client_key),
            "render error: no value for {{key}}");
  EXPECT_EQ(RenderRich("{{^tls}}x{{/tls}}", no_tls),
            "render error: no value for the flag {{^tls}}");
  EXPECT_EQ(RenderRich("{{#keys}}{{/keys}}", no_keys),
            "render error: no value for the list {{#keys}}");
  // Checked whatever the flags say, so a forgotten value shows on every run.
  EXPECT_EQ(RenderRich("{{#tls}}{{note}}{{/tls}}", tls_off_no_note),
            "render error: no value for {{note}}");
  // An empty list has no element to lack a name.
  EXPECT_EQ(RenderRich("[{{#keys}}{{k}}{{/keys}}]"), "[]");
}

TEST(TemplateTest, ConcurrentRendersOfOneTemplateAgree) {
  const absl::StatusOr<Template> t = Template::Parse(
      "{{#peers}}{{id}}:{{#clients}}{{key}}{{/clients}}\n{{/peers}}{{#tls}}tls{{/tls}}", kRich);
  ASSERT_TRUE(t.ok()) << t.status();
  const TemplateValues values = RichValues();
  const std::string expected = "0:k0ak0b\n1:\n2:k2a\ntls";
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 200; ++j) {
        absl::StatusOr<std::string> s = t->Render(values);
        if (!s.ok() || *s != expected) ++mismatches[i];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(TemplateTest, CopiesRenderAlike) {
  absl::StatusOr<Template> t = Template::Parse("{{#peers}}{{id}}{{/peers}}", kRich);
  ASSERT_TRUE(t.ok()) << t.status();
  const Template copy = *t;
  t = Template();
  EXPECT_EQ(*copy.Render(RichValues()), "012");
}

}  // namespace
}  // namespace turncoat
