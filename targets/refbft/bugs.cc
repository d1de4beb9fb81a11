#include "targets/refbft/bugs.h"

#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace refbft {
namespace {

constexpr std::pair<Bug, const char*> kNames[] = {
    {Bug::kSkipSignatureCheck, "skip-signature-check"},
    {Bug::kSmallQuorum, "small-quorum"},
    {Bug::kIgnoreLock, "ignore-lock"},
    {Bug::kNoViewChange, "no-view-change"},
    {Bug::kDoubleCommit, "double-commit"},
    {Bug::kCountDuplicateVotes, "count-duplicate-votes"},
    {Bug::kNoTimeoutBackoff, "no-timeout-backoff"},
    {Bug::kQcAnyRound, "qc-any-round"},
    {Bug::kBackoffPerReplica, "backoff-per-replica"},
};

}  // namespace

absl::StatusOr<BugSet> BugSet::Parse(absl::string_view names) {
  BugSet set;
  for (absl::string_view name : absl::StrSplit(names, ',', absl::SkipWhitespace())) {
    name = absl::StripAsciiWhitespace(name);
    bool found = false;
    for (const auto& [bug, bug_name] : kNames) {
      if (name == bug_name) {
        set.Add(bug);
        found = true;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown bug '", name, "'; known bugs: ", absl::StrJoin(AllNames(), ", ")));
    }
  }
  return set;
}

std::vector<std::string> BugSet::AllNames() {
  std::vector<std::string> names;
  for (const auto& entry : kNames) names.push_back(entry.second);
  return names;
}

std::string BugSet::ToString() const {
  std::vector<std::string> names;
  for (const auto& [bug, name] : kNames) {
    if (Has(bug)) names.push_back(name);
  }
  return absl::StrJoin(names, ",");
}

}  // namespace refbft
