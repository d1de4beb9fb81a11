// The process table as /proc shows it: which live processes name a string on
// their command line, and which descend from a given process.
//
// Every agent, replica and client of a turncoat run names its run directory
// in its arguments, so ProcessesMentioning is how tests and benchmarks check
// that no process outlived the run that started it. DescendantsOf is how a
// supervisor finds what a replica forked that left its process group (a
// daemon's setsid), which signals to the group no longer reach. Snapshots:
// processes may come and go while they read. Thread-safe.
#ifndef TURNCOAT_COMMON_PROCESS_TABLE_H_
#define TURNCOAT_COMMON_PROCESS_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace turncoat {

// Pids of live processes, other than this one, whose command line (its
// arguments joined by spaces) contains `needle`.
std::vector<int> ProcessesMentioning(const std::string& needle);

// One process: its pid and its start time (clock ticks after boot), which
// together still name it after it ended and its pid went to another.
struct ProcessIdentity {
  int pid = 0;
  int pgid = 0;
  uint64_t start_time = 0;
};

// Live descendants of `pid` (its children, theirs, and so on), found by their
// parent pids. A process whose parent exited has been adopted by another
// (init, a subreaper) and is no longer found.
std::vector<ProcessIdentity> DescendantsOf(int pid);

// Whether `process` still runs (not a zombie): its pid with its start time.
bool StillRunning(const ProcessIdentity& process);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_PROCESS_TABLE_H_
