#include "reports/xml_text.h"

#include "gtest/gtest.h"

namespace turncoat {
namespace {

TEST(XmlEscapeTest, EscapesMarkup) {
  EXPECT_EQ(XmlEscape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
}

TEST(XmlEscapeTest, KeepsUnicodeAndLineBreaks) {
  EXPECT_EQ(XmlEscape("caf\xC3\xA9\tline\nnext"), "caf\xC3\xA9\tline\nnext");
}

TEST(XmlEscapeTest, ReplacesWhatXmlCannotHold) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(XmlEscape(std::string("a\x01z", 3)), "a" + replacement + "z");
  EXPECT_EQ(XmlEscape("\xFF"), replacement);
  EXPECT_EQ(XmlEscape("\xC3"), replacement);  // truncated sequence
  EXPECT_EQ(XmlEscape("\xED\xA0\x80"), replacement + replacement + replacement);  // surrogate
  EXPECT_EQ(XmlEscape("\xEF\xBF\xBF"), replacement);                              // U+FFFF
}

}  // namespace
}  // namespace turncoat
