#include "reports/xml_text.h"

#include "model/value_text.h"

namespace turncoat {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the UTF-8 sequence a lead byte announces, 0 if it is not one.
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

}  // namespace

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t len = SequenceLength(c);
    if (len == 0 || i + len > text.size() || !IsValidUtf8(text.substr(i, len))) {
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
