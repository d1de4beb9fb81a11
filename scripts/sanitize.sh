#!/usr/bin/env bash
# CI's sanitizer stage (.ci/run, after the main test suite); exits non-zero
# on any sanitizer report or failing test.
#   1. build-asan (scripts/sanitizer-build.sh address): AddressSanitizer +
#      UndefinedBehaviorSanitizer over the tests in ASAN_TARGETS below.
#   2. build-tsan: ThreadSanitizer over the link proxy between real gRPC
#      peers (agents_proxy_test), where the agent's threads meet.
# CI's budget (the whole of .ci/run under 45 minutes on 2 cores, cold)
# leaves room for the parts that read untrusted bytes or run threads:
# common, the agent's logic, refbft and the link proxy; the loaders and the
# history reader run under ASan+UBSan in scripts/fuzz.sh. `--full` adds every
# other unit-test binary and the in-process integration tests, and TSan over
# agents_test (about 20 more minutes on 2 idle cores).
# Only the named binaries are built, so ctest sees only their tests: the
# labels select among what was built. Timings, and what is left out and why:
# docs/architecture.md, "Sanitizers and fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
# Reports are fatal (the build also has -fno-sanitize-recover=all): the
# test that hit one fails, and so does this script.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_init_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# ignore_noninstrumented_modules: gRPC, protobuf and Abseil are Debian's,
# uninstrumented, and sync through lock-free structures TSan cannot see; the
# memcpy/free/sendmsg it intercepts inside them would look raced. Accesses
# made by turncoat's own (instrumented) code stay checked. The suppressions
# file names what is not turncoat's and why.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$PWD/tests/tsan/suppressions.txt"

ASAN_TARGETS=(common_test refbft_test agents_test agents_proxy_test agents_tcp_test)
TSAN_TARGETS=(tsan_absl_sync_test agents_proxy_test agents_tcp_test)
if [[ ${1:-} == --full ]]; then
  ASAN_TARGETS+=(
    adversaries_test generators_test generators_twins_test reports_test harness_test
    harness_controller_unit_test harness_shrink_unit_test
    # in-process, or with small helper processes: the workload against fake
    # replicas, external codecs, readiness and key generation
    harness_workload_test agents_codec_test harness_controller_integration_test
  )
  TSAN_TARGETS+=(agents_test)
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--full]" >&2
  exit 2
fi

jobs=$(nproc)
stage() {  # stage NAME COMMAND...: runs it, says how long it took
  local name=$1 start=$SECONDS
  shift
  echo "sanitize: $name"
  "$@"
  echo "sanitize: $name took $((SECONDS - start)) s"
}

asan=$(scripts/sanitizer-build.sh address)
stage "ASan+UBSan build" cmake --build "$asan" --parallel "$jobs" --target "${ASAN_TARGETS[@]}"
# pbft's tests are Python: nothing of ours to instrument.
stage "ASan+UBSan tests" ctest --test-dir "$asan" --output-on-failure --timeout 300 -j"$jobs" \
  -L 'unit|integration' -E '^pbft\.'

tsan=$(scripts/sanitizer-build.sh thread)
stage "TSan build" cmake --build "$tsan" --parallel "$jobs" --target "${TSAN_TARGETS[@]}"
stage "TSan tests" ctest --test-dir "$tsan" --output-on-failure --timeout 300 -j"$jobs" \
  -L 'unit|integration' -E '^pbft\.'
