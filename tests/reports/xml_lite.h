// A strict little XML reader for the report tests: enough XML 1.0 to prove
// that junit.xml and report.html are well-formed (one root, matching tags,
// quoted attributes, known entities only, no stray '<' or '&') and to walk
// the tree. Not for production input.
#ifndef TURNCOAT_TESTS_REPORTS_XML_LITE_H_
#define TURNCOAT_TESTS_REPORTS_XML_LITE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace turncoat {

struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<XmlElement> children;
  std::string text;  // direct text content, entities decoded

  // The attribute's value, or "" if absent.
  std::string Attr(absl::string_view attr) const;
  bool HasAttr(absl::string_view attr) const;
  // Every descendant (and this element) with the given name, in document order.
  std::vector<const XmlElement*> FindAll(absl::string_view element) const;
  // All text below this element, concatenated.
  std::string AllText() const;
};

absl::StatusOr<XmlElement> ParseXml(absl::string_view document);

}  // namespace turncoat

#endif  // TURNCOAT_TESTS_REPORTS_XML_LITE_H_
