#!/usr/bin/env bash
# Starts a 4-replica PBFT cluster (targets/pbft, Python) on 127.0.0.1, feeds
# one client operations for a few seconds (each as soon as the previous one
# completed), shows what every replica executed and checks that the logs are
# identical. Every process it starts is stopped on exit, Ctrl-C included.
#
#   scripts/pbft-demo.sh [SECONDS]      (default 5; BUILD_DIR=build)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
stubs=${BUILD_DIR:-build}/targets/pbft
python=/usr/bin/python3  # Debian's, with python3-grpcio and python3-cryptography
[[ -f $stubs/pbft_pb2_grpc.py ]] || {
  echo "pbft-demo: $stubs/pbft_pb2_grpc.py missing; build the pbft_stubs target" \
       "(scripts/build.sh, or cmake --build <dir> --target pbft_stubs with BUILD_DIR=<dir>)" >&2
  exit 2
}
export PYTHONPATH="$PWD/$stubs" PYTHONDONTWRITEBYTECODE=1

n=4
dir=$(mktemp -d /tmp/pbft-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$python" targets/pbft/make_configs.py --out "$dir" --replicas $n --clients 1 >/dev/null
for ((i = 0; i < n; i++)); do
  PBFT_ID=r$i "$python" targets/pbft/replica.py --config "$dir/r$i.json" \
    >"$dir/r$i.out" 2>"$dir/r$i.err" &
  pids+=($!)
done
for ((t = 0; t < 150; t++)); do
  ready=0
  for ((i = 0; i < n; i++)); do
    grep -q "^pbft replica r$i ready$" "$dir/r$i.out" && ready=$((ready + 1))
  done
  [[ $ready -eq $n ]] && break
  sleep 0.1
done
[[ $ready -eq $n ]] || { echo "pbft-demo: replicas not ready after 15 s; see $dir/*.err" >&2; exit 1; }
echo "pbft-demo: $n replicas ready, configs and logs in $dir"

coproc CLIENT { PBFT_CLIENT_ID=c0 "$python" targets/pbft/client.py --config "$dir/c0.json" 2>"$dir/c0.err"; }
pids+=("$CLIENT_PID")
end=$((SECONDS + seconds))
ok=0
k=0
while ((SECONDS < end)); do
  echo "set demo-$k $k" >&"${CLIENT[1]}"
  read -r answer <&"${CLIENT[0]}"
  [[ $answer == "ok set demo-$k $k" ]] && ok=$((ok + 1))
  k=$((k + 1))
done
exec {CLIENT[1]}>&-
echo "pbft-demo: client got $ok ok of $k operations in $seconds s"
sleep 0.5

for ((i = 0; i < n; i++)); do
  grep '^EXECUTED ' "$dir/r$i.out" >"$dir/r$i.executed" || true
  echo "pbft-demo: r$i executed $(wc -l <"$dir/r$i.executed") requests; first and last:"
  head -n 1 "$dir/r$i.executed" | sed 's/^/    /'
  tail -n 1 "$dir/r$i.executed" | sed 's/^/    /'
done
for ((i = 1; i < n; i++)); do
  cmp -s "$dir/r0.executed" "$dir/r$i.executed" ||
    { echo "pbft-demo: FAILED: r$i's execution log differs from r0's" >&2; exit 1; }
done
[[ $ok -eq $k && $ok -gt 0 ]] || { echo "pbft-demo: FAILED: $((k - ok)) operations failed" >&2; exit 1; }
echo "pbft-demo: OK: all $n replicas executed the same $ok requests in the same order"
