// The "mutate" rewriter: ByzzFuzz-style small-scope mutation (Winter et al.,
// "Randomized Testing of Byzantine Fault Tolerant Algorithms", 2023).
//
// ByzzFuzz found most of its bugs not with arbitrary garbage, which any
// parser rejects, but with messages changed in one small place: a height or
// view off by one, another phase. So each message gets exactly one of the
// integer or enum fields set in its payload (at any depth) moved by one step,
// and is re-signed by its Byzantine sender so the change is not rejected as
// a forgery. Strings and bytes are never touched: client values must stay as
// submitted, or the validity checker would blame the system for the fault.
//
// Params: sender, payload, signature_field (envelope field names), key (the
// sender's private key PEM), seed (default 1).
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "agents/envelope_editor.h"
#include "agents/field_setter.h"
#include "agents/message_rewriter.h"
#include "agents/rewriter_params.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

using Target = std::pair<pb::Message*, const pb::FieldDescriptor*>;

bool Mutable(const pb::FieldDescriptor* f) {
  if (f->is_repeated()) return false;
  if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
    return f->enum_type()->value_count() > 1;  // else there is no other value
  }
  return IsIntegerField(f);
}

// Every set integer or enum field under `m`, in field-number order at each
// level (ListFields' order), so a seed always picks the same field.
void Collect(pb::Message* m, std::vector<Target>* out) {
  const pb::Reflection* r = m->GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*m, f); ++i) {
          Collect(r->MutableRepeatedMessage(m, f, i), out);
        }
      } else {
        Collect(r->MutableMessage(m, f), out);
      }
    } else if (Mutable(f)) {
      out->emplace_back(m, f);
    }
  }
}

// x + 1 or x - 1 as `up` says, turned around at the type's limits so the
// value always changes.
template <typename T>
T Step(T x, bool up) {
  if (x == std::numeric_limits<T>::max()) up = false;
  if (x == std::numeric_limits<T>::min()) up = true;
  return up ? x + 1 : x - 1;
}

void Bump(const Target& target, bool up) {
  auto [m, f] = target;
  const pb::Reflection* r = m->GetReflection();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      r->SetInt32(m, f, Step(r->GetInt32(*m, f), up));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      r->SetInt64(m, f, Step(r->GetInt64(*m, f), up));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      r->SetUInt32(m, f, Step(r->GetUInt32(*m, f), up));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      r->SetUInt64(m, f, Step(r->GetUInt64(*m, f), up));
      break;
    default: {  // enum: the next declared value, wrapping
      const pb::EnumDescriptor* type = f->enum_type();
      const int number = r->GetEnumValue(*m, f);
      int next = 0;  // an undeclared number (open enums) moves to the first
      for (int i = 0; i < type->value_count(); ++i) {
        if (type->value(i)->number() == number) {
          next = (i + 1) % type->value_count();
          break;
        }
      }
      r->SetEnumValue(m, f, type->value(next)->number());
      break;
    }
  }
}

class MutateRewriter : public MessageRewriter {
 public:
  MutateRewriter(EnvelopeLayout layout, Ed25519PrivateKey key, uint64_t seed)
      : layout_(std::move(layout)), key_(std::move(key)), rng_(seed) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    const std::vector<std::string> unchanged{frame.bytes()};
    auto editor = EnvelopeEditor::Open(frame, layout_);
    if (!editor.ok()) return editor.status();
    if (!editor->has_value()) return unchanged;
    EnvelopeEditor& e = **editor;
    std::vector<Target> targets;
    Collect(e.mutable_payload(), &targets);
    if (targets.empty()) return unchanged;
    size_t pick;
    bool up;
    {
      absl::MutexLock lock(&mu_);
      pick = std::uniform_int_distribution<size_t>(0, targets.size() - 1)(rng_);
      up = std::bernoulli_distribution(0.5)(rng_);
    }
    Bump(targets[pick], up);
    return std::vector<std::string>{e.Resign(key_)};
  }

 private:
  const EnvelopeLayout layout_;
  const Ed25519PrivateKey key_;
  absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  auto layout = EnvelopeLayout::FromParams(c);
  if (!layout.ok()) return layout.status();
  auto key = SigningKeyParam(*c.params);
  if (!key.ok()) return key.status();
  auto seed = IntParam(*c.params, "seed", 1, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  return std::make_unique<MutateRewriter>(*std::move(layout), *std::move(key),
                                          static_cast<uint64_t>(*seed));
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("mutate", Create);

}  // namespace agent
}  // namespace turncoat
