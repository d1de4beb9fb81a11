// The "certificate" rewriter: lies inside the certificates a Byzantine
// replica sends. Where a message embeds other replicas' signed messages (a
// quorum certificate's votes, as the target's `certificates` describe
// them), each message that carries one has one certificate changed, by a
// mutation the seed draws among those allowed:
//   swap     one vote replaced by a vote seen earlier whose round or block
//            differs (another view, height or block), of the same sender
//            when the pool has one, so the senders stay distinct
//   drop     votes removed at random until fewer than a quorum remain
//            (min(2f+1, n-f), from the run's n and f)
//   repeat   one vote copied over another
//   relabel  one of the certificate's own round fields moved by one; its
//            votes are left as they are
// Embedded votes are moved whole and never re-signed (turncoat holds no
// honest key); the outer message is re-signed with the Byzantine replica's
// key when the target says it is signed. A correct replica refuses every
// such certificate; one that skips a check acts on it.
//
// The pool of votes to swap in holds every vote of every certificate this
// rewriter sees and every message the replica sends that is laid out as a
// vote (its own votes), up to `max_stored`; rewriters with the same `pool`
// in one agent share it. A message without a certificate, or one the drawn
// mutation cannot change (too few votes, nothing in the pool to swap in),
// passes unchanged and counts as such.
//
// Params: n, f (the run's), mutations (comma-separated among swap, drop,
// repeat, relabel; default all), key (the sender's private key file;
// unsigned messages need none), seed (default 1), pool, max_stored
// (default 256).
#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "agents/named_pool.h"
#include "agents/peer_rewrite.h"
#include "agents/rewriter_params.h"
#include "google/protobuf/descriptor.h"

namespace turncoat {
namespace agent {
namespace {

using Certificate = MessageModel::Kind::Certificate;

const std::vector<std::string>& MutationNames() {
  static const auto* names = new std::vector<std::string>{"swap", "drop", "repeat", "relabel"};
  return *names;
}

// Votes seen, newest last, one per (sender, round, block).
class VotePool {
 public:
  struct Vote {
    Certificate::Label label;
    std::shared_ptr<const MessageTree> tree;
  };

  void Record(Certificate::Label label, const MessageTree& tree, size_t max_stored) {
    if (label.round.empty() && label.block.empty()) return;
    absl::MutexLock lock(&mu_);
    for (const Vote& v : votes_) {
      if (v.label == label) return;
    }
    votes_.push_back({std::move(label), tree.Clone()});
    while (votes_.size() > max_stored) votes_.pop_front();
  }

  // Votes for another round or block than `victim`; those of its sender
  // first, when there are any.
  std::vector<Vote> OtherThan(const Certificate::Label& victim) {
    absl::MutexLock lock(&mu_);
    std::vector<Vote> same_sender, others;
    for (const Vote& v : votes_) {
      if (v.label.round == victim.round && v.label.block == victim.block) continue;
      (v.label.sender == victim.sender ? same_sender : others).push_back(v);
    }
    return same_sender.empty() ? others : same_sender;
  }

 private:
  absl::Mutex mu_;
  std::deque<Vote> votes_ ABSL_GUARDED_BY(mu_);
};

// One certificate found in a message: its spec, the alternative of `at`
// that holds it, the list's number there, and copies of its votes.
struct Found {
  const Certificate* certificate;
  size_t alternative;
  size_t list;
  std::vector<std::unique_ptr<MessageTree>> votes;
};

const MessageTree* TreeOf(const MessageView& view, ModelPath::Base base) {
  return base == ModelPath::Base::kMessage ? &view.root() : view.content();
}

std::vector<Found> FindCertificates(const MessageView& view) {
  std::vector<Found> found;
  for (const Certificate& c : view.kind_spec().certificates) {
    for (size_t a = 0; a < c.lists.size(); ++a) {
      const MessageTree* tree = TreeOf(view, c.lists[a].base);
      if (tree == nullptr) continue;
      std::vector<std::vector<std::unique_ptr<MessageTree>>> lists = tree->Lists(c.lists[a].path);
      for (size_t l = 0; l < lists.size(); ++l) {
        found.push_back({&c, a, l, std::move(lists[l])});
      }
    }
  }
  return found;
}

class CertificateRewriter : public MessageRewriter {
 public:
  CertificateRewriter(std::vector<std::string> mutations, size_t quorum,
                      std::optional<PrivateKey> key, uint64_t seed, std::shared_ptr<VotePool> pool,
                      size_t max_stored)
      : mutations_(std::move(mutations)),
        quorum_(quorum),
        key_(std::move(key)),
        pool_(std::move(pool)),
        max_stored_(max_stored),
        rng_(seed) {}

  absl::StatusOr<std::vector<std::string>> Rewrite(const Frame& frame) override {
    auto opened = EditablePeerMessage(frame);
    if (!opened.ok()) return opened.status();
    if (*opened == nullptr) return Unchanged(frame);
    MessageView& view = **opened;
    const MessageModel::Kind& kind = view.kind_spec();
    RecordWholeVote(view);
    if (kind.certificates.empty()) return Unchanged(frame);
    if (view.content() == nullptr) return view.content_status();
    std::vector<Found> found = FindCertificates(view);
    for (const Found& f : found) {
      for (const auto& vote : f.votes) pool_->Record(f.certificate->Read(*vote), *vote, max_stored_);
    }
    if (found.empty()) return Unchanged(frame);
    Found& target = found[Draw(found.size())];
    const std::string& mutation = mutations_[Draw(mutations_.size())];
    absl::StatusOr<bool> changed = mutation == "relabel" ? Relabel(view, target)
                                                         : MutateVotes(view, target, mutation);
    if (!changed.ok()) return changed.status();
    if (!*changed) return Unchanged(frame);
    auto sealed = Seal(view, key_.has_value() ? &*key_ : nullptr);
    if (!sealed.ok()) return sealed.status();
    return std::vector<std::string>{*std::move(sealed)};
  }

 private:
  // A number in [0, bound).
  size_t Draw(size_t bound) {
    absl::MutexLock lock(&mu_);
    return std::uniform_int_distribution<size_t>(0, bound - 1)(rng_);
  }

  // The replica's own votes join the pool: a message laid out as a
  // certificate's votes are, with the vote's round.
  void RecordWholeVote(const MessageView& view) {
    for (const auto& kind : view.model().kinds()) {
      for (const Certificate& c : kind->certificates) {
        if (c.vote_type == nullptr || c.vote_type != view.kind_spec().request_type) continue;
        Certificate::Label label = c.Read(view.root());
        if (label.round.size() == c.vote_round.size()) {
          pool_->Record(std::move(label), view.root(), max_stored_);
        }
      }
    }
  }

  absl::StatusOr<bool> MutateVotes(MessageView& view, Found& target, const std::string& mutation) {
    std::vector<std::unique_ptr<MessageTree>>& votes = target.votes;
    std::vector<const MessageTree*> result;
    for (const auto& v : votes) result.push_back(v.get());
    std::shared_ptr<const MessageTree> swapped_in;
    if (mutation == "swap") {
      if (votes.empty()) return false;
      const size_t victim = Draw(votes.size());
      std::vector<VotePool::Vote> candidates =
          pool_->OtherThan(target.certificate->Read(*votes[victim]));
      if (candidates.empty()) return false;
      swapped_in = candidates[Draw(candidates.size())].tree;
      result[victim] = swapped_in.get();
    } else if (mutation == "drop") {
      const size_t keep = quorum_ - 1;
      if (votes.size() <= keep) return false;
      std::vector<size_t> order(votes.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      {
        absl::MutexLock lock(&mu_);
        std::shuffle(order.begin(), order.end(), rng_);
      }
      order.resize(keep);
      std::sort(order.begin(), order.end());
      result.clear();
      for (size_t i : order) result.push_back(votes[i].get());
    } else {  // repeat
      if (votes.size() < 2) return false;
      const size_t from = Draw(votes.size());
      const size_t to = (from + 1 + Draw(votes.size() - 1)) % votes.size();
      result[to] = votes[from].get();
    }
    const ModelPath& list = target.certificate->lists[target.alternative];
    MessageTree* tree = view.mutable_tree(list.base);
    if (tree == nullptr) return view.content_status();
    if (absl::Status s = tree->SetList(list.path, target.list, result); !s.ok()) return s;
    return true;
  }

  // Moves one of the certificate's round components, present in it, by one.
  // Where one path reaches several certificates, all of them move.
  absl::StatusOr<bool> Relabel(MessageView& view, const Found& target) {
    const Certificate& c = *target.certificate;
    const ModelPath& at = c.at[target.alternative];
    std::vector<std::pair<ModelPath, double>> present;
    for (const std::vector<TreePath>& alternatives : c.round) {
      for (const TreePath& relative : alternatives) {
        ModelPath path{at.base, at.path};
        path.path.insert(path.path.end(), relative.begin(), relative.end());
        std::optional<double> value;
        view.AnyValue(path, [&value](const FieldValue& v) {
          if (v.numeric) value = v.number;
          return v.numeric;
        });
        if (value.has_value()) {
          present.emplace_back(std::move(path), *value);
          break;
        }
      }
    }
    if (present.empty()) return false;
    const auto& [path, value] = present[Draw(present.size())];
    const bool up = value <= 0 || Draw(2) == 0;
    const int64_t moved = static_cast<int64_t>(value) + (up ? 1 : -1);
    if (absl::Status s = view.Set(path, absl::StrCat(moved), /*create=*/false); !s.ok()) return s;
    return true;
  }

  const std::vector<std::string> mutations_;
  const size_t quorum_;
  const std::optional<PrivateKey> key_;
  const std::shared_ptr<VotePool> pool_;
  const size_t max_stored_;
  absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<MessageRewriter>> Create(const RewriterContext& c) {
  if (absl::Status s = RequireModel(c); !s.ok()) return s;
  const auto& kinds = c.model->kinds();
  const bool any = std::any_of(kinds.begin(), kinds.end(),
                               [](const auto& k) { return !k->certificates.empty(); });
  if (!any) {
    return absl::FailedPreconditionError(
        "no kind of peer message names a certificate (protocol.messages[].certificates)");
  }
  auto n = IntParam(*c.params, "n", std::nullopt, 1, 100000);
  if (!n.ok()) return n.status();
  auto f = IntParam(*c.params, "f", std::nullopt, 0, 100000);
  if (!f.ok()) return f.status();
  std::vector<std::string> mutations = ListParam(*c.params, "mutations", ',');
  if (mutations.empty()) mutations = MutationNames();
  for (const std::string& m : mutations) {
    if (std::find(MutationNames().begin(), MutationNames().end(), m) == MutationNames().end()) {
      return absl::InvalidArgumentError(absl::StrCat("param 'mutations': '", m, "' is not one of ",
                                                     absl::StrJoin(MutationNames(), ", ")));
    }
  }
  auto key = SigningKeyIfNeeded(c);
  if (!key.ok()) return key.status();
  auto seed = IntParam(*c.params, "seed", 1, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  auto max_stored = IntParam(*c.params, "max_stored", 256, 1, 100000);
  if (!max_stored.ok()) return max_stored.status();
  const int64_t quorum = std::max<int64_t>(1, std::min(2 * *f + 1, *n - *f));
  auto pool_name = c.params->find("pool");
  std::shared_ptr<VotePool> pool = pool_name == c.params->end()
                                       ? std::make_shared<VotePool>()
                                       : NamedPool<VotePool>(pool_name->second);
  return std::make_unique<CertificateRewriter>(std::move(mutations), static_cast<size_t>(quorum),
                                               *std::move(key), static_cast<uint64_t>(*seed),
                                               std::move(pool), static_cast<size_t>(*max_stored));
}

}  // namespace

TURNCOAT_REGISTER_REWRITER("certificate", Create);

}  // namespace agent
}  // namespace turncoat
