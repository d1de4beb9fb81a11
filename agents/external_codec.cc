#include "agents/external_codec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <fstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace turncoat {
namespace agent {
namespace {

constexpr int64_t kProtocolVersion = 1;
constexpr char kHello[] = R"({"id":0,"op":"hello","version":1})";
// How much of a codec's output an error quotes: the start of what it
// printed on stdout, the last lines of its stderr (where a traceback ends).
constexpr size_t kQuoteBytes = 160;
constexpr int64_t kStderrTailBytes = 4096;
constexpr size_t kStderrTailLines = 5;
constexpr size_t kStderrQuoteBytes = 480;
// How long a codec that stopped talking gets to be reaped, so the error can
// say how it ended.
constexpr absl::Duration kReapGrace = absl::Milliseconds(200);

// What poll() should wait for: the time left until `deadline`, rounded up.
int PollMillis(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, INT_MAX));
}

// Waits until `fd` is ready for `events`: OK, DeadlineExceeded, or Internal.
absl::Status AwaitReady(int fd, short events, absl::Time deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, PollMillis(deadline));
    if (n > 0) return absl::OkStatus();
    if (n == 0) {
      if (absl::Now() >= deadline) return absl::DeadlineExceededError("timed out");
      continue;
    }
    if (errno != EINTR) return absl::InternalError(absl::StrCat("poll: ", std::strerror(errno)));
  }
}

// Sends all of `data`: OK, DeadlineExceeded, Unavailable when the codec has
// closed its end, Internal otherwise.
absl::Status SendAll(int fd, absl::string_view data, absl::Time deadline) {
  while (!data.empty()) {
    if (absl::Status s = AwaitReady(fd, POLLOUT, deadline); !s.ok()) return s;
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (errno == EPIPE || errno == ECONNRESET) {
      return absl::UnavailableError("closed");
    } else if (errno != EINTR && errno != EAGAIN) {
      return absl::InternalError(absl::StrCat("send: ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

// Appends exactly `n` bytes to `out`: OK, DeadlineExceeded, Unavailable at
// end-of-file, Internal otherwise. On failure `out` keeps what arrived.
absl::Status RecvExactly(int fd, size_t n, std::string* out, absl::Time deadline) {
  const size_t start = out->size();
  out->resize(start + n);
  size_t got = 0;
  while (got < n) {
    absl::Status s = AwaitReady(fd, POLLIN, deadline);
    if (s.ok()) {
      const ssize_t r = recv(fd, out->data() + start + got, n - got, MSG_DONTWAIT);
      if (r > 0) {
        got += static_cast<size_t>(r);
        continue;
      }
      if (r == 0 || errno == ECONNRESET) {
        s = absl::UnavailableError("closed");
      } else if (errno == EINTR || errno == EAGAIN) {
        continue;
      } else {
        s = absl::InternalError(absl::StrCat("recv: ", std::strerror(errno)));
      }
    }
    out->resize(start + got);
    return s;
  }
  return absl::OkStatus();
}

// What the codec has printed but nobody read yet, up to `max` bytes.
std::string ReadAvailable(int fd, size_t max) {
  std::string out(max, '\0');
  const ssize_t n = recv(fd, out.data(), max, MSG_DONTWAIT);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

// `bytes` for an error message: escaped, only the first kQuoteBytes.
std::string Quote(absl::string_view bytes) {
  const bool cut = bytes.size() > kQuoteBytes;
  return absl::StrCat("\"", absl::CHexEscape(bytes.substr(0, kQuoteBytes)), cut ? "..." : "", "\"");
}

// `bytes` for an error message: escaped, only the last `max`.
std::string QuoteTail(absl::string_view bytes, size_t max) {
  const bool cut = bytes.size() > max;
  if (cut) bytes.remove_prefix(bytes.size() - max);
  return absl::StrCat("\"", cut ? "..." : "", absl::CHexEscape(bytes), "\"");
}

std::string BigEndian32(uint32_t n) {
  const char bytes[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                         static_cast<char>(n >> 8), static_cast<char>(n)};
  return std::string(bytes, 4);
}

uint32_t ParseBigEndian32(absl::string_view b) {
  return static_cast<uint32_t>(static_cast<unsigned char>(b[0])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[3]));
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// How a codec ended, to follow "it".
std::string Ending(const ExitStatus& exit) {
  if (exit.signal == 0) return absl::StrCat("exited with code ", exit.code);
  return absl::StrCat("was killed by signal ", exit.signal, " (", strsignal(exit.signal), ")");
}

// A duration as errors show it, to a tenth of a second.
std::string Show(absl::Duration d) {
  return absl::FormatDuration(absl::Trunc(d, absl::Milliseconds(100)));
}

}  // namespace

// Forks on a thread of its own that lives as long as the codec, so the
// children's parent-death signal is not tied to whichever caller restarted
// them. One spawn at a time: callers take turns already.
class ExternalCodec::Spawner {
 public:
  Spawner() : thread_([this] { Loop(); }) {}
  ~Spawner() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  absl::StatusOr<Subprocess> Spawn(const std::vector<std::string>& argv,
                                   const SpawnOptions& options) {
    absl::MutexLock lock(&mu_);
    argv_ = &argv;
    options_ = &options;
    mu_.Await(absl::Condition(this, &Spawner::Done));
    absl::StatusOr<Subprocess> result = std::move(*result_);
    result_.reset();
    return result;
  }

 private:
  bool Done() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return result_.has_value(); }
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || argv_ != nullptr; }

  void Loop() {
    absl::MutexLock lock(&mu_);
    while (true) {
      mu_.Await(absl::Condition(this, &Spawner::HasWork));
      if (stop_) return;
      result_.emplace(Subprocess::Spawn(*argv_, *options_));
      argv_ = nullptr;
      options_ = nullptr;
    }
  }

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  const std::vector<std::string>* argv_ ABSL_GUARDED_BY(mu_) = nullptr;
  const SpawnOptions* options_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::optional<absl::StatusOr<Subprocess>> result_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the fields above exist
};

struct ExternalCodec::Answer {
  nlohmann::ordered_json tree;  // Decode
  std::string bytes;            // Encode
};

ExternalCodec::ExternalCodec(Options options)
    : options_(std::move(options)),
      command_(absl::StrJoin(options_.argv, " ")),
      spawner_(std::make_unique<Spawner>()) {}

absl::StatusOr<std::unique_ptr<ExternalCodec>> ExternalCodec::Start(Options options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return absl::InvalidArgumentError("external codec: the command is empty");
  }
  if (options.timeout <= absl::ZeroDuration() || options.max_failures < 1 ||
      options.max_frame_bytes < 64 || options.max_frame_bytes > UINT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(
        "external codec `", absl::StrJoin(options.argv, " "),
        "`: timeout must be positive, max_failures at least 1 and max_frame_bytes between 64 "
        "and 4294967295"));
  }
  std::unique_ptr<ExternalCodec> codec(new ExternalCodec(std::move(options)));
  if (absl::Status s = codec->Launch(absl::Now() + codec->options_.timeout, true); !s.ok()) {
    return codec->Named(s);
  }
  return codec;
}

ExternalCodec::~ExternalCodec() {
  if (child_.has_value() && child_->running()) {
    (void)child_->CloseStdin();
    if (!child_->Wait(options_.exit_grace).ok()) (void)child_->Kill();
  }
  child_.reset();
  spawner_.reset();
}

absl::StatusOr<nlohmann::ordered_json> ExternalCodec::Decode(absl::string_view type,
                                                             absl::string_view bytes) {
  std::string body;
  try {
    body = absl::StrCat(R"("op":"decode","type":)", nlohmann::ordered_json(type).dump(),
                        R"(,"data":")", absl::Base64Escape(bytes), "\"}");
  } catch (const nlohmann::ordered_json::exception& e) {
    return Named(absl::InvalidArgumentError(absl::StrCat("type name is not UTF-8: ", e.what())));
  }
  absl::StatusOr<Answer> answer =
      Call(Op::kDecode, std::move(body),
           absl::StrCat("decode ", bytes.size(), " bytes as type '", type, "'"));
  if (!answer.ok()) return answer.status();
  return std::move(answer->tree);
}

absl::StatusOr<std::string> ExternalCodec::Encode(absl::string_view type,
                                                  const nlohmann::ordered_json& tree) {
  std::string body;
  try {
    body = absl::StrCat(R"("op":"encode","type":)", nlohmann::ordered_json(type).dump(),
                        R"(,"tree":)", tree.dump(), "}");
  } catch (const nlohmann::ordered_json::exception& e) {
    return Named(absl::InvalidArgumentError(
        absl::StrCat("cannot send a tree of type '", type, "': ", e.what())));
  }
  absl::StatusOr<Answer> answer =
      Call(Op::kEncode, std::move(body), absl::StrCat("encode type '", type, "'"));
  if (!answer.ok()) return answer.status();
  return std::move(answer->bytes);
}

absl::StatusOr<ExternalCodec::Answer> ExternalCodec::Call(Op op, std::string body,
                                                          absl::string_view what) {
  // The id and its punctuation add at most 30 bytes.
  if (body.size() + 30 > options_.max_frame_bytes) {
    return Named(absl::InvalidArgumentError(
        absl::StrCat("cannot ", what, ": the request of ", body.size(),
                     " bytes would exceed the frame limit of ", options_.max_frame_bytes)));
  }
  if (!mu_.LockWhenWithDeadline(absl::Condition(&idle_), absl::Now() + options_.timeout)) {
    mu_.Unlock();
    return Named(absl::DeadlineExceededError(absl::StrCat(
        "cannot ", what, ": earlier calls kept it busy for ", Show(options_.timeout))));
  }
  idle_ = false;
  mu_.Unlock();
  absl::StatusOr<Answer> answer = CallOnce(op, std::move(body), what);
  {
    absl::MutexLock lock(&mu_);
    idle_ = true;
  }
  if (!answer.ok()) return Named(answer.status());
  return answer;
}

absl::StatusOr<ExternalCodec::Answer> ExternalCodec::CallOnce(Op op, std::string request_tail,
                                                              absl::string_view what) {
  const absl::Time now = absl::Now();
  if (now < cooldown_until_) {
    return absl::UnavailableError(absl::StrCat("cannot ", what, ": not restarting it for another ",
                                               Show(cooldown_until_ - now), " because ",
                                               cooldown_reason_, "; ", LogHint()));
  }
  if (child_.has_value()) {
    absl::StatusOr<std::optional<ExitStatus>> exit = child_->TryWait();
    if (!exit.ok()) {
      restart_reason_ = std::string(exit.status().message());
      child_.reset();
    } else if (exit->has_value()) {
      restart_reason_ = absl::StrCat("it ", Ending(**exit), " between calls");
      child_.reset();
    }
  }
  if (!child_.has_value()) {
    if (absl::Status s = Launch(absl::Now() + options_.timeout, false); !s.ok()) {
      return Failed(absl::Status(s.code(), absl::StrCat("cannot ", what, ": ", s.message())));
    }
  }
  const int64_t id = next_id_++;
  const std::string request = absl::StrCat("{\"id\":", id, ",", request_tail);
  // The codec's own deadline starts now: it is not to blame for the time
  // this call waited for its turn or for the restart.
  absl::StatusOr<nlohmann::ordered_json> answer =
      Exchange(request, id, what, absl::Now() + options_.timeout);
  if (!answer.ok()) return Failed(Abandon(answer.status()));

  if (!answer->at("ok").get<bool>()) {
    const auto error = answer->find("error");
    if (error == answer->end() || !error->is_string()) {
      return Failed(Abandon(absl::InternalError(
          absl::StrCat("its answer to ", what,
                       " has ok:false but no \"error\" string: ", Quote(answer->dump())))));
    }
    failures_.clear();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot ", what, ": ", error->get<std::string>()));
  }
  Answer result;
  const char* field = op == Op::kDecode ? "tree" : "data";
  const auto value = answer->find(field);
  if (value == answer->end() || (op == Op::kEncode && !value->is_string())) {
    return Failed(Abandon(absl::InternalError(
        absl::StrCat("its answer to ", what, " has ok:true but no \"", field,
                     op == Op::kEncode ? "\" string: " : "\": ", Quote(answer->dump())))));
  }
  if (op == Op::kDecode) {
    result.tree = std::move(*value);
  } else if (!absl::Base64Unescape(value->get_ref<const std::string&>(), &result.bytes)) {
    return Failed(Abandon(absl::InternalError(absl::StrCat(
        "its answer to ", what,
        " has \"data\" that is not base64: ", Quote(value->get_ref<const std::string&>())))));
  }
  failures_.clear();
  return result;
}

absl::Status ExternalCodec::Launch(absl::Time deadline, bool first) {
  SpawnOptions spawn;
  spawn.stdio_socket = true;
  spawn.stderr_path = options_.stderr_path;
  spawn.append_output = !first;
  spawn.workdir = options_.workdir;
  spawn.env = options_.env;
  stderr_offset_ = 0;
  if (!first && !options_.stderr_path.empty()) {
    std::ofstream(options_.stderr_path, std::ios::app)
        << "--- turncoat: restarting the codec; the previous one failed: " << restart_reason_
        << " ---\n";
    stderr_offset_ = FileSize(options_.stderr_path);
  }
  absl::StatusOr<Subprocess> child = spawner_->Spawn(options_.argv, spawn);
  if (!child.ok()) {
    return absl::UnavailableError(child.status().message());
  }
  child_.emplace(std::move(*child));

  absl::StatusOr<nlohmann::ordered_json> hello = Exchange(kHello, 0, "the hello", deadline);
  if (!hello.ok()) return Abandon(hello.status());
  if (!hello->at("ok").get<bool>()) {
    const auto error = hello->find("error");
    return Abandon(absl::FailedPreconditionError(
        absl::StrCat("it refused the hello: ", error != hello->end() && error->is_string()
                                                   ? error->get<std::string>()
                                                   : Quote(hello->dump()))));
  }
  const auto version = hello->find("version");
  if (version == hello->end() || !version->is_number_integer() ||
      version->get<int64_t>() != kProtocolVersion) {
    return Abandon(absl::FailedPreconditionError(absl::StrCat(
        "it answered the hello with ",
        version == hello->end() ? "no \"version\"" : absl::StrCat("version ", version->dump()),
        "; turncoat speaks version ", kProtocolVersion, " (docs/codec-protocol.md)")));
  }
  std::vector<std::string> types;
  if (const auto listed = hello->find("types"); listed != hello->end()) {
    const bool strings = listed->is_array() &&
                         std::all_of(listed->begin(), listed->end(),
                                     [](const nlohmann::ordered_json& t) { return t.is_string(); });
    if (!strings) {
      return Abandon(absl::InternalError(
          absl::StrCat("its hello answer has \"types\" that is not an array of strings: ",
                       Quote(listed->dump()))));
    }
    for (const nlohmann::ordered_json& t : *listed) types.push_back(t.get<std::string>());
  }
  if (first) types_ = std::move(types);
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::ordered_json> ExternalCodec::Exchange(const std::string& request,
                                                               int64_t id, absl::string_view what,
                                                               absl::Time deadline) {
  const int fd = child_->stdio_fd();
  absl::Status sent =
      SendAll(fd, BigEndian32(static_cast<uint32_t>(request.size())) + request, deadline);
  if (absl::IsUnavailable(sent)) return Died(absl::StrCat("before reading ", what));
  if (absl::IsDeadlineExceeded(sent)) {
    return absl::DeadlineExceededError(absl::StrCat("it did not read ", what, " within ",
                                                    Show(options_.timeout), "; it was killed"));
  }
  if (!sent.ok()) return sent;

  std::string frame;
  absl::Status got = RecvExactly(fd, 4, &frame, deadline);
  uint32_t length = 0;
  if (got.ok()) {
    length = ParseBigEndian32(frame);
    if (length > options_.max_frame_bytes) {
      return absl::InternalError(
          absl::StrCat("its answer to ", what, " is not a frame: the length prefix says ", length,
                       " bytes, over the limit of ", options_.max_frame_bytes,
                       "; its stdout began with ", Quote(frame + ReadAvailable(fd, kQuoteBytes)),
                       " (stdout carries only frames: log to stderr)"));
    }
    frame.clear();
    got = RecvExactly(fd, length, &frame, deadline);
  }
  if (absl::IsUnavailable(got)) return Died(absl::StrCat("while answering ", what));
  if (absl::IsDeadlineExceeded(got)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "it did not answer ", what, " within ", Show(options_.timeout), "; it was killed",
        frame.empty() ? "" : absl::StrCat(" after sending ", Quote(frame))));
  }
  if (!got.ok()) return got;

  nlohmann::ordered_json answer =
      nlohmann::ordered_json::parse(frame, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) {
    return absl::InternalError(
        absl::StrCat("its answer to ", what, " is not JSON: ", Quote(frame)));
  }
  if (!answer.is_object()) {
    return absl::InternalError(
        absl::StrCat("its answer to ", what, " is not a JSON object: ", Quote(frame)));
  }
  const auto answer_id = answer.find("id");
  if (answer_id == answer.end() || !answer_id->is_number_integer() ||
      answer_id->get<int64_t>() != id) {
    return absl::InternalError(
        absl::StrCat("its answer to ", what, " (request id ", id, ") has ",
                     answer_id == answer.end() ? "no id" : absl::StrCat("id ", answer_id->dump()),
                     ": ", Quote(frame)));
  }
  const auto ok = answer.find("ok");
  if (ok == answer.end() || !ok->is_boolean()) {
    return absl::InternalError(
        absl::StrCat("its answer to ", what, " has no boolean \"ok\": ", Quote(frame)));
  }
  return answer;
}

absl::Status ExternalCodec::Died(absl::string_view when) {
  absl::StatusOr<ExitStatus> exit = child_->Wait(kReapGrace);
  return absl::UnavailableError(
      absl::StrCat("it ", exit.ok() ? Ending(*exit) : "closed its stdin and stdout", " ", when));
}

absl::Status ExternalCodec::Abandon(absl::Status status) {
  if (child_.has_value()) {
    (void)child_->Kill();
    child_.reset();
  }
  restart_reason_ = std::string(status.message());
  if (options_.stderr_path.empty()) {
    return absl::Status(status.code(), absl::StrCat(status.message(), "; ", LogHint()));
  }
  const std::string tail = StderrTail();
  if (tail.empty()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(status.message(), "; its stderr ends with: ", tail));
}

absl::Status ExternalCodec::Failed(absl::Status status) {
  const absl::Time now = absl::Now();
  failures_.push_back(now);
  while (failures_.size() > static_cast<size_t>(options_.max_failures)) failures_.pop_front();
  if (failures_.size() < static_cast<size_t>(options_.max_failures) ||
      now - failures_.front() > options_.failure_window) {
    return status;
  }
  failures_.clear();
  cooldown_until_ = now + options_.cooldown;
  cooldown_reason_ =
      absl::StrCat("it failed ", options_.max_failures, " times in a row within ",
                   Show(options_.failure_window), " (the last time: ", status.message(), ")");
  return absl::Status(
      status.code(),
      absl::StrCat(status.message(), "; it failed ", options_.max_failures,
                   " times in a row within ", Show(options_.failure_window),
                   ", so it will not be restarted for ", Show(options_.cooldown),
                   options_.stderr_path.empty() ? "" : absl::StrCat("; ", LogHint())));
}

std::string ExternalCodec::StderrTail() const {
  if (options_.stderr_path.empty()) return "";
  std::ifstream in(options_.stderr_path, std::ios::binary);
  const int64_t start = std::max(stderr_offset_, FileSize(options_.stderr_path) - kStderrTailBytes);
  in.seekg(start);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  if (lines.size() > kStderrTailLines) lines.erase(lines.begin(), lines.end() - kStderrTailLines);
  if (lines.empty()) return "";
  return QuoteTail(absl::StrJoin(lines, "\n"), kStderrQuoteBytes);
}

std::string ExternalCodec::LogHint() const {
  if (options_.stderr_path.empty()) {
    return "its stderr is discarded: give it a log file to see why it fails";
  }
  return absl::StrCat("see its stderr log ", options_.stderr_path);
}

absl::Status ExternalCodec::Named(const absl::Status& status) const {
  return absl::Status(status.code(),
                      absl::StrCat("external codec `", command_, "`: ", status.message()));
}

}  // namespace agent
}  // namespace turncoat
