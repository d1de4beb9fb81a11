#include "harness/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace turncoat {

absl::Status ForEachInParallel(size_t count, size_t max_threads,
                               const std::function<absl::Status(size_t)>& task) {
  std::vector<absl::Status> results(count);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) results[i] = task(i);
  };
  const size_t threads = std::min(count, std::max<size_t>(max_threads, 1));
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
    for (std::thread& t : pool) t.join();
  }
  for (absl::Status& s : results) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace turncoat
