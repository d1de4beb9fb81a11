// Placeholders for the adversaries of ARCHITECTURE.md that adversaries/ does
// not implement yet, so that plans naming them validate today. An
// implementation registered under the same name replaces its placeholder
// (AdversaryRegistry::Register), so adversaries/ never needs to edit this
// file; the entry here should be deleted once its implementation lands.
//
// `nodes` are the Byzantine replicas the adversary speaks for; `to` narrows
// it to messages towards those replicas.
#include "harness/adversary_registry.h"

namespace turncoat {
namespace {

const AdversaryPlaceholder kReplay(
    {"replay",
     "re-delivers old messages on the links of `nodes`",
     NodeRule::kAny,
     {{"after", ParamKind::kDuration, true, "how old a message is when replayed"},
      {"probability", ParamKind::kProbability, false,
       "probability that a message is replayed (default 1)"},
      {"to", ParamKind::kNodes, false, "only links towards these replicas (default: all)"}}});
const AdversaryPlaceholder kEquivocation(
    {"equivocation",
     "Byzantine `nodes` send conflicting proposals to different replicas, re-signed with their "
     "own keys",
     NodeRule::kByzantine,
     {{"split", ParamKind::kNodeGroups, true, "each group receives its own version"}}});
const AdversaryPlaceholder kTwins({"twins",
                                   "runs a second copy of each Byzantine replica in `nodes` with "
                                   "the same key",
                                   NodeRule::kByzantine,
                                   {{"split", ParamKind::kNodeGroups, true,
                                     "the replicas each twin talks to"}}});
const AdversaryPlaceholder kForgeSignature(
    {"forge-signature",
     "Byzantine `nodes` send messages in the name of other replicas without their keys",
     NodeRule::kByzantine,
     {{"as", ParamKind::kNodes, true, "the replicas impersonated"},
      {"to", ParamKind::kNodes, false, "only towards these replicas (default: all)"}}});
const AdversaryPlaceholder kCollusion({"collusion",
                                       "the Byzantine `nodes` follow one joint strategy",
                                       NodeRule::kByzantine,
                                       {{"strategy", ParamKind::kString, true,
                                         "the strategy's name"}}});

}  // namespace
}  // namespace turncoat
