#!/usr/bin/env bash
# Configures and builds turncoat into ./build (Ninja, ccache when present).
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [[ ! -f build/CMakeCache.txt ]]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
# ccache keys on paths relative to the checkout, so a fresh clone (as in CI)
# reuses what an earlier build on this machine compiled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --build build --parallel "$(nproc)"
