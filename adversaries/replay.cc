// replay: messages the replicas in `nodes` sent are sent again `after` later —
// a vote, a forwarded request or a decision arriving long after its time.
// Each message is recorded as it passes and replayed once, alongside a later
// message on a link of the same replica: on the same link (`peers: same`,
// the default) or on whichever of the replica's links sends next
// (`peers: any`), so old messages also reach peers they were never meant for.
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

absl::StatusOr<std::unique_ptr<Adversary>> MakeReplay(const AdversaryContext& context) {
  const Phase& phase = *context.phase;
  const std::string peers = ParamOr(phase, "peers", std::string("same"));
  if (peers != "same" && peers != "any") {
    return absl::InvalidArgumentError(absl::StrCat("phase ", context.phase_index,
                                                   " (replay): peers must be same or any, not '",
                                                   peers, "'"));
  }
  return OnOutgoingLinks(
      context, "replay",
      [&](std::pair<int, int> link) {
        agent::v1::Action action;
        action.set_kind(agent::v1::Action::REWRITE);
        action.set_rewriter("replay");
        auto& params = *action.mutable_params();
        params["after"] = absl::FormatDuration(ParamOr(phase, "after", absl::Seconds(2)));
        params["pool"] = peers == "any"
                             ? absl::StrCat("p", context.phase_index, "-from", link.first)
                             : absl::StrCat("p", context.phase_index, "-from", link.first, "-to",
                                            link.second);
        return action;
      },
      ParamOr(phase, "probability", 1.0));
}

const AdversaryImplementation kReplay(
    {"replay",
     "re-delivers old messages on the links of `nodes`",
     NodeRule::kAny,
     {{"after", ParamKind::kDuration, true, "how old a message is when replayed"},
      {"peers", ParamKind::kString, false,
       "same: replay on the link it was sent on (default); any: on any link of the replica",
       {"same", "any"}},
      {"probability", ParamKind::kProbability, false,
       "probability that a message is recorded for replay (default 1)"},
      ToParam(),
      MessagesParam()},
     /*round_keyed=*/true},
    MakeReplay);

}  // namespace
}  // namespace turncoat
