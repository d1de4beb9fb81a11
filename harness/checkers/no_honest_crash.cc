#include "harness/checkers/no_honest_crash.h"

#include "absl/strings/str_cat.h"

namespace turncoat {

void CheckNoHonestCrash(const History& history, const CheckContext& context, CheckResult* result) {
  size_t honest_exits = 0;
  for (const ProcessExit& e : history.process_exits()) {
    if (!context.IsHonest(e.replica)) continue;
    ++honest_exits;
    if (e.requested) continue;
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
}

namespace {
const CheckerRegistration kRegistration({"no-honest-crash", InvariantKind::kSafety,
                                         "no honest replica's process ends unless the harness "
                                         "ends it",
                                         &CheckNoHonestCrash});
}  // namespace

}  // namespace turncoat
