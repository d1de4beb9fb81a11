// delay: messages the replicas in `nodes` send arrive `by` later, plus a
// uniform random extra up to `jitter` (which also reorders them). When
// by + jitter stays within the plan's synchrony bound Δ, the network is
// merely slow and nobody counts as faulty; beyond it, the nodes do.
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const AdversaryImplementation kDelay(
    {"delay",
     "holds back messages the replicas in `nodes` send",
     NodeRule::kAny,
     {{"by", ParamKind::kDuration, true, "added latency"},
      {"jitter", ParamKind::kDuration, false, "uniform extra latency up to this much"},
      ToParam(),
      MessagesParam()},
     /*round_keyed=*/true},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      const absl::Duration by = ParamOr(*context.phase, "by", absl::ZeroDuration());
      const absl::Duration jitter = ParamOr(*context.phase, "jitter", absl::ZeroDuration());
      agent::v1::Action action;
      action.set_kind(agent::v1::Action::DELAY);
      action.set_delay_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(by)));
      action.set_jitter_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(jitter)));
      return OnOutgoingLinks(context, action, 1.0, LatencyWithinDelta(context, by + jitter));
    });

}  // namespace
}  // namespace turncoat
