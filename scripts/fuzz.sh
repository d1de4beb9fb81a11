#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz/ for SECONDS each (default 20,
# what CI runs after scripts/sanitize.sh) and prints one line per target:
# executions, coverage (edges, features) and crashes. Exits non-zero if any
# target crashed, leaked, hung (an input over 10 s) or tripped a sanitizer;
# the input that did it is saved under build-asan/fuzz/artifacts/<target>/
# and the log in build-asan/fuzz/<target>.log. New inputs the fuzzers find
# go to build-asan/fuzz/corpus/<target>/ (kept between runs, so a longer run
# resumes), never into the checked-in seeds of tests/fuzz/<target>/.
#
#   scripts/fuzz.sh          # CI: 20 s each
#   scripts/fuzz.sh 600      # ten minutes each
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS]  (a whole number of seconds per target, default 20)" >&2
  exit 2
fi
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

fuzzers=(plan_loader target_loader template history commit_parser grpc_framing rewriter)
dir=$(scripts/sanitizer-build.sh address)
start=$SECONDS
cmake --build "$dir" --parallel "$(nproc)" --target "${fuzzers[@]/%/_fuzz}"
echo "fuzz: build took $((SECONDS - start)) s"

failed=()
for name in "${fuzzers[@]}"; do
  corpus="$dir/fuzz/corpus/$name"
  artifacts="$dir/fuzz/artifacts/$name"
  log="$dir/fuzz/$name.log"
  mkdir -p "$corpus" "$artifacts"
  crashes=0
  if ! "$dir/tests/fuzz/${name}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "tests/fuzz/$name" \
      >"$log" 2>&1; then
    crashes=1
    failed+=("$name")
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
  printf 'fuzz: %-14s %9s executions in %ss  %-20s crashes: %s\n' \
    "$name" "${execs:-?}" "$seconds" "${cov:-cov: ?}" "$crashes"
  if ((crashes)); then
    grep -m1 -A30 -E 'ERROR: |runtime error|==ERROR|deadly signal|Timeout|out-of-memory' "$log" || tail -40 "$log"
  fi
done
echo "fuzz: $((SECONDS - start)) s in all"
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $dir/fuzz/artifacts/)" >&2
  exit 1
fi
