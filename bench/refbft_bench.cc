// refbft_bench: commit throughput and latency of a loopback refbft cluster.
//
// For n = 4 and n = 7 it starts a LocalCluster, runs a few client threads
// that submit unique values at the replicas in turn for a fixed time, and
// tails the replicas' commit logs. Clients keep at most kWindow values in
// flight (submitted, not yet committed anywhere), so the figures describe a
// saturated but not ever-growing queue.
//
//   throughput: values committed at every replica / time until the last of
//               them was seen at the last replica
//   latency:    Submit call -> the value's first commit line at any replica
//
// The commit logs are polled every millisecond, which bounds the latency
// resolution. Run by hand; takes under a minute.
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tests/targets/refbft/cluster.h"

namespace refbft {
namespace {

constexpr absl::Duration kRunFor = absl::Seconds(6);
constexpr absl::Duration kDrainFor = absl::Seconds(10);
constexpr absl::Duration kPoll = absl::Milliseconds(1);
constexpr int kClients = 4;
constexpr size_t kWindow = 512;
constexpr size_t kValueBytes = 32;

struct Result {
  int n = 0;
  size_t submitted = 0;
  size_t committed_everywhere = 0;
  size_t blocks = 0;  // heights that committed values, at replica 0
  absl::Duration elapsed;
  std::vector<absl::Duration> latencies;
};

// What the clients and the log poller share.
struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  absl::flat_hash_map<std::string, absl::Time> submitted_at;  // guarded by mu
  size_t outstanding = 0;                                     // guarded by mu
};

absl::Duration Percentile(const std::vector<absl::Duration>& sorted, double p) {
  if (sorted.empty()) return absl::ZeroDuration();
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[index];
}

void Client(LocalCluster* cluster, Shared* shared, int client, absl::Time end) {
  for (uint64_t i = 0;; ++i) {
    std::string value = absl::StrFormat("c%d-%d-", client, i);
    value.resize(std::max(value.size(), kValueBytes), 'x');
    {
      std::unique_lock<std::mutex> lock(shared->mu);
      while (shared->outstanding >= kWindow && absl::Now() < end) {
        shared->cv.wait_for(lock, std::chrono::milliseconds(10));
      }
      if (absl::Now() >= end) return;
      shared->submitted_at[value] = absl::Now();
      ++shared->outstanding;
    }
    absl::StatusOr<bool> accepted = cluster->Submit(value);
    if (!accepted.ok() || !*accepted) {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->submitted_at.erase(value);
      --shared->outstanding;
    }
  }
}

absl::StatusOr<Result> Run(int n) {
  ClusterOptions options;
  options.n = n;
  options.view_timeout_ms = 1000;
  absl::StatusOr<std::unique_ptr<LocalCluster>> cluster = LocalCluster::Start(options);
  if (!cluster.ok()) return cluster.status();
  std::vector<CommitLogReader> readers;
  for (int i = 0; i < n; ++i) readers.emplace_back((*cluster)->stdout_path(i));

  Result result;
  result.n = n;
  Shared shared;
  const absl::Time start = absl::Now();
  const absl::Time end = start + kRunFor;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back(Client, cluster->get(), &shared, c, end);
  }

  // Replicas that have committed each value so far.
  absl::flat_hash_map<std::string, int> commit_count;
  absl::Time last_everywhere = start;
  uint64_t last_height = 0;
  bool clients_done = false;
  while (true) {
    const absl::Time now = absl::Now();
    for (CommitLogReader& reader : readers) {
      absl::StatusOr<std::vector<Commit>> fresh = reader.ReadNew();
      if (!fresh.ok()) return fresh.status();
      for (const Commit& commit : *fresh) {
        if (commit.replica == 0 && commit.height != last_height) {
          last_height = commit.height;
          ++result.blocks;
        }
        const int count = ++commit_count[commit.value];
        if (count == 1) {
          std::lock_guard<std::mutex> lock(shared.mu);
          auto it = shared.submitted_at.find(commit.value);
          if (it != shared.submitted_at.end()) {
            result.latencies.push_back(now - it->second);
            --shared.outstanding;
            shared.cv.notify_all();
          }
        }
        if (count == n) {
          ++result.committed_everywhere;
          last_everywhere = now;
        }
      }
    }
    if (!clients_done && now >= end) {
      for (std::thread& t : clients) t.join();
      clients_done = true;
      result.submitted = shared.submitted_at.size();
    }
    if (clients_done &&
        (result.committed_everywhere >= result.submitted || now >= end + kDrainFor)) {
      break;
    }
    absl::SleepFor(kPoll);
  }
  result.elapsed = last_everywhere - start;
  std::sort(result.latencies.begin(), result.latencies.end());
  return result;
}

}  // namespace
}  // namespace refbft

int main() {
  std::printf("refbft loopback cluster, %d clients, window %zu, %zu-byte values, %s per run\n",
              refbft::kClients, refbft::kWindow, refbft::kValueBytes,
              absl::FormatDuration(refbft::kRunFor).c_str());
  std::printf("%3s %10s %10s %8s %9s %12s %9s %9s\n", "n", "submitted", "committed", "blocks",
              "seconds", "values/s", "p50 ms", "p99 ms");
  for (int n : {4, 7}) {
    absl::StatusOr<refbft::Result> result = refbft::Run(n);
    if (!result.ok()) {
      std::fprintf(stderr, "refbft_bench: n=%d: %s\n", n, result.status().ToString().c_str());
      return 1;
    }
    const double seconds = absl::ToDoubleSeconds(result->elapsed);
    std::printf("%3d %10zu %10zu %8zu %9.2f %12.1f %9.1f %9.1f\n", n, result->submitted,
                result->committed_everywhere, result->blocks, seconds,
                seconds > 0 ? result->committed_everywhere / seconds : 0.0,
                absl::ToDoubleMilliseconds(refbft::Percentile(result->latencies, 0.50)),
                absl::ToDoubleMilliseconds(refbft::Percentile(result->latencies, 0.99)));
    std::fflush(stdout);
  }
  return 0;
}
