#include "agents/field_path.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agents/message_codec.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

std::string FieldNames(const pb::Descriptor* type) {
  std::string names;
  for (int i = 0; i < type->field_count(); ++i) {
    absl::StrAppend(&names, i == 0 ? "" : ", ", type->field(i)->name());
  }
  return names;
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
      int32_t x = rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
      v.text = absl::StrCat(x);
      num(x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t x = rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
      v.text = absl::StrCat(x);
      num(static_cast<double>(x));
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t x = rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
      v.text = absl::StrCat(x);
      num(x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t x = rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
      v.text = absl::StrCat(x);
      num(static_cast<double>(x));
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      double x = rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
      v.text = absl::StrCat(x);
      num(x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      float x = rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
      v.text = absl::StrCat(x);
      num(x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool x = rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
      v.text = x ? "true" : "false";
      num(x ? 1 : 0);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* e =
          rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f);
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
      v.text = (rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f))
                   .ShortDebugString();
      break;
  }
  return v;
}

bool IsSet(const pb::Message& m, const pb::FieldDescriptor* f) {
  const pb::Reflection* r = m.GetReflection();
  return f->is_repeated() ? r->FieldSize(m, f) > 0 : r->HasField(m, f);
}

// Visits the fields the path reaches from `m` at segment `i`. `leaf` gets the
// message and field of each reached last segment and returns true to stop.
bool Walk(const Frame& frame, const std::vector<std::string>& segments, size_t i,
          const pb::Message& m,
          const std::function<bool(const pb::Message&, const pb::FieldDescriptor*)>&
              leaf) {
  const pb::FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(segments[i]);
  if (f == nullptr) return false;
  if (i + 1 == segments.size()) return leaf(m, f);
  const pb::Reflection* r = m.GetReflection();
  if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    if (f->is_repeated()) {
      for (int k = 0; k < r->FieldSize(m, f); ++k) {
        if (Walk(frame, segments, i + 1, r->GetRepeatedMessage(m, f, k), leaf)) {
          return true;
        }
      }
      return false;
    }
    if (!r->HasField(m, f)) return false;
    return Walk(frame, segments, i + 1, r->GetMessage(m, f), leaf);
  }
  if (f->type() == pb::FieldDescriptor::TYPE_BYTES && !f->is_repeated()) {
    const pb::Message* inner = frame.Embedded(m, f);
    return inner != nullptr && Walk(frame, segments, i + 1, *inner, leaf);
  }
  return false;
}

}  // namespace

absl::StatusOr<FieldPath> FieldPath::Parse(absl::string_view text,
                                           const pb::Descriptor* root,
                                           const MessageCodec* codec) {
  std::vector<std::string> segments = absl::StrSplit(text, '.');
  for (const std::string& s : segments) {
    if (s.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field path '", text, "' has an empty segment"));
    }
  }
  const pb::Descriptor* type = root;
  for (size_t i = 0; type != nullptr && i < segments.size(); ++i) {
    const pb::FieldDescriptor* f = type->FindFieldByName(segments[i]);
    if (f == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field path '", text, "': ", type->full_name(), " has no field '",
          segments[i], "' (fields: ", FieldNames(type), ")"));
    }
    if (i + 1 == segments.size()) break;
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      type = f->message_type();
    } else if (codec != nullptr && codec->EmbeddedType(f) != nullptr) {
      type = codec->EmbeddedType(f);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "field path '", text, "': ", type->full_name(), ".", segments[i],
          " is neither a message nor a bytes field declared embedded"));
    }
  }
  return FieldPath(std::string(text), std::move(segments));
}

bool FieldPath::AnyValue(const Frame& frame,
                         const std::function<bool(const FieldValue&)>& fn) const {
  const pb::Message* root = frame.message();
  if (root == nullptr) return false;
  return Walk(frame, segments_, 0, *root,
              [&fn](const pb::Message& m, const pb::FieldDescriptor* f) {
                if (!f->is_repeated()) return fn(ValueOf(m, f, 0));
                const int n = m.GetReflection()->FieldSize(m, f);
                for (int k = 0; k < n; ++k) {
                  if (fn(ValueOf(m, f, k))) return true;
                }
                return false;
              });
}

bool FieldPath::Present(const Frame& frame) const {
  const pb::Message* root = frame.message();
  if (root == nullptr) return false;
  return Walk(frame, segments_, 0, *root, IsSet);
}

}  // namespace agent
}  // namespace turncoat
