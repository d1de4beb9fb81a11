#include "harness/checkers/integrity.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {

void CheckIntegrity(const History& history, const CheckContext& context, CheckResult* result) {
  std::map<std::pair<int, std::string>, std::vector<const Commit*>> commits;
  size_t checked = 0;
  for (const Commit& c : history.commits()) {
    if (!context.IsHonest(c.replica)) continue;
    ++checked;
    commits[{c.replica, c.value}].push_back(&c);
  }
  for (const auto& [key, list] : commits) {
    // The same value reported again at the same seq is one log entry seen
    // twice (a restarted replica replaying its log), not a second commit.
    std::set<uint64_t> seqs;
    for (const Commit* c : list) seqs.insert(c->seq);
    if (seqs.size() < 2) continue;
    Finding finding;
    finding.message = absl::StrCat("replica ", key.first, " committed ", QuoteValue(key.second),
                                   " ", seqs.size(), " times, at seqs ", absl::StrJoin(seqs, ", "));
    for (const Commit* c : list) finding.evidence.push_back(ObserveCommit(*c, "committed"));
    result->Add(std::move(finding));
  }
  result->checked = absl::StrCat(checked, " honest commits");
}

namespace {
const CheckerRegistration kRegistration({"integrity", InvariantKind::kSafety,
                                         "no honest replica commits a value twice",
                                         &CheckIntegrity});
}  // namespace

}  // namespace turncoat
