// reorder: messages the replicas in `nodes` send are held for up to `window`
// (or until 16 are held) and released in shuffled order. Holding is its
// only delay, so a window within the plan's synchrony bound Δ makes nobody
// faulty (partial synchrony promises no order); a longer one makes the
// nodes faulty.
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

constexpr uint32_t kMaxHeld = 16;

const AdversaryImplementation kReorder(
    {"reorder",
     "shuffles messages the replicas in `nodes` send",
     NodeRule::kAny,
     {{"window", ParamKind::kDuration, true,
       "messages within this window may overtake each other"},
      ToParam(),
      MessagesParam()},
     /*round_keyed=*/true},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      const absl::Duration window = ParamOr(*context.phase, "window", absl::Milliseconds(100));
      agent::v1::Action action;
      action.set_kind(agent::v1::Action::HOLD);
      action.set_hold_count(kMaxHeld);
      action.set_hold_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(window)));
      action.set_shuffle(true);
      return OnOutgoingLinks(context, action, 1.0, LatencyWithinDelta(context, window));
    });

}  // namespace
}  // namespace turncoat
