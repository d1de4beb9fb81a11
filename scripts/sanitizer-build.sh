#!/usr/bin/env bash
# Configures a sanitizer build directory (scripts/sanitize.sh, scripts/fuzz.sh):
#   scripts/sanitizer-build.sh address   -> build-asan: clang, ASan + UBSan,
#                                           and libFuzzer's instrumentation, so
#                                           the sanitized tests and the fuzzers
#                                           share one compilation
#   scripts/sanitizer-build.sh thread    -> build-tsan: clang, TSan
# -O1 keeps the instrumented tests fast enough while compiling faster than
# -O2; -gline-tables-only gives reports file:line stacks without full debug
# info. The reference targets' binaries link against shared libraries
# (TURNCOAT_STATIC_LINK=OFF): the static link is a start-up optimisation
# that only costs link time here. Prints the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  address) dir=build-asan; extra=(-DTURNCOAT_FUZZ=ON) ;;
  thread) dir=build-tsan; extra=() ;;
  *) echo "usage: $0 address|thread" >&2; exit 2 ;;
esac
if [[ ! -f "$dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    -DTURNCOAT_SANITIZE="$1" -DTURNCOAT_STATIC_LINK=OFF "${extra[@]}" >/dev/null
fi
echo "$dir"
