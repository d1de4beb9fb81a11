#include "checkers/integrity.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {
namespace {

// One finding per (replica, value) at two or more sequence numbers.
void CheckPerValue(const std::vector<const Commit*>& honest, CheckResult* result) {
  std::map<std::pair<int, std::string>, std::vector<const Commit*>> commits;
  for (const Commit* c : honest) commits[{c->replica, c->value}].push_back(c);
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
}

// One finding per (replica, seq) holding two or more values.
void CheckPerSlot(const std::vector<const Commit*>& honest, CheckResult* result) {
  std::map<std::pair<int, uint64_t>, std::vector<const Commit*>> slots;
  for (const Commit* c : honest) slots[{c->replica, c->seq}].push_back(c);
  for (const auto& [key, list] : slots) {
    std::set<std::string> values;
    for (const Commit* c : list) values.insert(c->value);
    if (values.size() < 2) continue;
    std::vector<std::string> quoted;
    for (const std::string& v : values) quoted.push_back(QuoteValue(v));
    Finding finding;
    finding.message = absl::StrCat("replica ", key.first, " committed ", values.size(),
                                   " different values at seq ", key.second, ": ",
                                   absl::StrJoin(quoted, ", "));
    for (const Commit* c : list) finding.evidence.push_back(ObserveCommit(*c, "committed here"));
    result->Add(std::move(finding));
  }
}

}  // namespace

void CheckIntegrity(const History& history, const CheckContext& context, CheckResult* result) {
  std::vector<const Commit*> honest;
  for (const Commit& c : history.commits()) {
    if (context.IsHonest(c.replica)) honest.push_back(&c);
  }
  if (context.checks.integrity == CheckSpec::Integrity::kPerSlot) {
    CheckPerSlot(honest, result);
    result->checked = absl::StrCat(honest.size(), " honest commits, one value per sequence number");
  } else {
    CheckPerValue(honest, result);
    result->checked = absl::StrCat(honest.size(), " honest commits");
  }
}

namespace {
const CheckerRegistration kRegistration({"integrity", InvariantKind::kSafety,
                                         "no honest replica commits a value twice (or, as the "
                                         "target's checks.integrity says, two values at one "
                                         "sequence number)",
                                         &CheckIntegrity});
}  // namespace

}  // namespace turncoat
