#include "harness/template.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {
namespace {

// Every name visible in the innermost scope of `chain`, for "known: ..." hints.
std::set<std::string> VisibleVariables(const std::vector<const TemplateScope*>& chain) {
  std::set<std::string> names;
  for (const TemplateScope* s : chain) names.insert(s->variables.begin(), s->variables.end());
  return names;
}

const TemplateScope* FindList(const std::vector<const TemplateScope*>& chain,
                              const std::string& name) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (const auto& [list, scope] : (*it)->lists) {
      if (list == name) return &scope;
    }
  }
  return nullptr;
}

std::string ListNames(const std::vector<const TemplateScope*>& chain) {
  std::vector<std::string> names;
  for (const TemplateScope* s : chain) {
    for (const auto& [list, scope] : s->lists) names.push_back(list);
  }
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

}  // namespace

// Mustache's "standalone" rule: a list tag alone on its line takes the whole
// line with it, so a config-file template can put {{#peers}} and {{/peers}}
// on lines of their own without leaving blank lines behind.
void Template::StripStandaloneLine(absl::string_view text, size_t open, std::vector<Part>* body,
                                   size_t* pos) {
  size_t line_start = open;
  while (line_start > 0 && (text[line_start - 1] == ' ' || text[line_start - 1] == '\t')) {
    --line_start;
  }
  if (line_start > 0 && text[line_start - 1] != '\n') return;
  size_t after = *pos;
  while (after < text.size() &&
         (text[after] == ' ' || text[after] == '\t' || text[after] == '\r')) {
    ++after;
  }
  if (after < text.size() && text[after] != '\n') return;
  // The indentation before the tag went out as literal text already.
  if (open > line_start && !body->empty() && body->back().kind == Part::kText) {
    std::string& last = body->back().text;
    last.erase(last.size() - (open - line_start));
  }
  *pos = after < text.size() ? after + 1 : after;
}

absl::StatusOr<Template> Template::Parse(absl::string_view text, const TemplateScope& scope) {
  Template t;
  // Open lists: the part collecting their body, and the scope inside them.
  std::vector<std::vector<Part>*> bodies = {&t.parts_};
  std::vector<const TemplateScope*> chain = {&scope};
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == absl::string_view::npos) {
      bodies.back()->push_back(Part{Part::kText, std::string(text.substr(pos)), {}});
      break;
    }
    if (open > pos) {
      bodies.back()->push_back(Part{Part::kText, std::string(text.substr(pos, open - pos)), {}});
    }
    const size_t close = text.find("}}", open + 2);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("'{{' at offset ", open, " has no closing '}}'"));
    }
    const absl::string_view tag =
        absl::StripAsciiWhitespace(text.substr(open + 2, close - open - 2));
    const std::string tag_text = absl::StrCat("{{", tag, "}}");
    pos = close + 2;
    if (!tag.empty() && (tag[0] == '#' || tag[0] == '/')) {
      StripStandaloneLine(text, open, bodies.back(), &pos);
    }
    if (!tag.empty() && tag[0] == '#') {
      const std::string name(absl::StripAsciiWhitespace(tag.substr(1)));
      const TemplateScope* inner = FindList(chain, name);
      if (inner == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(tag_text, ": '", name, "' is not a list; lists: ", ListNames(chain)));
      }
      bodies.back()->push_back(Part{Part::kList, name, {}});
      bodies.push_back(&bodies.back()->back().body);
      chain.push_back(inner);
    } else if (!tag.empty() && tag[0] == '/') {
      const std::string name(absl::StripAsciiWhitespace(tag.substr(1)));
      if (bodies.size() == 1) {
        return absl::InvalidArgumentError(absl::StrCat(tag_text, " closes a list never opened"));
      }
      bodies.pop_back();
      const std::string& opened = bodies.back()->back().text;
      if (opened != name) {
        return absl::InvalidArgumentError(
            absl::StrCat(tag_text, " closes {{#", opened, "}}; expected {{/", opened, "}}"));
      }
      chain.pop_back();
    } else {
      const std::string name(tag);
      const std::set<std::string> visible = VisibleVariables(chain);
      if (visible.count(name) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown variable ", tag_text, "; known: ", absl::StrJoin(visible, ", ")));
      }
      bodies.back()->push_back(Part{Part::kVariable, name, {}});
    }
  }
  if (bodies.size() > 1) {
    // The innermost open list is the last list part of the enclosing body.
    bodies.pop_back();
    return absl::InvalidArgumentError(absl::StrCat("{{#", bodies.back()->back().text,
                                                   "}} is never closed; add {{/",
                                                   bodies.back()->back().text, "}}"));
  }
  return t;
}

absl::StatusOr<std::string> Template::Render(const TemplateValues& values) const {
  std::string out;
  std::vector<const TemplateValues*> scopes = {&values};
  absl::Status s = RenderParts(parts_, scopes, &out);
  if (!s.ok()) return s;
  return out;
}

absl::Status Template::RenderParts(const std::vector<Part>& parts,
                                   std::vector<const TemplateValues*>& scopes, std::string* out) {
  for (const Part& part : parts) {
    switch (part.kind) {
      case Part::kText:
        out->append(part.text);
        break;
      case Part::kVariable: {
        const std::string* value = nullptr;
        for (auto it = scopes.rbegin(); it != scopes.rend() && value == nullptr; ++it) {
          auto found = (*it)->variables.find(part.text);
          if (found != (*it)->variables.end()) value = &found->second;
        }
        if (value == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat("no value for {{", part.text, "}}"));
        }
        out->append(*value);
        break;
      }
      case Part::kList: {
        const std::vector<TemplateValues>* elements = nullptr;
        for (auto it = scopes.rbegin(); it != scopes.rend() && elements == nullptr; ++it) {
          auto found = (*it)->lists.find(part.text);
          if (found != (*it)->lists.end()) elements = &found->second;
        }
        if (elements == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat("no list for {{#", part.text, "}}"));
        }
        for (const TemplateValues& element : *elements) {
          scopes.push_back(&element);
          absl::Status s = RenderParts(part.body, scopes, out);
          scopes.pop_back();
          if (!s.ok()) return s;
        }
        break;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace turncoat
