#include "checkers/validity.h"

#include <map>
#include <set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace turncoat {

void CheckValidity(const History& history, const CheckContext& context, CheckResult* result) {
  absl::flat_hash_map<std::string, const Submit*> first_submit;
  for (const Submit& s : history.submits()) {
    const Submit*& first = first_submit[s.value];
    if (first == nullptr || s.t < first->t) first = &s;
  }

  // Grouped by value, in the order values first committed, so one forged
  // value is one finding however many replicas accepted it.
  std::vector<std::string> order;
  absl::flat_hash_map<std::string, std::vector<const Commit*>> bad;
  size_t checked = 0;
  for (const Commit& c : history.commits()) {
    if (!context.IsHonest(c.replica)) continue;
    ++checked;
    auto it = first_submit.find(c.value);
    if (it != first_submit.end() && it->second->t <= c.t) continue;
    std::vector<const Commit*>& commits = bad[c.value];
    if (commits.empty()) order.push_back(c.value);
    commits.push_back(&c);
  }

  for (const std::string& value : order) {
    const std::vector<const Commit*>& commits = bad[value];
    std::set<int> replicas;
    for (const Commit* c : commits) replicas.insert(c->replica);
    Finding finding;
    auto submitted = first_submit.find(value);
    if (submitted == first_submit.end()) {
      finding.message =
          absl::StrCat("replica", replicas.size() > 1 ? "s " : " ", absl::StrJoin(replicas, ", "),
                       " committed ", QuoteValue(value), ", which no client submitted");
    } else {
      finding.message = absl::StrCat(
          "replica", replicas.size() > 1 ? "s " : " ", absl::StrJoin(replicas, ", "), " committed ",
          QuoteValue(value), " before any client submitted it (first at ",
          absl::FormatDuration(submitted->second->t), ")");
    }
    for (const Commit* c : commits) {
      finding.evidence.push_back(ObserveCommit(*c, "commits a value not submitted before"));
    }
    if (submitted != first_submit.end()) {
      finding.evidence.push_back(ObserveSubmit(*submitted->second, "first submitted here"));
    }
    result->Add(std::move(finding));
  }
  result->checked =
      absl::StrCat(checked, " honest commits against ", first_submit.size(), " submitted values");
}

namespace {
const CheckerRegistration kRegistration({"validity", InvariantKind::kSafety,
                                         "honest replicas commit only values clients "
                                         "submitted",
                                         &CheckValidity});
}  // namespace

}  // namespace turncoat
