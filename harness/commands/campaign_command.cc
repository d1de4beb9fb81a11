#include "harness/commands/campaign_command.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/file_io.h"
#include "common/subprocess.h"
#include "harness/campaign.h"
#include "harness/commands/run_command.h"
#include "harness/commands/shrink_command.h"
#include "model/exit_codes.h"
#include "model/quantities.h"
#include "nlohmann/json.hpp"
#include "reports/campaign_report.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

// How long a stopped `turncoat run` has to tear its cluster down and write
// its partial report before it is killed.
constexpr absl::Duration kStopGrace = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(100);
constexpr absl::Duration kLiveLineEvery = absl::Seconds(1);
// The campaign's files are rewritten at most this often, except for a
// finding, a harness error and the end. At 10,000 scenarios rendering them
// takes about half a second, so the interval also grows to twenty times
// the last rendering: they never take more than 5% of a core.
constexpr absl::Duration kPublishEvery = absl::Seconds(5);
constexpr int kPublishCostFactor = 20;
// A shrink may overrun its budget by one attempt it had started.
constexpr absl::Duration kShrinkOverrun = absl::Minutes(2);

// Loads every plan before anything runs, so a typo in the last one does not
// surface an hour in. Corpus plans first.
absl::StatusOr<std::vector<CampaignPlan>> LoadPlans(const CampaignArgs& o) {
  std::vector<CampaignPlan> plans;
  std::vector<std::string> names;
  if (!o.corpus_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(o.corpus_dir, ec)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--corpus: ", o.corpus_dir, " is not a directory; give the directory of plans that "
          "failed before (it may be empty)"));
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(o.corpus_dir, ec)) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const std::string& file : files) {
      absl::StatusOr<RunnablePlan> loaded = LoadRunnablePlan(file, std::nullopt);
      if (!loaded.ok()) return loaded.status();
      plans.push_back(ToCampaignPlan(loaded->plan, /*corpus=*/true));
    }
  }
  absl::StatusOr<std::vector<std::string>> files = PlanFiles(o.paths);
  if (!files.ok()) return files.status();
  // Checked as the first scenario of each will run it; later seeds draw
  // other choices, and a seed an adversary rejects fails that scenario.
  std::optional<uint64_t> first_seed;
  if (o.seeds.has_value()) first_seed = o.seeds->from;
  for (const std::string& file : *files) {
    absl::StatusOr<RunnablePlan> loaded = LoadRunnablePlan(file, first_seed);
    if (!loaded.ok()) return loaded.status();
    if (std::find(names.begin(), names.end(), loaded->plan.name) != names.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": another plan is also named '", loaded->plan.name,
                       "'; plan names label the campaign's rows and run directories"));
    }
    names.push_back(loaded->plan.name);
    plans.push_back(ToCampaignPlan(loaded->plan, /*corpus=*/false));
  }
  return plans;
}

std::string LastLine(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return "";
  std::vector<absl::string_view> lines = absl::StrSplit(*text, '\n', absl::SkipWhitespace());
  return lines.empty() ? "" : std::string(lines.back());
}

// One child `turncoat run` (or `turncoat shrink` of a finding) and what
// the campaign knows of it.
struct Child {
  size_t result = 0;  // index into the summary's scenarios (the one shrunk)
  bool shrink = false;
  Subprocess process;
  absl::Time started;
  absl::Duration limit;
  std::string log;
  std::optional<absl::Time> stop_sent;
  std::string why;  // why the campaign stopped it
};

class Campaign {
 public:
  Campaign(CampaignArgs options, std::vector<CampaignPlan> plans,
           const std::atomic<bool>* interrupted, std::ostream& out, std::ostream& err)
      : o_(std::move(options)),
        schedule_(plans, o_.seeds),
        interrupted_(interrupted),
        out_(out),
        err_(err),
        live_(isatty(STDOUT_FILENO) != 0),
        exe_(fs::read_symlink("/proc/self/exe").string()) {
    summary_.plans = std::move(plans);
    summary_.budget = o_.budget;
    summary_.seeds = o_.seeds;
    summary_.jobs = o_.jobs;
    summary_.replica_args = o_.replica_args;
    summary_.shrink_share = o_.shrink_share;
  }

  int Run() {
    start_ = absl::Now();
    deadline_ = o_.budget ? start_ + *o_.budget : absl::InfiniteFuture();
    summary_.started_at = absl::FormatTime(absl::RFC3339_sec, start_, absl::LocalTimeZone());
    Publish();
    bool stopping = false;
    absl::Time last_line = absl::InfinitePast();
    while (true) {
      const absl::Time now = absl::Now();
      if (!stopping && interrupted_ != nullptr && interrupted_->load()) {
        stopping = true;
        summary_.state = "interrupted";
        summary_.stop_reason = "interrupted by a signal";
        for (Child& c : children_) Stop(c, SIGINT, "the campaign was interrupted");
      }
      Reap(now);
      if (!stopping) {
        StartWhatFits();
        if (children_.empty()) {
          summary_.state = "finished";
          summary_.stop_reason = schedule_.Exhausted()
                                     ? "every scenario of the seed range ran"
                                     : "the budget left no room for another scenario";
          break;
        }
      } else if (children_.empty()) {
        break;
      }
      PublishIfDue(/*urgent=*/false);
      if (live_ && now - last_line >= kLiveLineEvery) {
        out_ << "\r\033[K" << CampaignStatusLine(summary_, deadline_ - now) << std::flush;
        last_line = now;
      }
      absl::SleepFor(kPoll);
    }
    for (const size_t pending : pending_shrinks_) {
      summary_.scenarios[pending].shrink =
          summary_.state == "interrupted" ? kShrinkInterrupted : kShrinkNoBudget;
    }
    pending_shrinks_.clear();
    Publish();
    return Finish();
  }

 private:
  void StartWhatFits() {
    while (static_cast<int>(children_.size()) < o_.jobs) {
      if (StartShrink()) continue;
      std::optional<Scenario> next = schedule_.Next(deadline_ - absl::Now());
      if (!next.has_value()) return;
      Start(*next);
    }
  }

  void Start(const Scenario& s) {
    const CampaignPlan& plan = summary_.plans[s.plan];
    ScenarioResult r;
    r.number = s.number;
    r.plan = s.plan;
    r.seed = s.seed;
    r.started = absl::Now() - start_;
    r.run_dir = absl::StrFormat("runs/%04d-%s-s%d", s.number, plan.name, s.seed);
    const std::string run_dir = absl::StrCat(o_.out_dir, "/", r.run_dir);
    std::vector<std::string> argv = {exe_, "run", plan.path, absl::StrCat("--seed=", s.seed),
                                     absl::StrCat("--out=", run_dir)};
    for (const std::string& a : o_.replica_args) argv.push_back(absl::StrCat("--replica-arg=", a));
    SpawnOptions spawn;
    spawn.stdout_path = spawn.stderr_path = absl::StrCat(run_dir, ".log");
    // Both streams into one file: appending keeps their lines whole and in order.
    spawn.append_output = true;
    absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, spawn);
    summary_.scenarios.push_back(std::move(r));
    if (!process.ok()) {
      ScenarioResult& failed = summary_.scenarios.back();
      JudgeScenario(-1, std::nullopt,
                    absl::StrCat("cannot start turncoat run: ", process.status().message()),
                    &failed);
      schedule_.Record(s.plan, absl::ZeroDuration());
      Report(failed);
      return;
    }
    Child c{summary_.scenarios.size() - 1, false, *std::move(process), absl::Now(),
            schedule_.Limit(s.plan), spawn.stdout_path, std::nullopt, ""};
    children_.push_back(std::move(c));
    dirty_ = true;
  }

  // What the shrink share still allows one shrink: the share of the budget
  // not yet used by shrinks (finished or running), within the time left.
  absl::Duration ShrinkTimeLeft() const {
    if (!o_.budget.has_value()) return absl::ZeroDuration();
    absl::Duration used = shrink_used_;
    for (const Child& c : children_) {
      if (c.shrink) used += absl::Now() - c.started;
    }
    return std::min(o_.shrink_share * *o_.budget - used, deadline_ - absl::Now());
  }

  // Starts the oldest pending shrink if the share holds its original's run
  // and confirmations (turncoat shrink refuses less); it stays pending
  // otherwise, in case a scenario ends and frees nothing but time.
  bool StartShrink() {
    if (pending_shrinks_.empty()) return false;
    const size_t index = pending_shrinks_.front();
    ScenarioResult& r = summary_.scenarios[index];
    const absl::Duration one =
        summary_.plans[r.plan].length + kDefaultOverhead;
    const absl::Duration budget = absl::Trunc(ShrinkTimeLeft(), absl::Seconds(1));
    if (budget < (kDefaultShrinkTimes + 1) * one) return false;
    pending_shrinks_.pop_front();
    const std::string run_dir = absl::StrCat(o_.out_dir, "/", r.run_dir);
    const std::vector<std::string> argv = {exe_, "shrink", run_dir,
                                           absl::StrCat("--budget=", absl::FormatDuration(budget)),
                                           absl::StrCat("--out=", run_dir, "/shrink")};
    SpawnOptions spawn;
    spawn.stdout_path = spawn.stderr_path = absl::StrCat(run_dir, ".shrink.log");
    spawn.append_output = true;
    absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, spawn);
    if (!process.ok()) {
      r.shrink = kShrinkFailed;
      r.shrink_note = absl::StrCat("cannot start turncoat shrink: ", process.status().message());
      dirty_ = true;
      return false;
    }
    r.shrink = kShrinkRunning;
    Child c{index, true, *std::move(process), absl::Now(), budget + kShrinkOverrun,
            spawn.stdout_path, std::nullopt, ""};
    children_.push_back(std::move(c));
    dirty_ = true;
    return true;
  }

  // A finding gets a shrink unless one of the same plan and invariants
  // already has one: the same bug found with another seed shrinks alike.
  void QueueShrink(size_t index) {
    ScenarioResult& r = summary_.scenarios[index];
    // Without a budget there is nothing to take a share of: a campaign
    // bounded by --seeds alone does not shrink.
    if (o_.shrink_share <= 0 || !o_.budget.has_value() || r.verdict != kScenarioFail) return;
    std::vector<std::string> violated = r.violated;
    std::sort(violated.begin(), violated.end());
    const std::string key = absl::StrCat(r.plan, ":", absl::StrJoin(violated, ","));
    const auto [it, fresh] = shrink_for_.emplace(key, r.number);
    if (!fresh) {
      r.shrink = absl::StrCat("same finding as #", it->second);
      return;
    }
    r.shrink = kShrinkPending;
    pending_shrinks_.push_back(index);
  }

  void FinishedShrink(Child& c, const absl::StatusOr<std::optional<ExitStatus>>& exit) {
    ScenarioResult& r = summary_.scenarios[c.result];
    shrink_used_ += absl::Now() - c.started;
    const int code = exit.ok() && (*exit)->signal == 0 ? (*exit)->code : -1;
    const std::string dir = absl::StrCat(r.run_dir, "/shrink");
    absl::StatusOr<std::string> log = ReadFile(absl::StrCat(o_.out_dir, "/", dir, "/shrink.json"));
    nlohmann::json j = log.ok() ? nlohmann::json::parse(*log, nullptr, false) : nlohmann::json();
    if (!j.is_object()) j = nlohmann::json::object();
    if (code == kExitOk) {
      r.shrink = kShrinkDone;
      r.shrunk_plan = absl::StrCat(dir, "/shrunk.yaml");
      const nlohmann::json steps = j.value("steps", nlohmann::json::array());
      const nlohmann::json final_plan = j.value("final", nlohmann::json::object());
      r.shrink_note = absl::StrCat(steps.size(), steps.size() == 1 ? " step" : " steps", "; ",
                                   final_plan.value("reproduced", std::string("")));
    } else if (code == kExitViolation) {
      r.shrink = kShrinkNotReproduced;
      r.shrink_note = j.value("stop_reason", std::string("the original did not reproduce"));
    } else {
      r.shrink = kShrinkFailed;
      r.shrink_note = !c.why.empty() ? c.why
                      : code == -1   ? "turncoat shrink was stopped by a signal"
                                     : absl::StrCat("turncoat shrink exited ", code, ": ",
                                                    LastLine(c.log));
    }
    dirty_ = true;
    PublishIfDue(/*urgent=*/true);
    const std::string line = absl::StrCat(
        "shrink of #", r.number, ": ", r.shrink,
        r.shrunk_plan.empty() ? "" : absl::StrCat(" -> ", r.shrunk_plan), " (", r.shrink_note,
        ")");
    if (live_) {
      out_ << "\r\033[K" << line << "\n"
           << CampaignStatusLine(summary_, deadline_ - absl::Now()) << std::flush;
    } else {
      out_ << line << std::endl;
    }
  }

  // Asks a child to stop as Ctrl-C would ask `turncoat run`: it tears its
  // cluster down and writes its partial report; kStopGrace later it is killed.
  void Stop(Child& c, int sig, std::string why) {
    if (c.stop_sent.has_value()) return;
    (void)c.process.Signal(sig);
    c.stop_sent = absl::Now();
    c.why = std::move(why);
  }

  void Reap(absl::Time now) {
    for (auto it = children_.begin(); it != children_.end();) {
      Child& c = *it;
      absl::StatusOr<std::optional<ExitStatus>> exit = c.process.TryWait();
      if (exit.ok() && !exit->has_value()) {
        if (!c.stop_sent && now - c.started > c.limit) {
          Stop(c, SIGTERM,
               absl::StrCat("still running after ", absl::FormatDuration(c.limit),
                            c.shrink ? " (its budget, plus two minutes)"
                                     : " (twice its expected length, plus a minute)",
                            ", so it was stopped"));
        } else if (c.stop_sent && now - *c.stop_sent > kStopGrace) {
          absl::StatusOr<ExitStatus> killed = c.process.Kill();
          exit = killed.ok() ? absl::StatusOr<std::optional<ExitStatus>>(*killed)
                             : absl::StatusOr<std::optional<ExitStatus>>(killed.status());
          c.why = absl::StrCat(c.why, ", and killed ", absl::FormatDuration(kStopGrace),
                               " later");
        }
      }
      if (exit.ok() && !exit->has_value()) {
        ++it;
        continue;
      }
      Finished(c, exit);
      it = children_.erase(it);
    }
  }

  void Finished(Child& c, const absl::StatusOr<std::optional<ExitStatus>>& exit) {
    if (c.shrink) return FinishedShrink(c, exit);
    ScenarioResult& r = summary_.scenarios[c.result];
    r.length = absl::Now() - c.started;
    int code = -1;
    std::vector<std::string> why;
    if (!c.why.empty()) why.push_back(c.why);
    if (!exit.ok()) {
      why.push_back(absl::StrCat("cannot wait for turncoat run: ", exit.status().message()));
    } else if ((*exit)->signal != 0) {
      if (!c.stop_sent) why.push_back(absl::StrCat("turncoat run was ", (*exit)->ToString()));
    } else {
      code = (*exit)->code;
    }
    const std::string report_path = absl::StrCat(o_.out_dir, "/", r.run_dir, "/report.json");
    absl::StatusOr<std::string> report = ReadFile(report_path);
    // Without a report, what the run said last is all there is to go on.
    if (!report.ok() && code != -1 && why.empty()) {
      why.push_back(absl::StrCat("turncoat run exited ", code, ": ", LastLine(c.log)));
    }
    if (!why.empty()) why.push_back(absl::StrCat("its log: ", c.log));
    JudgeScenario(code, report.ok() ? std::optional<std::string>(*report) : std::nullopt,
                  absl::StrJoin(why, "; "), &r);
    // A stopped run says nothing about how long the plan takes.
    if (!c.stop_sent.has_value()) schedule_.Record(r.plan, r.length);
    QueueShrink(c.result);
    Report(r);
  }

  void Report(const ScenarioResult& r) {
    dirty_ = true;
    PublishIfDue(/*urgent=*/r.verdict == kScenarioFail || r.verdict == kScenarioError);
    const std::string line = ScenarioLine(summary_, r);
    if (live_) {
      out_ << "\r\033[K" << line << "\n"
           << CampaignStatusLine(summary_, deadline_ - absl::Now()) << std::flush;
    } else {
      out_ << line << " | " << CampaignStatusLine(summary_, deadline_ - absl::Now()) << std::endl;
    }
  }

  void PublishIfDue(bool urgent) {
    if (!dirty_) return;
    const absl::Duration every = std::max(kPublishEvery, kPublishCostFactor * publish_cost_);
    if (urgent || absl::Now() - last_publish_ >= every) Publish();
  }

  void Publish() {
    const absl::Time begin = absl::Now();
    summary_.elapsed = begin - start_;
    for (const auto& [name, content] :
         {std::pair<const char*, std::string>{"summary.json", RenderCampaignJson(summary_)},
          {"index.html", RenderCampaignHtml(summary_)},
          {"junit.xml", RenderCampaignJunit(summary_)}}) {
      if (absl::Status s = WriteFileAtomically(absl::StrCat(o_.out_dir, "/", name), content);
          !s.ok() && !write_failed_) {
        // Once: the scenarios still run and their own reports still land.
        err_ << "turncoat campaign: " << s.message() << "\n";
        write_failed_ = true;
      }
    }
    last_publish_ = absl::Now();
    publish_cost_ = last_publish_ - begin;
    dirty_ = false;
  }

  int Finish() {
    std::vector<std::string> why;
    const int code = CampaignExitCode(summary_, &why);
    if (live_) out_ << "\r\033[K";
    const CampaignTotals t = Totals(summary_);
    out_ << "\n" << CampaignStatusLine(summary_, absl::InfiniteDuration()) << " in "
         << absl::FormatDuration(absl::Trunc(summary_.elapsed, absl::Seconds(1))) << "; "
         << summary_.stop_reason << "\n";
    const std::vector<PlanTotals> per_plan = TotalsPerPlan(summary_);
    for (size_t i = 0; i < per_plan.size(); ++i) {
      if (!per_plan[i].first_finding) continue;
      out_ << "  first finding of " << summary_.plans[i].name << ": "
           << absl::FormatDuration(absl::Trunc(*per_plan[i].first_finding, absl::Seconds(1)))
           << " into the campaign (scenario #" << per_plan[i].first_finding_scenario << ")\n";
    }
    switch (code) {
      case kExitViolation:
        out_ << "FAIL: " << t.findings << (t.findings == 1 ? " scenario" : " scenarios")
             << " found a violation\n";
        break;
      case kExitHarnessFailure:
        out_ << "ERROR: " << (summary_.state == "interrupted" ? "the campaign was interrupted; " : "")
             << t.errors << (t.errors == 1 ? " scenario" : " scenarios") << " did not complete\n";
        break;
      case kExitInconclusive:
        out_ << "INCONCLUSIVE: " << absl::StrJoin(why, "\n              ") << "\n";
        break;
      default:
        out_ << "PASS: no scenario found a violation\n";
    }
    out_ << "campaign: " << o_.out_dir << "/index.html, summary.json, junit.xml\n";
    return code;
  }

  const CampaignArgs o_;
  CampaignSchedule schedule_;
  const std::atomic<bool>* interrupted_;
  std::ostream& out_;
  std::ostream& err_;
  const bool live_;
  const std::string exe_;
  CampaignSummary summary_;
  std::vector<Child> children_;
  absl::Time start_;
  absl::Time deadline_;
  bool write_failed_ = false;
  bool dirty_ = false;  // the files lag behind the summary
  absl::Time last_publish_ = absl::InfinitePast();
  absl::Duration publish_cost_;
  std::deque<size_t> pending_shrinks_;  // scenario indices, oldest finding first
  std::map<std::string, int> shrink_for_;  // plan and invariants -> scenario number
  absl::Duration shrink_used_;  // by finished shrinks
};

}  // namespace

const CommandDoc kCampaignCommand = {
    "campaign", "run plans with seed after seed until the budget is spent",
    "usage: turncoat campaign PLAN_OR_DIR... --budget=DURATION [--jobs=K] [--seeds=FROM..TO]\n"
    "                         [--out=DIR] [--corpus=DIR] [--replica-arg=ARG]... [--shrink=SHARE]\n",
    "turncoat campaign plans/nightly --budget 30m --jobs 2 --out campaigns/tonight"};

std::optional<int> ParseCampaignArgs(const std::vector<std::string>& args, CampaignArgs* parsed,
                                     std::ostream& out, std::ostream& err) {
  std::unique_ptr<CLI::App> app = NewCommandApp(kCampaignCommand);
  std::string budget, jobs, seeds, shrink;
  app->add_option("PLAN_OR_DIR", parsed->paths, "plan files, or directories of *.yaml plans")
      ->type_name("");
  app->add_option("--budget", budget, "stop starting scenarios when this is spent, e.g. 8h")
      ->type_name("DURATION");
  app->add_option("--jobs", jobs,
                  absl::StrCat("scenarios at once, 1 to ", kMaxCampaignJobs, " (default 1)"))
      ->type_name("K");
  app->add_option("--seeds", seeds, "run each plan with these seeds, e.g. 1..100")
      ->type_name("FROM..TO");
  app->add_option("--out", parsed->out_dir, "the campaign directory to create "
                                            "(default campaigns/<time>)")
      ->type_name("DIR");
  app->add_option("--corpus", parsed->corpus_dir, "a directory of plans that found something "
                                                  "before, run first")
      ->type_name("DIR");
  AddReplicaArgOption(app.get(), &parsed->replica_args);
  app->add_option("--shrink", shrink,
                  absl::StrCat("the share of the budget for shrinking findings, 0 to below 1 "
                               "(default ", kDefaultCampaignShrinkShare, ")"))
      ->type_name("SHARE");
  if (std::optional<int> exit = ParseCommandLine(app.get(), kCampaignCommand, args, out, err)) {
    return exit;
  }
  const auto bad = [&](absl::string_view message) {
    return BadCommandLine(kCampaignCommand, message, err);
  };
  if (!budget.empty()) {
    absl::StatusOr<absl::Duration> d = ParseDuration(budget);
    if (!d.ok() || *d <= absl::ZeroDuration()) {
      return bad(absl::StrCat("--budget: '", budget,
                              "' is not a positive duration; e.g. --budget=8h or 30m"));
    }
    parsed->budget = *d;
  }
  if (!jobs.empty()) {
    absl::Status s = ParseWholeOption("--jobs", jobs, 1, kMaxCampaignJobs, &parsed->jobs);
    if (!s.ok()) return bad(absl::StrCat(s.message(), " scenarios to run at once"));
  }
  if (!seeds.empty()) {
    absl::StatusOr<SeedRange> range = ParseSeedRange(seeds);
    if (!range.ok()) return bad(range.status().message());
    parsed->seeds = *range;
  }
  if (!shrink.empty() && (!absl::SimpleAtod(shrink, &parsed->shrink_share) ||
                          !(parsed->shrink_share >= 0) || !(parsed->shrink_share < 1))) {
    return bad(absl::StrCat("--shrink: '", shrink,
                            "' is not a share of the budget from 0 (no shrinking) to below 1, "
                            "e.g. --shrink=0.25"));
  }
  if (parsed->paths.empty()) return bad("give at least one plan or directory");
  if (!parsed->budget.has_value() && !parsed->seeds.has_value()) {
    return bad("give --budget (e.g. --budget=8h), --seeds (e.g. --seeds=1..100), or both: "
               "without either the campaign would never end");
  }
  return std::nullopt;
}

int RunCampaign(const std::vector<std::string>& args, const std::atomic<bool>* interrupted,
                std::ostream& out, std::ostream& err) {
  CampaignArgs options;
  if (std::optional<int> exit = ParseCampaignArgs(args, &options, out, err)) return *exit;
  absl::StatusOr<std::vector<CampaignPlan>> plans = LoadPlans(options);
  if (!plans.ok()) {
    err << plans.status().message() << "\n";
    return kExitBadInput;
  }
  if (options.budget.has_value()) {
    const CampaignSchedule schedule(*plans, options.seeds);
    if (schedule.ShortestEstimate() > *options.budget) {
      err << "turncoat campaign: --budget=" << absl::FormatDuration(*options.budget)
          << " holds no scenario: the shortest is expected to take "
          << absl::FormatDuration(schedule.ShortestEstimate())
          << " (its plan's duration plus about " << absl::FormatDuration(kDefaultOverhead)
          << " of start-up and teardown); give a longer budget\n";
      return kExitBadInput;
    }
  }
  if (options.out_dir.empty()) {
    options.out_dir = absl::StrCat(
        "campaigns/", absl::FormatTime("%Y%m%d-%H%M%S", absl::Now(), absl::LocalTimeZone()));
  }
  std::error_code ec;
  if (fs::exists(options.out_dir, ec)) {
    err << "turncoat campaign: " << options.out_dir << " exists; choose another with --out\n";
    return kExitBadInput;
  }
  fs::create_directories(absl::StrCat(options.out_dir, "/runs"), ec);
  if (ec) {
    err << "turncoat campaign: cannot create " << options.out_dir << ": " << ec.message() << "\n";
    return kExitHarnessFailure;
  }
  out << "campaign: " << plans->size() << (plans->size() == 1 ? " plan, " : " plans, ")
      << options.jobs << " at a time";
  if (options.budget) out << ", budget " << absl::FormatDuration(*options.budget);
  if (options.seeds) out << ", seeds " << options.seeds->from << ".." << options.seeds->to;
  out << "; " << options.out_dir << "/index.html\n" << std::flush;
  Campaign campaign(std::move(options), *std::move(plans), interrupted, out, err);
  return campaign.Run();
}

}  // namespace turncoat
