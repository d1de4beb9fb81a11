// bandwidth: what the replicas in `nodes` send on each link (all, or only
// towards `to`) goes out at most `rate` bytes per second, in order (targets
// on TCP only). The agent paces the bytes it relays (whole messages when
// the target declares its framing, else each read) and buffers what waits;
// what is buffered when the phase ends still leaves at the paced times.
#include "absl/strings/str_cat.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

const AdversaryImplementation kBandwidth(
    {"bandwidth",
     "limits the bytes per second the replicas in `nodes` send on each link",
     NodeRule::kAny,
     {{"rate", ParamKind::kByteRate, true, "bytes per second on each link, e.g. 16KiB"},
      ToParam()},
     /*round_keyed=*/false,
     /*archive_use=*/nullptr,
     /*tcp_only=*/true},
    [](const AdversaryContext& context) -> absl::StatusOr<std::unique_ptr<Adversary>> {
      if (absl::Status s = NeedsTcpLinks(context, "bandwidth"); !s.ok()) return s;
      agent::v1::Action action;
      action.set_kind(agent::v1::Action::PACE);
      action.set_bytes_per_second(ParamOr(*context.phase, "rate", 1.0));
      return std::unique_ptr<Adversary>(new LinkRuleAdversary(
          RulesOnOutgoingLinks(context, "bandwidth", action)));
    });

}  // namespace
}  // namespace turncoat
