#!/usr/bin/env bash
# Starts a 4-replica refbft cluster on 127.0.0.1, submits values through
# different replicas, waits until every replica has committed them, shows
# each replica's log and checks that the logs are identical. Every process it
# starts is stopped on exit, Ctrl-C included.
set -euo pipefail
cd "$(dirname "$0")/.."
refbft=build/targets/refbft/refbft
[[ -x $refbft ]] || { echo "demo: $refbft not built; run scripts/build.sh" >&2; exit 2; }

n=4
values=${DEMO_VALUES:-50}
dir=$(mktemp -d /tmp/refbft-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Ports from the kernel's free list, so parallel runs do not collide.
ports=($(python3 - "$n" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
))
peers=""
for ((i = 0; i < n; i++)); do peers+="${peers:+,}$i=127.0.0.1:${ports[$i]}"; done

"$refbft" keygen --out="$dir/keys" --n=$n
for ((i = 0; i < n; i++)); do
  "$refbft" --id=$i --peers="$peers" --key="$dir/keys/$i.key" --pubkeys="$dir/keys" \
    --view_timeout_ms=500 >"$dir/replica-$i.jsonl" 2>"$dir/replica-$i.log" &
  pids+=($!)
done
echo "demo: 4 replicas up ($peers), logs in $dir"

for ((k = 0; k < values; k++)); do
  to=$((k % n))
  "$refbft" submit --to="127.0.0.1:${ports[$to]}" --value="demo-value-$k" >/dev/null
done
echo "demo: submitted $values values round-robin"

for ((t = 0; t < 100; t++)); do
  done_count=0
  for ((i = 0; i < n; i++)); do
    [[ $(wc -l <"$dir/replica-$i.jsonl") -ge $values ]] && done_count=$((done_count + 1))
  done
  [[ $done_count -eq $n ]] && break
  sleep 0.1
done

for ((i = 0; i < n; i++)); do
  echo "demo: replica $i committed $(wc -l <"$dir/replica-$i.jsonl") values; first lines:"
  head -n 3 "$dir/replica-$i.jsonl" | sed 's/^/    /'
done
# Agreement is about (seq, value) at every replica.
python3 - "$dir" "$n" "$values" <<'PY'
import json, sys
d, n, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
logs = []
for i in range(n):
    with open(f"{d}/replica-{i}.jsonl") as f:
        logs.append([(c["seq"], c["value"]) for c in map(json.loads, f)])
for i in range(1, n):
    if logs[i] != logs[0]:
        sys.exit(f"demo: FAILED: replica {i}'s log differs from replica 0's")
if len(logs[0]) < want:
    sys.exit(f"demo: FAILED: {len(logs[0])} of {want} values committed within 10 s")
PY
echo "demo: OK: all $n replicas committed the same $values values in the same order"
