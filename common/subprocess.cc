#include "common/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace turncoat {
namespace {

// What the child reports through the error pipe when it cannot exec.
struct ChildFailure {
  int stage;  // index into kStages
  int error;  // errno
};

constexpr const char* kStages[] = {"dup2", "chdir", "exec"};

absl::Status ErrnoStatus(absl::string_view what, int error) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(error)));
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

absl::StatusOr<int> OpenOutput(const std::string& path, bool append) {
  const char* target = path.empty() ? "/dev/null" : path.c_str();
  int fd = open(target, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(absl::StrCat("cannot open ", target), errno);
  return fd;
}

[[noreturn]] void ReportAndExit(int error_fd, int stage) {
  ChildFailure failure{stage, errno};
  ssize_t ignored = write(error_fd, &failure, sizeof(failure));
  (void)ignored;
  _exit(127);
}

// Only async-signal-safe calls from here on: the parent may have other
// threads, and one of them may have held a lock (malloc's, stdio's) at fork.
[[noreturn]] void RunChild(pid_t parent, int stdin_fd, int stdout_fd, int stderr_fd,
                           int error_fd, const char* workdir, char* const* argv,
                           char* const* envp) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before prctl took effect.
  if (getppid() != parent) _exit(127);

  // Blocked signals and ignored dispositions survive exec; the child should
  // start from defaults whatever the parent did with its own.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);

  if (dup2(stdin_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) {
    ReportAndExit(error_fd, 0);
  }
  // Descriptors the parent left inheritable (sockets, listeners) must not
  // leak into the child, where they would keep ports and pipes open.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  if (workdir != nullptr && chdir(workdir) < 0) ReportAndExit(error_fd, 1);
  execvpe(argv[0], argv, envp);
  ReportAndExit(error_fd, 2);
}

ExitStatus Decode(int status) {
  ExitStatus exit;
  if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
  } else {
    exit.code = WEXITSTATUS(status);
  }
  return exit;
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (signal != 0) return absl::StrCat("killed by signal ", signal);
  return absl::StrCat("exited with code ", code);
}

absl::StatusOr<Subprocess> Subprocess::Spawn(const std::vector<std::string>& argv,
                                             const SpawnOptions& options) {
  if (argv.empty()) return absl::InvalidArgumentError("Spawn: empty argv");
  if (options.stdio_socket && !options.stdout_path.empty()) {
    return absl::InvalidArgumentError("Spawn: stdio_socket and stdout_path exclude each other");
  }

  // Everything the child needs is prepared here, before fork.
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    absl::string_view entry(*e);
    absl::string_view name = entry.substr(0, entry.find('='));
    bool overridden = std::any_of(options.env.begin(), options.env.end(),
                                  [&](const auto& kv) { return kv.first == name; });
    if (!overridden) env_strings.emplace_back(entry);
  }
  for (const auto& [name, value] : options.env) env_strings.push_back(absl::StrCat(name, "=", value));
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  // With stdio_socket, the child's end serves as both its stdin and stdout.
  Fd stdin_fd;
  Fd stdout_fd;
  Fd parent_end;
  if (options.stdio_socket) {
    int socket_fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socket_fds) < 0) {
      return ErrnoStatus("socketpair", errno);
    }
    parent_end.Reset(socket_fds[0]);
    stdin_fd.Reset(socket_fds[1]);
  } else {
    stdin_fd.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (stdin_fd.get() < 0) return ErrnoStatus("cannot open /dev/null", errno);
    absl::StatusOr<int> out = OpenOutput(options.stdout_path, options.append_output);
    if (!out.ok()) return out.status();
    stdout_fd.Reset(*out);
  }
  absl::StatusOr<int> err = OpenOutput(options.stderr_path, options.append_output);
  if (!err.ok()) return err.status();
  Fd stderr_fd(*err);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) return ErrnoStatus("pipe2", errno);
  Fd error_read(pipe_fds[0]);
  Fd error_write(pipe_fds[1]);

  const pid_t parent = getpid();
  const char* workdir = options.workdir.empty() ? nullptr : options.workdir.c_str();
  pid_t pid = fork();
  if (pid < 0) return ErrnoStatus("fork", errno);
  if (pid == 0) {
    RunChild(parent, stdin_fd.get(), options.stdio_socket ? stdin_fd.get() : stdout_fd.get(),
             stderr_fd.get(), error_write.get(), workdir, args.data(), envp.data());
  }
  // Also set the group from this side, so that it exists when Spawn returns
  // whichever process runs first. EACCES after the child's exec is harmless.
  setpgid(pid, pid);
  error_write.Reset();

  // The pipe closes on a successful exec (O_CLOEXEC) or carries the failure.
  ChildFailure failure;
  ssize_t n;
  do {
    n = read(error_read.get(), &failure, sizeof(failure));
  } while (n < 0 && errno == EINTR);
  Subprocess child(pid, parent_end.Release(), options.signal_descendants);
  if (n == 0) return child;

  (void)child.Wait();
  if (n != static_cast<ssize_t>(sizeof(failure))) {
    return absl::InternalError(absl::StrCat("cannot start ", argv[0]));
  }
  return ErrnoStatus(absl::StrCat("cannot start ", argv[0], " (", kStages[failure.stage], ")"),
                     failure.error);
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdio_fd_(std::exchange(other.stdio_fd_, -1)),
      exit_(std::move(other.exit_)),
      signal_descendants_(other.signal_descendants_),
      escaped_(std::move(other.escaped_)) {}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    Release();
    pid_ = std::exchange(other.pid_, -1);
    stdio_fd_ = std::exchange(other.stdio_fd_, -1);
    exit_ = std::move(other.exit_);
    signal_descendants_ = other.signal_descendants_;
    escaped_ = std::move(other.escaped_);
  }
  return *this;
}

Subprocess::~Subprocess() { Release(); }

void Subprocess::Release() {
  if (running()) (void)Kill();
  if (stdio_fd_ >= 0) close(stdio_fd_);
  stdio_fd_ = -1;
}

absl::Status Subprocess::CloseStdin() {
  if (stdio_fd_ < 0) return absl::FailedPreconditionError("no stdio socket");
  // ENOTCONN: the child has closed its end already, which is just as closed.
  if (shutdown(stdio_fd_, SHUT_WR) < 0 && errno != ENOTCONN) {
    return ErrnoStatus("shutdown(stdin)", errno);
  }
  return absl::OkStatus();
}

absl::Status Subprocess::Signal(int sig) {
  if (!running()) return absl::FailedPreconditionError("process has ended");
  // Found before the group is signalled: once the child dies, what it forked
  // is adopted elsewhere and no longer descends from it.
  if (signal_descendants_) {
    for (const ProcessIdentity& p : DescendantsOf(pid_)) {
      const bool known =
          std::any_of(escaped_.begin(), escaped_.end(), [&](const ProcessIdentity& e) {
            return e.pid == p.pid && e.start_time == p.start_time;
          });
      if (p.pgid != pid_ && !known) escaped_.push_back(p);
    }
  }
  if (kill(-pid_, sig) < 0 && errno != ESRCH) {
    return ErrnoStatus(absl::StrCat("kill(-", pid_, ", ", sig, ")"), errno);
  }
  KillEscaped(sig);
  return absl::OkStatus();
}

void Subprocess::KillEscaped(int sig) {
  // A process that ended is forgotten, so its pid, if reused, is never hit.
  escaped_.erase(std::remove_if(escaped_.begin(), escaped_.end(),
                                [](const ProcessIdentity& e) { return !StillRunning(e); }),
                 escaped_.end());
  for (const ProcessIdentity& e : escaped_) kill(e.pid, sig);
}

absl::StatusOr<std::optional<ExitStatus>> Subprocess::Reap(bool block) {
  if (exit_.has_value()) return exit_;
  if (pid_ <= 0) return absl::FailedPreconditionError("no process");
  // WNOWAIT leaves the leader a zombie, which keeps its pid, and so the group
  // id, from being reused while we kill what is left of the group.
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  const int flags = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
  while (waitid(P_PID, static_cast<id_t>(pid_), &info, flags) < 0) {
    if (errno != EINTR) return ErrnoStatus(absl::StrCat("waitid(", pid_, ")"), errno);
  }
  if (info.si_pid == 0) return std::nullopt;
  kill(-pid_, SIGKILL);
  KillEscaped(SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) return ErrnoStatus(absl::StrCat("waitpid(", pid_, ")"), errno);
  }
  exit_ = Decode(status);
  return exit_;
}

absl::StatusOr<std::optional<ExitStatus>> Subprocess::TryWait() { return Reap(false); }

absl::StatusOr<ExitStatus> Subprocess::Wait(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) {
    absl::StatusOr<std::optional<ExitStatus>> exit = Reap(true);
    if (!exit.ok()) return exit.status();
    return **exit;
  }
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration pause = absl::Milliseconds(1);
  while (true) {
    absl::StatusOr<std::optional<ExitStatus>> exit = Reap(false);
    if (!exit.ok()) return exit.status();
    if (exit->has_value()) return **exit;
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still runs after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(std::min(pause, deadline - now));
    pause = std::min(pause * 2, absl::Milliseconds(20));
  }
}

absl::StatusOr<ExitStatus> Subprocess::Stop(absl::Duration grace) {
  if (exit_.has_value()) return *exit_;
  if (absl::Status s = Signal(SIGTERM); !s.ok()) return s;
  absl::StatusOr<ExitStatus> exit = Wait(grace);
  if (exit.ok() || !absl::IsDeadlineExceeded(exit.status())) return exit;
  return Kill();
}

absl::StatusOr<ExitStatus> Subprocess::Kill() {
  if (exit_.has_value()) return *exit_;
  if (absl::Status s = Signal(SIGKILL); !s.ok()) return s;
  return Wait();
}

}  // namespace turncoat
