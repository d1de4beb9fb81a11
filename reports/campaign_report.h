// The campaign's record and its three files: summary.json for programs,
// index.html for people, junit.xml for CI systems.
//
// A campaign (harness/commands/campaign_command.h) runs many scenarios, each a
// `turncoat run` of one plan with one seed that leaves its own reports.
// CampaignSummary is what the campaign keeps of each — the verdict, the
// invariants violated, the first finding, how long it took — read from how
// the run exited and from its report.json (JudgeScenario), plus totals, time
// to first finding per plan and the campaign's exit code. The renderers are
// pure functions of a summary, so the three files never disagree, and they
// are rewritten as scenarios start and finish: the files describe a running
// campaign too, with its scenarios still running marked as such.
//
// Values only; no synchronisation.
#ifndef TURNCOAT_REPORTS_CAMPAIGN_REPORT_H_
#define TURNCOAT_REPORTS_CAMPAIGN_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "model/campaign_plan.h"

namespace turncoat {

// Scenario verdicts, as in summary.json.
inline constexpr char kScenarioRunning[] = "running";
inline constexpr char kScenarioPass[] = "pass";
inline constexpr char kScenarioFail[] = "fail";
inline constexpr char kScenarioError[] = "error";
inline constexpr char kScenarioInconclusive[] = "inconclusive";
inline constexpr char kScenarioExpected[] = "expected-violation";

struct ScenarioResult {
  int number = 0;   // 1, 2, ... in starting order
  size_t plan = 0;  // index into CampaignSummary::plans
  uint64_t seed = 0;
  std::string verdict = kScenarioRunning;
  int exit_code = -1;  // of `turncoat run`; -1 while running or when a signal ended it
  std::vector<std::string> violated;  // invariant names
  // The first finding: its invariant, message and first evidence line.
  std::string finding_invariant;
  std::string finding_message;
  std::string finding_evidence;
  // When the first violation became observable, from the run's start.
  std::optional<absl::Duration> detected_at;
  std::vector<std::string> inconclusive_reasons;
  std::string error;       // verdict "error": what went wrong
  absl::Duration started;  // from the campaign's start
  absl::Duration length;   // wall time, start-up and teardown included
  std::string run_dir;     // relative to the campaign directory
  // The campaign's shrink of this finding (`--shrink`, docs/campaign.md):
  // empty when none applies; else one of the kShrink* states below, or
  // "same finding as #N" when scenario N's shrink covers it.
  std::string shrink;
  std::string shrunk_plan;  // relative to the campaign directory, once shrunk
  std::string shrink_note;  // "5 phases -> 2; reproduced 3 of 3: agreement", or why not
};

// States of a finding's shrink.
inline constexpr char kShrinkPending[] = "pending";
inline constexpr char kShrinkRunning[] = "running";
inline constexpr char kShrinkDone[] = "shrunk";
inline constexpr char kShrinkNotReproduced[] = "not reproduced";
inline constexpr char kShrinkFailed[] = "error";
inline constexpr char kShrinkNoBudget[] = "not run: the shrink share was spent";
inline constexpr char kShrinkInterrupted[] = "not run: the campaign was interrupted";

// Sets `result`'s verdict and details from how its `turncoat run` ended —
// `exit_code`, or -1 when a signal ended it — and from the report.json it
// left (`report_json`, nullopt when there is none). `why` is what the
// campaign knows beyond that ("overran its limit of 2m30s and was stopped",
// "killed by signal 9", the run's last stderr line); it becomes the error
// of a scenario that did not complete. The exit code decides the verdict
// (turncoat run's contract: 1 is a violation even in a run cut short); the
// report supplies what was violated and why.
void JudgeScenario(int exit_code, const std::optional<std::string>& report_json,
                   absl::string_view why, ScenarioResult* result);

struct CampaignSummary {
  std::string started_at;  // RFC 3339
  // "running", "finished" (budget spent or seeds exhausted) or
  // "interrupted" (Ctrl-C, SIGTERM).
  std::string state = "running";
  std::string stop_reason;  // why no more scenarios were started; empty while running
  std::optional<absl::Duration> budget;
  std::optional<SeedRange> seeds;
  absl::Duration elapsed;
  int jobs = 1;
  std::vector<std::string> replica_args;
  double shrink_share = 0;  // of the budget, for shrinking findings; 0: off
  std::vector<CampaignPlan> plans;
  std::vector<ScenarioResult> scenarios;  // by number; running ones included
};

struct CampaignTotals {
  int finished = 0;
  int running = 0;
  int passed = 0;
  int findings = 0;  // scenarios with a violation
  int errors = 0;    // scenarios the harness could not complete
  int inconclusive = 0;
  int expected = 0;  // expected violations beyond the fault bound
};
CampaignTotals Totals(const CampaignSummary& summary);

struct PlanTotals {
  int scenarios = 0;  // finished
  int findings = 0;
  int errors = 0;
  int inconclusive = 0;
  // When the plan's first violation became observable, from the campaign's
  // start (its scenario's start plus the run's detection time), and which
  // scenario it was.
  std::optional<absl::Duration> first_finding;
  int first_finding_scenario = 0;
};
std::vector<PlanTotals> TotalsPerPlan(const CampaignSummary& summary);

// The campaign's exit code: 1 when any scenario found a violation; else 3
// when any could not complete or the campaign was interrupted; else 4 when
// some plan has no conclusive scenario (every one inconclusive, or none
// run: that plan tested nothing, so the campaign must not read as a clean
// pass), with one reason a plan in `why`; else 0.
int CampaignExitCode(const CampaignSummary& summary, std::vector<std::string>* why);

std::string RenderCampaignJson(const CampaignSummary& summary);
// One test case per finished scenario: a violation is a failure carrying
// the first finding, a harness error an error, inconclusive and expected
// violations skipped; plus a `conclusive` case failed when the campaign
// exits 4 and an `interrupted` error when it was.
std::string RenderCampaignJunit(const CampaignSummary& summary);
// A self-contained page (no scripts or remote resources): findings first,
// then a table per plan with time to first finding, then the plan x seed
// grid linking to every run's report.html. Reloads itself while running.
std::string RenderCampaignHtml(const CampaignSummary& summary);

// The live status: "12 done, 2 running, 1 finding, 0 harness errors,
// 1 inconclusive, 7h41m left" (`left` infinite: no budget, nothing said).
std::string CampaignStatusLine(const CampaignSummary& summary, absl::Duration left);
// One line for a finished scenario: "#12 smoke seed 13: FAIL integrity at
// 2.4s (runs/0012-smoke-s13)".
std::string ScenarioLine(const CampaignSummary& summary, const ScenarioResult& result);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_CAMPAIGN_REPORT_H_
