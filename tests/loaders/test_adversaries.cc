// Adversaries the harness tests validate plans against. The tests link
// neither adversaries/ nor the placeholders, so their expected messages
// ("known: crash, delay, ...") stay fixed however many adversaries turncoat
// grows.
#include "model/adversary_registry.h"

namespace turncoat {
namespace {

const AdversaryRegistration kCrash({"crash", "test: kills nodes", NodeRule::kAny, {}});
const AdversaryRegistration kDelay({"delay",
                                    "test: delays messages",
                                    NodeRule::kAny,
                                    {{"by", ParamKind::kDuration, true, ""},
                                     {"jitter", ParamKind::kDuration, false, ""},
                                     {"to", ParamKind::kNodes, false, ""},
                                     {"rate", ParamKind::kByteRate, false, ""}}});
const AdversaryRegistration kPartition({"partition",
                                        "test: cuts links",
                                        NodeRule::kNone,
                                        {{"groups", ParamKind::kNodeGroups, true, ""}},
                                        /*round_keyed=*/true});
const AdversaryRegistration kEquivocation({"equivocation",
                                           "test: conflicting proposals",
                                           NodeRule::kByzantine,
                                           {{"split", ParamKind::kNodeGroups, true, ""}}});

}  // namespace
}  // namespace turncoat
