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
// Params: key (the sender's private key file; not needed for variant 0 or
// unsigned messages), variant (k >= 0), values (optional plan path; default:
// the target's values path of each kind of message), clear (optional,
// comma-separated plan paths).
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agents/peer_rewrite.h"
#include "agents/rewriter_params.h"

namespace turncoat {
namespace agent {
namespace {

class EquivocateRewriter : public MessageRewriter {
 public:
  EquivocateRewriter(std::optional<PrivateKey> key, int64_t variant, std::string values,
                     std::vector<std::string> clear)
      : key_(std::move(key)),
        variant_(variant),
        values_(std::move(values)),
        clear_(std::move(clear)) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    // Variant 0 is the group that sees the proposal as sent.
    if (variant_ == 0) return Unchanged(frame);
    auto opened = EditablePeerMessage(frame);
    if (!opened.ok()) return opened.status();
    if (*opened == nullptr) return Unchanged(frame);
    MessageView& view = **opened;
    ModelPath values = view.kind_spec().values;
    if (!values_.empty()) {
      auto path = view.kind_spec().ResolvePlanPath(values_);
      if (!path.ok()) return path.status();
      values = *std::move(path);
    }
    if (values.empty()) return Unchanged(frame);  // this kind carries no values
    MessageTree* tree = view.mutable_tree(values.base);
    if (tree == nullptr) return view.content_status();
    bool changed = tree->TrimLists(values.path, static_cast<int>(variant_)) > 0;
    for (const std::string& text : clear_) {
      auto path = view.kind_spec().ResolvePlanPath(text);
      if (!path.ok()) return path.status();
      MessageTree* cleared = view.mutable_tree(path->base);
      if (cleared != nullptr) changed |= cleared->Clear(path->path);
    }
    if (!changed) return Unchanged(frame);
    auto sealed = Seal(view, key_.has_value() ? &*key_ : nullptr);
    if (!sealed.ok()) return sealed.status();
    return std::vector<std::string>{*std::move(sealed)};
  }

 private:
  const std::optional<PrivateKey> key_;  // set when variant_ > 0
  const int64_t variant_;
  const std::string values_;
  const std::vector<std::string> clear_;
};

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  if (absl::Status s = RequireModel(c); !s.ok()) return s;
  auto variant = IntParam(*c.params, "variant", std::nullopt, 0, INT32_MAX);
  if (!variant.ok()) return variant.status();
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
  auto key = SigningKeyIfNeeded(c, *variant > 0);
  if (!key.ok()) return key.status();
  return std::make_unique<EquivocateRewriter>(*std::move(key), *variant, values, std::move(clear));
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("equivocate", Create);

}  // namespace agent
}  // namespace turncoat
