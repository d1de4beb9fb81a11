#include "reports/xml_text.h"

#include "common/untrusted_text.h"

namespace turncoat {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t len = Utf8CharLength(text.substr(i));
    if (len == 0) {
      out.append(kReplacement);
      ++i;
      continue;
    }
    if (len > 1) {
      const absl::string_view seq = text.substr(i, len);
      // U+FFFE and U+FFFF are the non-characters XML 1.0 excludes.
      if (seq == "\xEF\xBF\xBE" || seq == "\xEF\xBF\xBF") {
        out.append(kReplacement);
      } else {
        out.append(seq.data(), seq.size());
      }
      i += len;
      continue;
    }
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      case '\'':
        out.append("&#39;");
        break;
      case '\t':
      case '\n':
      case '\r':
        out.push_back(static_cast<char>(c));
        break;
      default:
        if (c < 0x20) {
          out.append(kReplacement);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  return out;
}

}  // namespace turncoat
