#include "model/template.h"

#include <algorithm>
#include <cstddef>
#include <exception>

#include <kainjow/mustache.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

// kainjow renders a skeleton of the template rather than the text as written:
// - Each name becomes a key that carries its kind: "v" (a variable's text),
//   "n" (whether that text is non-empty), "f" (a flag) or "l" (a list),
//   followed by the name in hex. One scope may give `peers` to a variable and
//   to a list at once, and kainjow treats every string, even "", as true.
// - Literal text becomes data too ("t" and its index), so kainjow never sees
//   a newline or a brace of the template. kainjow applies the standalone-line
//   rule after rendering, by dropping any line that had a section tag and
//   came out blank; that keeps the lines of false sections and of comments
//   and drops lines that the spec keeps. Parse() applies the spec's rule to
//   the template instead: a standalone tag takes its indentation and line end
//   with it, before kainjow sees anything.
// - kEndMarker closes every skeleton. kainjow drops its last line when that
//   line had a section tag and came out blank, and with no newline left the
//   whole output is one line; the marker keeps that line from being blank,
//   and Render() takes it off again.

namespace turncoat {
namespace {

namespace km = kainjow::mustache;

constexpr char kEndMarker = '.';

std::string Key(char kind, absl::string_view name) {
  return absl::StrCat(absl::string_view(&kind, 1), absl::BytesToHexString(name));
}

// What a name means at one point of a template.
struct Binding {
  enum Kind { kNone, kVariable, kFlag, kList } kind = kNone;
  const TemplateScope* element = nullptr;  // for a list: its element's scope
};

const TemplateScope* FindList(const TemplateScope& scope, const std::string& name) {
  for (const auto& [list, element] : scope.lists) {
    if (list == name) return &element;
  }
  return nullptr;
}

// The innermost scope that knows `name` decides what it is (Mustache's
// shadowing, and kainjow's lookup). Within that scope a section prefers the
// list, then the flag, and a plain tag prefers the variable.
Binding Resolve(const std::vector<const TemplateScope*>& chain, const std::string& name,
                bool section) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const TemplateScope* list = FindList(**it, name);
    const bool variable = (*it)->variables.count(name) > 0;
    const bool flag = (*it)->flags.count(name) > 0;
    if (list != nullptr && (section || !variable)) return {Binding::kList, list};
    if (flag && (section || !variable)) return {Binding::kFlag, nullptr};
    if (variable) return {Binding::kVariable, nullptr};
  }
  return {};
}

// The names a tag could use at this point, sorted, for "known: ..." hints: a
// plain tag takes variables only, a section anything (kinds spelt out).
std::string KnownNames(const std::vector<const TemplateScope*>& chain, bool section) {
  std::set<std::string> names;
  for (const TemplateScope* s : chain) {
    names.insert(s->variables.begin(), s->variables.end());
    names.insert(s->flags.begin(), s->flags.end());
    for (const auto& [list, element] : s->lists) names.insert(list);
  }
  std::vector<std::string> known;
  for (const std::string& name : names) {
    switch (Resolve(chain, name, section).kind) {
      case Binding::kVariable:
        known.push_back(name);
        break;
      case Binding::kFlag:
        if (section) known.push_back(absl::StrCat(name, " (flag)"));
        break;
      case Binding::kList:
        if (section) known.push_back(absl::StrCat(name, " (list)"));
        break;
      case Binding::kNone:
        break;
    }
  }
  return known.empty() ? "none" : absl::StrJoin(known, ", ");
}

size_t LineOf(absl::string_view text, size_t offset) {
  return 1 + std::count(text.begin(), text.begin() + offset, '\n');
}

size_t ColumnOf(absl::string_view text, size_t offset) {
  size_t line_start = offset;
  while (line_start > 0 && text[line_start - 1] != '\n') --line_start;
  return offset - line_start + 1;
}

// Mustache's standalone rule: a section or comment tag that is the only
// thing on its line but spaces and tabs removes the whole line. If the tag
// at [open, end) is standalone, moves *line_start back to where its line
// begins and *next on to where the following line does.
void FindStandalone(absl::string_view text, size_t open, size_t end, size_t* line_start,
                    size_t* next) {
  size_t begin = open;
  while (begin > 0 && (text[begin - 1] == ' ' || text[begin - 1] == '\t')) --begin;
  if (begin > 0 && text[begin - 1] != '\n') return;
  size_t after = end;
  while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
  if (after < text.size()) {
    if (text[after] == '\n') {
      after += 1;
    } else if (text.substr(after, 2) == "\r\n") {
      after += 2;
    } else {
      return;
    }
  }
  *line_start = begin;
  *next = after;
}

template <typename Map>
const typename Map::mapped_type* FindValue(const std::vector<const TemplateValues*>& stack,
                                           Map TemplateValues::*member, const std::string& name) {
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    const Map& map = (*it)->*member;
    auto found = map.find(name);
    if (found != map.end()) return &found->second;
  }
  return nullptr;
}

km::data ToData(const TemplateValues& values) {
  km::data out;
  for (const auto& [name, text] : values.variables) {
    out.set(Key('v', name), km::data(text));
    out.set(Key('n', name), km::data(!text.empty()));
  }
  for (const auto& [name, flag] : values.flags) out.set(Key('f', name), km::data(flag));
  for (const auto& [name, elements] : values.lists) {
    km::data list(km::data::type::list);
    for (const TemplateValues& element : elements) list.push_back(ToData(element));
    out.set(Key('l', name), list);
  }
  return out;
}

}  // namespace

absl::StatusOr<Template> Template::Parse(absl::string_view text, const TemplateScope& scope) {
  // A one-line template is a command-line argument or a path, which the
  // target file's own position already pins down.
  const bool multiline = text.find('\n') != absl::string_view::npos;
  const auto error = [&](size_t offset, auto&&... message) {
    return absl::InvalidArgumentError(absl::StrCat(
        multiline ? absl::StrCat("template line ", LineOf(text, offset), ": ") : "", message...));
  };

  Template t;
  const auto add_text = [&t](absl::string_view literal) {
    if (literal.empty()) return;
    absl::StrAppend(&t.skeleton_, "{{&t", t.texts_.size(), "}}");
    t.texts_.emplace_back(literal);
  };
  // The sections open at this point, innermost last.
  struct Open {
    std::string name;
    std::string tag;
    size_t offset;
    std::string skeleton_close;
    bool enters_element;  // a {{#list}}, whose element's names are now visible
  };
  std::vector<Open> open;
  std::vector<std::vector<Use>*> bodies = {&t.uses_};
  std::vector<const TemplateScope*> chain = {&scope};

  size_t pos = 0;
  while (pos < text.size()) {
    const size_t tag_at = text.find("{{", pos);
    if (tag_at == absl::string_view::npos) {
      add_text(text.substr(pos));
      break;
    }
    // As in kainjow and the spec, "{{{" opens a tag that only "}}}" closes.
    const bool triple = tag_at + 2 < text.size() && text[tag_at + 2] == '{';
    const absl::string_view opener = triple ? "{{{" : "{{";
    const absl::string_view closer = triple ? "}}}" : "}}";
    const size_t close_at = text.find(closer, tag_at + opener.size());
    if (close_at == absl::string_view::npos) {
      return error(tag_at, "'", opener, "' at column ", ColumnOf(text, tag_at), " has no closing '",
                   closer, "'");
    }
    const absl::string_view content = absl::StripAsciiWhitespace(
        text.substr(tag_at + opener.size(), close_at - tag_at - opener.size()));
    const std::string tag = absl::StrCat(opener, content, closer);
    const char sigil = triple || content.empty() ? '\0' : content[0];
    if (sigil == '=') {
      return error(tag_at, tag,
                   ": set-delimiter tags are not supported; write every tag with {{ }}");
    }
    if (sigil == '>') {
      return error(tag_at, tag, ": partials are not supported; write the text in place");
    }
    const bool has_sigil =
        sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!' || sigil == '&';
    const std::string name(has_sigil ? absl::StripAsciiWhitespace(content.substr(1)) : content);

    size_t text_end = tag_at;
    size_t next = close_at + closer.size();
    if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!') {
      FindStandalone(text, tag_at, next, &text_end, &next);
    }
    add_text(text.substr(pos, text_end - pos));
    pos = next;

    switch (sigil) {
      case '!':
        break;
      case '#':
      case '^': {
        const Binding b = Resolve(chain, name, /*section=*/true);
        if (b.kind == Binding::kNone) {
          return error(tag_at, "unknown name ", tag, "; known: ", KnownNames(chain, true));
        }
        const std::string key = Key(b.kind == Binding::kList   ? 'l'
                                    : b.kind == Binding::kFlag ? 'f'
                                                               : 'n',
                                    name);
        absl::StrAppend(&t.skeleton_, "{{", absl::string_view(&sigil, 1), key, "}}");
        const Use::Kind kind = b.kind == Binding::kList   ? Use::kList
                               : b.kind == Binding::kFlag ? Use::kFlag
                                                          : Use::kVariable;
        bodies.back()->push_back(Use{kind, sigil == '^', name, tag, {}});
        bodies.push_back(&bodies.back()->back().body);
        const bool enters_element = b.kind == Binding::kList && sigil == '#';
        if (enters_element) chain.push_back(b.element);
        open.push_back(Open{name, tag, tag_at, absl::StrCat("{{/", key, "}}"), enters_element});
        break;
      }
      case '/': {
        if (open.empty()) return error(tag_at, tag, " closes a section never opened");
        const Open& o = open.back();
        if (name != o.name) {
          return error(tag_at, tag, " closes ", o.tag,
                       multiline ? absl::StrCat(" (line ", LineOf(text, o.offset), ")") : "",
                       "; expected {{/", o.name, "}}");
        }
        t.skeleton_ += o.skeleton_close;
        if (o.enters_element) chain.pop_back();
        bodies.pop_back();
        open.pop_back();
        break;
      }
      default: {  // {{name}}, {{&name}}, {{{name}}}
        const Binding b = Resolve(chain, name, /*section=*/false);
        switch (b.kind) {
          case Binding::kNone:
            return error(tag_at, "unknown variable ", tag, "; known: ", KnownNames(chain, false));
          case Binding::kList:
            return error(tag_at, tag, ": '", name, "' is a list; write {{#", name, "}}...{{/", name,
                         "}} to repeat text for each element");
          case Binding::kFlag:
            return error(tag_at, tag, ": '", name, "' is a flag, true or false; write {{#", name,
                         "}}...{{/", name, "}} for text when it is true");
          case Binding::kVariable:
            break;
        }
        absl::StrAppend(&t.skeleton_, "{{&", Key('v', name), "}}");
        bodies.back()->push_back(Use{Use::kVariable, false, name, tag, {}});
        break;
      }
    }
  }
  if (!open.empty()) {
    return error(open.back().offset, open.back().tag, " is never closed; add {{/", open.back().name,
                 "}}");
  }
  return t;
}

absl::Status Template::CheckValues(const std::vector<Use>& uses,
                                   std::vector<const TemplateValues*>& stack) {
  for (const Use& use : uses) {
    switch (use.kind) {
      case Use::kVariable:
        if (FindValue(stack, &TemplateValues::variables, use.name) == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat("no value for ", use.tag));
        }
        break;
      case Use::kFlag:
        if (FindValue(stack, &TemplateValues::flags, use.name) == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat("no value for the flag ", use.tag));
        }
        break;
      case Use::kList: {
        const std::vector<TemplateValues>* elements =
            FindValue(stack, &TemplateValues::lists, use.name);
        if (elements == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat("no value for the list ", use.tag));
        }
        if (use.inverted) break;
        for (const TemplateValues& element : *elements) {
          stack.push_back(&element);
          absl::Status s = CheckValues(use.body, stack);
          stack.pop_back();
          if (!s.ok()) return s;
        }
        continue;
      }
    }
    absl::Status s = CheckValues(use.body, stack);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Template::Render(const TemplateValues& values) const {
  try {
    std::vector<const TemplateValues*> stack = {&values};
    absl::Status checked = CheckValues(uses_, stack);
    if (!checked.ok()) return checked;

    km::data data = ToData(values);
    for (size_t i = 0; i < texts_.size(); ++i) {
      data.set(absl::StrCat("t", i), km::data(texts_[i]));
    }
    // A kainjow object keeps state while it renders, so each call has its own.
    km::mustache engine(skeleton_ + kEndMarker);
    engine.set_custom_escape([](const std::string& s) { return s; });
    std::string out = engine.is_valid() ? engine.render(data) : "";
    if (!engine.is_valid() || out.empty() || out.back() != kEndMarker) {
      return absl::InternalError(
          absl::StrCat("kainjow mustache failed on a checked template: ", engine.error_message()));
    }
    out.pop_back();
    return out;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("rendering a template failed: ", e.what()));
  }
}

}  // namespace turncoat
