// The "forge" rewriter: copies of a message that claim to come from other
// replicas, each with the kind of bad (or borrowed) signature under test.
//
// A BFT system must not count a message towards a quorum unless its claimed
// sender really signed exactly that message. Each signature kind probes one
// way a verifier can get that wrong: none at all (random, empty, a random one
// of the wrong length), the wrong key (byzantine), the right key over other
// bytes (other-content), a genuine signature from another message
// (replayed). `set` makes the forged message say something else, e.g. a
// vote for another phase. Unsigned messages (the target says so) are simply
// sent again claiming each other sender: a proposal "from the leader" that
// nobody can check. Only `set` and `byzantine`/`other-content` need more
// than the sender field: `set` a decodable payload, the two others a key.
//
// Params: as (comma-separated replica indices), signature (random | empty |
// wrong-length | byzantine | other-content | replayed), key (private key
// file; for byzantine and other-content), set (optional
// "path=value;path=value", plan paths), keep_original (default true), seed
// (for random signatures; default 1).
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
#include "agents/peer_rewrite.h"
#include "agents/rewriter_params.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace agent {
namespace {

enum class SignatureKind { kRandom, kEmpty, kWrongLength, kByzantine, kOtherContent, kReplayed };

constexpr std::pair<absl::string_view, SignatureKind> kSignatureKinds[] = {
    {"random", SignatureKind::kRandom},
    {"empty", SignatureKind::kEmpty},
    {"wrong-length", SignatureKind::kWrongLength},
    {"byzantine", SignatureKind::kByzantine},
    {"other-content", SignatureKind::kOtherContent},
    {"replayed", SignatureKind::kReplayed},
};

// The length of a well-formed signature, so a random one fails only
// cryptographically: 64 bytes for Ed25519 and raw ECDSA, and the usual
// length of a DER-encoded ECDSA signature over a 256-bit curve.
size_t SignatureLength(const MessageModelSpec& spec) {
  return spec.signature_encoding == SignatureEncoding::kDer ? 71 : 64;
}

struct Assignment {
  std::string path;  // a plan path, resolved per kind of message
  std::string value;
};

class ForgeRewriter : public MessageRewriter {
 public:
  ForgeRewriter(std::vector<int> as, SignatureKind kind, std::optional<PrivateKey> key,
                std::vector<Assignment> set, bool mutate, bool keep_original, uint64_t seed)
      : as_(std::move(as)),
        kind_(kind),
        key_(std::move(key)),
        set_(std::move(set)),
        mutate_(mutate),
        keep_original_(keep_original),
        rng_(seed) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    auto view = EditablePeerMessage(frame);
    if (!view.ok()) return view.status();
    if (*view == nullptr) return Unchanged(frame);
    MessageView& base = **view;
    // Before any edit: what the original signature covers and the signature.
    auto original_covered = base.signed_message() ? base.Clone()->Covered() : std::string();
    if (!original_covered.ok()) return original_covered.status();
    auto original_signature = base.signature();
    if (!original_signature.ok()) return original_signature.status();
    for (const Assignment& a : set_) {
      auto path = base.kind_spec().ResolvePlanPath(a.path);
      if (!path.ok()) return path.status();
      absl::Status s = base.Set(*path, a.value, /*create=*/false);
      if (absl::IsNotFound(s)) return Unchanged(frame);  // another kind of message
      if (!s.ok()) return s;
    }
    // Small-scope, as the mutate rewriter does: one integer or enum field
    // moved by one, so a forged vote may claim another phase or round — what
    // `set` does for a target whose fields the plan names, without naming
    // them.
    if (mutate_) {
      MessageTree* content = base.mutable_content();
      if (content == nullptr) return base.content_status();
      std::vector<IntegerLeaf> leaves = content->IntegerLeaves();
      if (!leaves.empty()) {
        absl::MutexLock lock(&mu_);
        const size_t pick = std::uniform_int_distribution<size_t>(0, leaves.size() - 1)(rng_);
        leaves[pick].bump(std::bernoulli_distribution(0.5)(rng_));
      }
    }
    std::vector<std::string> out;
    if (keep_original_) out.push_back(frame.bytes());
    const size_t length = SignatureLength(base.model().spec());
    for (int id : as_) {
      std::unique_ptr<MessageView> copy = base.Clone();
      if (absl::Status s = copy->SetSender(id); !s.ok()) return s;
      absl::StatusOr<std::string> bytes;
      if (!copy->signed_message()) {
        bytes = copy->Encode();
      } else {
        switch (kind_) {
          case SignatureKind::kRandom:
            bytes = copy->EncodeWithSignature(RandomBytes(length));
            break;
          case SignatureKind::kEmpty:
            bytes = copy->EncodeWithSignature("");
            break;
          case SignatureKind::kWrongLength:
            bytes = copy->EncodeWithSignature(RandomBytes(length - 1));
            break;
          case SignatureKind::kByzantine:
            bytes = copy->EncodeSigned(*key_);
            break;
          case SignatureKind::kOtherContent: {
            auto signature = key_->Sign(*original_covered, base.model().spec().signature_encoding);
            if (!signature.ok()) return signature.status();
            bytes = copy->EncodeWithSignature(*signature);
            break;
          }
          case SignatureKind::kReplayed:
            bytes = copy->EncodeWithSignature(*original_signature);
            break;
        }
      }
      if (!bytes.ok()) return bytes.status();
      out.push_back(*std::move(bytes));
    }
    return out;
  }

 private:
  std::string RandomBytes(size_t n) {
    std::string bytes(n, '\0');
    absl::MutexLock lock(&mu_);
    for (char& c : bytes) c = static_cast<char>(rng_() & 0xff);
    return bytes;
  }

  const std::vector<int> as_;
  const SignatureKind kind_;
  const std::optional<PrivateKey> key_;  // set for kinds that sign
  const std::vector<Assignment> set_;
  const bool mutate_;
  const bool keep_original_;
  absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::vector<int>> ParseAs(const RewriterContext& c) {
  std::vector<int> ids;
  for (const std::string& item : ListParam(*c.params, "as", ',')) {
    int id;
    if (!absl::SimpleAtoi(item, &id) || id < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "param 'as': '", item, "' is not a replica index (an integer >= 0)"));
    }
    if (c.model->ReplicaId(id) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "param 'as': no replica ", id, " (the cluster has ", c.model->spec().replica_ids.size(),
          ")"));
    }
    ids.push_back(id);
  }
  if (ids.empty()) {
    return absl::InvalidArgumentError(
        "param 'as' is required: comma-separated indices of the replicas to impersonate, e.g. 0,2");
  }
  return ids;
}

absl::StatusOr<SignatureKind> ParseKind(const RewriterParams& params) {
  const std::string names = "random, empty, wrong-length, byzantine, other-content or replayed";
  auto text = RequiredParam(params, "signature", absl::StrCat("one of ", names));
  if (!text.ok()) return text.status();
  for (const auto& [name, kind] : kSignatureKinds) {
    if (*text == name) return kind;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("param 'signature' must be one of ", names, ", not '", *text, "'"));
}

absl::StatusOr<std::vector<Assignment>> ParseSet(const RewriterContext& c) {
  std::vector<Assignment> set;
  for (const std::string& item : ListParam(*c.params, "set", ';')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (item.find('=') == std::string::npos || kv.first.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("param 'set': '", item, "' is not path=value"));
    }
    if (absl::Status s = CheckPlanPath(c, "set", kv.first, {&kv.second}); !s.ok()) return s;
    set.push_back({kv.first, kv.second});
  }
  return set;
}

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  if (absl::Status s = RequireModel(c); !s.ok()) return s;
  if (c.kind != nullptr && c.kind->sender.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        c.kind->request_type->full_name(),
        " has no sender field (its sender is known from the link), so it cannot claim another"));
  }
  auto as = ParseAs(c);
  if (!as.ok()) return as.status();
  auto kind = ParseKind(*c.params);
  if (!kind.ok()) return kind.status();
  std::optional<PrivateKey> key;
  if (*kind == SignatureKind::kByzantine || *kind == SignatureKind::kOtherContent) {
    auto loaded = SigningKeyParam(c);
    if (!loaded.ok()) return loaded.status();
    key = *std::move(loaded);
  }
  auto set = ParseSet(c);
  if (!set.ok()) return set.status();
  auto mutate = BoolParam(*c.params, "mutate", false);
  if (!mutate.ok()) return mutate.status();
  auto keep_original = BoolParam(*c.params, "keep_original", true);
  if (!keep_original.ok()) return keep_original.status();
  auto seed = IntParam(*c.params, "seed", 1, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  return std::make_unique<ForgeRewriter>(*std::move(as), *kind, std::move(key), *std::move(set),
                                         *mutate, *keep_original, static_cast<uint64_t>(*seed));
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("forge", Create);

}  // namespace agent
}  // namespace turncoat
