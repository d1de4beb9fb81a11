#include "harness/checkers/integrity.h"

#include <map>
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
    if (list.size() < 2) continue;
    std::vector<uint64_t> seqs;
    for (const Commit* c : list) seqs.push_back(c->seq);
    Finding finding;
    finding.message = absl::StrCat("replica ", key.first, " committed ", QuoteValue(key.second),
                                   " ", list.size(), " times, at seqs ", absl::StrJoin(seqs, ", "));
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
