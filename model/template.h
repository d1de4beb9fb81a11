// Template: the Mustache templates that target files are written in
// (command-line arguments and config files rendered per replica).
//
// Semantics are Mustache's (spec v1.x): `{{name}}` inserts a variable;
// `{{#list}}...{{/list}}` repeats per element, whose names shadow the outer
// ones while the outer ones stay visible; `{{#flag}}`/`{{^flag}}` render iff
// the flag is true/false, `{{#var}}`/`{{^var}}` iff the variable is non-empty/
// empty, `{{^list}}` iff the list is empty; `{{! ...}}` is a comment; a
// section or comment tag alone on its line takes the line with it. There is
// no HTML escaping: `{{x}}`, `{{{x}}}` and `{{&x}}` all insert x as it is.
// Partials and set-delimiter tags are not supported.
//
// Parse() checks every name against a TemplateScope, so a misspelt name in a
// target file is reported by `turncoat validate` rather than when a replica
// starts with a broken command line. Rendering is done by kainjow mustache.
//
// A Template is immutable after Parse() and safe to share between threads;
// Render() may run concurrently on one Template.
#ifndef TURNCOAT_MODEL_TEMPLATE_H_
#define TURNCOAT_MODEL_TEMPLATE_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace turncoat {

// The names a template may use. One scope may give a name to a variable and
// to a list at once (ReplicaScope's `peers`): `{{peers}}` then means the
// variable and `{{#peers}}` the list.
struct TemplateScope {
  std::set<std::string> variables;
  // Lists and the names visible inside their elements (besides the outer
  // ones); an element scope may itself have lists and flags.
  std::vector<std::pair<std::string, TemplateScope>> lists;
  // Booleans, usable only as sections. Last and default-initialised, so that
  // brace initialisers written before flags existed ({variables, lists})
  // still compile, without -Wmissing-field-initializers warnings.
  std::set<std::string> flags = {};
};

// The values a template is rendered with; shaped like its TemplateScope.
struct TemplateValues {
  std::map<std::string, std::string> variables;
  std::map<std::string, std::vector<TemplateValues>> lists;
  std::map<std::string, bool> flags;
};

class Template {
 public:
  Template() = default;  // renders as ""

  // Fails, naming the tag (and, in a template of several lines, its line) on:
  // an unknown name, `{{x}}` over a list or flag, unbalanced or mismatched
  // section tags, an unterminated "{{", partials and set-delimiter tags.
  static absl::StatusOr<Template> Parse(absl::string_view text, const TemplateScope& scope);

  // Fails if `values` lacks a name the template uses, saying which. Names in
  // the body of a false section need values too, so that a forgotten value
  // shows on every run; a list's body is checked once per element, so an
  // empty list checks none. Never throws.
  absl::StatusOr<std::string> Render(const TemplateValues& values) const;

 private:
  // A name the template uses, resolved against the scope; what Render()
  // checks the values against.
  struct Use {
    enum Kind { kVariable, kFlag, kList } kind = kVariable;
    bool inverted = false;  // {{^name}}
    std::string name;
    std::string tag;        // as written, for messages
    std::vector<Use> body;  // the uses inside a section
  };

  static absl::Status CheckValues(const std::vector<Use>& uses,
                                  std::vector<const TemplateValues*>& stack);

  std::vector<Use> uses_;
  // What kainjow renders: the template reduced to tags over kind-qualified
  // keys, with the literal text held apart in texts_ (see template.cc).
  std::string skeleton_;
  std::vector<std::string> texts_;
};

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_TEMPLATE_H_
