// The "mutate" rewriter: ByzzFuzz-style small-scope mutation (Winter et al.,
// "Randomized Testing of Byzantine Fault Tolerant Algorithms", 2023).
//
// ByzzFuzz found most of its bugs not with arbitrary garbage, which any
// parser rejects, but with messages changed in one small place: a height or
// view off by one, another phase. So each message gets exactly one of the
// integer (or protobuf enum) fields of its content, at any depth, moved by
// one step, and is re-signed by its Byzantine sender so the change is not
// rejected as a forgery. Strings and bytes are never touched: client values
// must stay as submitted, or the validity checker would blame the system for
// the fault. Works on any content turncoat can decode (protobuf, JSON, an
// external codec's tree).
//
// Params: key (the sender's private key file; unsigned messages need none),
// seed (default 1).
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agents/peer_rewrite.h"
#include "agents/rewriter_params.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace agent {
namespace {

class MutateRewriter : public MessageRewriter {
 public:
  MutateRewriter(std::optional<PrivateKey> key, uint64_t seed) : key_(std::move(key)), rng_(seed) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    auto opened = EditablePeerMessage(frame);
    if (!opened.ok()) return opened.status();
    if (*opened == nullptr) return Unchanged(frame);
    MessageView& view = **opened;
    MessageTree* content = view.mutable_content();
    if (content == nullptr) return view.content_status();
    std::vector<IntegerLeaf> leaves = content->IntegerLeaves();
    if (leaves.empty()) return Unchanged(frame);
    size_t pick;
    bool up;
    {
      absl::MutexLock lock(&mu_);
      pick = std::uniform_int_distribution<size_t>(0, leaves.size() - 1)(rng_);
      up = std::bernoulli_distribution(0.5)(rng_);
    }
    leaves[pick].bump(up);
    auto sealed = Seal(view, key_.has_value() ? &*key_ : nullptr);
    if (!sealed.ok()) return sealed.status();
    return std::vector<std::string>{*std::move(sealed)};
  }

 private:
  const std::optional<PrivateKey> key_;
  absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  if (absl::Status s = RequireModel(c); !s.ok()) return s;
  if (c.kind != nullptr && !c.kind->decodable()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the payload of ", c.kind->request_type->full_name(),
                     " is opaque: there is no field to mutate"));
  }
  auto key = SigningKeyIfNeeded(c);
  if (!key.ok()) return key.status();
  auto seed = IntParam(*c.params, "seed", 1, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  return std::make_unique<MutateRewriter>(*std::move(key), static_cast<uint64_t>(*seed));
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("mutate", Create);

}  // namespace agent
}  // namespace turncoat
