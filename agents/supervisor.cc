#include "agents/supervisor.h"

#include <signal.h>
#include <sys/stat.h>

#include <deque>
#include <filesystem>
#include <future>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/subprocess.h"

namespace turncoat {
namespace agent {
namespace {

// How often the supervisor thread checks whether the replica exited.
constexpr absl::Duration kPollEvery = absl::Milliseconds(20);

ProcessStatus Exited(int pid, const ExitStatus& exit) {
  ProcessStatus s;
  s.kind = ProcessStatus::Kind::kExited;
  s.pid = pid;
  s.exit_code = exit.code;
  s.signal = exit.signal;
  return s;
}

}  // namespace

struct Supervisor::Impl {
  std::function<void(const ProcessStatus&)> on_event;
  absl::Mutex mu;
  absl::CondVar cv;
  std::deque<std::function<void()>> commands ABSL_GUARDED_BY(mu);
  bool stop ABSL_GUARDED_BY(mu) = false;
  int pid ABSL_GUARDED_BY(mu) = 0;
  // Only the supervisor thread touches these.
  std::optional<Subprocess> child;
  std::optional<ReplicaCommand> last;
  bool paused = false;
  std::thread thread;

  // Runs `fn` on the supervisor thread and waits for its result.
  template <typename T>
  T Post(std::function<T()> fn) {
    auto task = std::make_shared<std::packaged_task<T()>>(std::move(fn));
    std::future<T> result = task->get_future();
    {
      absl::MutexLock lock(&mu);
      commands.push_back([task] { (*task)(); });
      cv.Signal();
    }
    return result.get();
  }

  void SetPid(int p) {
    absl::MutexLock lock(&mu);
    pid = p;
  }

  absl::StatusOr<int> DoStart(ReplicaCommand command) {
    if (child.has_value() && child->running()) {
      return absl::FailedPreconditionError(
          absl::StrCat("replica already running as pid ", child->pid()));
    }
    if (command.argv.empty()) return absl::InvalidArgumentError("empty argv");
    SpawnOptions options;
    options.workdir = command.cwd.empty() ? command.workdir : command.cwd;
    if (!command.workdir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(command.workdir, ec);
      if (ec) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot create workdir ", command.workdir, ": ", ec.message()));
      }
    }
    const std::string dir = command.workdir.empty() ? "." : command.workdir;
    options.stdout_path = dir + "/stdout.log";
    options.stderr_path = dir + "/stderr.log";
    // A replica's helpers are the replica's: one that left its group (a
    // daemon) is stopped with it all the same.
    options.signal_descendants = true;
    for (const auto& [k, v] : command.env) options.env.emplace_back(k, v);
    auto spawned = Subprocess::Spawn(command.argv, options);
    if (!spawned.ok()) return spawned.status();
    child.emplace(std::move(*spawned));
    last = std::move(command);
    paused = false;
    const int p = child->pid();
    SetPid(p);
    ProcessStatus s;
    s.kind = ProcessStatus::Kind::kStarted;
    s.pid = p;
    on_event(s);
    return p;
  }

  absl::StatusOr<ProcessStatus> DoStop(std::optional<absl::Duration> grace) {
    if (!child.has_value() || !child->running()) {
      return absl::FailedPreconditionError("no replica running");
    }
    const int p = child->pid();
    // A stopped process cannot act on SIGTERM; let it run to handle it.
    if (paused) child->Signal(SIGCONT).IgnoreError();
    auto exit = grace.has_value() ? child->Stop(*grace) : child->Kill();
    if (!exit.ok()) return exit.status();
    SetPid(0);
    ProcessStatus s = Exited(p, *exit);
    on_event(s);
    return s;
  }

  absl::Status DoSignal(int sig, ProcessStatus::Kind kind) {
    if (!child.has_value() || !child->running()) {
      return absl::FailedPreconditionError("no replica running");
    }
    if (absl::Status s = child->Signal(sig); !s.ok()) return s;
    paused = sig == SIGSTOP;
    ProcessStatus st;
    st.kind = kind;
    st.pid = child->pid();
    on_event(st);
    return absl::OkStatus();
  }

  void Loop() {
    while (true) {
      std::deque<std::function<void()>> todo;
      {
        absl::MutexLock lock(&mu);
        if (!stop && commands.empty()) cv.WaitWithTimeout(&mu, kPollEvery);
        if (stop && commands.empty()) break;
        todo.swap(commands);
      }
      for (auto& fn : todo) fn();
      if (child.has_value() && child->running()) {
        auto exit = child->TryWait();
        if (exit.ok() && exit->has_value()) {
          const int p = child->pid();
          SetPid(0);
          on_event(Exited(p, **exit));
        }
      }
    }
    if (child.has_value() && child->running()) {
      if (paused) child->Signal(SIGCONT).IgnoreError();
      child->Kill().IgnoreError();
    }
  }
};

Supervisor::Supervisor(std::function<void(const ProcessStatus&)> on_event)
    : impl_(std::make_unique<Impl>()) {
  impl_->on_event = std::move(on_event);
  impl_->thread = std::thread([impl = impl_.get()] { impl->Loop(); });
}

Supervisor::~Supervisor() {
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->stop = true;
    impl_->cv.Signal();
  }
  impl_->thread.join();
}

absl::StatusOr<int> Supervisor::Start(ReplicaCommand command) {
  return impl_->Post<absl::StatusOr<int>>(
      [this, c = std::move(command)]() mutable { return impl_->DoStart(std::move(c)); });
}

absl::StatusOr<ProcessStatus> Supervisor::Stop(absl::Duration grace) {
  return impl_->Post<absl::StatusOr<ProcessStatus>>(
      [this, grace] { return impl_->DoStop(grace); });
}

absl::StatusOr<ProcessStatus> Supervisor::Kill() {
  return impl_->Post<absl::StatusOr<ProcessStatus>>(
      [this] { return impl_->DoStop(std::nullopt); });
}

absl::Status Supervisor::Pause() {
  return impl_->Post<absl::Status>(
      [this] { return impl_->DoSignal(SIGSTOP, ProcessStatus::Kind::kPaused); });
}

absl::Status Supervisor::Resume() {
  return impl_->Post<absl::Status>(
      [this] { return impl_->DoSignal(SIGCONT, ProcessStatus::Kind::kResumed); });
}

absl::StatusOr<int> Supervisor::Restart(absl::Duration grace) {
  return impl_->Post<absl::StatusOr<int>>([this, grace]() -> absl::StatusOr<int> {
    if (!impl_->last.has_value()) {
      return absl::FailedPreconditionError("nothing to restart: never started");
    }
    if (impl_->child.has_value() && impl_->child->running()) {
      auto stopped = impl_->DoStop(grace);
      if (!stopped.ok()) return stopped.status();
    }
    ReplicaCommand again = *impl_->last;
    return impl_->DoStart(std::move(again));
  });
}

int Supervisor::pid() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->pid;
}

}  // namespace agent
}  // namespace turncoat
