// The "forge" rewriter: copies of a message that claim to come from other
// replicas, each with the kind of bad (or borrowed) signature under test.
//
// A BFT system must not count a message towards a quorum unless its claimed
// sender really signed exactly that payload. Each signature kind probes one
// way a verifier can get that wrong: none at all (random, empty), the wrong
// key (byzantine), the right key over other bytes (other-content), a genuine
// signature from another message (replayed). `set` makes the forged payload
// say something else, e.g. a vote for another phase.
//
// Params: sender, payload, signature_field (envelope field names), as
// (comma-separated replica ids), signature (random | empty | byzantine |
// other-content | replayed),
// key (private key PEM; for byzantine and other-content), set (optional
// "path=value;path=value", payload-relative), keep_original (default true),
// seed (for random signatures; default 1).
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "agents/envelope_editor.h"
#include "agents/field_path.h"
#include "agents/field_setter.h"
#include "agents/message_codec.h"
#include "agents/message_rewriter.h"
#include "agents/rewriter_params.h"
#include "google/protobuf/message.h"

namespace turncoat {
namespace agent {
namespace {

namespace pb = google::protobuf;

enum class SignatureKind { kRandom, kEmpty, kByzantine, kOtherContent, kReplayed };

constexpr std::pair<absl::string_view, SignatureKind> kSignatureKinds[] = {
    {"random", SignatureKind::kRandom},
    {"empty", SignatureKind::kEmpty},
    {"byzantine", SignatureKind::kByzantine},
    {"other-content", SignatureKind::kOtherContent},
    {"replayed", SignatureKind::kReplayed},
};

// Ed25519's signature length, so a random one fails only cryptographically.
constexpr int kSignatureBytes = 64;

struct Assignment {
  std::vector<std::string> path;
  std::string value;
};

class ForgeRewriter : public MessageRewriter {
 public:
  ForgeRewriter(EnvelopeLayout layout, std::vector<int64_t> as, SignatureKind kind,
                std::optional<Ed25519PrivateKey> key, std::vector<Assignment> set,
                bool keep_original, uint64_t seed)
      : layout_(std::move(layout)),
        as_(std::move(as)),
        kind_(kind),
        key_(std::move(key)),
        set_(std::move(set)),
        keep_original_(keep_original),
        rng_(seed) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    std::vector<std::string> out{frame.bytes()};
    auto editor = EnvelopeEditor::Open(frame, layout_);
    if (!editor.ok()) return editor.status();
    if (!editor->has_value()) return out;
    EnvelopeEditor& e = **editor;
    std::string payload = e.payload_bytes();
    if (!set_.empty()) {
      for (const Assignment& a : set_) {
        absl::Status s = SetPath(*frame.codec(), e.mutable_payload(), a.path, a.value,
                                 MissingParent::kNotFound);
        if (absl::IsNotFound(s)) return out;  // another kind of message
        if (!s.ok()) return s;
      }
      payload = e.EncodePayload();
    }
    if (!keep_original_) out.clear();
    for (int64_t id : as_) {
      out.push_back(e.Seal(payload, Signature(e, payload), id));
    }
    return out;
  }

 private:
  std::string Signature(const EnvelopeEditor& e, const std::string& payload) {
    switch (kind_) {
      case SignatureKind::kRandom:
        return RandomBytes();
      case SignatureKind::kEmpty:
        return "";
      case SignatureKind::kByzantine:
        return key_->Sign(payload);
      case SignatureKind::kOtherContent:
        return key_->Sign(e.payload_bytes());
      case SignatureKind::kReplayed:
        return e.signature();
    }
    return "";
  }

  std::string RandomBytes() {
    std::string bytes(kSignatureBytes, '\0');
    absl::MutexLock lock(&mu_);
    for (char& c : bytes) c = static_cast<char>(rng_() & 0xff);
    return bytes;
  }

  const EnvelopeLayout layout_;
  const std::vector<int64_t> as_;
  const SignatureKind kind_;
  const std::optional<Ed25519PrivateKey> key_;  // set for kinds that sign
  const std::vector<Assignment> set_;
  const bool keep_original_;
  absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::vector<int64_t>> ParseAs(const RewriterParams& params) {
  std::vector<int64_t> ids;
  for (const std::string& item : ListParam(params, "as", ',')) {
    int64_t id;
    if (!absl::SimpleAtoi(item, &id) || id < 0 ||
        id > std::numeric_limits<int32_t>::max()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "param 'as': '", item, "' is not a replica id (an integer >= 0)"));
    }
    ids.push_back(id);
  }
  if (ids.empty()) {
    return absl::InvalidArgumentError(
        "param 'as' is required: comma-separated ids of the replicas to "
        "impersonate, e.g. 0,2");
  }
  return ids;
}

absl::StatusOr<SignatureKind> ParseKind(const RewriterParams& params) {
  const std::string names = "random, empty, byzantine, other-content or replayed";
  auto text = RequiredParam(params, "signature", absl::StrCat("one of ", names));
  if (!text.ok()) return text.status();
  for (const auto& [name, kind] : kSignatureKinds) {
    if (*text == name) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "param 'signature' must be one of ", names, ", not '", *text,
      "' (the envelope's signature field is param 'signature_field')"));
}

// Parses "path=value;path=value" and, when the payload's type is known,
// applies it to an empty payload so that bad paths and values fail now.
absl::StatusOr<std::vector<Assignment>> ParseSet(const RewriterContext& c,
                                                 const pb::Descriptor* payload_type) {
  std::vector<Assignment> set;
  for (const std::string& item : ListParam(*c.params, "set", ';')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (item.find('=') == std::string::npos || kv.first.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "param 'set': '", item, "' is not path=value (a payload-relative path)"));
    }
    auto path = FieldPath::Parse(kv.first, payload_type, c.codec);
    if (!path.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("param 'set': ", path.status().message()));
    }
    Assignment a{absl::StrSplit(kv.first, '.'), kv.second};
    if (payload_type != nullptr) {
      std::unique_ptr<pb::Message> scratch = c.codec->New(payload_type);
      absl::Status s =
          SetPath(*c.codec, scratch.get(), a.path, a.value, MissingParent::kCreate);
      if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("param 'set': ", s.message()));
    }
    set.push_back(std::move(a));
  }
  return set;
}

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  auto layout = EnvelopeLayout::FromParams(c);
  if (!layout.ok()) return layout.status();
  auto as = ParseAs(*c.params);
  if (!as.ok()) return as.status();
  auto kind = ParseKind(*c.params);
  if (!kind.ok()) return kind.status();
  std::optional<Ed25519PrivateKey> key;
  if (*kind == SignatureKind::kByzantine || *kind == SignatureKind::kOtherContent) {
    auto loaded = SigningKeyParam(*c.params);
    if (!loaded.ok()) return loaded.status();
    key = *std::move(loaded);
  }
  auto set = ParseSet(c, layout->payload_type);
  if (!set.ok()) return set.status();
  auto keep_original = BoolParam(*c.params, "keep_original", true);
  if (!keep_original.ok()) return keep_original.status();
  auto seed = IntParam(*c.params, "seed", 1, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  return std::make_unique<ForgeRewriter>(*std::move(layout), *std::move(as), *kind,
                                         std::move(key), *std::move(set),
                                         *keep_original, static_cast<uint64_t>(*seed));
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("forge", Create);

}  // namespace agent
}  // namespace turncoat
