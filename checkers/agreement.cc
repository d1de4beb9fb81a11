#include "checkers/agreement.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {

void CheckAgreement(const History& history, const CheckContext& context, CheckResult* result) {
  std::map<uint64_t, std::vector<const Commit*>> by_seq;
  std::set<int> replicas;
  for (const Commit& c : history.commits()) {
    if (!context.IsHonest(c.replica)) continue;
    by_seq[c.seq].push_back(&c);
    replicas.insert(c.replica);
  }
  for (const auto& [seq, commits] : by_seq) {
    // value -> the honest replicas that committed it at this seq
    std::map<std::string, std::set<int>> values;
    for (const Commit* c : commits) values[c->value].insert(c->replica);
    if (values.size() < 2) continue;
    std::vector<std::string> parts;
    for (const auto& [value, at] : values) {
      parts.push_back(absl::StrCat(QuoteValue(value), " at replica", at.size() > 1 ? "s " : " ",
                                   absl::StrJoin(at, ", ")));
    }
    Finding finding;
    finding.message =
        absl::StrCat("honest replicas disagree at seq ", seq, ": ", absl::StrJoin(parts, "; "));
    for (const Commit* c : commits) {
      finding.evidence.push_back(ObserveCommit(*c, "committed here"));
    }
    result->Add(std::move(finding));
  }
  result->checked = absl::StrCat(by_seq.size(), " sequence numbers committed by ", replicas.size(),
                                 " honest replicas");
}

namespace {
const CheckerRegistration kRegistration({"agreement", InvariantKind::kSafety,
                                         "no two honest replicas commit different values at "
                                         "one sequence number",
                                         &CheckAgreement});
}  // namespace

}  // namespace turncoat
