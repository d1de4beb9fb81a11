#include "agents/json_tree.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {
namespace agent {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kAny[] = "*";

// Compact text that never throws: a string set from a plan or a Byzantine
// payload need not be UTF-8, and strict dumping would throw on it.
std::string Dump(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::optional<FieldValue> Scalar(const Json& v) {
  FieldValue out;
  switch (v.type()) {
    case Json::value_t::string:
      out.text = v.get<std::string>();
      return out;
    case Json::value_t::boolean:
      out.text = v.get<bool>() ? "true" : "false";
      out.numeric = true;
      out.number = v.get<bool>() ? 1 : 0;
      return out;
    case Json::value_t::number_integer:
      out.text = absl::StrCat(v.get<int64_t>());
      out.numeric = true;
      out.number = static_cast<double>(v.get<int64_t>());
      return out;
    case Json::value_t::number_unsigned:
      out.text = absl::StrCat(v.get<uint64_t>());
      out.numeric = true;
      out.number = static_cast<double>(v.get<uint64_t>());
      return out;
    case Json::value_t::number_float:
      out.text = absl::StrCat(v.get<double>());
      out.numeric = true;
      out.number = v.get<double>();
      return out;
    case Json::value_t::object:
    case Json::value_t::array:
      out.text = Dump(v);
      return out;
    default:
      return std::nullopt;
  }
}

// The children segment `name` selects in object `v`.
template <typename J, typename Fn>
bool EachChild(J& v, const std::string& name, Fn&& fn) {
  if (!v.is_object()) return false;
  if (name == kAny) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (fn(it.value())) return true;
    }
    return false;
  }
  auto it = v.find(name);
  return it != v.end() && fn(*it);
}

// Visits what `path` reaches from `v` at segment `i`; arrays fan out.
template <typename J, typename Fn>
bool Walk(J& v, const TreePath& path, size_t i, Fn&& leaf) {
  if (v.is_array()) {
    for (auto& element : v) {
      if (Walk(element, path, i, leaf)) return true;
    }
    return false;
  }
  if (i == path.size()) return leaf(v);
  return EachChild(v, path[i], [&](auto& child) { return Walk(child, path, i + 1, leaf); });
}

bool NonEmpty(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

Json FromText(absl::string_view text) {
  int64_t i;
  if (absl::SimpleAtoi(text, &i)) return i;
  uint64_t u;
  if (absl::SimpleAtoi(text, &u)) return u;
  double d;
  if (text.find_first_of(".eE") != absl::string_view::npos && absl::SimpleAtod(text, &d)) return d;
  if (text == "true") return true;
  if (text == "false") return false;
  return std::string(text);
}

absl::Status Assign(Json* leaf, absl::string_view text, const TreePath& path) {
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not ", what, " for ", absl::StrJoin(path, ".")));
  };
  switch (leaf->type()) {
    case Json::value_t::number_integer: {
      int64_t x;
      if (!absl::SimpleAtoi(text, &x)) return bad("an integer");
      *leaf = x;
      break;
    }
    case Json::value_t::number_unsigned: {
      uint64_t x;
      int64_t y;
      if (absl::SimpleAtoi(text, &x)) {
        *leaf = x;
      } else if (absl::SimpleAtoi(text, &y)) {
        *leaf = y;
      } else {
        return bad("an integer");
      }
      break;
    }
    case Json::value_t::number_float: {
      double x;
      if (!absl::SimpleAtod(text, &x)) return bad("a number");
      *leaf = x;
      break;
    }
    case Json::value_t::boolean: {
      bool x;
      if (!absl::SimpleAtob(text, &x)) return bad("true or false");
      *leaf = x;
      break;
    }
    case Json::value_t::string:
      *leaf = std::string(text);
      break;
    case Json::value_t::null:
      *leaf = FromText(text);
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          absl::StrJoin(path, "."), " is an object or array, not a scalar; name a field inside it"));
  }
  return absl::OkStatus();
}

absl::Status SetFrom(Json& v, const TreePath& path, size_t i, absl::string_view text, bool create,
                     int* count) {
  if (v.is_array()) {
    for (Json& element : v) {
      if (absl::Status s = SetFrom(element, path, i, text, create, count); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (i == path.size()) {
    if (absl::Status s = Assign(&v, text, path); !s.ok()) return s;
    ++*count;
    return absl::OkStatus();
  }
  if (v.is_null() && create) v = Json::object();
  if (!v.is_object()) return absl::OkStatus();
  if (path[i] != kAny && !v.contains(path[i])) {
    if (!create) return absl::OkStatus();
    v[path[i]] = nullptr;
  }
  absl::Status status;
  EachChild(v, path[i], [&](Json& child) {
    status = SetFrom(child, path, i + 1, text, create, count);
    return !status.ok();
  });
  return status;
}

bool ClearFrom(Json& v, const TreePath& path, size_t i) {
  if (v.is_array()) {
    bool cleared = false;
    for (Json& element : v) cleared |= ClearFrom(element, path, i);
    return cleared;
  }
  if (!v.is_object()) return false;
  if (i + 1 == path.size()) {
    if (path[i] == kAny) {
      const bool had = !v.empty();
      v = Json::object();
      return had;
    }
    return v.erase(path[i]) > 0;
  }
  bool cleared = false;
  EachChild(v, path[i], [&](Json& child) {
    cleared |= ClearFrom(child, path, i + 1);
    return false;
  });
  return cleared;
}

// The key of the last array met along `path` from `v`, found in the data.
void LastListKey(const Json& v, const TreePath& path, size_t i, std::string* key) {
  if (v.is_array()) {
    for (const Json& element : v) LastListKey(element, path, i, key);
    return;
  }
  if (i == path.size() || !v.is_object()) return;
  EachChild(v, path[i], [&](const Json& child) {
    if (child.is_array() && path[i] != kAny) *key = path[i];
    LastListKey(child, path, i + 1, key);
    return false;
  });
}

int TrimEvery(Json& v, const std::string& key, int k) {
  int changed = 0;
  if (v.is_object()) {
    auto it = v.find(key);
    if (it != v.end() && it->is_array() && !it->empty()) {
      const size_t n = std::min(static_cast<size_t>(k), it->size());
      it->erase(it->begin(), it->begin() + static_cast<std::ptrdiff_t>(n));
      ++changed;
    }
    for (auto& [name, child] : v.items()) changed += TrimEvery(child, key, k);
  } else if (v.is_array()) {
    for (Json& element : v) changed += TrimEvery(element, key, k);
  }
  return changed;
}

void CollectIntegers(Json& v, const std::string& path, std::vector<IntegerLeaf>* out) {
  if (v.is_number_unsigned()) {
    out->push_back({path, [&v](bool up) { v = StepInteger(v.get<uint64_t>(), up); }});
  } else if (v.is_number_integer()) {
    out->push_back({path, [&v](bool up) { v = StepInteger(v.get<int64_t>(), up); }});
  } else if (v.is_array()) {
    for (Json& element : v) CollectIntegers(element, path, out);
  } else if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      CollectIntegers(it.value(), path.empty() ? it.key() : absl::StrCat(path, ".", it.key()), out);
    }
  }
}

// Calls `fn` on each array `path` ends in, from `v` at segment `i`.
void EachList(Json& v, const TreePath& path, size_t i, const std::function<void(Json&)>& fn) {
  if (v.is_array()) {
    for (Json& element : v) EachList(element, path, i, fn);
    return;
  }
  if (!v.is_object()) return;
  if (i + 1 == path.size()) {
    auto it = v.find(path[i]);
    if (it != v.end() && it->is_array()) fn(*it);
    return;
  }
  EachChild(v, path[i], [&](Json& child) {
    EachList(child, path, i + 1, fn);
    return false;
  });
}

}  // namespace

JsonTree::JsonTree(Json value) : value_(std::move(value)) {}
JsonTree::~JsonTree() = default;

std::unique_ptr<MessageTree> JsonTree::Clone() const { return std::make_unique<JsonTree>(value_); }

bool JsonTree::AnyValue(const TreePath& path,
                        const std::function<bool(const FieldValue&)>& fn) const {
  if (path.empty()) return false;
  return Walk(value_, path, 0, [&fn](const Json& leaf) {
    std::optional<FieldValue> v = Scalar(leaf);
    return v.has_value() && fn(*v);
  });
}

bool JsonTree::Present(const TreePath& path) const {
  if (path.empty()) return false;
  return Walk(value_, path, 0, [](const Json& leaf) { return NonEmpty(leaf); });
}

std::optional<std::string> JsonTree::SetMember(const TreePath& path) const {
  std::optional<std::string> member;
  auto in = [&member](const Json& v) {
    if (v.is_object() && v.size() == 1) member = v.begin().key();
    return true;
  };
  if (path.empty()) {
    in(value_);
  } else {
    Walk(value_, path, 0, in);
  }
  return member;
}

absl::Status JsonTree::Set(const TreePath& path, absl::string_view text, bool create) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  int count = 0;
  if (absl::Status s = SetFrom(value_, path, 0, text, create, &count); !s.ok()) return s;
  if (count == 0) {
    return absl::NotFoundError(absl::StrCat(absl::StrJoin(path, "."), " is not in this document"));
  }
  return absl::OkStatus();
}

bool JsonTree::Clear(const TreePath& path) {
  if (path.empty()) return false;
  return ClearFrom(value_, path, 0);
}

int JsonTree::TrimLists(const TreePath& path, int k) {
  std::string key;
  LastListKey(value_, path, 0, &key);
  if (key.empty() || k <= 0) return 0;
  return TrimEvery(value_, key, k);
}

std::vector<IntegerLeaf> JsonTree::IntegerLeaves() {
  std::vector<IntegerLeaf> leaves;
  CollectIntegers(value_, "", &leaves);
  return leaves;
}

std::vector<std::vector<std::unique_ptr<MessageTree>>> JsonTree::Lists(const TreePath& path) const {
  std::vector<std::vector<std::unique_ptr<MessageTree>>> out;
  if (path.empty()) return out;
  // EachList visits without changing anything.
  EachList(const_cast<Json&>(value_), path, 0, [&out](Json& list) {
    std::vector<std::unique_ptr<MessageTree>> elements;
    for (const Json& element : list) elements.push_back(std::make_unique<JsonTree>(element));
    out.push_back(std::move(elements));
  });
  return out;
}

absl::Status JsonTree::SetList(const TreePath& path, size_t index,
                               const std::vector<const MessageTree*>& elements) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  std::vector<Json*> lists;
  EachList(value_, path, 0, [&lists](Json& list) { lists.push_back(&list); });
  if (index >= lists.size()) {
    return absl::NotFoundError(absl::StrCat("no list ", index, " at ", absl::StrJoin(path, ".")));
  }
  Json replaced = Json::array();
  for (const MessageTree* element : elements) {
    if (element->json() == nullptr) return absl::InvalidArgumentError("a JSON list takes JSON elements");
    replaced.push_back(*element->json());
  }
  *lists[index] = std::move(replaced);
  return absl::OkStatus();
}

std::string JsonTree::DebugString() const { return Dump(value_); }

}  // namespace agent
}  // namespace turncoat
