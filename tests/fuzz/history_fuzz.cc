// libFuzzer target: the history reader (harness/event_log.h) on an arbitrary
// history.jsonl. A history is read back by `turncoat replay`, `shrink` and
// the report writers, possibly from a run that was killed mid-write or
// whose file was edited; every line must load or be an error naming it.
// The bytes go through a file, as ReadEventLog reads one: an in-memory
// file (memfd) reached by its /proc path, so no disk is touched.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "model/event_log.h"

namespace {

int HistoryFd() {
  static const int fd = [] {
    const int created = memfd_create("history.jsonl", 0);
    if (created < 0) std::abort();
    return created;
  }();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = HistoryFd();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    std::abort();
  }
  (void)turncoat::ReadEventLog("/proc/self/fd/" + std::to_string(fd));
  return 0;
}
