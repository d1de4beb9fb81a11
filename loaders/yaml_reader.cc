#include "loaders/yaml_reader.h"

#include <cmath>
#include <limits>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "model/quantities.h"

namespace turncoat {
namespace {

std::string ChildPath(absl::string_view parent, absl::string_view key) {
  return parent.empty() ? std::string(key) : absl::StrCat(parent, ".", key);
}

std::string RangeText(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int64_t>::max()) return absl::StrCat("an integer >= ", min);
  return absl::StrCat("an integer from ", min, " to ", max);
}

}  // namespace

std::string DescribeYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar: {
      constexpr size_t kMaxShown = 40;
      const std::string& s = node.Scalar();
      return absl::StrCat("'", s.size() > kMaxShown ? s.substr(0, kMaxShown) + "..." : s, "'");
    }
    default:
      return "an empty value";
  }
}

bool YamlMap::Has(absl::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return true;
  }
  return false;
}

YamlField YamlMap::Get(absl::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return YamlField{YAML::Node(), field_.mark, ChildPath(field_.path, key)};
}

absl::StatusOr<YamlField> YamlMap::Require(absl::string_view key) const {
  if (!Has(key)) {
    return reader_->Error(field_, absl::StrCat("missing required key '", key, "'"));
  }
  return Get(key);
}

absl::StatusOr<YamlReader> YamlReader::Parse(absl::string_view text, std::string file_name) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return YamlReader(std::move(root), std::move(file_name));
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": not valid YAML: ", e.msg));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": not valid YAML: ", e.what()));
  }
}

YamlField YamlReader::root() const { return YamlField{root_, root_.Mark(), ""}; }

absl::Status YamlReader::Error(const YamlField& at, absl::string_view message) const {
  std::string where = file_name_;
  // An empty document has no position; the file name alone is the best blame.
  if (at.mark.line >= 0) {
    absl::StrAppend(&where, ":", at.mark.line + 1, ":", at.mark.column + 1);
  }
  if (!at.path.empty()) absl::StrAppend(&where, ": ", at.path);
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", message));
}

absl::StatusOr<YamlMap> YamlReader::Map(const YamlField& at,
                                        const std::vector<std::string>& allowed) const {
  if (!at.node.IsMap()) {
    return Error(at, absl::StrCat("expected a mapping with keys ", absl::StrJoin(allowed, ", "),
                                  "; got ", DescribeYaml(at.node)));
  }
  YamlMap map(this, at);
  for (auto it = at.node.begin(); it != at.node.end(); ++it) {
    const YamlField key_field{it->first, it->first.Mark(), at.path};
    if (!it->first.IsScalar()) {
      return Error(key_field,
                   absl::StrCat("keys must be plain words; got ", DescribeYaml(it->first)));
    }
    const std::string& key = it->first.Scalar();
    bool known = false;
    for (const std::string& a : allowed) known = known || a == key;
    if (!known) {
      return Error(key_field, absl::StrCat("unknown key '", key,
                                           "'; expected one of: ", absl::StrJoin(allowed, ", ")));
    }
    if (map.Has(key)) {
      return Error(key_field, absl::StrCat("key '", key, "' appears twice (first on line ",
                                           map.Get(key).mark.line + 1, ")"));
    }
    const YAML::Mark value_mark = it->second.IsNull() ? it->first.Mark() : it->second.Mark();
    map.entries_.emplace_back(key, YamlField{it->second, value_mark, ChildPath(at.path, key)});
  }
  return map;
}

absl::StatusOr<std::vector<YamlField>> YamlReader::Sequence(const YamlField& at) const {
  if (!at.node.IsSequence()) {
    return Error(at, absl::StrCat("expected a list, e.g. [a, b]; got ", DescribeYaml(at.node)));
  }
  std::vector<YamlField> out;
  for (size_t i = 0; i < at.node.size(); ++i) {
    const YAML::Node element = at.node[i];
    out.push_back(YamlField{element, element.IsNull() ? at.mark : element.Mark(),
                            absl::StrCat(at.path, "[", i, "]")});
  }
  return out;
}

absl::StatusOr<std::string> YamlReader::Scalar(const YamlField& at,
                                               absl::string_view expected) const {
  if (!at.node.IsScalar()) {
    return Error(at, absl::StrCat("expected ", expected, "; got ", DescribeYaml(at.node)));
  }
  return at.node.Scalar();
}

absl::StatusOr<std::string> YamlReader::String(const YamlField& at) const {
  absl::StatusOr<std::string> s = Scalar(at, "a string");
  if (!s.ok()) return s.status();
  if (s->empty()) return Error(at, "expected a non-empty string; got ''");
  return s;
}

absl::StatusOr<bool> YamlReader::Bool(const YamlField& at) const {
  absl::StatusOr<std::string> s = Scalar(at, "true or false");
  if (!s.ok()) return s.status();
  const std::string lower = absl::AsciiStrToLower(*s);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return Error(at, absl::StrCat("expected true or false; got '", *s, "'"));
}

absl::StatusOr<int64_t> YamlReader::Int(const YamlField& at, int64_t min, int64_t max) const {
  absl::StatusOr<std::string> s = Scalar(at, RangeText(min, max));
  if (!s.ok()) return s.status();
  int64_t v = 0;
  if (!absl::SimpleAtoi(*s, &v) || v < min || v > max) {
    return Error(at, absl::StrCat("expected ", RangeText(min, max), "; got '", *s, "'"));
  }
  return v;
}

absl::StatusOr<uint64_t> YamlReader::Uint64(const YamlField& at) const {
  constexpr absl::string_view kExpected = "an integer from 0 to 18446744073709551615";
  absl::StatusOr<std::string> s = Scalar(at, kExpected);
  if (!s.ok()) return s.status();
  uint64_t v = 0;
  if (absl::StripAsciiWhitespace(*s).substr(0, 1) == "-" || !absl::SimpleAtoi(*s, &v)) {
    return Error(at, absl::StrCat("expected ", kExpected, "; got '", *s, "'"));
  }
  return v;
}

absl::StatusOr<double> YamlReader::Number(const YamlField& at, double min, double max) const {
  const std::string expected = absl::StrCat("a number from ", min, " to ", max);
  absl::StatusOr<std::string> s = Scalar(at, expected);
  if (!s.ok()) return s.status();
  double v = 0;
  if (!absl::SimpleAtod(*s, &v) || !std::isfinite(v) || v < min || v > max) {
    return Error(at, absl::StrCat("expected ", expected, "; got '", *s, "'"));
  }
  return v;
}

absl::StatusOr<absl::Duration> YamlReader::Duration(const YamlField& at) const {
  absl::StatusOr<std::string> s = Scalar(at, "a duration such as 40s or 500ms");
  if (!s.ok()) return s.status();
  absl::StatusOr<absl::Duration> d = ParseDuration(*s);
  if (!d.ok()) return Error(at, d.status().message());
  return d;
}

absl::StatusOr<double> YamlReader::ByteRate(const YamlField& at) const {
  absl::StatusOr<std::string> s = Scalar(at, "bytes per second such as 16KiB or 2048");
  if (!s.ok()) return s.status();
  absl::StatusOr<double> r = ParseByteRate(*s);
  if (!r.ok()) return Error(at, r.status().message());
  return r;
}

absl::StatusOr<double> YamlReader::Rate(const YamlField& at) const {
  absl::StatusOr<std::string> s = Scalar(at, "a rate such as 50/s");
  if (!s.ok()) return s.status();
  absl::StatusOr<double> r = ParseRate(*s);
  if (!r.ok()) return Error(at, r.status().message());
  return r;
}

absl::StatusOr<std::vector<std::string>> YamlReader::StringList(const YamlField& at) const {
  absl::StatusOr<std::vector<YamlField>> items = Sequence(at);
  if (!items.ok()) return items.status();
  std::vector<std::string> out;
  for (const YamlField& item : *items) {
    absl::StatusOr<std::string> s = String(item);
    if (!s.ok()) return s.status();
    out.push_back(*std::move(s));
  }
  return out;
}

absl::StatusOr<std::vector<int>> YamlReader::DistinctIntList(const YamlField& at, int min,
                                                             int max) const {
  absl::StatusOr<std::vector<YamlField>> items = Sequence(at);
  if (!items.ok()) return items.status();
  std::vector<int> out;
  std::set<int> seen;
  for (const YamlField& item : *items) {
    absl::StatusOr<int64_t> v = Int(item, min, max);
    if (!v.ok()) return v.status();
    if (!seen.insert(static_cast<int>(*v)).second) {
      return Error(item, absl::StrCat(*v, " appears twice; list each value once"));
    }
    out.push_back(static_cast<int>(*v));
  }
  return out;
}

}  // namespace turncoat
