#include "agents/proto_tree.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agents/field_setter.h"
#include "agents/message_codec.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

constexpr char kAny[] = "*";

std::string FieldNames(const pb::Descriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->field_count(); ++i) names.push_back(type->field(i)->name());
  return absl::StrJoin(names, ", ");
}

FieldValue ValueOf(const pb::Message& m, const pb::FieldDescriptor* f, int index) {
  const pb::Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  FieldValue v;
  auto num = [&v](double d) {
    v.numeric = true;
    v.number = d;
  };
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      const int32_t x = rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
      v.text = absl::StrCat(x);
      num(x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      const int64_t x = rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
      v.text = absl::StrCat(x);
      num(static_cast<double>(x));
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      const uint32_t x = rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
      v.text = absl::StrCat(x);
      num(x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      const uint64_t x = rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
      v.text = absl::StrCat(x);
      num(static_cast<double>(x));
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      const double x = rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
      v.text = absl::StrCat(x);
      num(x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      const float x = rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
      v.text = absl::StrCat(x);
      num(x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      const bool x = rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
      v.text = x ? "true" : "false";
      num(x ? 1 : 0);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* e = rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f);
      v.text = e->name();
      num(e->number());
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_STRING:
      v.text = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      break;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      // A path ending at a message compares its text form; Present() is the
      // usual predicate for those.
      v.text = (rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f)).ShortDebugString();
      break;
  }
  return v;
}

bool IsSet(const pb::Message& m, const pb::FieldDescriptor* f) {
  const pb::Reflection* r = m.GetReflection();
  return f->is_repeated() ? r->FieldSize(m, f) > 0 : r->HasField(m, f);
}

// The fields segment `name` selects in `m`: one by name, or every set field
// for `*`.
std::vector<const pb::FieldDescriptor*> Select(const pb::Message& m, const std::string& name) {
  if (name == kAny) {
    std::vector<const pb::FieldDescriptor*> fields;
    m.GetReflection()->ListFields(m, &fields);
    return fields;
  }
  const pb::FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr) return {};
  return {f};
}

using Leaf = std::function<bool(const pb::Message&, const pb::FieldDescriptor*)>;

// Visits the fields `path` reaches from `m` at segment `i`; `leaf` gets each
// reached last field and returns true to stop.
bool Walk(const MessageCodec* codec, const TreePath& path, size_t i, const pb::Message& m,
          const Leaf& leaf) {
  for (const pb::FieldDescriptor* f : Select(m, path[i])) {
    if (i + 1 == path.size()) {
      if (leaf(m, f)) return true;
      continue;
    }
    const pb::Reflection* r = m.GetReflection();
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int k = 0; k < r->FieldSize(m, f); ++k) {
          if (Walk(codec, path, i + 1, r->GetRepeatedMessage(m, f, k), leaf)) return true;
        }
      } else if (r->HasField(m, f) && Walk(codec, path, i + 1, r->GetMessage(m, f), leaf)) {
        return true;
      }
      continue;
    }
    const pb::Descriptor* inner_type = codec == nullptr ? nullptr : codec->EmbeddedType(f);
    if (inner_type == nullptr) continue;
    const int count = f->is_repeated() ? r->FieldSize(m, f) : 1;
    for (int k = 0; k < count; ++k) {
      std::string scratch;
      const std::string& raw = f->is_repeated()
                                   ? r->GetRepeatedStringReference(m, f, k, &scratch)
                                   : r->GetStringReference(m, f, &scratch);
      auto inner = codec->Decode(inner_type, raw);
      if (inner.ok() && Walk(codec, path, i + 1, **inner, leaf)) return true;
    }
  }
  return false;
}

// Sets what `path` reaches from `m` at segment `i`; counts the leaves set.
absl::Status SetFrom(const MessageCodec* codec, pb::Message* m, const TreePath& path, size_t i,
                     absl::string_view text, bool create, int* count) {
  const pb::Reflection* r = m->GetReflection();
  const std::vector<const pb::FieldDescriptor*> fields = Select(*m, path[i]);
  if (fields.empty() && path[i] != kAny) {
    return absl::InvalidArgumentError(absl::StrCat(m->GetDescriptor()->full_name(),
                                                   " has no field '", path[i], "' (fields: ",
                                                   FieldNames(m->GetDescriptor()), ")"));
  }
  for (const pb::FieldDescriptor* f : fields) {
    if (i + 1 == path.size()) {
      if (f->is_repeated() || f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        return absl::InvalidArgumentError(
            absl::StrCat(f->full_name(), " is not a singular scalar field; name one inside it"));
      }
      if (absl::Status s = SetScalar(m, f, text); !s.ok()) return s;
      ++*count;
      continue;
    }
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int k = 0; k < r->FieldSize(*m, f); ++k) {
          if (absl::Status s =
                  SetFrom(codec, r->MutableRepeatedMessage(m, f, k), path, i + 1, text, create, count);
              !s.ok()) {
            return s;
          }
        }
      } else if (r->HasField(*m, f) || create) {
        if (absl::Status s = SetFrom(codec, r->MutableMessage(m, f), path, i + 1, text, create, count);
            !s.ok()) {
          return s;
        }
      }
      continue;
    }
    const pb::Descriptor* inner_type = codec == nullptr ? nullptr : codec->EmbeddedType(f);
    if (inner_type == nullptr || f->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          f->full_name(), " is neither a message nor a payload declared embedded; a path "
                          "cannot go through it"));
    }
    if (!r->HasField(*m, f) && !create) continue;
    auto inner = codec->Decode(inner_type, r->GetString(*m, f));
    if (!inner.ok()) return inner.status();
    const int before = *count;
    if (absl::Status s = SetFrom(codec, inner->get(), path, i + 1, text, create, count); !s.ok()) {
      return s;
    }
    if (*count > before) r->SetString(m, f, MessageCodec::Encode(**inner));
  }
  return absl::OkStatus();
}

// The messages holding the last field of `path` (through singular and
// repeated messages), for Clear.
void Parents(pb::Message* m, const TreePath& path, size_t i, std::vector<pb::Message*>* out) {
  if (i + 1 == path.size()) {
    out->push_back(m);
    return;
  }
  const pb::Reflection* r = m->GetReflection();
  for (const pb::FieldDescriptor* f : Select(*m, path[i])) {
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int k = 0; k < r->FieldSize(*m, f); ++k) {
        Parents(r->MutableRepeatedMessage(m, f, k), path, i + 1, out);
      }
    } else if (r->HasField(*m, f)) {
      Parents(r->MutableMessage(m, f), path, i + 1, out);
    }
  }
}

// Removes the first `n` elements of repeated field `f`, keeping the order of
// the rest (reflection can only swap and remove the last).
void RemoveFirst(pb::Message* m, const pb::FieldDescriptor* f, int n) {
  const pb::Reflection* r = m->GetReflection();
  const int size = r->FieldSize(*m, f);
  n = std::min(n, size);
  for (int i = n; i < size; ++i) r->SwapElements(m, f, i - n, i);
  for (int i = 0; i < n; ++i) r->RemoveLast(m, f);
}

// Trims field `values` of every message of type `container` within `m`.
int TrimEvery(pb::Message* m, const pb::Descriptor* container, const pb::FieldDescriptor* values,
              int k) {
  int changed = 0;
  const pb::Reflection* r = m->GetReflection();
  if (m->GetDescriptor() == container && r->FieldSize(*m, values) > 0) {
    RemoveFirst(m, values, k);
    ++changed;
  }
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!f->is_repeated()) {
      changed += TrimEvery(r->MutableMessage(m, f), container, values, k);
      continue;
    }
    for (int i = 0; i < r->FieldSize(*m, f); ++i) {
      changed += TrimEvery(r->MutableRepeatedMessage(m, f, i), container, values, k);
    }
  }
  return changed;
}

// Moves singular field `f`, or element `index` of repeated field `f`.
void Bump(pb::Message* m, const pb::FieldDescriptor* f, int index, bool up) {
  const pb::Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      if (rep) {
        r->SetRepeatedInt32(m, f, index, StepInteger(r->GetRepeatedInt32(*m, f, index), up));
      } else {
        r->SetInt32(m, f, StepInteger(r->GetInt32(*m, f), up));
      }
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      if (rep) {
        r->SetRepeatedInt64(m, f, index, StepInteger(r->GetRepeatedInt64(*m, f, index), up));
      } else {
        r->SetInt64(m, f, StepInteger(r->GetInt64(*m, f), up));
      }
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      if (rep) {
        r->SetRepeatedUInt32(m, f, index, StepInteger(r->GetRepeatedUInt32(*m, f, index), up));
      } else {
        r->SetUInt32(m, f, StepInteger(r->GetUInt32(*m, f), up));
      }
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      if (rep) {
        r->SetRepeatedUInt64(m, f, index, StepInteger(r->GetRepeatedUInt64(*m, f, index), up));
      } else {
        r->SetUInt64(m, f, StepInteger(r->GetUInt64(*m, f), up));
      }
      break;
    }
    default: {  // enum: the next declared value, wrapping
      const pb::EnumDescriptor* type = f->enum_type();
      const int number = rep ? r->GetRepeatedEnumValue(*m, f, index) : r->GetEnumValue(*m, f);
      int next = 0;  // an undeclared number (open enums) moves to the first
      for (int i = 0; i < type->value_count(); ++i) {
        if (type->value(i)->number() == number) {
          next = (i + 1) % type->value_count();
          break;
        }
      }
      const int to = type->value(next)->number();
      if (rep) {
        r->SetRepeatedEnumValue(m, f, index, to);
      } else {
        r->SetEnumValue(m, f, to);
      }
      break;
    }
  }
}

bool Mutable(const pb::FieldDescriptor* f) {
  if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
    return f->enum_type()->value_count() > 1;  // else there is no other value
  }
  return IsIntegerField(f);
}

void CollectIntegers(pb::Message* m, const std::string& prefix, std::vector<IntegerLeaf>* out) {
  const pb::Reflection* r = m->GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    const std::string path = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*m, f); ++i) {
          CollectIntegers(r->MutableRepeatedMessage(m, f, i), path, out);
        }
      } else {
        CollectIntegers(r->MutableMessage(m, f), path, out);
      }
    } else if (Mutable(f) && f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(*m, f); ++i) {
        out->push_back({path, [m, f, i](bool up) { Bump(m, f, i, up); }});
      }
    } else if (Mutable(f)) {
      out->push_back({path, [m, f](bool up) { Bump(m, f, -1, up); }});
    }
  }
}

// The singular message `path` names from `m`, and its last field; nullptrs
// with a NotFound status when a message on the way is unset.
absl::StatusOr<std::pair<const pb::Message*, const pb::FieldDescriptor*>> ReachSingular(
    const pb::Message& m, const TreePath& path) {
  const pb::Message* at = &m;
  for (size_t i = 0; i < path.size(); ++i) {
    const pb::FieldDescriptor* f = at->GetDescriptor()->FindFieldByName(path[i]);
    if (f == nullptr || f->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(at->GetDescriptor()->full_name(),
                                                     " has no singular field '", path[i], "'"));
    }
    if (i + 1 == path.size()) return std::make_pair(at, f);
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(absl::StrCat(f->full_name(), " is not a message"));
    }
    if (!at->GetReflection()->HasField(*at, f)) {
      return absl::NotFoundError(absl::StrCat(f->full_name(), " is not set"));
    }
    at = &at->GetReflection()->GetMessage(*at, f);
  }
  return absl::InvalidArgumentError("empty field path");
}

}  // namespace

ProtoTree::ProtoTree(std::unique_ptr<pb::Message> message, const MessageCodec* codec)
    : message_(std::move(message)), codec_(codec) {}

ProtoTree::~ProtoTree() = default;

std::unique_ptr<MessageTree> ProtoTree::Clone() const {
  std::unique_ptr<pb::Message> copy(message_->New());
  copy->CopyFrom(*message_);
  return std::make_unique<ProtoTree>(std::move(copy), codec_);
}

bool ProtoTree::AnyValue(const TreePath& path,
                         const std::function<bool(const FieldValue&)>& fn) const {
  if (path.empty()) return false;
  return Walk(codec_, path, 0, *message_, [&fn](const pb::Message& m, const pb::FieldDescriptor* f) {
    if (!f->is_repeated()) return fn(ValueOf(m, f, 0));
    const int n = m.GetReflection()->FieldSize(m, f);
    for (int k = 0; k < n; ++k) {
      if (fn(ValueOf(m, f, k))) return true;
    }
    return false;
  });
}

bool ProtoTree::Present(const TreePath& path) const {
  if (path.empty()) return false;
  return Walk(codec_, path, 0, *message_, IsSet);
}

std::optional<std::string> ProtoTree::SetMember(const TreePath& path) const {
  if (path.empty()) return std::nullopt;
  std::optional<std::string> member;
  const TreePath parent(path.begin(), path.end() - 1);
  auto in = [&](const pb::Message& m) {
    const pb::OneofDescriptor* oneof = m.GetDescriptor()->FindOneofByName(path.back());
    if (oneof != nullptr) {
      const pb::FieldDescriptor* set = m.GetReflection()->GetOneofFieldDescriptor(m, oneof);
      if (set != nullptr) member = set->name();
      return true;
    }
    const pb::FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(path.back());
    if (f == nullptr || f->is_repeated() || f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE ||
        !m.GetReflection()->HasField(m, f)) {
      return true;
    }
    std::vector<const pb::FieldDescriptor*> fields;
    const pb::Message& inner = m.GetReflection()->GetMessage(m, f);
    inner.GetReflection()->ListFields(inner, &fields);
    if (fields.size() == 1) member = fields[0]->name();
    return true;
  };
  if (parent.empty()) {
    in(*message_);
  } else {
    Walk(codec_, parent, 0, *message_, [&](const pb::Message& m, const pb::FieldDescriptor* f) {
      if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated() ||
          !m.GetReflection()->HasField(m, f)) {
        return false;
      }
      return in(m.GetReflection()->GetMessage(m, f));
    });
  }
  return member;
}

absl::Status ProtoTree::Set(const TreePath& path, absl::string_view text, bool create) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  int count = 0;
  if (absl::Status s = SetFrom(codec_, message_.get(), path, 0, text, create, &count); !s.ok()) {
    return s;
  }
  if (count == 0) {
    return absl::NotFoundError(absl::StrCat(absl::StrJoin(path, "."), " is not set in this ",
                                            message_->GetDescriptor()->full_name()));
  }
  return absl::OkStatus();
}

bool ProtoTree::Clear(const TreePath& path) {
  if (path.empty()) return false;
  std::vector<pb::Message*> parents;
  Parents(message_.get(), path, 0, &parents);
  bool cleared = false;
  for (pb::Message* m : parents) {
    for (const pb::FieldDescriptor* f : Select(*m, path.back())) {
      cleared |= IsSet(*m, f);
      m->GetReflection()->ClearField(m, f);
    }
  }
  return cleared;
}

int ProtoTree::TrimLists(const TreePath& path, int k) {
  // The last repeated field along the path, found by the schema.
  const pb::Descriptor* type = message_->GetDescriptor();
  const pb::Descriptor* container = nullptr;
  const pb::FieldDescriptor* list = nullptr;
  for (const std::string& segment : path) {
    const pb::FieldDescriptor* f = type == nullptr ? nullptr : type->FindFieldByName(segment);
    if (f == nullptr) break;
    if (f->is_repeated()) {
      container = type;
      list = f;
    }
    type = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE ? f->message_type() : nullptr;
  }
  if (list == nullptr || k <= 0) return 0;
  return TrimEvery(message_.get(), container, list, k);
}

std::vector<IntegerLeaf> ProtoTree::IntegerLeaves() {
  std::vector<IntegerLeaf> leaves;
  CollectIntegers(message_.get(), "", &leaves);
  return leaves;
}

namespace {

// The repeated message fields named `path` ends in, with their holders.
std::vector<std::pair<pb::Message*, const pb::FieldDescriptor*>> ListsOf(pb::Message* m,
                                                                         const TreePath& path) {
  std::vector<pb::Message*> parents;
  Parents(m, path, 0, &parents);
  std::vector<std::pair<pb::Message*, const pb::FieldDescriptor*>> lists;
  for (pb::Message* parent : parents) {
    const pb::FieldDescriptor* f = parent->GetDescriptor()->FindFieldByName(path.back());
    if (f != nullptr && f->is_repeated() && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      lists.emplace_back(parent, f);
    }
  }
  return lists;
}

}  // namespace

std::vector<std::vector<std::unique_ptr<MessageTree>>> ProtoTree::Lists(const TreePath& path) const {
  std::vector<std::vector<std::unique_ptr<MessageTree>>> out;
  if (path.empty()) return out;
  // Parents only takes mutable pointers to messages that are set, which
  // changes nothing.
  for (const auto& [parent, f] : ListsOf(const_cast<pb::Message*>(message_.get()), path)) {
    const pb::Reflection* r = parent->GetReflection();
    std::vector<std::unique_ptr<MessageTree>> elements;
    for (int k = 0; k < r->FieldSize(*parent, f); ++k) {
      const pb::Message& element = r->GetRepeatedMessage(*parent, f, k);
      std::unique_ptr<pb::Message> copy(element.New());
      copy->CopyFrom(element);
      elements.push_back(std::make_unique<ProtoTree>(std::move(copy), codec_));
    }
    out.push_back(std::move(elements));
  }
  return out;
}

absl::Status ProtoTree::SetList(const TreePath& path, size_t index,
                                const std::vector<const MessageTree*>& elements) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  const auto lists = ListsOf(message_.get(), path);
  if (index >= lists.size()) {
    return absl::NotFoundError(absl::StrCat("no list ", index, " at ", absl::StrJoin(path, ".")));
  }
  auto [parent, f] = lists[index];
  for (const MessageTree* element : elements) {
    if (element->proto() == nullptr || element->proto()->GetDescriptor() != f->message_type()) {
      return absl::InvalidArgumentError(
          absl::StrCat("an element of ", f->full_name(), " must be a ", f->message_type()->full_name()));
    }
  }
  const pb::Reflection* r = parent->GetReflection();
  r->ClearField(parent, f);
  for (const MessageTree* element : elements) r->AddMessage(parent, f)->CopyFrom(*element->proto());
  return absl::OkStatus();
}

std::string ProtoTree::DebugString() const { return message_->ShortDebugString(); }

absl::StatusOr<std::string> ProtoTree::GetBytes(const TreePath& path) const {
  auto reached = ReachSingular(*message_, path);
  if (!reached.ok()) return reached.status();
  const auto [m, f] = *reached;
  if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING) {
    return absl::InvalidArgumentError(absl::StrCat(f->full_name(), " is not bytes or string"));
  }
  return m->GetReflection()->GetString(*m, f);
}

absl::Status ProtoTree::SetBytes(const TreePath& path, absl::string_view bytes) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  pb::Message* m = message_.get();
  for (size_t i = 0; i < path.size(); ++i) {
    const pb::FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(path[i]);
    if (f == nullptr || f->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(m->GetDescriptor()->full_name(),
                                                     " has no singular field '", path[i], "'"));
    }
    if (i + 1 == path.size()) {
      if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING) {
        return absl::InvalidArgumentError(absl::StrCat(f->full_name(), " is not bytes or string"));
      }
      m->GetReflection()->SetString(m, f, std::string(bytes));
      return absl::OkStatus();
    }
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(absl::StrCat(f->full_name(), " is not a message"));
    }
    m = m->GetReflection()->MutableMessage(m, f);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ProtoTree::SerializeAt(const TreePath& path) const {
  if (path.empty()) return MessageCodec::Encode(*message_);
  auto reached = ReachSingular(*message_, path);
  if (!reached.ok()) return reached.status();
  const auto [m, f] = *reached;
  if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) return m->GetReflection()->GetString(*m, f);
  if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(absl::StrCat(f->full_name(), " is not a message or bytes"));
  }
  return MessageCodec::Encode(m->GetReflection()->GetMessage(*m, f));
}


absl::Status ProtoTree::CheckPath(const TreePath& path, const pb::Descriptor* type,
                                  const MessageCodec* codec) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == kAny) return absl::OkStatus();  // any field: nothing more to check statically
    const pb::FieldDescriptor* f = type->FindFieldByName(path[i]);
    if (f == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(type->full_name(), " has no field '", path[i],
                                                     "' (fields: ", FieldNames(type), ")"));
    }
    if (i + 1 == path.size()) break;
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      type = f->message_type();
    } else if (codec != nullptr && codec->EmbeddedType(f) != nullptr) {
      type = codec->EmbeddedType(f);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(f->full_name(), " is neither a message nor a payload declared embedded; '",
                       absl::StrJoin(path, "."), "' cannot go through it"));
    }
  }
  return absl::OkStatus();
}

}  // namespace agent
}  // namespace turncoat
