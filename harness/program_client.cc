#include "harness/program_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>

#include <re2/re2.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/file_io.h"
#include "common/subprocess.h"
#include "common/untrusted_text.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

// How often a waiting reader looks at its process and the shutdown flag.
constexpr absl::Duration kPollInterval = absl::Milliseconds(20);
// How long a program has to exit on its own once its stdin is closed (or
// it closed its stdout) before its process group is killed.
constexpr absl::Duration kExitGrace = absl::Milliseconds(250);
// Between a stdin program's exit and its restart, so that one that fails at
// once does not use up its restarts in a few milliseconds.
constexpr absl::Duration kRestartPause = absl::Milliseconds(200);
// The tail of a stderr log read for its last line.
constexpr std::streamoff kStderrTail = 4096;

absl::Status ErrnoStatus(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// The file argv[0] names, as execvp would find it from `cwd` with `env`.
absl::Status CheckExecutable(const RenderedProcess& process) {
  if (process.argv.empty() || process.argv[0].empty()) {
    return absl::InvalidArgumentError("the client program's command is empty");
  }
  const std::string& program = process.argv[0];
  auto executable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    fs::path p(program);
    if (p.is_relative() && !process.cwd.empty()) p = fs::path(process.cwd) / p;
    if (executable(p)) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("client program ", p.string(), " is not an executable file"));
  }
  // execvpe searches the PATH turncoat runs with, not the one in `env`.
  const char* inherited = std::getenv("PATH");
  const std::string path = inherited != nullptr ? inherited : "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    if (executable(fs::path(std::string(dir)) / program)) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("client program '", program, "' is not on PATH (",
                                                 path, "); name it by an absolute path"));
}

// The last non-empty line of `path` after byte `from`, printable, or "".
std::string LastLine(const std::string& path, std::streamoff from = 0) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (!in || size <= from) return "";
  const std::streamoff start = std::max(from, size - kStderrTail);
  std::string tail(static_cast<size_t>(size - start), '\0');
  in.seekg(start);
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  std::vector<absl::string_view> lines = absl::StrSplit(tail, '\n', absl::SkipWhitespace());
  // The program is the target's: what it printed may be anything.
  return lines.empty() ? "" : PrintableText(absl::StripAsciiWhitespace(lines.back()));
}

std::streamoff FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<std::streamoff>(size);
}

// Why a process ended, for the values it failed: "client program exited
// with code 3 (stderr: boom)".
std::string Ended(const ExitStatus& exit, const std::string& last_stderr) {
  std::string text = absl::StrCat("client program ", exit.ToString());
  if (!last_stderr.empty()) absl::StrAppend(&text, " (stderr: ", last_stderr, ")");
  return text;
}

std::string DeadlineError(absl::Duration deadline) {
  return absl::StrCat("DEADLINE_EXCEEDED: no acknowledgement within ",
                      absl::FormatDuration(deadline));
}

// Reads what is available on `fd` without blocking. False at end-of-file
// or on an error that ends the stream.
bool ReadAvailable(int fd, std::string* into) {
  char buffer[4096];
  while (true) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      into->append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

// Waits up to `timeout` for `fd` to become readable (or to end).
void AwaitReadable(int fd, absl::Duration timeout) {
  pollfd p{fd, POLLIN, 0};
  (void)poll(&p, 1, static_cast<int>(std::max<int64_t>(absl::ToInt64Milliseconds(timeout), 0)));
}

// Splits complete lines off the front of `buffer`, without '\n' and a
// trailing '\r'.
std::vector<std::string> TakeLines(std::string* buffer, bool final) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = buffer->find('\n', start)) != std::string::npos; start = nl + 1) {
    size_t end = nl;
    if (end > start && (*buffer)[end - 1] == '\r') --end;
    lines.push_back(buffer->substr(start, end - start));
  }
  buffer->erase(0, start);
  if (final && !buffer->empty()) {
    lines.push_back(std::move(*buffer));
    buffer->clear();
  }
  return lines;
}

// The target's ack and fail regular expressions and their `value` groups.
class LineMatcher {
 public:
  static absl::StatusOr<LineMatcher> Create(const std::string& ack, const std::string& fail) {
    LineMatcher m;
    if (absl::Status s = Compile("ack", ack, &m.ack_, &m.ack_group_); !s.ok()) return s;
    if (!fail.empty()) {
      if (absl::Status s = Compile("fail", fail, &m.fail_, &m.fail_group_); !s.ok()) return s;
    }
    return m;
  }

  // The value a line acknowledges or refuses, if it matches.
  std::optional<std::string> Acked(absl::string_view line) const {
    return Extract(ack_.get(), ack_group_, line);
  }
  std::optional<std::string> Refused(absl::string_view line) const {
    return Extract(fail_.get(), fail_group_, line);
  }

 private:
  static absl::Status Compile(absl::string_view what, const std::string& pattern,
                              std::shared_ptr<const RE2>* re, int* group) {
    auto compiled = std::make_shared<const RE2>(pattern, RE2::Quiet);
    if (!compiled->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("client ", what, " regex '", pattern, "': ", compiled->error()));
    }
    auto it = compiled->NamedCapturingGroups().find("value");
    if (it == compiled->NamedCapturingGroups().end()) {
      return absl::InvalidArgumentError(absl::StrCat("client ", what, " regex '", pattern,
                                                     "' has no named group (?P<value>...)"));
    }
    *re = std::move(compiled);
    *group = it->second;
    return absl::OkStatus();
  }

  static std::optional<std::string> Extract(const RE2* re, int group, absl::string_view line) {
    if (re == nullptr) return std::nullopt;
    std::vector<re2::StringPiece> groups(static_cast<size_t>(group) + 1);
    if (!re->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED,
                   groups.data(), static_cast<int>(groups.size()))) {
      return std::nullopt;
    }
    return std::string(groups[group].data(), groups[group].size());
  }

  // Shared so that the matcher can be moved; RE2 is immutable and
  // thread-safe to match with.
  std::shared_ptr<const RE2> ack_;
  std::shared_ptr<const RE2> fail_;
  int ack_group_ = 0;
  int fail_group_ = 0;
};

// The outcome of one value, until settled.
struct Pending {
  bool settled = false;
  absl::Duration t;  // when it was settled
  bool accepted = false;
  bool answered = false;  // accepted or refused by the system
  std::string error;
};

// A stdin program's lifecycle as its slot threads see it.
enum class ProgramState {
  kStarting,  // not yet up, or restarting after an exit
  kUp,        // takes lines
  kGone,      // gave up (restarts used up) or shut down: takes no more values
};

}  // namespace

struct ProgramClient::Impl {
  // One turncoat client: its program and, in stdin mode, the one process.
  struct Client {
    int index = 0;
    ClientProgram program;
    std::string stdout_log;
    std::string stderr_log;

    absl::Mutex log_mu;
    std::FILE* stdout_file ABSL_GUARDED_BY(log_mu) = nullptr;
    std::FILE* stderr_file ABSL_GUARDED_BY(log_mu) = nullptr;  // args mode

    // stdin mode
    absl::Mutex mu;
    absl::CondVar changed;  // the state changed, or a pending value settled
    ProgramState state ABSL_GUARDED_BY(mu) = ProgramState::kStarting;
    absl::flat_hash_map<std::string, Pending*> pending ABSL_GUARDED_BY(mu);
    // Serializes lines on the program's stdin; the supervisor takes it to
    // swap the descriptor, so no writer uses one being closed.
    absl::Mutex write_mu;
    int stdin_fd ABSL_GUARDED_BY(write_mu) = -1;
    std::thread supervisor;

    ~Client() {
      absl::MutexLock lock(&log_mu);
      if (stdout_file != nullptr) std::fclose(stdout_file);
      if (stderr_file != nullptr) std::fclose(stderr_file);
    }
  };

  CommandClientSpec::Input input = CommandClientSpec::Input::kStdin;
  LineMatcher matcher;
  Options options;
  std::vector<std::unique_ptr<Client>> clients;
  absl::Notification shutdown;

  absl::Mutex mu;
  bool started ABSL_GUARDED_BY(mu) = false;
  bool shut_down ABSL_GUARDED_BY(mu) = false;

  void Log(Client& c, std::FILE* Client::*file, absl::string_view prefix, absl::string_view line);
  // A value settled before it reached the program: its Submit and Ack.
  void Record(int client, const std::string& value, absl::Duration submitted,
              const Pending& outcome);

  // stdin mode
  void Supervise(Client& c);
  ExitStatus RunUntilExit(Client& c, Subprocess& process);
  void HandleLine(Client& c, const std::string& line);
  absl::Status WriteLine(Client& c, absl::string_view line);
  bool SubmitLine(Client& c, int64_t seq, const std::string& value);

  // args mode
  bool SubmitArgs(Client& c, int64_t seq, const std::string& value);
};

absl::StatusOr<std::unique_ptr<ProgramClient>> ProgramClient::Create(
    const CommandClientSpec& spec, std::vector<ClientProgram> programs, Options options) {
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("client deadline must be positive, not ",
                                                   absl::FormatDuration(options.deadline)));
  }
  if (options.max_restarts < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "client program max_restarts must not be negative, not ", options.max_restarts));
  }
  if (!options.clock || !options.sink || options.stopping == nullptr) {
    return absl::InvalidArgumentError(
        "client program needs a clock, an event sink and a stop flag");
  }
  if (programs.empty()) return absl::InvalidArgumentError("no client program to run");
  absl::StatusOr<LineMatcher> matcher = LineMatcher::Create(spec.ack_regex, spec.fail_regex);
  if (!matcher.ok()) return matcher.status();

  auto impl = std::make_unique<Impl>();
  impl->input = spec.input;
  impl->matcher = *std::move(matcher);
  impl->options = std::move(options);
  for (size_t i = 0; i < programs.size(); ++i) {
    const std::string who = absl::StrCat("client ", i, ": ");
    ClientProgram& program = programs[i];
    if (absl::Status s = CheckExecutable(program.process); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(who, s.message()));
    }
    if (!program.request) {
      return absl::InvalidArgumentError(absl::StrCat(who, "no request renderer"));
    }
    absl::StatusOr<std::vector<std::string>> probe = program.request("probe", 0);
    if (!probe.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, "cannot render a request: ", probe.status().message()));
    }
    if (spec.input == CommandClientSpec::Input::kStdin && probe->size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          who, "stdin input takes one request line per value, but the request renders to ",
          probe->size()));
    }
    if (program.log_dir.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(who, "no log directory"));
    }
    std::error_code ec;
    fs::create_directories(program.log_dir, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat(who, "cannot create log directory ", program.log_dir, ": ", ec.message()));
    }
    if (absl::Status s = WriteFiles(program.process.files); !s.ok()) {
      return absl::InternalError(absl::StrCat(who, s.message()));
    }

    auto client = std::make_unique<Impl::Client>();
    client->index = static_cast<int>(i);
    client->stdout_log = absl::StrCat(program.log_dir, "/client-", i, ".stdout");
    client->stderr_log = absl::StrCat(program.log_dir, "/client-", i, ".stderr");
    {
      absl::MutexLock lock(&client->log_mu);
      client->stdout_file = std::fopen(client->stdout_log.c_str(), "we");
      // Truncated here; in stdin mode the programs append to it themselves,
      // across restarts.
      client->stderr_file = std::fopen(client->stderr_log.c_str(), "we");
      if (client->stdout_file == nullptr || client->stderr_file == nullptr) {
        return absl::InternalError(absl::StrCat(who, "cannot open the logs in ", program.log_dir,
                                                ": ", std::strerror(errno)));
      }
    }
    client->program = std::move(program);
    impl->clients.push_back(std::move(client));
  }
  return std::unique_ptr<ProgramClient>(new ProgramClient(std::move(impl)));
}

ProgramClient::ProgramClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ProgramClient::~ProgramClient() { Shutdown(); }

void ProgramClient::Start() {
  absl::MutexLock lock(&impl_->mu);
  if (impl_->started || impl_->shut_down) return;
  impl_->started = true;
  if (impl_->input != CommandClientSpec::Input::kStdin) return;
  // Each supervisor forks its program and lives until it has reaped it, as
  // the parent-death signal requires (subprocess.h).
  for (auto& client : impl_->clients) {
    client->supervisor =
        std::thread([impl = impl_.get(), c = client.get()] { impl->Supervise(*c); });
  }
}

bool ProgramClient::AwaitReady(int client) {
  const absl::Notification& stopping = *impl_->options.stopping;
  if (impl_->input != CommandClientSpec::Input::kStdin) return !stopping.HasBeenNotified();
  Impl::Client& c = *impl_->clients[client];
  absl::MutexLock lock(&c.mu);
  // The stop flag is not tied to this mutex: look at it every poll interval.
  while (c.state == ProgramState::kStarting && !stopping.HasBeenNotified()) {
    c.changed.WaitWithTimeout(&c.mu, kPollInterval);
  }
  return c.state == ProgramState::kUp && !stopping.HasBeenNotified();
}

bool ProgramClient::Submit(int client, int64_t seq, const std::string& value) {
  Impl::Client& c = *impl_->clients[client];
  return impl_->input == CommandClientSpec::Input::kStdin ? impl_->SubmitLine(c, seq, value)
                                                          : impl_->SubmitArgs(c, seq, value);
}

void ProgramClient::Shutdown() {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->shut_down) return;
    impl_->shut_down = true;
  }
  impl_->shutdown.Notify();
  for (auto& client : impl_->clients) {
    if (client->supervisor.joinable()) client->supervisor.join();
  }
}

void ProgramClient::Impl::Log(Client& c, std::FILE* Client::*file, absl::string_view prefix,
                              absl::string_view line) {
  absl::MutexLock lock(&c.log_mu);
  std::FILE* f = c.*file;
  std::fwrite(prefix.data(), 1, prefix.size(), f);
  std::fwrite(line.data(), 1, line.size(), f);
  std::fputc('\n', f);
  std::fflush(f);
}

void ProgramClient::Impl::Record(int client, const std::string& value, absl::Duration submitted,
                                 const Pending& outcome) {
  options.sink(turncoat::Submit{submitted, client, kViaClientProgram, value});
  options.sink(Ack{outcome.t, client, kViaClientProgram, value, outcome.accepted, outcome.error});
}

// ---- stdin mode ----

void ProgramClient::Impl::Supervise(Client& c) {
  const ClientProgram& program = c.program;
  SpawnOptions spawn;
  spawn.stdio_socket = true;
  spawn.stderr_path = c.stderr_log;
  spawn.append_output = true;
  spawn.workdir = program.process.cwd;
  spawn.env = program.process.env;

  int restarts = 0;
  while (true) {
    std::string ended;
    const std::streamoff stderr_from = FileSize(c.stderr_log);
    absl::StatusOr<Subprocess> process = Subprocess::Spawn(program.process.argv, spawn);
    if (process.ok()) {
      {
        absl::MutexLock lock(&c.write_mu);
        c.stdin_fd = process->stdio_fd();
      }
      {
        absl::MutexLock lock(&c.mu);
        c.state = ProgramState::kUp;
        c.changed.SignalAll();
      }
      const ExitStatus exit = RunUntilExit(c, *process);
      {
        absl::MutexLock lock(&c.write_mu);
        c.stdin_fd = -1;
      }
      ended = Ended(exit, LastLine(c.stderr_log, stderr_from));
    } else {
      ended = absl::StrCat("cannot start the client program: ", process.status().message());
    }
    {
      absl::MutexLock lock(&c.mu);
      c.state = ProgramState::kStarting;
      for (auto& [value, pending] : c.pending) {
        pending->settled = true;
        pending->t = options.clock();
        pending->error = ended;
      }
      c.pending.clear();
      c.changed.SignalAll();
    }
    if (shutdown.HasBeenNotified() || options.stopping->HasBeenNotified()) break;
    if (restarts == options.max_restarts) {
      std::fprintf(stderr,
                   "turncoat: client %d's program stopped %d times (%s); it is not restarted "
                   "again and client %d submits no more values; see %s\n",
                   c.index, restarts + 1, ended.c_str(), c.index, c.stderr_log.c_str());
      break;
    }
    ++restarts;
    if (shutdown.WaitForNotificationWithTimeout(kRestartPause) ||
        options.stopping->HasBeenNotified()) {
      break;
    }
  }
  absl::MutexLock lock(&c.mu);
  c.state = ProgramState::kGone;
  c.changed.SignalAll();
}

ExitStatus ProgramClient::Impl::RunUntilExit(Client& c, Subprocess& process) {
  const int fd = process.stdio_fd();
  std::string buffer;
  bool eof = false;
  bool stdin_closed = false;
  std::optional<absl::Time> kill_at;
  auto consume = [&](bool final) {
    for (const std::string& line : TakeLines(&buffer, final)) HandleLine(c, line);
  };
  while (true) {
    if (!eof) {
      AwaitReadable(fd, kPollInterval);
      eof = !ReadAvailable(fd, &buffer);
      consume(eof);
    } else {
      absl::SleepFor(kPollInterval);
    }
    absl::StatusOr<std::optional<ExitStatus>> exit = process.TryWait();
    if (exit.ok() && exit->has_value()) {
      // What it printed before it ended still counts.
      if (!eof) ReadAvailable(fd, &buffer);
      consume(true);
      return **exit;
    }
    if (shutdown.HasBeenNotified() && !stdin_closed) {
      (void)process.CloseStdin();
      stdin_closed = true;
      if (!kill_at.has_value()) kill_at = absl::Now() + kExitGrace;
    }
    // A program that closed its stdout can acknowledge nothing more.
    if (eof && !kill_at.has_value()) kill_at = absl::Now() + kExitGrace;
    if (!exit.ok() || (kill_at.has_value() && absl::Now() >= *kill_at)) {
      absl::StatusOr<ExitStatus> killed = process.Kill();
      if (!eof) ReadAvailable(fd, &buffer);
      consume(true);
      return killed.ok() ? *killed : ExitStatus{-1, 0};
    }
  }
}

void ProgramClient::Impl::HandleLine(Client& c, const std::string& line) {
  Log(c, &Client::stdout_file, "", line);
  absl::MutexLock lock(&c.mu);
  bool accepted = false;
  auto it = c.pending.end();
  if (std::optional<std::string> v = matcher.Refused(line); v.has_value()) it = c.pending.find(*v);
  if (it == c.pending.end()) {
    if (std::optional<std::string> v = matcher.Acked(line); v.has_value()) {
      it = c.pending.find(*v);
      accepted = true;
    }
  }
  if (it == c.pending.end()) return;  // noise, or an ack past its value's deadline
  Pending& p = *it->second;
  p.settled = true;
  p.t = options.clock();
  p.accepted = accepted;
  p.answered = true;
  if (!accepted) p.error = absl::StrCat(kProgramRefusal, line);
  c.pending.erase(it);
  c.changed.SignalAll();
}

absl::Status ProgramClient::Impl::WriteLine(Client& c, absl::string_view line) {
  absl::MutexLock lock(&c.write_mu);
  if (c.stdin_fd < 0) return absl::UnavailableError("client program not running");
  // Not bounded by the value's deadline: a line cut short would garble the
  // next one. A program that stopped reading holds the write until it
  // exits or the workload stops.
  while (!line.empty()) {
    const ssize_t n = send(c.stdin_fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      line.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (options.stopping->HasBeenNotified()) {
        return absl::CancelledError("the workload stopped before the request was written");
      }
      pollfd p{c.stdin_fd, POLLOUT, 0};
      (void)poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(kPollInterval)));
      continue;
    }
    return ErrnoStatus("client program not running: cannot write to its stdin");
  }
  return absl::OkStatus();
}

bool ProgramClient::Impl::SubmitLine(Client& c, int64_t seq, const std::string& value) {
  const absl::Duration submitted = options.clock();
  Pending p;
  absl::StatusOr<std::vector<std::string>> request = c.program.request(value, seq);
  std::string line;
  if (!request.ok()) {
    p.error = absl::StrCat("cannot render the request: ", request.status().message());
  } else if (request->size() != 1 || (*request)[0].find('\n') != std::string::npos) {
    p.error = "the request is not exactly one line";
  } else {
    line = absl::StrCat((*request)[0], "\n");
  }
  if (p.error.empty()) {
    absl::MutexLock lock(&c.mu);
    if (c.state == ProgramState::kUp) {
      c.pending[value] = &p;
    } else {
      p.error = "client program not running";
    }
  }
  if (!p.error.empty()) {
    p.t = options.clock();
    Record(c.index, value, submitted, p);
    return false;
  }

  options.sink(turncoat::Submit{submitted, c.index, kViaClientProgram, value});
  const absl::Status written = WriteLine(c, line);
  absl::MutexLock lock(&c.mu);
  // p leaves `pending` whenever it is settled, so nothing points at it once
  // this returns.
  if (!written.ok() && !p.settled) {
    c.pending.erase(value);
    p.settled = true;
    p.t = options.clock();
    p.error = std::string(written.message());
  }
  while (!p.settled) {
    const absl::Duration now = options.clock();
    if (now >= submitted + options.deadline) {
      c.pending.erase(value);
      p.settled = true;
      p.t = now;
      p.error = DeadlineError(options.deadline);
      break;
    }
    c.changed.WaitWithTimeout(&c.mu, submitted + options.deadline - now);
  }
  options.sink(Ack{p.t, c.index, kViaClientProgram, value, p.accepted, p.error});
  return p.answered;
}

// ---- args mode ----

bool ProgramClient::Impl::SubmitArgs(Client& c, int64_t seq, const std::string& value) {
  const absl::Duration submitted = options.clock();
  const absl::Duration deadline = submitted + options.deadline;
  Pending p;
  absl::StatusOr<std::vector<std::string>> request = c.program.request(value, seq);
  if (!request.ok()) {
    p.t = options.clock();
    p.error = absl::StrCat("cannot render the request: ", request.status().message());
    Record(c.index, value, submitted, p);
    return false;
  }
  std::vector<std::string> argv = c.program.process.argv;
  argv.insert(argv.end(), request->begin(), request->end());
  const std::string prefix = absl::StrCat("[", seq, "] ");
  // Its own stderr file, so that its last line is its own; appended to the
  // client's log once it ends.
  const std::string stderr_path =
      absl::StrCat(c.program.log_dir, "/client-", c.index, "-", seq, ".stderr");
  SpawnOptions spawn;
  spawn.stdio_socket = true;
  spawn.stderr_path = stderr_path;
  spawn.workdir = c.program.process.cwd;
  spawn.env = c.program.process.env;

  options.sink(turncoat::Submit{submitted, c.index, kViaClientProgram, value});
  absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, spawn);
  if (!process.ok()) {
    std::remove(stderr_path.c_str());
    p.t = options.clock();
    p.error = absl::StrCat("cannot start the client program: ", process.status().message());
    options.sink(Ack{p.t, c.index, kViaClientProgram, value, false, p.error});
    return false;
  }
  (void)process->CloseStdin();

  std::string buffer;
  std::string other;  // a value it acknowledged instead of this one
  auto consume = [&](bool final) {
    for (const std::string& line : TakeLines(&buffer, final)) {
      Log(c, &Client::stdout_file, prefix, line);
      if (p.settled) continue;
      const std::optional<std::string> refused = matcher.Refused(line);
      const std::optional<std::string> acked = matcher.Acked(line);
      if (refused == value || acked == value) {
        p.settled = true;
        p.t = options.clock();
        p.answered = true;
        p.accepted = refused != value;
        if (!p.accepted) p.error = absl::StrCat(kProgramRefusal, line);
      } else if (acked.has_value() && other.empty()) {
        other = *acked;
      }
    }
  };

  const int fd = process->stdio_fd();
  bool eof = false;
  std::optional<ExitStatus> exit;
  bool killed = false;
  while (!exit.has_value()) {
    const absl::Duration now = options.clock();
    if (now >= deadline) {
      absl::StatusOr<ExitStatus> status = process->Kill();
      exit = status.ok() ? *status : ExitStatus{-1, 0};
      killed = true;
      break;
    }
    if (!eof) {
      AwaitReadable(fd, std::min(kPollInterval, deadline - now));
      eof = !ReadAvailable(fd, &buffer);
      consume(eof);
    } else {
      absl::SleepFor(std::min(kPollInterval, deadline - now));
    }
    absl::StatusOr<std::optional<ExitStatus>> ended = process->TryWait();
    if (ended.ok() && ended->has_value()) exit = **ended;
  }
  if (!eof) ReadAvailable(fd, &buffer);
  consume(true);

  const std::string last_stderr = LastLine(stderr_path);
  {
    std::ifstream in(stderr_path, std::ios::binary);
    for (std::string line; std::getline(in, line);) Log(c, &Client::stderr_file, prefix, line);
  }
  std::remove(stderr_path.c_str());

  if (!p.settled) {
    p.t = options.clock();
    if (killed) {
      p.error = DeadlineError(options.deadline);
    } else if (!exit->success()) {
      p.error = Ended(*exit, last_stderr);
    } else {
      p.error =
          "client program exited with code 0 without acknowledging the value (no line "
          "matched the ack regex for it)";
      if (!other.empty()) absl::StrAppend(&p.error, "; it acknowledged '", other, "' instead");
    }
  }
  options.sink(Ack{p.t, c.index, kViaClientProgram, value, p.accepted, p.error});
  return p.answered;
}

}  // namespace turncoat
