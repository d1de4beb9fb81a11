// The "equivocate" rewriter: a Byzantine leader's proposal, trimmed
// differently per group of receivers and re-signed with the leader's own key.
//
// An adversary installs one rule per receiving group with a different
// `variant`: variant k drops the first k values of the proposal's `values`
// (a repeated field) and clears the `clear` fields (e.g. the justification,
// which would no longer match). Every value left was really submitted and the
// signature is the sender's own, so each group gets a valid proposal — just
// not the same one, which is what equivocation means.
//
// The values are trimmed wherever their container (the message type holding
// the `values` field, e.g. refbft.Block) appears in any message, not only on
// the proposal's path: the leader's later messages about the block — its
// decision, say — must tell each group the same story as the proposal did,
// or a group would simply adopt the other group's block from them.
//
// Params: sender, payload, signature_field (envelope field names), key (the
// sender's private key PEM; not needed for variant 0), variant (k >= 0),
// values (payload-relative path, e.g. "proposal.block.values"), clear
// (optional comma-separated payload-relative paths, e.g. "proposal.justify").
#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agents/envelope_editor.h"
#include "agents/message_rewriter.h"
#include "agents/rewriter_params.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

using Path = std::vector<std::string>;

// Splits `text` and, when the payload's type is known, checks that it goes
// through singular message fields to a field that is repeated if
// `want_repeated`.
absl::StatusOr<Path> ParsePath(absl::string_view param, absl::string_view text,
                               const pb::Descriptor* type, bool want_repeated) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("param '", param, "': path '", text, "': ", why));
  };
  Path path = absl::StrSplit(text, '.');
  for (const std::string& segment : path) {
    if (segment.empty()) return bad("empty segment");
  }
  for (size_t i = 0; type != nullptr && i < path.size(); ++i) {
    const pb::FieldDescriptor* f = type->FindFieldByName(path[i]);
    if (f == nullptr) {
      return bad(absl::StrCat(type->full_name(), " has no field '", path[i], "'"));
    }
    if (i + 1 == path.size()) {
      if (want_repeated && !f->is_repeated()) {
        return bad(absl::StrCat(f->full_name(), " is not a repeated field"));
      }
      break;
    }
    if (f->is_repeated() || f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      return bad(absl::StrCat(f->full_name(),
                              " is not a singular message field to go through"));
    }
    type = f->message_type();
  }
  return path;
}

// The message holding the path's last field, and that field; nulls when the
// payload does not reach it (a message on the way is unset: another kind of
// message than the rule is for).
std::pair<pb::Message*, const pb::FieldDescriptor*> Reach(pb::Message* m,
                                                          const Path& path) {
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const pb::FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(path[i]);
    if (f == nullptr || f->is_repeated() ||
        f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE ||
        !m->GetReflection()->HasField(*m, f)) {
      return {nullptr, nullptr};
    }
    m = m->GetReflection()->MutableMessage(m, f);
  }
  const pb::FieldDescriptor* leaf = m->GetDescriptor()->FindFieldByName(path.back());
  if (leaf == nullptr) return {nullptr, nullptr};
  return {m, leaf};
}

// Removes the first `n` elements of repeated field `f`, keeping the order of
// the rest (reflection can only swap and remove the last).
void RemoveFirst(pb::Message* m, const pb::FieldDescriptor* f, int n) {
  const pb::Reflection* r = m->GetReflection();
  const int size = r->FieldSize(*m, f);
  for (int i = n; i < size; ++i) r->SwapElements(m, f, i - n, i);
  for (int i = 0; i < n; ++i) r->RemoveLast(m, f);
}

class EquivocateRewriter : public MessageRewriter {
 public:
  EquivocateRewriter(EnvelopeLayout layout, std::optional<Ed25519PrivateKey> key,
                     int64_t variant, Path values, std::vector<Path> clear,
                     const pb::Descriptor* container)
      : layout_(std::move(layout)),
        key_(std::move(key)),
        variant_(variant),
        values_(std::move(values)),
        clear_(std::move(clear)),
        container_(container) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    const std::vector<std::string> unchanged{frame.bytes()};
    // Variant 0 is the group that sees the proposal as sent.
    if (variant_ == 0) return unchanged;
    auto editor = EnvelopeEditor::Open(frame, layout_);
    if (!editor.ok()) return editor.status();
    if (!editor->has_value()) return unchanged;
    EnvelopeEditor& e = **editor;
    if (container_ != nullptr) {
      TrimEvery(e.mutable_payload());
    } else {
      auto [holder, values] = Reach(e.mutable_payload(), values_);
      if (holder == nullptr || !values->is_repeated()) return unchanged;
      Trim(holder, values);
    }
    for (const Path& path : clear_) {
      auto [m, f] = Reach(e.mutable_payload(), path);
      if (m != nullptr) m->GetReflection()->ClearField(m, f);
    }
    if (e.EncodePayload() == e.payload_bytes()) return unchanged;
    return std::vector<std::string>{e.Resign(*key_)};
  }

 private:
  void Trim(pb::Message* holder, const pb::FieldDescriptor* values) const {
    const int size = holder->GetReflection()->FieldSize(*holder, values);
    RemoveFirst(holder, values, static_cast<int>(std::min<int64_t>(variant_, size)));
  }

  // Trims every message of the container type within `m`.
  void TrimEvery(pb::Message* m) const {
    const pb::Reflection* r = m->GetReflection();
    if (m->GetDescriptor() == container_) {
      const pb::FieldDescriptor* values = container_->FindFieldByName(values_.back());
      if (values != nullptr && values->is_repeated()) Trim(m, values);
    }
    std::vector<const pb::FieldDescriptor*> fields;
    r->ListFields(*m, &fields);
    for (const pb::FieldDescriptor* f : fields) {
      if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
      if (!f->is_repeated()) {
        TrimEvery(r->MutableMessage(m, f));
        continue;
      }
      for (int i = 0; i < r->FieldSize(*m, f); ++i) TrimEvery(r->MutableRepeatedMessage(m, f, i));
    }
  }

  const EnvelopeLayout layout_;
  const std::optional<Ed25519PrivateKey> key_;  // set when variant_ > 0
  const int64_t variant_;
  const Path values_;
  const std::vector<Path> clear_;
  // The message type holding the values field; null without a schema, when
  // only the values path itself is trimmed.
  const pb::Descriptor* const container_;
};

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  auto layout = EnvelopeLayout::FromParams(c);
  if (!layout.ok()) return layout.status();
  auto variant = IntParam(*c.params, "variant", std::nullopt, 0, INT64_MAX);
  if (!variant.ok()) return variant.status();
  auto values_text = RequiredParam(
      *c.params, "values",
      "the payload-relative path of the repeated field to trim, e.g. "
      "proposal.block.values");
  if (!values_text.ok()) return values_text.status();
  auto values = ParsePath("values", *values_text, layout->payload_type, true);
  if (!values.ok()) return values.status();
  std::vector<Path> clear;
  for (const std::string& text : ListParam(*c.params, "clear", ',')) {
    auto path = ParsePath("clear", text, layout->payload_type, false);
    if (!path.ok()) return path.status();
    clear.push_back(*std::move(path));
  }
  std::optional<Ed25519PrivateKey> key;
  if (*variant > 0) {
    auto loaded = SigningKeyParam(*c.params);
    if (!loaded.ok()) return loaded.status();
    key = *std::move(loaded);
  }
  const pb::Descriptor* container = layout->payload_type;
  for (size_t i = 0; container != nullptr && i + 1 < values->size(); ++i) {
    container = container->FindFieldByName((*values)[i])->message_type();
  }
  return std::make_unique<EquivocateRewriter>(*std::move(layout), std::move(key),
                                              *variant, *std::move(values),
                                              std::move(clear), container);
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("equivocate", Create);

}  // namespace agent
}  // namespace turncoat
