// Observer: turns a replica's output into commit events.
//
// The target file says how commits show: JSON lines with named fields for the
// sequence number and the value, or an RE2 regular expression with named
// groups `seq` and `value`, over stdout, stderr or a file. CommitParser is the
// pure rule (one line in, maybe a commit out); Observer tails the file on its
// own thread, follows truncation (a restarted replica rewrites its logs) and
// reports each commit.
//
// CommitParser is immutable and thread-safe. Observer's callback runs on its
// thread; destroying the Observer stops and joins it.
#ifndef TURNCOAT_AGENTS_OBSERVER_H_
#define TURNCOAT_AGENTS_OBSERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace turncoat {
namespace agent {

struct CommitRule {
  std::string json_seq;    // JSON lines: field names
  std::string json_value;
  std::string regex;       // or a regex with (?P<seq>...) and (?P<value>...)
};

struct Commit {
  uint64_t seq = 0;
  std::string value;
  std::string line;
};

class CommitParser {
 public:
  static absl::StatusOr<CommitParser> Create(const CommitRule& rule);
  ~CommitParser();
  CommitParser(CommitParser&&) noexcept;
  CommitParser& operator=(CommitParser&&) noexcept;

  // The commit `line` reports, or nullopt for any other line.
  std::optional<Commit> Parse(absl::string_view line) const;

 private:
  CommitParser() = default;
  CommitRule rule_;
  std::unique_ptr<re2::RE2> regex_;
  int seq_group_ = 0;
  int value_group_ = 0;
};

class Observer {
 public:
  Observer(std::string path, CommitParser parser,
           std::function<void(const Commit&)> on_commit);
  ~Observer();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agent
}  // namespace turncoat

#endif  // TURNCOAT_AGENTS_OBSERVER_H_
