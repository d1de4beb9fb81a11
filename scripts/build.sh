#!/usr/bin/env bash
# Configures and builds turncoat into ./build (Ninja, ccache when present).
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
# TURNCOAT_WERROR=ON (as .ci/run sets it) makes warnings in turncoat's own
# code errors; given, it is applied to an existing build directory too.
options=()
if [[ -n "${TURNCOAT_WERROR:-}" ]]; then options+=("-DTURNCOAT_WERROR=${TURNCOAT_WERROR}"); fi
# TURNCOAT_DEBUG_INFO=OFF (as .ci/run sets it) builds at the same -O2
# without debug information: a third less compile time (harness/controller.cc,
# 2026-12-06: 32 s against 51 s), for a build nobody will debug.
build_type=RelWithDebInfo
if [[ ${TURNCOAT_DEBUG_INFO:-ON} == OFF ]]; then
  build_type=Release
  options+=("-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG")
fi
if [[ ! -f build/CMakeCache.txt || ${#options[@]} -gt 0 ]]; then
  cmake -S . -B build "${generator[@]}" "-DCMAKE_BUILD_TYPE=$build_type" "${options[@]}"
fi
# ccache keys on paths relative to the checkout, so a fresh clone (as in CI)
# reuses what an earlier build on this machine compiled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --build build --parallel "$(nproc)"
