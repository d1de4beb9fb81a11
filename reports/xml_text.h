// Text safe to put into an XML or HTML document, as element content or as a
// quoted attribute value.
//
// Report text mixes our own words with what replicas printed and values
// clients made up; any of it may contain markup characters, invalid UTF-8
// or control characters that XML 1.0 forbids. Escaping all of it here, in
// one function, is what keeps report.html and junit.xml well-formed.
#ifndef TURNCOAT_REPORTS_XML_TEXT_H_
#define TURNCOAT_REPORTS_XML_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace turncoat {

// Escapes & < > " ' and replaces bytes that are not valid UTF-8, and
// characters XML 1.0 does not allow, with U+FFFD.
std::string XmlEscape(absl::string_view text);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_XML_TEXT_H_
