#include "common/process_table.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

namespace turncoat {
namespace {

struct StatFields {
  char state = '?';
  int ppid = 0;
  int pgid = 0;
  uint64_t start_time = 0;
};

// Fields of /proc/<pid>/stat, read after the command name, which is in
// parentheses and may itself hold spaces and parentheses.
bool ReadStat(int pid, StatFields* out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = all.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream rest(all.substr(paren + 1));
  std::string skip;
  rest >> out->state >> out->ppid >> out->pgid;
  // Fields 6 to 21 (session .. itrealvalue), then 22, starttime.
  for (int field = 6; field <= 21; ++field) rest >> skip;
  rest >> out->start_time;
  return static_cast<bool>(rest);
}

bool IsPid(const std::string& name) {
  return !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (!IsPid(name)) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    const int pid = std::stoi(name);
    if (pid != getpid() && cmdline.find(needle) != std::string::npos) pids.push_back(pid);
  }
  return pids;
}

std::vector<ProcessIdentity> DescendantsOf(int pid) {
  std::multimap<int, ProcessIdentity> by_parent;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (!IsPid(name)) continue;
    StatFields stat;
    const int child = std::stoi(name);
    if (!ReadStat(child, &stat) || stat.state == 'Z') continue;
    by_parent.emplace(stat.ppid, ProcessIdentity{child, stat.pgid, stat.start_time});
  }
  std::vector<ProcessIdentity> found;
  std::vector<int> parents = {pid};
  while (!parents.empty()) {
    const int parent = parents.back();
    parents.pop_back();
    auto [first, last] = by_parent.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      found.push_back(it->second);
      parents.push_back(it->second.pid);
    }
  }
  return found;
}

bool StillRunning(const ProcessIdentity& process) {
  StatFields stat;
  return ReadStat(process.pid, &stat) && stat.state != 'Z' &&
         stat.start_time == process.start_time;
}

}  // namespace turncoat
