// Template: the small Mustache subset that target files are written in.
//
// `{{name}}` inserts a variable; `{{#list}}...{{/list}}` repeats its body once
// per element of a list, and inside it the element's variables shadow the
// outer ones (Mustache's rule). There is no HTML escaping, no partials and no
// inverted sections: a target renders command-line arguments and config
// files, not web pages. As in Mustache, a list tag alone on its line removes
// that line.
//
// Parse() checks every name against a TemplateScope, so a misspelt variable
// in a target file is reported by `turncoat validate` rather than when a
// replica starts with a broken command line. A Template is immutable and safe
// to share between threads.
#ifndef TURNCOAT_HARNESS_TEMPLATE_H_
#define TURNCOAT_HARNESS_TEMPLATE_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace turncoat {

// The names a template may use.
struct TemplateScope {
  std::set<std::string> variables;
  // Lists and the names visible inside their elements (besides the outer ones).
  std::vector<std::pair<std::string, TemplateScope>> lists;
};

// The values a template is rendered with; shaped like its TemplateScope.
struct TemplateValues {
  std::map<std::string, std::string> variables;
  std::map<std::string, std::vector<TemplateValues>> lists;
};

class Template {
 public:
  Template() = default;  // renders as ""

  // Fails on an unknown name, an unbalanced {{#list}} ... {{/list}} or an
  // unterminated "{{", with a message naming the offending tag.
  static absl::StatusOr<Template> Parse(absl::string_view text, const TemplateScope& scope);

  // Fails only if `values` lacks a name the template uses.
  absl::StatusOr<std::string> Render(const TemplateValues& values) const;

 private:
  struct Part {
    enum Kind { kText, kVariable, kList } kind = kText;
    std::string text;  // literal text, or the variable or list name
    std::vector<Part> body;
  };

  static void StripStandaloneLine(absl::string_view text, size_t open, std::vector<Part>* body,
                                  size_t* pos);
  static absl::Status RenderParts(const std::vector<Part>& parts,
                                  std::vector<const TemplateValues*>& scopes, std::string* out);

  std::vector<Part> parts_;
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_TEMPLATE_H_
