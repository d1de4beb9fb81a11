#include "harness/checkers/prefix.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"

namespace turncoat {

void CheckPrefix(const History& history, const CheckContext& context, CheckResult* result) {
  // Each replica's commits arrive from its own output stream, so arrival
  // order is the order the replica committed in.
  std::map<int, std::vector<const Commit*>> logs;
  for (const Commit& c : history.commits()) {
    if (context.IsHonest(c.replica)) logs[c.replica].push_back(&c);
  }

  size_t total = 0;
  for (const auto& [replica, log] : logs) {
    total += log.size();
    for (size_t i = 0; i < log.size(); ++i) {
      const uint64_t expected = i + 1;
      if (log[i]->seq == expected) continue;
      Finding finding;
      finding.message =
          absl::StrCat("replica ", replica, "'s commit number ", expected, " has seq ", log[i]->seq,
                       " (expected ", expected, "): its log ",
                       log[i]->seq > expected ? "skips" : "repeats or goes back", " at this point");
      if (i > 0) finding.evidence.push_back(ObserveCommit(*log[i - 1], "previous commit"));
      finding.evidence.push_back(ObserveCommit(*log[i], "out of sequence"));
      result->Add(std::move(finding));
      break;
    }
  }

  for (auto a = logs.begin(); a != logs.end(); ++a) {
    for (auto b = std::next(a); b != logs.end(); ++b) {
      const size_t common = std::min(a->second.size(), b->second.size());
      for (size_t i = 0; i < common; ++i) {
        const Commit& x = *a->second[i];
        const Commit& y = *b->second[i];
        if (x.value == y.value) continue;
        Finding finding;
        finding.message =
            absl::StrCat("the logs of replicas ", a->first, " and ", b->first,
                         " diverge at commit number ", i + 1, ": ", QuoteValue(x.value), " vs ",
                         QuoteValue(y.value), ", so neither log is a prefix of the other");
        finding.evidence.push_back(ObserveCommit(x, "diverges here"));
        finding.evidence.push_back(ObserveCommit(y, "diverges here"));
        result->Add(std::move(finding));
        break;
      }
    }
  }
  result->checked =
      absl::StrCat(total, " commits in the logs of ", logs.size(), " honest replicas");
}

namespace {
const CheckerRegistration kRegistration({"prefix", InvariantKind::kSafety,
                                         "honest logs are prefixes of one another, numbered "
                                         "without gaps",
                                         &CheckPrefix});
}  // namespace

}  // namespace turncoat
