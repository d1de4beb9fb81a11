"""Signed protocol messages for tests, built with the cluster's real keys."""

from pbft.config import Tuning
from pbft.membership import Membership
from pbft.messages import (CHECKPOINT, COMMIT, PREPARE, Signed, batch_digest)
from pbft.viewchange import (GENESIS_CHECKPOINT, CheckpointProof, PrePrepare, PreparedCert,
                             pre_prepare_body, view_change_body)
from sim import cached_keys, signed_request


class Cluster:
    """Keys of r0..r{n-1} and c0..; signs anything as anyone."""

    def __init__(self, n=4, f=1, clients=2, tuning=None):
        self.keys, self.client_keys = cached_keys(n, clients)
        self.f = f
        self.tuning = tuning or Tuning(checkpoint_interval=4, window=16,
                                       view_change_timeout_ms=500)
        self.members = self.new_members()

    def new_members(self):
        return Membership({r: k.public for r, k in self.keys.items()}, self.f,
                          {c: k.public for c, k in self.client_keys.items()}, self.tuning)

    def request(self, client="c0", ts=1, op="set a 1"):
        return signed_request(self.client_keys[client], client, ts, op)

    def sign(self, sender, body):
        return Signed.create(self.keys[sender], sender, body)

    def pre_prepare(self, view, seq, batch, digest=None):
        primary = self.members.primary(view)
        digest = digest or batch_digest(batch)
        signed = self.sign(primary, pre_prepare_body(view, seq, primary, digest, batch))
        return PrePrepare(view, seq, digest, tuple(batch), signed)

    def vote(self, kind, sender, view, seq, digest):
        assert kind in (PREPARE, COMMIT)
        return self.sign(sender, {"type": kind, "view": view, "seq": seq,
                                  "replica": sender, "digest": digest})

    def cert(self, view, seq, batch, backups=None):
        pp = self.pre_prepare(view, seq, batch)
        primary = self.members.primary(view)
        backups = backups or [r for r in self.members.ids if r != primary][:2 * self.f]
        return PreparedCert(pp, tuple(self.vote(PREPARE, b, view, seq, pp.digest)
                                      for b in backups))

    def checkpoint(self, sender, seq, digest):
        return self.sign(sender, {"type": CHECKPOINT, "seq": seq, "replica": sender,
                                  "digest": digest})

    def checkpoint_proof(self, seq, digest, senders=None):
        if seq == 0:
            return GENESIS_CHECKPOINT
        senders = senders or list(self.members.ids)[:self.members.quorum]
        return CheckpointProof(seq, digest, tuple(self.checkpoint(s, seq, digest)
                                                  for s in senders))

    def view_change(self, sender, view, certs=(), checkpoint=None):
        checkpoint = checkpoint or GENESIS_CHECKPOINT
        return self.sign(sender, view_change_body(view, sender, checkpoint, certs))


class Driver:
    """One pure Replica fed by hand, with its outputs collected."""

    def __init__(self, cluster, rid="r1", bugs=()):
        from pbft.protocol import Replica
        self.c = cluster
        self.now = 0.0
        self.replica = Replica(rid, cluster.keys[rid], cluster.new_members(), frozenset(bugs),
                               now=self.now)
        self.replica.recovering = False  # tests start from a settled cluster
        self.replica.start(self.now)      # as a node does; its FETCH is dropped
        self.replica.take_outputs()
        self.sent = []       # (to, Signed)
        self.executed = []   # (client, ts, op)

    def _collect(self):
        out = self.replica.take_outputs()
        self.sent.extend(out.sends)
        self.executed.extend((e.client, e.timestamp, e.operation) for e in out.executed)
        return out

    def feed(self, signed, kind=None, sender=None):
        self.replica.receive(kind or signed.kind, sender or signed.sender, signed.content,
                             signed.signature, self.now)
        return self._collect()

    def request(self, request):
        result = self.replica.client_request(request.client, request.signed_bytes(),
                                             request.signature, self.now)
        self._collect()
        return result

    def advance(self, seconds, step=0.01):
        end = self.now + seconds
        while self.now < end:
            self.now += step
            self.replica.tick(self.now)
            self._collect()

    def sent_kinds(self, kind):
        return [s for _, s in self.sent if s.kind == kind]

    def clear(self):
        self.sent.clear()
