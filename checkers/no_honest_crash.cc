#include "checkers/no_honest_crash.h"

#include "absl/strings/str_cat.h"

namespace turncoat {

void CheckNoHonestCrash(const History& history, const CheckContext& context, CheckResult* result) {
  size_t honest_exits = 0;
  size_t clean_shutdowns = 0;
  for (const ProcessExit& e : history.process_exits()) {
    if (!context.IsHonest(e.replica)) continue;
    ++honest_exits;
    if (e.requested) continue;
    // Once turncoat has begun stopping the cluster, a replica may leave on
    // its own because its peers are gone; the target says which statuses
    // are such a shutdown rather than a crash.
    if (history.run_end().has_value() && e.t >= history.run_end()->t &&
        context.CleanShutdown(e)) {
      ++clean_shutdowns;
      continue;
    }
    std::string how = "exited";
    if (e.signal.has_value()) {
      how = absl::StrCat("was killed by signal ", *e.signal);
    } else if (e.exit_code.has_value()) {
      how = absl::StrCat("exited with code ", *e.exit_code);
    }
    Finding finding;
    finding.message = absl::StrCat("honest replica ", e.replica, " ", how, " at ",
                                   absl::FormatDuration(e.t), " without the harness stopping it");
    finding.evidence.push_back(
        Observation{e.t, "process_exit", e.replica, std::nullopt, std::nullopt,
                    e.detail.empty() ? how : absl::StrCat(how, ": ", e.detail)});
    result->Add(std::move(finding));
  }
  result->checked = absl::StrCat(
      honest_exits, honest_exits == 1 ? " process exit" : " process exits", " of honest replicas");
  if (clean_shutdowns > 0) {
    absl::StrAppend(&result->checked, ", ", clean_shutdowns,
                    " unasked after the run's end with a status the target calls clean (exit_ok)");
  }
}

namespace {
const CheckerRegistration kRegistration({"no-honest-crash", InvariantKind::kSafety,
                                         "no honest replica's process ends unless the harness "
                                         "ends it",
                                         &CheckNoHonestCrash});
}  // namespace

}  // namespace turncoat
