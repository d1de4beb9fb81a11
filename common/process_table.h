// ProcessesMentioning: which live processes name a string on their command
// line, read from /proc.
//
// Every agent, replica and client of a turncoat run names its run directory
// in its arguments, so this is how tests and benchmarks check that no
// process outlived the run that started it. A snapshot: processes may come
// and go while it reads. Thread-safe.
#ifndef TURNCOAT_COMMON_PROCESS_TABLE_H_
#define TURNCOAT_COMMON_PROCESS_TABLE_H_

#include <string>
#include <vector>

namespace turncoat {

// Pids of live processes, other than this one, whose command line (its
// arguments joined by spaces) contains `needle`.
std::vector<int> ProcessesMentioning(const std::string& needle);

}  // namespace turncoat

#endif  // TURNCOAT_COMMON_PROCESS_TABLE_H_
