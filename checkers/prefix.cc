#include "checkers/prefix.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"

namespace turncoat {

void CheckPrefix(const History& history, const CheckContext& context, CheckResult* result) {
  // A replica restarted without durable state numbers its log from 1 again,
  // so each process incarnation (cut at its ProcessStart) is a log of its
  // own, and must still be a prefix of every other.
  std::map<int, std::vector<absl::Duration>> restarts;
  for (const ProcessStart& s : history.process_starts()) restarts[s.replica].push_back(s.t);
  for (auto& [replica, times] : restarts) std::sort(times.begin(), times.end());
  auto incarnation = [&](const Commit& c) {
    const auto& times = restarts[c.replica];
    // Starts at or before the commit, less the first one.
    const long started = std::upper_bound(times.begin(), times.end(), c.t) - times.begin();
    return std::max(0L, started - 1);
  };

  // Each replica's commits arrive from its own output stream, so arrival
  // order is the order the replica committed in.
  std::map<std::pair<int, long>, std::vector<const Commit*>> logs;
  for (const Commit& c : history.commits()) {
    if (context.IsHonest(c.replica)) logs[{c.replica, incarnation(c)}].push_back(&c);
  }
  auto name = [](const std::pair<int, long>& log) {
    return log.second == 0 ? absl::StrCat("replica ", log.first)
                           : absl::StrCat("replica ", log.first, " (after restart ", log.second, ")");
  };

  size_t total = 0;
  for (const auto& [key, log] : logs) {
    total += log.size();
    for (size_t i = 0; i < log.size(); ++i) {
      const uint64_t expected = i + 1;
      if (log[i]->seq == expected) continue;
      Finding finding;
      finding.message =
          absl::StrCat(name(key), "'s commit number ", expected, " has seq ", log[i]->seq,
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
            absl::StrCat("the logs of ", name(a->first), " and ", name(b->first),
                         " diverge at commit number ", i + 1, ": ", QuoteValue(x.value), " vs ",
                         QuoteValue(y.value), ", so neither log is a prefix of the other");
        finding.evidence.push_back(ObserveCommit(x, "diverges here"));
        finding.evidence.push_back(ObserveCommit(y, "diverges here"));
        result->Add(std::move(finding));
        break;
      }
    }
  }
  result->checked = absl::StrCat(total, " commits in ", logs.size(),
                                 " logs of honest replica processes");
}

namespace {
const CheckerRegistration kRegistration({"prefix", InvariantKind::kSafety,
                                         "honest logs are prefixes of one another, numbered "
                                         "without gaps",
                                         &CheckPrefix});
}  // namespace

}  // namespace turncoat
