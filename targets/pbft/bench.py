#!/usr/bin/python3
"""Throughput and latency of a local PBFT cluster.

    PYTHONPATH=<build>/targets/pbft /usr/bin/python3 bench.py
        [--replicas 4] [--clients 8] [--seconds 10] [--bug NAME]...

Starts the replicas and clients on 127.0.0.1, feeds every client a new
operation as soon as its previous one completed, and prints the number of
completed operations per second, latency percentiles, and whether the
replicas' execution logs agree. Every process is stopped on exit.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import make_configs  # noqa: E402


def cpu_seconds(pid):
    """User + system CPU time of a live process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--bug", action="append", default=[])
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="pbft-bench.")
    ports = make_configs.free_ports(args.replicas)
    replicas, clients = make_configs.make_cluster(
        [f"127.0.0.1:{p}" for p in ports], clients=args.clients)
    paths = make_configs.write_configs(workdir, replicas, clients)
    env = dict(os.environ)
    procs = []
    try:
        outs = {}
        for rid in replicas:
            outs[rid] = open(os.path.join(workdir, f"{rid}.out"), "w+")
            cmd = [sys.executable, os.path.join(HERE, "replica.py"), "--config", paths[rid]]
            cmd += [f"--bug={b}" for b in args.bug]
            procs.append(subprocess.Popen(
                cmd, env=dict(env, PBFT_ID=rid), stdout=outs[rid],
                stderr=open(os.path.join(workdir, f"{rid}.err"), "w")))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if all("ready" in open(outs[r].name).read() for r in replicas):
                break
            time.sleep(0.1)
        else:
            print("bench: replicas did not become ready", file=sys.stderr)
            return 1
        latencies, failures, client_cpu = [], [0], [0.0]
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def drive(cid):
            proc = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "client.py"), "--config", paths[cid]],
                env=dict(env, PBFT_CLIENT_ID=cid), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
            procs.append(proc)
            i = 0
            baseline = None
            while time.monotonic() < stop_at:
                start = time.monotonic()
                proc.stdin.write(f"set bench-{cid}-{i} {i}\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
                if not line:
                    break
                if baseline is None:
                    baseline = cpu_seconds(proc.pid)  # start-up excluded
                    i += 1
                    continue
                with lock:
                    if line.startswith("ok "):
                        latencies.append(time.monotonic() - start)
                    else:
                        failures[0] += 1
                i += 1
            with lock:
                client_cpu[0] += cpu_seconds(proc.pid) - (baseline or 0.0)
            proc.stdin.close()
            proc.wait(timeout=10)

        threads = [threading.Thread(target=drive, args=(c,)) for c in clients]
        begin = time.monotonic()
        replica_baseline = sum(cpu_seconds(p.pid) for p in procs[:len(replicas)])
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - begin
        time.sleep(0.5)
        logs = {}
        for rid in replicas:
            with open(outs[rid].name) as fh:
                logs[rid] = [ln for ln in fh.read().splitlines() if ln.startswith("EXECUTED")]
        shortest = min(len(v) for v in logs.values())
        agree = all(v[:shortest] == logs["r0"][:shortest] for v in logs.values())
        lat = sorted(latencies)
        print(f"bench: {len(replicas)} replicas, {len(clients)} clients, {elapsed:.1f}s")
        print(f"bench: {len(lat)} ok, {failures[0]} failed, {len(lat) / elapsed:.1f} ops/s")
        if lat:
            def pct(p):
                return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
            print(f"bench: latency ms: median {statistics.median(lat) * 1000:.1f}, "
                  f"p90 {pct(0.9):.1f}, p99 {pct(0.99):.1f}, max {lat[-1] * 1000:.1f}")
        replica_cpu = sum(cpu_seconds(p.pid) for p in procs[:len(replicas)]) - replica_baseline
        if lat:
            print(f"bench: CPU per operation: replicas {replica_cpu / len(lat) * 1000:.1f} ms, "
                  f"clients {client_cpu[0] / len(lat) * 1000:.1f} ms (summed over processes)")
        print("bench: executed per replica: "
              + ", ".join(f"{r}={len(v)}" for r, v in sorted(logs.items()))
              + f"; logs agree: {agree}; files in {workdir}")
        return 0 if agree and not failures[0] else 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
