// replay: messages the replicas in `nodes` sent are sent again later — a
// vote, a forwarded request or a decision arriving long after its time.
// Each message is replayed once, alongside a later message of the same
// replica: on the same link (`peers: same`, the default) or on whichever of
// the replica's links sends next (`peers: any`), so old messages also reach
// peers they were never meant for.
//
// How far back: with `after` alone, what the phase itself recorded, `after`
// old (seconds at most, since the recording starts with the phase). With
// `older_than` and/or `rounds_ago`, messages from as far back as the start
// of the run, from the agents' run-long archive (agents/message_archive.h),
// which the controller has the agents keep only for plans with such a
// phase: the phase then walks forward through the replica's history from
// its oldest message, each at least `older_than` (and `after`, if given)
// old and `rounds_ago` rounds below the highest the replica has sent.
// Every combination of the params is valid, so generators may draw each
// on its own.
//
// On a TCP target with framing, messages are the frames its header
// delimits, replayed whole between two frames of the stream (with `after`:
// the archive is kept for gRPC targets only). On a TCP target without
// framing there are no messages to replay, only pieces of a byte stream:
// refused.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "adversaries/link_rules.h"

namespace turncoat {
namespace {

bool FromArchive(const Params& params) {
  return params.count("older_than") > 0 || params.count("rounds_ago") > 0;
}

// How old an archived message must be: both `after` and `older_than` say
// "at least this old", so the larger counts. Unset with `rounds_ago` alone.
std::optional<absl::Duration> MinimumAge(const Phase& phase) {
  std::optional<absl::Duration> age;
  for (const char* name : {"after", "older_than"}) {
    if (phase.params.count(name) == 0) continue;
    const absl::Duration d = ParamOr(phase, name, absl::ZeroDuration());
    if (!age.has_value() || d > *age) age = d;
  }
  return age;
}

ArchiveUse ReplayArchiveUse(const Params& params) {
  return ArchiveUse{FromArchive(params), params.count("rounds_ago") > 0};
}

// "messages at least 20s old and 50 rounds behind, from the run's archive"
std::string HowOld(const Phase& phase) {
  std::vector<std::string> bounds;
  if (const std::optional<absl::Duration> age = MinimumAge(phase)) {
    bounds.push_back(absl::StrCat("at least ", absl::FormatDuration(*age), " old"));
  }
  if (phase.params.count("rounds_ago") > 0) {
    bounds.push_back(absl::StrCat(static_cast<int64_t>(ParamOr(phase, "rounds_ago", 1.0)),
                                  " or more rounds behind"));
  }
  return absl::StrCat("replays messages ", absl::StrJoin(bounds, " and "),
                      ", from the run's archive");
}

absl::StatusOr<std::unique_ptr<Adversary>> MakeReplay(const AdversaryContext& context) {
  const Phase& phase = *context.phase;
  const std::string where = absl::StrCat("phase ", context.phase_index, " (replay)");
  if (absl::Status s = NeedsFramingOnTcp(context, "replay", "re-sends what a link carried");
      !s.ok()) {
    return s;
  }
  if (context.target->transport == Transport::kTcp && FromArchive(phase.params)) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, ": target ", context.target->name,
        " is on TCP, where replay re-sends frames its phase recorded: give `after`, not "
        "`older_than` or `rounds_ago` (the run-long archive is kept for gRPC targets)"));
  }
  const std::string peers = ParamOr(phase, "peers", std::string("same"));
  if (peers != "same" && peers != "any") {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": peers must be same or any, not '", peers, "'"));
  }
  const bool archive = FromArchive(phase.params);
  std::optional<AdversaryStep> step;
  if (archive) step = AdversaryStep{HowOld(phase), phase.nodes};
  return OnOutgoingLinks(
      context, "replay",
      [&](std::pair<int, int> link) {
        agent::v1::Action action;
        action.set_kind(agent::v1::Action::REWRITE);
        action.set_rewriter("replay");
        auto& params = *action.mutable_params();
        if (archive) {
          if (const std::optional<absl::Duration> age = MinimumAge(phase)) {
            params["older_than"] = absl::FormatDuration(*age);
          }
          if (phase.params.count("rounds_ago") > 0) {
            params["rounds_ago"] =
                absl::StrCat(static_cast<int64_t>(ParamOr(phase, "rounds_ago", 1.0)));
          }
          params["links"] = peers;
        } else {
          params["after"] = absl::FormatDuration(ParamOr(phase, "after", absl::Seconds(2)));
        }
        params["pool"] = peers == "any"
                             ? absl::StrCat("p", context.phase_index, "-from", link.first)
                             : absl::StrCat("p", context.phase_index, "-from", link.first, "-to",
                                            link.second);
        return action;
      },
      ParamOr(phase, "probability", 1.0), step);
}

const AdversaryImplementation kReplay(
    {"replay",
     "re-delivers old messages on the links of `nodes`",
     NodeRule::kAny,
     {{"after", ParamKind::kDuration, false,
       "how old a message is when replayed, at least (default 2s)"},
      {"older_than", ParamKind::kDuration, false,
       "replay from the run's archive messages at least this old (e.g. 20s)"},
      {"rounds_ago", ParamKind::kCount, false,
       "replay from the run's archive messages at least this many major rounds behind the "
       "highest the replica has sent (needs round fields in the target)"},
      {"peers", ParamKind::kString, false,
       "same: replay on the link it was sent on (default); any: on any link of the replica",
       {"same", "any"}},
      {"probability", ParamKind::kProbability, false,
       "probability that a message is recorded (with after) and carries a replay (default 1)"},
      ToParam(),
      MessagesParam()},
     /*round_keyed=*/true,
     ReplayArchiveUse},
    MakeReplay);

}  // namespace
}  // namespace turncoat
