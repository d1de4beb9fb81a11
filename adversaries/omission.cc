// omission: the replicas in `nodes` stay silent, fully or in part: each
// message they send on the chosen links (all, or only towards `to`, or only
// the payload kinds in `messages`) is dropped with probability `drop`.
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const AdversaryImplementation kOmission(
    {"omission",
     "drops messages the replicas in `nodes` send",
     NodeRule::kAny,
     {{"drop", ParamKind::kProbability, true, "probability that a message is dropped"},
      ToParam(),
      MessagesParam()},
     /*round_keyed=*/true},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      agent::v1::Action action;
      action.set_kind(agent::v1::Action::DROP);
      return OnOutgoingLinks(context, action, ParamOr(*context.phase, "drop", 1.0));
    });

}  // namespace
}  // namespace turncoat
