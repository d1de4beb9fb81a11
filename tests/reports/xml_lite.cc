#include "tests/reports/xml_lite.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace turncoat {
namespace {

void AppendUtf8(uint32_t code, std::string* out) {
  if (code < 0x80) {
    out->push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code >> 6)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

class Parser {
 public:
  explicit Parser(absl::string_view doc) : doc_(doc) {}

  absl::StatusOr<XmlElement> Document() {
    SkipMisc();
    if (!Peek("<") || Peek("</")) return Fail("expected the root element");
    XmlElement root;
    absl::Status s = Element(&root);
    if (!s.ok()) return s;
    SkipMisc();
    if (pos_ != doc_.size()) return Fail("content after the root element");
    return root;
  }

 private:
  bool Peek(absl::string_view s) const { return doc_.substr(pos_, s.size()) == s; }

  absl::Status Fail(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("offset ", pos_, ": ", what));
  }

  void SkipSpace() {
    while (pos_ < doc_.size() && absl::ascii_isspace(doc_[pos_])) ++pos_;
  }

  // Whitespace, comments, the XML declaration and a doctype.
  void SkipMisc() {
    while (true) {
      SkipSpace();
      absl::string_view close;
      if (Peek("<?")) {
        close = "?>";
      } else if (Peek("<!--")) {
        close = "-->";
      } else if (Peek("<!DOCTYPE")) {
        close = ">";
      } else {
        return;
      }
      const size_t end = doc_.find(close, pos_);
      if (end == absl::string_view::npos) return;  // Document() then fails on it
      pos_ = end + close.size();
    }
  }

  std::string Name() {
    const size_t start = pos_;
    while (pos_ < doc_.size() && (absl::ascii_isalnum(doc_[pos_]) || doc_[pos_] == '-' ||
                                  doc_[pos_] == '_' || doc_[pos_] == ':' || doc_[pos_] == '.')) {
      ++pos_;
    }
    return std::string(doc_.substr(start, pos_ - start));
  }

  // Decodes text up to (not including) `stop`, rejecting '<' and bare '&'.
  absl::Status Text(char stop, std::string* out) {
    while (pos_ < doc_.size() && doc_[pos_] != stop) {
      const char c = doc_[pos_];
      if (c == '<') return Fail("'<' inside a value");
      if (c != '&') {
        out->push_back(c);
        ++pos_;
        continue;
      }
      const size_t semi = doc_.find(';', pos_);
      if (semi == absl::string_view::npos) return Fail("unterminated entity");
      const absl::string_view entity = doc_.substr(pos_ + 1, semi - pos_ - 1);
      if (entity == "amp") {
        out->push_back('&');
      } else if (entity == "lt") {
        out->push_back('<');
      } else if (entity == "gt") {
        out->push_back('>');
      } else if (entity == "quot") {
        out->push_back('"');
      } else if (entity == "apos") {
        out->push_back('\'');
      } else if (entity.size() > 1 && entity[0] == '#') {
        uint32_t code = 0;
        const bool hex = entity[1] == 'x';
        if (!(hex ? absl::SimpleHexAtoi(entity.substr(2), &code)
                  : absl::SimpleAtoi(entity.substr(1), &code))) {
          return Fail(absl::StrCat("bad character reference &", entity, ";"));
        }
        AppendUtf8(code, out);
      } else {
        return Fail(absl::StrCat("unknown entity &", entity, ";"));
      }
      pos_ = semi + 1;
    }
    return absl::OkStatus();
  }

  absl::Status Element(XmlElement* e) {
    ++pos_;  // '<'
    e->name = Name();
    if (e->name.empty()) return Fail("expected an element name");
    while (true) {
      SkipSpace();
      if (Peek("/>")) {
        pos_ += 2;
        return absl::OkStatus();
      }
      if (Peek(">")) {
        ++pos_;
        break;
      }
      std::string attr = Name();
      if (attr.empty() || !Peek("=\"")) return Fail("expected name=\"value\"");
      if (e->HasAttr(attr)) return Fail(absl::StrCat("attribute ", attr, " repeated"));
      pos_ += 2;
      std::string value;
      absl::Status s = Text('"', &value);
      if (!s.ok()) return s;
      if (pos_ >= doc_.size()) return Fail("unterminated attribute");
      ++pos_;
      e->attributes.emplace_back(std::move(attr), std::move(value));
    }
    while (true) {
      absl::Status s = Text('<', &e->text);
      if (!s.ok()) return s;
      if (pos_ >= doc_.size()) return Fail(absl::StrCat("<", e->name, "> is never closed"));
      if (Peek("<!--")) {
        const size_t end = doc_.find("-->", pos_);
        if (end == absl::string_view::npos) return Fail("unterminated comment");
        pos_ = end + 3;
        continue;
      }
      if (Peek("</")) {
        pos_ += 2;
        const std::string name = Name();
        if (name != e->name) {
          return Fail(absl::StrCat("</", name, "> closes <", e->name, ">"));
        }
        SkipSpace();
        if (!Peek(">")) return Fail("expected '>'");
        ++pos_;
        return absl::OkStatus();
      }
      e->children.emplace_back();
      s = Element(&e->children.back());
      if (!s.ok()) return s;
    }
  }

  absl::string_view doc_;
  size_t pos_ = 0;
};

}  // namespace

std::string XmlElement::Attr(absl::string_view attr) const {
  for (const auto& [k, v] : attributes) {
    if (k == attr) return v;
  }
  return "";
}

bool XmlElement::HasAttr(absl::string_view attr) const {
  for (const auto& [k, v] : attributes) {
    if (k == attr) return true;
  }
  return false;
}

std::vector<const XmlElement*> XmlElement::FindAll(absl::string_view element) const {
  std::vector<const XmlElement*> out;
  if (name == element) out.push_back(this);
  for (const XmlElement& child : children) {
    for (const XmlElement* e : child.FindAll(element)) out.push_back(e);
  }
  return out;
}

std::string XmlElement::AllText() const {
  std::string out = text;
  for (const XmlElement& child : children) out += child.AllText();
  return out;
}

absl::StatusOr<XmlElement> ParseXml(absl::string_view document) {
  return Parser(document).Document();
}

}  // namespace turncoat
