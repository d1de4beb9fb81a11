"""Real PBFT processes on 127.0.0.1 for integration tests.

LocalCluster writes configs with fresh keys and free ports, starts replica.py
processes (each in its own session, killed by the kernel if the test process
dies: PR_SET_PDEATHSIG), collects their stdout and stderr lines on reader
threads, and runs client.py processes fed line by line. close() kills every
process it started; tests register it with addCleanup, so that happens on
failure too.

Also here: ByzantineReplica, which speaks for a replica with its key but no
process (tests drive it message by message), and LinkProxy, a byte-level
gRPC forwarder that can drop everything on one link.
"""

import ctypes
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent import futures

import grpc

# PYTHONPATH holds targets/pbft (replica.py's directory) and the stubs.
import make_configs
import pbft
import pbft_pb2
import pbft_pb2_grpc
from pbft.crypto import PrivateKey
from pbft.messages import Request, Signed, request_bytes
from pbft.network import METHODS

TARGET_DIR = os.path.dirname(os.path.dirname(os.path.abspath(pbft.__file__)))

PYTHON = "/usr/bin/python3"
_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
EXECUTED = re.compile(r"^EXECUTED (\S+) (\d+) (.*)$")


def _die_with_parent():
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Process:
    """A child process whose output lines are collected as they come."""

    def __init__(self, argv, env, stdin=False):
        self.proc = subprocess.Popen(
            argv, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
            start_new_session=True, preexec_fn=_die_with_parent)
        self.stdout, self.stderr = [], []
        self.lines = queue.Queue()
        self._cond = threading.Condition()
        self._threads = [threading.Thread(target=self._read, args=(s, l, q), daemon=True)
                         for s, l, q in ((self.proc.stdout, self.stdout, self.lines),
                                         (self.proc.stderr, self.stderr, None))]
        for t in self._threads:
            t.start()

    def _read(self, stream, lines, q):
        for line in stream:
            line = line.rstrip("\n")
            with self._cond:
                lines.append(line)
                self._cond.notify_all()
            if q is not None:
                q.put(line)

    def wait_for(self, predicate, timeout):
        """Waits until predicate(stdout, stderr) holds; returns whether it did."""
        end = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.stdout, self.stderr):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.2))
            return True

    def signal(self, signum):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signum)

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL; returns the exit status."""
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        finally:
            self.kill()
        return self.proc.returncode

    def kill(self):
        self.signal(signal.SIGKILL)
        self.proc.wait()
        for t in self._threads:
            t.join(5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass  # a client's stdin whose reader is gone


class Client:
    def __init__(self, process):
        self.process = process

    def submit(self, operation, timeout=40):
        """Writes one line; returns the client's answer line, or None."""
        self.process.proc.stdin.write(operation + "\n")
        self.process.proc.stdin.flush()
        try:
            return self.process.lines.get(timeout=timeout)
        except queue.Empty:
            return None


class LocalCluster:
    def __init__(self, n=4, clients=1, bugs=(), tuning=None, dial=None):
        self.dir = tempfile.mkdtemp(prefix="pbft-test.")
        ports = make_configs.free_ports(n)
        self.addresses = {f"r{i}": f"127.0.0.1:{p}" for i, p in enumerate(ports)}
        # dial(me, peer, addresses) may return another address for me to dial.
        self.replica_configs, self.client_configs = make_configs.make_cluster(
            list(self.addresses.values()), clients=clients, tuning=tuning,
            dial=(lambda me, peer: dial(me, peer, self.addresses)) if dial else None)
        self.paths = make_configs.write_configs(self.dir, self.replica_configs,
                                                self.client_configs)
        self.bugs = list(bugs)
        self.replicas = {}
        self.clients = []
        self.env = dict(os.environ)

    @property
    def ids(self):
        return sorted(self.replica_configs)

    def start(self, rid, extra_args=(), wait=True):
        argv = [PYTHON, os.path.join(TARGET_DIR, "replica.py"), "--config", self.paths[rid]]
        argv += [f"--bug={b}" for b in self.bugs] + list(extra_args)
        if rid in self.replicas:
            self.replicas[rid].kill()
        p = Process(argv, dict(self.env, PBFT_ID=rid))
        self.replicas[rid] = p
        if wait and not p.wait_for(lambda out, err: f"pbft replica {rid} ready" in out, 20):
            raise AssertionError(f"{rid} not ready: {p.stderr[-5:]}")
        return p

    def start_all(self, ids=None):
        for rid in ids or self.ids:
            self.start(rid, wait=False)
        for rid in ids or self.ids:
            p = self.replicas[rid]
            if not p.wait_for(lambda out, err: f"pbft replica {rid} ready" in out, 20):
                raise AssertionError(f"{rid} not ready: {p.stderr[-5:]}")

    def wait_settled(self, rids=None, timeout=10):
        """Waits until each replica heard back from its peers after starting
        (its "recovered" line), so that every channel between them is up."""
        for rid in rids or list(self.replicas):
            if not self.replicas[rid].wait_for(
                    lambda out, err: any("recovered:" in line for line in err), timeout):
                raise AssertionError(f"{rid} did not settle: {self.replicas[rid].stderr[-5:]}")

    def client(self, cid="c0", extra_args=()):
        argv = [PYTHON, os.path.join(TARGET_DIR, "client.py"), "--config",
                self.paths[cid]] + list(extra_args)
        c = Client(Process(argv, dict(self.env, PBFT_CLIENT_ID=cid), stdin=True))
        self.clients.append(c)
        return c

    def executed(self, rid):
        """(client, timestamp, operation) of every EXECUTED line so far."""
        out = []
        for line in list(self.replicas[rid].stdout):
            m = EXECUTED.match(line)
            if m:
                out.append((m.group(1), int(m.group(2)), m.group(3)))
        return out

    def operations(self, rid):
        return [e[2] for e in self.executed(rid)]

    def wait_executed(self, rids, operations, timeout):
        """Waits until every replica in rids executed every operation."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(set(operations) <= set(self.operations(r)) for r in rids):
                return True
            time.sleep(0.05)
        return False

    def client_key(self, cid="c0"):
        return PrivateKey.from_hex(self.client_configs[cid]["private_key"])

    def replica_key(self, rid):
        return PrivateKey.from_hex(self.replica_configs[rid]["private_key"])

    def close(self):
        for c in self.clients:
            c.process.kill()
        for p in self.replicas.values():
            p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def make_request(key, client, timestamp, operation):
    return Request(client, timestamp, operation,
                   key.sign(request_bytes(client, timestamp, operation)))


class ByzantineReplica:
    """Sends arbitrary messages as `rid`, signed with its key; no process."""

    def __init__(self, cluster, rid):
        self.rid = rid
        self.key = cluster.replica_key(rid)
        self.channels = {r: grpc.insecure_channel(a) for r, a in cluster.addresses.items()
                         if r != rid}
        self.stubs = {r: pbft_pb2_grpc.ReplicaStub(ch) for r, ch in self.channels.items()}
        self.client_stubs = {r: pbft_pb2_grpc.ClientStub(ch) for r, ch in self.channels.items()}

    def send(self, body, to):
        signed = Signed.create(self.key, self.rid, body)
        self.send_raw(signed.kind, signed.sender, signed.content, signed.signature, to)

    def send_raw(self, kind, sender, content, signature, to):
        method, type_name = METHODS[kind]
        message = getattr(pbft_pb2, type_name)(sender=sender, content=content,
                                               signature=signature)
        for rid in to:
            getattr(self.stubs[rid], method)(message, timeout=5)

    def submit(self, request, to):
        """A client request handed to replicas (as a client would)."""
        for rid in to:
            self.client_stubs[rid].Request(pbft_pb2.ClientRequest(
                client=request.client, request=request.signed_bytes(),
                signature=request.signature, wait_ms=0), timeout=5)

    def close(self):
        for ch in self.channels.values():
            ch.close()


class LinkProxy:
    """Forwards every gRPC call to `target` byte for byte, unless blocked."""

    def __init__(self, target):
        self.blocked = True
        self.channel = grpc.insecure_channel(target)
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        proxy = self

        class Handler(grpc.GenericRpcHandler):
            def service(self, details):
                method = details.method

                def forward(request, context):
                    if proxy.blocked:
                        context.abort(grpc.StatusCode.UNAVAILABLE, "dropped by the test")
                    return proxy.channel.unary_unary(method)(request, timeout=5)
                return grpc.unary_unary_rpc_method_handler(forward)

        self.server.add_generic_rpc_handlers((Handler(),))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def close(self):
        self.server.stop(0)
        self.channel.close()


def dump(cluster):
    """Logs of every replica, for failure messages."""
    return json.dumps({r: {"stdout": p.stdout[-20:], "stderr": p.stderr[-20:]}
                       for r, p in cluster.replicas.items()}, indent=1)
