#include "agents/field_setter.h"

#include <cstdint>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agents/message_codec.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

absl::Status SetPathFrom(const MessageCodec& codec, pb::Message* m,
                         const std::vector<std::string>& segments, size_t i,
                         absl::string_view value, MissingParent missing) {
  const pb::FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(segments[i]);
  if (f == nullptr || f->is_repeated()) {
    return absl::InvalidArgumentError(
        absl::StrCat(m->GetDescriptor()->full_name(), " has no singular field '",
                     segments[i], "'"));
  }
  if (i + 1 == segments.size()) return SetScalar(m, f, value);
  const pb::Reflection* r = m->GetReflection();
  if (missing == MissingParent::kNotFound && !r->HasField(*m, f)) {
    return absl::NotFoundError(absl::StrCat(f->full_name(), " is not set"));
  }
  if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    return SetPathFrom(codec, r->MutableMessage(m, f), segments, i + 1, value,
                       missing);
  }
  const pb::Descriptor* inner_type = codec.EmbeddedType(f);
  if (inner_type == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(f->full_name(), " is not a message or embedded payload"));
  }
  auto inner = codec.Decode(inner_type, r->GetString(*m, f));
  if (!inner.ok()) return inner.status();
  if (absl::Status s = SetPathFrom(codec, inner->get(), segments, i + 1, value, missing);
      !s.ok()) {
    return s;
  }
  r->SetString(m, f, MessageCodec::Encode(**inner));
  return absl::OkStatus();
}

}  // namespace

bool IsIntegerField(const pb::FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return true;
    default:
      return false;
  }
}

absl::Status SetScalar(pb::Message* m, const pb::FieldDescriptor* f,
                       absl::string_view value) {
  const pb::Reflection* r = m->GetReflection();
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("'", value, "' is not a valid ", f->type_name(), " for ",
                     f->full_name()));
  };
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t x;
      if (!absl::SimpleAtoi(value, &x)) return bad();
      r->SetInt32(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t x;
      if (!absl::SimpleAtoi(value, &x)) return bad();
      r->SetInt64(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t x;
      if (!absl::SimpleAtoi(value, &x)) return bad();
      r->SetUInt32(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t x;
      if (!absl::SimpleAtoi(value, &x)) return bad();
      r->SetUInt64(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      double x;
      if (!absl::SimpleAtod(value, &x)) return bad();
      r->SetDouble(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      float x;
      if (!absl::SimpleAtof(value, &x)) return bad();
      r->SetFloat(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool x;
      if (!absl::SimpleAtob(value, &x)) return bad();
      r->SetBool(m, f, x);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* e =
          f->enum_type()->FindValueByName(std::string(value));
      int n;
      if (e == nullptr && absl::SimpleAtoi(value, &n)) {
        e = f->enum_type()->FindValueByNumber(n);
      }
      if (e == nullptr) return bad();
      r->SetEnum(m, f, e);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_STRING:
      r->SetString(m, f, std::string(value));
      break;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return absl::InvalidArgumentError(
          absl::StrCat(f->full_name(), " is a message, not a scalar"));
  }
  return absl::OkStatus();
}

absl::Status SetPath(const MessageCodec& codec, pb::Message* m,
                     const std::vector<std::string>& segments,
                     absl::string_view value, MissingParent missing) {
  if (segments.empty()) return absl::InvalidArgumentError("empty field path");
  return SetPathFrom(codec, m, segments, 0, value, missing);
}

}  // namespace agent
}  // namespace turncoat
