#include "agents/observer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "re2/re2.h"

namespace turncoat {
namespace agent {
namespace {

constexpr absl::Duration kPollEvery = absl::Milliseconds(20);
// A line longer than this is not a commit line; it is skipped in pieces.
constexpr size_t kMaxLine = 1 << 20;
// Bytes read at a time.
constexpr off_t kSlice = 1 << 20;

std::optional<uint64_t> AsSeq(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return v.get<int64_t>();
  uint64_t n;
  if (v.is_string() && absl::SimpleAtoi(v.get<std::string>(), &n)) return n;
  return std::nullopt;
}

}  // namespace

CommitParser::~CommitParser() = default;
CommitParser::CommitParser(CommitParser&&) noexcept = default;
CommitParser& CommitParser::operator=(CommitParser&&) noexcept = default;

absl::StatusOr<CommitParser> CommitParser::Create(const CommitRule& rule) {
  CommitParser p;
  p.rule_ = rule;
  const bool json = !rule.json_seq.empty() || !rule.json_value.empty();
  if (json == !rule.regex.empty()) {
    return absl::InvalidArgumentError(
        "commit rule: give either JSON field names (value, optionally seq) or a regex");
  }
  if (json) {
    if (rule.json_value.empty()) {
      return absl::InvalidArgumentError("commit rule: JSON needs the value field");
    }
    return p;
  }
  p.regex_ = std::make_unique<re2::RE2>(rule.regex, re2::RE2::Quiet);
  if (!p.regex_->ok()) {
    return absl::InvalidArgumentError(absl::StrCat("commit rule: bad regex '", rule.regex,
                                                   "': ", p.regex_->error()));
  }
  const auto& groups = p.regex_->NamedCapturingGroups();
  auto seq = groups.find("seq");
  auto value = groups.find("value");
  if (value == groups.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "commit rule: regex '", rule.regex, "' needs the named group (?P<value>)"));
  }
  p.seq_group_ = seq == groups.end() ? 0 : seq->second;
  p.value_group_ = value->second;
  return p;
}

std::optional<Commit> CommitParser::Parse(absl::string_view line) const {
  Commit c;
  if (regex_ == nullptr) {
    nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr,
                                             /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    auto value = j.find(rule_.json_value);
    if (value == j.end()) return std::nullopt;
    if (!rule_.json_seq.empty()) {
      auto seq = j.find(rule_.json_seq);
      if (seq == j.end()) return std::nullopt;
      std::optional<uint64_t> n = AsSeq(*seq);
      if (!n.has_value()) return std::nullopt;
      c.seq = *n;
    }
    c.value = value->is_string() ? value->get<std::string>() : value->dump();
  } else {
    const int n = regex_->NumberOfCapturingGroups() + 1;
    std::vector<re2::StringPiece> groups(n);
    if (!regex_->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(),
                       re2::RE2::UNANCHORED, groups.data(), n)) {
      return std::nullopt;
    }
    if (seq_group_ > 0) {
      const re2::StringPiece& seq = groups[seq_group_];
      if (!absl::SimpleAtoi(absl::string_view(seq.data(), seq.size()), &c.seq)) {
        return std::nullopt;
      }
    }
    c.value = std::string(groups[value_group_].data(), groups[value_group_].size());
  }
  c.line = std::string(line);
  return c;
}

struct Observer::Impl {
  std::string path;
  CommitParser parser;
  std::function<void(const Commit&)> on_commit;
  absl::Notification stop;
  std::thread thread;

  void Loop() {
    off_t offset = 0;
    std::string partial;
    std::string chunk;
    // Commits of a log without sequence numbers, numbered in order.
    uint64_t count = 0;
    while (!stop.WaitForNotificationWithTimeout(kPollEvery)) {
      // Non-blocking, and regular files only: the replica chooses what is at
      // `path`, and opening or reading a FIFO with no writer would block
      // this thread, and the agent that joins it, for good.
      const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) continue;  // not created yet
      struct stat st;
      if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        continue;
      }
      if (st.st_size < offset) {  // truncated: the replica restarted
        offset = 0;
        partial.clear();
        count = 0;
      }
      // In slices, so that a log that grew by gigabytes since the last turn
      // does not have to fit in memory.
      while (offset < st.st_size && !stop.HasBeenNotified()) {
        chunk.resize(static_cast<size_t>(std::min<off_t>(st.st_size - offset, kSlice)));
        const ssize_t n = pread(fd, chunk.data(), chunk.size(), offset);
        if (n <= 0) break;
        offset += n;
        partial.append(chunk.data(), static_cast<size_t>(n));
        size_t start = 0;
        for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
          if (auto c = parser.Parse(absl::string_view(partial).substr(start, nl - start))) {
            ++count;
            if (!parser.numbered()) c->seq = count;
            on_commit(*c);
          }
        }
        partial.erase(0, start);
        if (partial.size() > kMaxLine) partial.clear();
      }
      close(fd);
    }
  }
};

Observer::Observer(std::string path, CommitParser parser,
                   std::function<void(const Commit&)> on_commit)
    : impl_(new Impl{std::move(path), std::move(parser), std::move(on_commit), {}, {}}) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->Loop(); });
}

Observer::~Observer() {
  impl_->stop.Notify();
  impl_->thread.join();
}

}  // namespace agent
}  // namespace turncoat
