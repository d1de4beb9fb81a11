#include "checkers/checker.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "model/plan.h"
#include "model/value_text.h"

namespace turncoat {

CheckContext CheckContext::For(const Plan& plan, const TargetSpec& target) {
  CheckContext c;
  c.n = plan.n;
  c.f = plan.f;
  c.byzantine.insert(plan.byzantine.begin(), plan.byzantine.end());
  c.commit_within = plan.expect.commit_within;
  c.checks = target.checks;
  return c;
}

std::optional<int> CheckContext::ExitStatus(const ProcessExit& exit) {
  if (exit.exit_code.has_value()) return *exit.exit_code;
  if (exit.signal.has_value()) return 128 + *exit.signal;
  return std::nullopt;
}

bool CheckContext::CleanShutdown(const ProcessExit& exit) const {
  const std::optional<int> status = ExitStatus(exit);
  return status.has_value() &&
         std::find(checks.exit_ok.begin(), checks.exit_ok.end(), *status) != checks.exit_ok.end();
}

int64_t CheckCoverage::excused_total() const {
  int64_t total = 0;
  for (const auto& [reason, count] : excused) total += count;
  return total;
}

Observation ObserveCommit(const Commit& commit, std::string note) {
  return Observation{commit.t, "commit", commit.replica, commit.seq, commit.value, std::move(note)};
}

Observation ObserveSubmit(const Submit& submit, std::string note) {
  return Observation{submit.t,     "submit",     submit.replica,
                     std::nullopt, submit.value, std::move(note)};
}

std::string QuoteValue(absl::string_view value) {
  constexpr size_t kMaxShown = 48;
  std::string shown = DisplayValue(value);
  if (shown.size() > kMaxShown) {
    size_t cut = kMaxShown - 3;
    // Never split a UTF-8 sequence: back up to the start of a character.
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;
    shown = shown.substr(0, cut) + "...";
  }
  return absl::StrCat("'", shown, "'");
}

void CheckResult::Add(Finding finding) {
  ++violations;
  if (findings.size() < kMaxFindings) findings.push_back(std::move(finding));
}

CheckerRegistry& CheckerRegistry::Global() {
  static CheckerRegistry* registry = new CheckerRegistry();
  return *registry;
}

absl::Status CheckerRegistry::Register(CheckerInfo info) {
  if (info.name.empty() || info.check == nullptr) {
    return absl::InvalidArgumentError("a checker needs a name and a function");
  }
  absl::MutexLock lock(&mu_);
  if (checkers_.count(info.name) != 0) {
    return absl::AlreadyExistsError(absl::StrCat("checker '", info.name, "' is registered twice"));
  }
  std::string name = info.name;
  checkers_.emplace(std::move(name), std::move(info));
  return absl::OkStatus();
}

const CheckerInfo* CheckerRegistry::Find(absl::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = checkers_.find(name);
  return it == checkers_.end() ? nullptr : &it->second;
}

std::vector<std::string> CheckerRegistry::Names(InvariantKind kind) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, info] : checkers_) {
    if (info.kind == kind) names.push_back(name);
  }
  return names;
}

CheckResult RunChecker(const CheckerInfo& checker, const History& history,
                       const CheckContext& context) {
  CheckResult result;
  result.invariant = checker.name;
  result.kind = checker.kind;
  checker.check(history, context, &result);
  return result;
}

std::vector<CheckResult> RunExpectedCheckers(const Plan& plan, const TargetSpec& target,
                                             const History& history) {
  const CheckContext context = CheckContext::For(plan, target);
  std::vector<std::string> names = plan.expect.safety;
  if (plan.expect.commit_within.has_value()) names.push_back("liveness");
  std::vector<CheckResult> results;
  for (const std::string& name : names) {
    const CheckerInfo* checker = CheckerRegistry::Global().Find(name);
    if (checker != nullptr) results.push_back(RunChecker(*checker, history, context));
  }
  return results;
}

CheckerRegistration::CheckerRegistration(CheckerInfo info) {
  const absl::Status s = CheckerRegistry::Global().Register(std::move(info));
  if (!s.ok()) {
    std::fprintf(stderr, "turncoat: %s\n", std::string(s.message()).c_str());
    std::abort();
  }
}

}  // namespace turncoat
