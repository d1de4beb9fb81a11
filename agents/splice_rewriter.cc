// The "splice" rewriter: equivocation without reading a message's values.
// One group of peers gets what the Byzantine replica sends; another gets,
// in its place, another message of the same kind from the same replica —
// an earlier one, or the next one — relabelled with the current message's
// round and re-signed with the replica's own key where the target says
// where the round is and the payload decodes.
//
// Without relabelling a spliced message is sent as it was (genuinely signed,
// but of another round), which needs nothing but the kind of message; with
// it each group receives a valid message of the same round with different
// content: equivocation on any payload, even one turncoat cannot change
// field by field. So the earlier message is the strong tool for opaque
// payloads, the relabelled one for everything else.
//
// Rules of one phase share a pool of recent messages in the agent (one per
// kind of message): every rule records what it sees. Variant 0 passes
// messages unchanged; variant >= 1 splices:
//   take: earlier  the most recent message of the kind from another round
//                  (by the kind's round fields; without them, any other
//                  message), nothing recorded yet: this one passes
//   take: later    this link holds each message back and sends, when the
//                  replica's next message of the kind passes, that next one
//                  relabelled to the held message's round (so the group is
//                  always one message "ahead"); needs relabelling
// Params: variant (k >= 0), take (earlier | later; default earlier), relabel
// (true | false; default true: relabel when the kind has round fields and a
// decodable payload), key (the sender's private key file), pool (name shared
// by the phase's rules in this agent), max_stored (per kind, default 64).
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agents/named_pool.h"
#include "agents/peer_rewrite.h"
#include "agents/rewriter_params.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace agent {
namespace {

// Recent distinct messages per kind, newest last, with their rounds.
class SplicePool {
 public:
  struct Entry {
    std::string bytes;
    std::vector<double> round;  // empty when the kind has no round fields
  };

  void Record(const std::string& kind, const std::string& bytes, std::vector<double> round,
              size_t max_stored) {
    absl::MutexLock lock(&mu_);
    std::deque<Entry>& recent = by_kind_[kind];
    // A broadcast reaches the pool once per link: keep one copy.
    for (auto it = recent.rbegin(); it != recent.rend() && it - recent.rbegin() < 8; ++it) {
      if (it->bytes == bytes) return;
    }
    recent.push_back({bytes, std::move(round)});
    while (recent.size() > max_stored) recent.pop_front();
  }

  // The newest recorded message of `kind` from another round than `round`
  // (a re-sent message of the same round is no earlier message, even when
  // its bytes differ, as randomised signatures make them), or from other
  // bytes when rounds are unknown.
  std::optional<std::string> EarlierThan(const std::string& kind, const std::string& bytes,
                                         const std::vector<double>& round) {
    absl::MutexLock lock(&mu_);
    const std::deque<Entry>& recent = by_kind_[kind];
    for (auto it = recent.rbegin(); it != recent.rend(); ++it) {
      const bool other = round.empty() || it->round.empty() ? it->bytes != bytes
                                                            : it->round != round;
      if (other) return it->bytes;
    }
    return std::nullopt;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::deque<Entry>> by_kind_ ABSL_GUARDED_BY(mu_);
};

bool CanRelabel(const MessageModel::Kind& kind) { return !kind.round.empty() && kind.decodable(); }

// `bytes`, a message of `kind`, relabelled with `round` and re-signed.
absl::StatusOr<std::string> Relabel(const MessageModel& model, const MessageModel::Kind& kind,
                                    const std::string& bytes, const std::vector<double>& round,
                                    const PrivateKey* key) {
  auto view = MessageView::Open(model, kind, bytes);
  if (!view.ok()) return view.status();
  if ((*view)->content() == nullptr) return (*view)->content_status();
  for (size_t i = 0; i < kind.round.size() && i < round.size(); ++i) {
    absl::Status s = (*view)->SetRound(i, static_cast<int64_t>(round[i]));
    if (!s.ok() && !absl::IsNotFound(s)) return s;
  }
  return Seal(**view, key);
}

class SpliceRewriter : public MessageRewriter {
 public:
  SpliceRewriter(int64_t variant, bool later, bool relabel, std::optional<PrivateKey> key,
                 std::shared_ptr<SplicePool> pool, size_t max_stored)
      : variant_(variant),
        later_(later),
        relabel_(relabel),
        key_(std::move(key)),
        pool_(std::move(pool)),
        max_stored_(max_stored) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    const MessageModel::Kind* kind = frame.kind_spec();
    if (kind == nullptr) return Unchanged(frame);
    const std::string name = frame.kind();
    const MessageView* view = kind->round.empty() ? nullptr : frame.view();
    const std::vector<double> round = view == nullptr ? std::vector<double>{} : view->round();
    pool_->Record(name, frame.bytes(), round, max_stored_);
    if (variant_ == 0) return Unchanged(frame);
    const bool relabel = relabel_ && CanRelabel(*kind);
    const PrivateKey* key = key_.has_value() ? &*key_ : nullptr;
    if (later_) {
      if (frame.view() == nullptr) return frame.view_status();
      std::optional<std::vector<double>> held;
      {
        absl::MutexLock lock(&mu_);
        auto it = held_round_.find(name);
        if (it != held_round_.end()) held = it->second;
        held_round_[name] = round;
      }
      if (!held.has_value()) return std::vector<std::string>{};
      auto relabelled = Relabel(*frame.model(), *kind, frame.bytes(), *held, key);
      if (!relabelled.ok()) return relabelled.status();
      return std::vector<std::string>{*std::move(relabelled)};
    }
    std::optional<std::string> earlier = pool_->EarlierThan(name, frame.bytes(), round);
    if (!earlier.has_value()) return Unchanged(frame);
    if (!relabel) return std::vector<std::string>{*std::move(earlier)};
    if (view == nullptr) return frame.view_status();
    auto relabelled = Relabel(*frame.model(), *kind, *earlier, round, key);
    if (!relabelled.ok()) return relabelled.status();
    return std::vector<std::string>{*std::move(relabelled)};
  }

 private:
  const int64_t variant_;
  const bool later_;
  const bool relabel_;
  const std::optional<PrivateKey> key_;
  const std::shared_ptr<SplicePool> pool_;
  const size_t max_stored_;
  absl::Mutex mu_;
  // take: later — the round of the message held back on this link, by kind.
  std::map<std::string, std::vector<double>> held_round_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  if (absl::Status s = RequireModel(c); !s.ok()) return s;
  auto variant = IntParam(*c.params, "variant", std::nullopt, 0, INT32_MAX);
  if (!variant.ok()) return variant.status();
  const std::string take = OptionalParam(*c.params, "take", "earlier");
  if (take != "earlier" && take != "later") {
    return absl::InvalidArgumentError(
        absl::StrCat("param 'take' must be earlier or later, not '", take, "'"));
  }
  auto relabel = BoolParam(*c.params, "relabel", true);
  if (!relabel.ok()) return relabel.status();
  if (take == "later") {
    if (!*relabel) {
      return absl::InvalidArgumentError(
          "take: later needs relabel: the next message sent as itself is no equivocation");
    }
    if (c.kind != nullptr && !CanRelabel(*c.kind)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "take: later relabels messages with their round, but ", c.kind->request_type->full_name(),
          c.kind->round.empty() ? " has no round fields in the target"
                                : "'s payload does not decode"));
    }
  }
  // Relabelling re-signs; a spliced message sent as it was needs no key.
  auto key = SigningKeyIfNeeded(c, *relabel && *variant > 0);
  if (!key.ok()) return key.status();
  auto max_stored = IntParam(*c.params, "max_stored", 64, 1, 100000);
  if (!max_stored.ok()) return max_stored.status();
  auto pool_name = c.params->find("pool");
  std::shared_ptr<SplicePool> pool = pool_name == c.params->end()
                                         ? std::make_shared<SplicePool>()
                                         : NamedPool<SplicePool>(pool_name->second);
  return std::make_unique<SpliceRewriter>(*variant, take == "later", *relabel, *std::move(key),
                                          std::move(pool), static_cast<size_t>(*max_stored));
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("splice", Create);

}  // namespace agent
}  // namespace turncoat
