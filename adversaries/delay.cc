// delay: messages the replicas in `nodes` send arrive `by` later, plus a
// uniform random extra up to `jitter` (which also reorders them).
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
      agent::v1::Action action;
      action.set_kind(agent::v1::Action::DELAY);
      action.set_delay_ms(static_cast<uint32_t>(
          absl::ToInt64Milliseconds(ParamOr(*context.phase, "by", absl::ZeroDuration()))));
      action.set_jitter_ms(static_cast<uint32_t>(
          absl::ToInt64Milliseconds(ParamOr(*context.phase, "jitter", absl::ZeroDuration()))));
      return OnOutgoingLinks(context, action, 1.0);
    });

}  // namespace
}  // namespace turncoat
