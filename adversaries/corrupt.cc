// corrupt: bytes of the messages the replicas in `nodes` send are changed
// on the way (agents/corrupt_rewriter.cc) — a faulty NIC or middlebox, or a
// sender that garbles what it signs.
//
// On a TCP target with `protocol.framing`, the payload of each frame
// changes and, with `reseal: true` (the default), its length and checksum
// are recomputed, so the frame passes the receiver's framing check and
// meets its decoding and signature checks: a correct target must reject
// it there. `reseal: false` leaves the checksum wrong, which tests the
// framing layer only (a correct target drops the frame: an omission).
// `header: true` lets the changed bytes fall in the header too (the type,
// flags; with reseal the length and checksum are rewritten after). On an
// unframed TCP target any byte of a raw read changes; on a gRPC target any
// byte of the serialized message.
//
// Not re-signed: a corrupted message is an honest sender's message spoilt
// on the wire, and a receiver that checks signatures rejects it, so the
// phase's nodes are faulty only as an omission would make them.
#include <random>

#include "absl/strings/str_cat.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

absl::StatusOr<std::unique_ptr<Adversary>> MakeCorrupt(const AdversaryContext& context) {
  const Phase& phase = *context.phase;
  const bool framed = context.target->transport == Transport::kTcp &&
                      context.target->protocol.framing.has_value();
  for (const char* name : {"reseal", "header"}) {
    if (!framed && phase.params.count(name) > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "phase ", context.phase_index, " (corrupt): '", name, "' needs a TCP target with "
          "protocol.framing (a header and checksum to keep or recompute), and ",
          context.target->name, " has none"));
    }
  }
  std::mt19937_64 rng(context.seed);
  return OnOutgoingLinks(
      context, "corrupt",
      [&](std::pair<int, int>) {
        agent::v1::Action action;
        action.set_kind(agent::v1::Action::REWRITE);
        action.set_rewriter("corrupt");
        auto& params = *action.mutable_params();
        params["bytes"] = absl::StrCat(static_cast<int64_t>(ParamOr(phase, "bytes", 1.0)));
        // The rewriter takes a non-negative 64-bit signed seed.
        params["seed"] = absl::StrCat(rng() >> 1);
        for (const char* name : {"reseal", "header"}) {
          if (phase.params.count(name) > 0) params[name] = ParamOr(phase, name, std::string());
        }
        return action;
      },
      ParamOr(phase, "probability", 1.0));
}

const AdversaryImplementation kCorrupt(
    {"corrupt",
     "changes bytes of messages the replicas in `nodes` send; on framed TCP targets the "
     "payload, with the frame's checksum recomputed",
     NodeRule::kAny,
     {{"probability", ParamKind::kProbability, false,
       "probability that a message is corrupted (default 1)"},
      {"bytes", ParamKind::kCount, false, "bytes changed per message (default 1)"},
      // No declared choices: generators would draw them for targets
      // without framing, which refuse them; the agent's rewriter checks
      // the value when the plan is validated.
      {"reseal", ParamKind::kString, false,
       "framed TCP targets: true (default) recomputes each frame's length and checksum so it "
       "passes the framing check; false leaves the checksum wrong"},
      {"header", ParamKind::kString, false,
       "framed TCP targets: true lets changed bytes fall in the header too (default false)"},
      ToParam(),
      MessagesParam()},
     /*round_keyed=*/true},
    MakeCorrupt);

}  // namespace
}  // namespace turncoat
