// The "equivocate" rewriter: a Byzantine leader's proposal, trimmed
// differently per group of receivers and re-signed with the leader's own key.
//
// An adversary installs one rule per receiving group with a different
// `variant`: variant k drops the first k client values of the message (the
// list the target's `values` path goes through) and clears the `clear`
// fields (e.g. the justification, which would no longer match). Every value
// left was really submitted and the signature is the sender's own, so each
// group gets a valid proposal — just not the same one, which is what
// equivocation means.
//
// The values are trimmed wherever a list like them appears in the message
// (message_tree.h, TrimLists), not only on the proposal's path: the leader's
// later messages about the block — its decision, say — must tell each group
// the same story as the proposal did, or a group would simply adopt the
// other group's block from them. Messages without values pass unchanged.
//
// A receiver that hears every version (the plan's `both`: in Twins terms, a
// partition holding both twins) gets a rule with `variants` instead: each
// listed variant of the message, in the listed order, as the forge and
// replay rewriters send more than one message for one frame. Variants
// that come out the same (a vote, which carries no values, or two trims of a
// short block that both empty it) are sent once, at the place of their first
// occurrence, so the rule equivocates without also duplicating messages.
//
// Params: key (the sender's private key file; not needed when every variant
// is 0 or messages are unsigned), variant (k >= 0) or variants
// (comma-separated k >= 0, each at most once), values (optional plan path;
// default: the target's values path of each kind of message), clear
// (optional, comma-separated plan paths).
#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agents/peer_rewrite.h"
#include "agents/rewriter_params.h"

namespace turncoat {
namespace agent {
namespace {

class EquivocateRewriter : public MessageRewriter {
 public:
  EquivocateRewriter(std::optional<PrivateKey> key, std::vector<int64_t> variants,
                     std::string values, std::vector<std::string> clear)
      : key_(std::move(key)),
        variants_(std::move(variants)),
        values_(std::move(values)),
        clear_(std::move(clear)) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    std::vector<std::string> out;
    for (int64_t variant : variants_) {
      auto bytes = Variant(frame, variant);
      if (!bytes.ok()) return bytes.status();
      if (std::find(out.begin(), out.end(), *bytes) == out.end()) out.push_back(*std::move(bytes));
    }
    return out;
  }

 private:
  // The frame's bytes as receivers of `variant` see them.
  absl::StatusOr<std::string> Variant(const Frame& frame, int64_t variant) const {
    // Variant 0 is the group that sees the proposal as sent.
    if (variant == 0) return frame.bytes();
    auto opened = EditablePeerMessage(frame);
    if (!opened.ok()) return opened.status();
    if (*opened == nullptr) return frame.bytes();
    MessageView& view = **opened;
    ModelPath values = view.kind_spec().values;
    if (!values_.empty()) {
      auto path = view.kind_spec().ResolvePlanPath(values_);
      if (!path.ok()) return path.status();
      values = *std::move(path);
    }
    if (values.empty()) return frame.bytes();  // this kind carries no values
    MessageTree* tree = view.mutable_tree(values.base);
    if (tree == nullptr) return view.content_status();
    bool changed = tree->TrimLists(values.path, static_cast<int>(variant)) > 0;
    for (const std::string& text : clear_) {
      auto path = view.kind_spec().ResolvePlanPath(text);
      if (!path.ok()) return path.status();
      MessageTree* cleared = view.mutable_tree(path->base);
      if (cleared != nullptr) changed |= cleared->Clear(path->path);
    }
    if (!changed) return frame.bytes();
    return Seal(view, key_.has_value() ? &*key_ : nullptr);
  }

  const std::optional<PrivateKey> key_;  // set when some variant is > 0
  const std::vector<int64_t> variants_;  // in sending order, distinct
  const std::string values_;
  const std::vector<std::string> clear_;
};

// `variant: k` or `variants: k1,k2,...` (exactly one), as the list to send.
absl::StatusOr<std::vector<int64_t>> VariantsParam(const RewriterParams& params) {
  const bool one = params.count("variant") > 0, several = params.count("variants") > 0;
  if (one == several) {
    return absl::InvalidArgumentError(
        "give exactly one of param 'variant' (k >= 0) and param 'variants' "
        "(comma-separated k >= 0, e.g. 1,0)");
  }
  if (one) {
    auto variant = IntParam(params, "variant", std::nullopt, 0, INT32_MAX);
    if (!variant.ok()) return variant.status();
    return std::vector<int64_t>{*variant};
  }
  std::vector<int64_t> variants;
  for (const std::string& text : ListParam(params, "variants", ',')) {
    int64_t k;
    if (!absl::SimpleAtoi(text, &k) || k < 0 || k > INT32_MAX ||
        std::find(variants.begin(), variants.end(), k) != variants.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "param 'variants' must list distinct integers in [0, ", INT32_MAX, "] such as 1,0, not '", params.at("variants"), "'"));
    }
    variants.push_back(k);
  }
  if (variants.empty()) {
    return absl::InvalidArgumentError(
        "param 'variants' is empty; list at least one variant, e.g. 1,0");
  }
  return variants;
}

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  if (absl::Status s = RequireModel(c); !s.ok()) return s;
  auto variants = VariantsParam(*c.params);
  if (!variants.ok()) return variants.status();
  const std::string values = OptionalParam(*c.params, "values", "");
  if (!values.empty()) {
    if (absl::Status s = CheckPlanPath(c, "values", values, {nullptr, /*through_list=*/true});
        !s.ok()) {
      return s;
    }
  }
  std::vector<std::string> clear = ListParam(*c.params, "clear", ',');
  for (const std::string& text : clear) {
    if (absl::Status s = CheckPlanPath(c, "clear", text); !s.ok()) return s;
  }
  // Variant 0 passes messages as they are and never signs.
  const bool signs = std::any_of(variants->begin(), variants->end(), [](int64_t k) { return k > 0; });
  auto key = SigningKeyIfNeeded(c, signs);
  if (!key.ok()) return key.status();
  return std::make_unique<EquivocateRewriter>(*std::move(key), *std::move(variants), values,
                                              std::move(clear));
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("equivocate", Create);

}  // namespace agent
}  // namespace turncoat
