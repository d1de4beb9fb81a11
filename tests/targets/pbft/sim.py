"""A deterministic simulated network for pbft.protocol.Replica.

SimCluster runs n pure Replicas on a virtual clock: every message goes
through a priority queue with a per-message delay, and the test decides
which messages are lost, duplicated or delayed (seeded randomness or
explicit filters), which replicas are down, and which keys a Byzantine test
helper may sign with. Nothing here opens a socket or sleeps.
"""

import heapq
import random

from pbft.config import Tuning
from pbft.crypto import PrivateKey
from pbft.membership import Membership
from pbft.messages import Request, Signed, request_bytes
from pbft.protocol import Replica


def make_keys(n, clients):
    replicas = {f"r{i}": PrivateKey.generate() for i in range(n)}
    client_keys = {f"c{i}": PrivateKey.generate() for i in range(clients)}
    return replicas, client_keys


_KEY_CACHE = {}


def cached_keys(n, clients):
    """Key generation is cheap, but tests build many clusters."""
    if (n, clients) not in _KEY_CACHE:
        _KEY_CACHE[(n, clients)] = make_keys(n, clients)
    return _KEY_CACHE[(n, clients)]


def signed_request(client_key, client, timestamp, operation):
    data = request_bytes(client, timestamp, operation)
    return Request(client, timestamp, operation, client_key.sign(data))


class SimCluster:
    def __init__(self, n=4, f=1, clients=2, seed=1, tuning=None, bugs=None,
                 drop=0.0, duplicate=0.0, delay=(0.001, 0.004)):
        self.n, self.f = n, f
        self.keys, self.client_keys = cached_keys(n, clients)
        self.ids = sorted(self.keys)
        self.tuning = tuning or Tuning(view_change_timeout_ms=500)
        self.bugs = bugs or {}          # id -> set of bug names
        self.rng = random.Random(seed)
        self.drop, self.duplicate, self.delay = drop, duplicate, delay
        self.filters = []               # f(src, dst, Signed) -> True to drop
        self.down = set()
        self.paused = set()             # no ticks; messages wait (SIGSTOP)
        self.held = []
        self.silent = set()             # ids with no process (a Byzantine test driver)
        self.now = 0.0
        self.queue = []
        self.counter = 0
        self.logs = {rid: [] for rid in self.ids}   # executed (client, ts, op)
        self.replicas = {}
        self.sent = []                  # every (src, dst, Signed) put on the wire
        for rid in self.ids:
            self.replicas[rid] = self._new_replica(rid)
        for rid in self.ids:
            self.replicas[rid].start(self.now)
            self._flush(rid)
        self.next_ts = {c: 1 for c in self.client_keys}

    def members(self):
        return Membership({r: k.public for r, k in self.keys.items()}, self.f,
                          {c: k.public for c, k in self.client_keys.items()}, self.tuning)

    def _new_replica(self, rid):
        return Replica(rid, self.keys[rid], self.members(),
                       frozenset(self.bugs.get(rid, ())), now=self.now)

    # ---- network ------------------------------------------------------------

    def post(self, src, dst, signed, delay=None):
        """Puts one message on the wire from src to dst."""
        self.sent.append((src, dst, signed))
        if any(flt(src, dst, signed) for flt in self.filters):
            return
        if dst in self.down or dst in self.silent or src in self.down:
            return
        copies = 1
        if self.drop and self.rng.random() < self.drop:
            copies = 0
        elif self.duplicate and self.rng.random() < self.duplicate:
            copies = 2
        for _ in range(copies):
            d = delay if delay is not None else self.rng.uniform(*self.delay)
            self.counter += 1
            heapq.heappush(self.queue, (self.now + d, self.counter, dst, signed))

    def sign_as(self, sender, body):
        """A message signed with `sender`'s key (a Byzantine replica's, say)."""
        return Signed.create(self.keys[sender], sender, body)

    def queue_raw(self, dst, signed, delay=0.001):
        """Delivers `signed` to dst as is, bypassing filters and faults."""
        self.counter += 1
        heapq.heappush(self.queue, (self.now + delay, self.counter, dst, signed))

    def _flush(self, rid):
        out = self.replicas[rid].take_outputs()
        for to, signed in out.sends:
            targets = [to] if to is not None else [r for r in self.ids if r != rid]
            for dst in targets:
                self.post(rid, dst, signed)
        for e in out.executed:
            self.logs[rid].append((e.client, e.timestamp, e.operation))
        return out

    def run(self, seconds, step=0.005):
        end = self.now + seconds
        while self.now < end:
            self.now = min(end, self.now + step)
            while self.queue and self.queue[0][0] <= self.now:
                item = heapq.heappop(self.queue)
                _, _, dst, signed = item
                if dst in self.down or dst in self.silent:
                    continue
                if dst in self.paused:
                    self.held.append(item)
                    continue
                self.replicas[dst].receive(signed.kind, signed.sender, signed.content,
                                           signed.signature, self.now)
                self._flush(dst)
            for rid in self.ids:
                if rid in self.down or rid in self.silent or rid in self.paused:
                    continue
                self.replicas[rid].tick(self.now)
                self._flush(rid)

    def run_until(self, predicate, timeout, step=0.005):
        end = self.now + timeout
        while self.now < end:
            if predicate():
                return True
            self.run(0.05, step)
        return predicate()

    # ---- faults -------------------------------------------------------------

    def crash(self, rid):
        self.down.add(rid)

    def pause(self, rid):
        self.paused.add(rid)

    def resume(self, rid):
        self.paused.discard(rid)
        for item in self.held:
            heapq.heappush(self.queue, (self.now,) + item[1:])
        self.held = []

    def restart(self, rid):
        """Back with no state at all."""
        self.down.discard(rid)
        self.logs[rid] = []
        self.replicas[rid] = self._new_replica(rid)
        self.replicas[rid].start(self.now)
        self._flush(rid)

    # ---- clients --------------------------------------------------------------

    def request(self, client, operation):
        ts = self.next_ts[client]
        self.next_ts[client] += 1
        return signed_request(self.client_keys[client], client, ts, operation)

    def submit(self, request, to=None):
        """Hands a request to `to` (default: every live replica)."""
        targets = [to] if to else self.ids
        for rid in targets:
            if rid in self.down or rid in self.silent:
                continue
            self.replicas[rid].client_request(request.client, request.signed_bytes(),
                                              request.signature, self.now)
            self._flush(rid)

    def guess_primary(self):
        views = sorted(self.replicas[r].view for r in self.live())
        return self.ids[views[len(views) // 2] % self.n] if views else self.ids[0]

    def drive(self, count, timeout, clients=None, retry=0.5, prefix="op"):
        """Each client submits `count` requests one at a time, to the likely
        primary and to everyone after `retry`, moving on once f+1 live
        replicas executed its request. Returns the completed requests."""
        clients = clients or list(self.client_keys)
        left = {c: count for c in clients}
        current = {}
        done = []
        end = self.now + timeout
        while self.now < end:
            for c in clients:
                cur = current.get(c)
                if cur is not None:
                    request, sent, broadcast = cur
                    if sum(self.executed_at(r, request) for r in self.live()) > self.f:
                        done.append(request)
                        current.pop(c)
                        cur = None
                    elif not broadcast and self.now - sent >= retry:
                        self.submit(request)
                        current[c] = (request, sent, True)
                if cur is None and left[c] > 0:
                    left[c] -= 1
                    request = self.request(c, f"{prefix}-{c}-{left[c]}")
                    self.submit(request, to=self.guess_primary())
                    current[c] = (request, self.now, False)
            if not current and not any(left.values()):
                break
            self.run(0.01)
        return done

    def executed_at(self, rid, request):
        return (request.client, request.timestamp, request.operation) in self.logs[rid]

    def live(self):
        return [r for r in self.ids if r not in self.down and r not in self.silent]

    def all_executed(self, requests, replicas=None):
        return all(self.executed_at(r, q) for r in (replicas or self.live()) for q in requests)

    # ---- checks ---------------------------------------------------------------

    def consistent(self, replicas=None):
        """Every pair of logs agrees up to the shorter one, and no log
        executes one (client, timestamp) twice."""
        logs = [self.logs[r] for r in (replicas or self.ids)]
        for log in logs:
            keys = [(c, t) for c, t, _ in log]
            if len(keys) != len(set(keys)):
                return False
        for a in logs:
            for b in logs:
                k = min(len(a), len(b))
                if a[:k] != b[:k]:
                    return False
        return True
