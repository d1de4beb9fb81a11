// ThreadSanitizer builds only (TURNCOAT_SANITIZE=thread links this into every
// executable): tells TSan when Abseil's Mutex, CondVar and Notification
// order memory, which it cannot see by itself.
//
// Why: Debian's libabsl is not built with TSan, and absl::Mutex synchronises
// with atomics and futexes inside that uninstrumented library, so to TSan
// every field guarded by an absl::Mutex looks raced (tests/tsan's probe:
// two threads incrementing a counter under absl::MutexLock are reported).
// Suppressing those reports would hide every real race in the same code.
// Instead, this file defines the synchronising members itself; the
// executable's definitions take precedence over the shared library's
// (ELF symbol interposition), each calls the library's own (dlsym
// RTLD_NEXT) and adds the happens-before edge: acquire after a lock is
// taken or a wait returns, release before an unlock, a wait or a notify.
// TSan then checks our accesses against the real ordering. Deadlock and
// lock-order checking of these mutexes is not modelled (only ordering), and
// a reader lock orders readers among themselves too, which could hide a
// write made under a reader lock.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

#define TURNCOAT_STRINGIFY_INNER(x) #x
#define TURNCOAT_STRINGIFY(x) TURNCOAT_STRINGIFY_INNER(x)

// The library's own definition of a member of absl's inline namespace, by
// the rest of its mangled name (after "_ZN4absl<ns>" or "_ZNK4absl<ns>").
template <typename Fn>
Fn Real(bool is_const, const char* rest) {
  const std::string ns = TURNCOAT_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string name = std::string(is_const ? "_ZNK" : "_ZN") + "4absl" +
                           std::to_string(ns.size()) + ns + rest;
  void* fn = dlsym(RTLD_NEXT, name.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan absl annotations: %s not found in libabsl\n", name.c_str());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

// A condition is evaluated with the mutex held, inside the library, by the
// waiter or by the thread unlocking: it must see what the last holder
// wrote (acquire), and the next holder must see its reads (release).
struct Guarded {
  const absl::Condition* cond;
  absl::Mutex* mu;
  static bool Eval(const Guarded* g) {
    __tsan_acquire(g->mu);
    const bool met = g->cond->Eval();
    __tsan_release(g->mu);
    return met;
  }
};

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static const auto real = Real<void (*)(Mutex*)>(false, "5Mutex4LockEv");
  real(this);
  __tsan_acquire(this);
}

void Mutex::Unlock() {
  static const auto real = Real<void (*)(Mutex*)>(false, "5Mutex6UnlockEv");
  __tsan_release(this);
  real(this);
}

bool Mutex::TryLock() {
  static const auto real = Real<bool (*)(Mutex*)>(false, "5Mutex7TryLockEv");
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::ReaderLock() {
  static const auto real = Real<void (*)(Mutex*)>(false, "5Mutex10ReaderLockEv");
  real(this);
  __tsan_acquire(this);
}

void Mutex::ReaderUnlock() {
  static const auto real = Real<void (*)(Mutex*)>(false, "5Mutex12ReaderUnlockEv");
  __tsan_release(this);
  real(this);
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real =
      Real<void (*)(Mutex*, const Condition&)>(false, "5Mutex8LockWhenERKNS0_9ConditionE");
  const Guarded guarded{&cond, this};
  real(this, Condition(&Guarded::Eval, &guarded));
  __tsan_acquire(this);
}

void Mutex::Await(const Condition& cond) {
  static const auto real =
      Real<void (*)(Mutex*, const Condition&)>(false, "5Mutex5AwaitERKNS0_9ConditionE");
  const Guarded guarded{&cond, this};
  __tsan_release(this);
  real(this, Condition(&Guarded::Eval, &guarded));
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real = Real<bool (*)(Mutex*, const Condition&, Duration)>(
      false, "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  const Guarded guarded{&cond, this};
  __tsan_release(this);
  const bool met = real(this, Condition(&Guarded::Eval, &guarded), timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static const auto real = Real<bool (*)(Mutex*, const Condition&, Time)>(
      false, "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  const Guarded guarded{&cond, this};
  __tsan_release(this);
  const bool met = real(this, Condition(&Guarded::Eval, &guarded), deadline);
  __tsan_acquire(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  static const auto real =
      Real<void (*)(CondVar*, Mutex*)>(false, "7CondVar4WaitEPNS0_5MutexE");
  __tsan_release(mu);
  real(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static const auto real = Real<bool (*)(CondVar*, Mutex*, Duration)>(
      false, "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  __tsan_release(mu);
  const bool timed_out = real(this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static const auto real = Real<bool (*)(CondVar*, Mutex*, Time)>(
      false, "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool timed_out = real(this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

void Notification::Notify() {
  static const auto real = Real<void (*)(Notification*)>(false, "12Notification6NotifyEv");
  __tsan_release(this);
  real(this);
}

void Notification::WaitForNotification() const {
  static const auto real =
      Real<void (*)(const Notification*)>(true, "12Notification19WaitForNotificationEv");
  real(this);
  __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  static const auto real = Real<bool (*)(const Notification*, Duration)>(
      true, "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE");
  const bool notified = real(this, timeout);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  static const auto real = Real<bool (*)(const Notification*, Time)>(
      true, "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE");
  const bool notified = real(this, deadline);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
