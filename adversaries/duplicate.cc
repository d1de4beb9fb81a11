// duplicate: messages the replicas in `nodes` send are delivered twice with
// probability `probability` — what a Byzantine replica that repeats its
// votes does, and what a lossy network's retransmissions do.
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const AdversaryImplementation kDuplicate(
    {"duplicate",
     "delivers messages the replicas in `nodes` send twice",
     NodeRule::kAny,
     {{"probability", ParamKind::kProbability, true, "probability that a message is duplicated"},
      {"copies", ParamKind::kCount, false, "extra copies of each duplicated message (default 1)"},
      ToParam(),
      MessagesParam()},
     /*round_keyed=*/true},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      agent::v1::Action action;
      action.set_kind(agent::v1::Action::DUPLICATE);
      action.set_duplicates(static_cast<uint32_t>(ParamOr(*context.phase, "copies", 1.0)));
      return OnOutgoingLinks(context, action, ParamOr(*context.phase, "probability", 1.0));
    });

}  // namespace
}  // namespace turncoat
