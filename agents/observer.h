// Observer: turns a replica's output into commit events.
//
// The target file says how commits show: JSON lines with named fields for the
// value and optionally the sequence number, or an RE2 regular expression
// with the named group `value` and optionally `seq`, over stdout, stderr or
// a file. Without a sequence number commits are numbered from 1 in the
// order they appear, per process incarnation (each Observer, and each
// truncation of the log, starts again at 1). CommitParser is the pure rule
// (one line in, maybe a commit out); Observer tails the file on its own
// thread, follows truncation (a restarted replica rewrites its logs) and
// reports each commit. It reads regular files only, in bounded slices, and
// never blocks: a FIFO or device the replica put at the path is ignored.
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
  std::string json_seq;    // JSON lines: field names; seq may be empty
  std::string json_value;
  std::string regex;       // or a regex with (?P<value>...), optionally (?P<seq>...)
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

  // The commit `line` reports, or nullopt for any other line. Its seq is 0
  // when the rule reads none (see numbered()).
  std::optional<Commit> Parse(absl::string_view line) const;
  // Whether lines carry sequence numbers.
  bool numbered() const { return regex_ == nullptr ? !rule_.json_seq.empty() : seq_group_ > 0; }

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
