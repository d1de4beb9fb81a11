"""The PBFT replica state machine, as pure logic.

`Replica` takes inputs — peer messages as received (sender, content bytes,
signature), client requests, and the passage of time through `tick(now)` —
and produces outputs that the caller drains with `take_outputs()`: signed
messages to send, executed requests (to print, in execution order) and the
keys of requests whose replies are ready. It owns no socket, thread or
clock: `now` is always passed in (seconds, any monotonic origin), so tests
drive it deterministically.

What it implements (Castro & Liskov, OSDI '99 / TOCS '02):
  - normal case: the primary batches requests into PRE-PREPAREs; a replica
    is prepared with the pre-prepare and 2f matching PREPAREs from distinct
    backups, committed-local when prepared with 2f+1 matching COMMITs, and
    executes committed batches strictly in sequence order;
  - checkpoints every `checkpoint_interval` executed batches, stable with
    2f+1 matching CHECKPOINTs; they move the low watermark and bound
    view-change messages (executed batches themselves are kept, see below);
  - view changes on request-timer expiry (doubling on successive view
    changes, reset on progress), the f+1 rule for joining a higher view,
    NEW-VIEW construction and validation (viewchange.py);
  - state transfer: FETCH asks peers for executed batches from a sequence
    number on; a batch is adopted once f+1 replicas sent the same digest.
    Every executed batch is kept so that a replica restarted with no state
    can fetch, re-execute and re-print the whole log. A replica fetches on
    start, periodically, and promptly when f+1 peers show they are ahead.

Every input is validated: anything malformed, unsigned, from an unknown or
wrong sender, outside the watermarks or of a stale view is counted in
`drops` and ignored; nothing a peer sends can raise out of `receive`.

Not thread-safe: one caller (the node's event loop) at a time.
"""

import collections
import logging
from dataclasses import dataclass

from . import bugs as bugnames
from .kvstore import KVStore
from .messages import (CHECKPOINT, COMMIT, FETCH, FORWARD, NEW_VIEW,
                       PRE_PREPARE, PREPARE, REPLY, STATE, VIEW_CHANGE, GENESIS,
                       MessageError, Request, Signed, batch_digest, chain_digest,
                       field_bool, field_digest, field_int, field_list, field_obj,
                       parse_batch)
from .viewchange import (GENESIS_CHECKPOINT, MAX_BATCH, CheckpointProof, NewView,
                         PrePrepare, PreparedCert, ViewChange, new_view_body,
                         parse_checkpoint_proof, parse_new_view, parse_pre_prepare,
                         parse_view_change, plan_new_view, pre_prepare_body,
                         view_change_body)

# Seconds.
RETRANSMIT_INTERVAL = 0.3  # re-send own messages of a slot that has not committed
PROBE_INTERVAL = 1.0       # unconditional FETCH, to learn of missed progress and views
RECOVERY_FETCH_INTERVAL = 0.25
RECOVERY_TIMEOUT = 2.0     # a recovering replica stops waiting for answers
STALL_BEFORE_FETCH = 0.15  # behind peers without progress for this long -> FETCH
MIN_FETCH_INTERVAL = 0.1
# Answers and certificates are costly to build or check, so each peer gets
# at most one STATE per MIN_ANSWER_INTERVAL and has at most one VIEW-CHANGE
# or NEW-VIEW checked per MIN_CERTIFICATE_INTERVAL (honest ones send far
# fewer); STATE is only read shortly after this replica asked for it.
MIN_ANSWER_INTERVAL = 0.08
MIN_CERTIFICATE_INTERVAL = 0.02
STATE_ANSWER_WINDOW = 3.0
SCAN_INTERVAL = 0.05       # timers and retransmissions are checked this often
# A gap this long between two scans means this process did not run (stopped,
# starved): its timers say nothing about the primary then.
SCAN_GAP = 1.0
FORWARD_REPEAT = 0.5

MAX_FETCH_BATCHES = 128
MAX_FETCH_BYTES = 1 << 20
MAX_WAITING_PER_CLIENT = 16
MAX_BUFFERED = 4096        # messages of a view this replica has not entered yet
BUFFER_VIEWS_AHEAD = 4
MAX_TIMEOUT_DOUBLINGS = 4
# Batches the primary has ordered but not executed yet; while this many are
# in flight, requests wait and the next batch grows instead (fewer, larger
# batches under load, the batch delay when idle).
PIPELINE_DEPTH = 1


@dataclass(frozen=True)
class Executed:
    client: str
    timestamp: int
    operation: str
    result: str


class Outputs:
    def __init__(self):
        self.sends = []     # (destination id or None for every other replica, Signed)
        self.executed = []  # Executed, in execution order
        self.replies = []   # (client, timestamp) whose reply is now available


class _Slot:
    """Agreement state of one (view, seq)."""

    __slots__ = ("view", "seq", "pp", "prepares", "commits", "prepared",
                 "committed", "last_sent")

    def __init__(self, view, seq):
        self.view = view
        self.seq = seq
        self.pp = None        # PrePrepare accepted for (view, seq)
        self.prepares = {}    # sender -> Signed (the first from each)
        self.commits = {}     # sender -> Signed (the first from each)
        self.prepared = False
        self.committed = False
        self.last_sent = 0.0


class _Reply:
    __slots__ = ("timestamp", "view", "result", "signed")

    def __init__(self, timestamp, view, result):
        self.timestamp = timestamp
        self.view = view
        self.result = result
        self.signed = None  # signed lazily, when somebody asks


class Replica:
    def __init__(self, my_id, key, members, bugs=frozenset(), now=0.0, log=None):
        self.id = my_id
        self.key = key
        self.m = members
        self.bugs = frozenset(bugs)
        self.log = log or logging.getLogger("pbft.replica")
        t = members.tuning
        self.window = t.window
        self.interval = t.checkpoint_interval
        self.batch_size = t.batch_size
        self.batch_delay = t.batch_delay_ms / 1000.0
        self.base_timeout = t.view_change_timeout_ms / 1000.0

        self.view = 0
        self.active = True           # False while waiting for a NEW-VIEW
        self.new_view = None         # the NewView that started self.view
        self.stable = GENESIS_CHECKPOINT
        self.slots = {}              # (view, seq) -> _Slot, current view only
        self.certs = {}              # seq -> PreparedCert of the highest view
        self.committed = {}          # seq > last_exec -> (digest, batch)
        self.next_seq = 1            # the primary's next sequence number
        self.pipeline_freed = -1e9   # when the primary last executed a batch

        self.last_exec = 0
        self.exec_log = []           # [seq - 1] -> (digest, batch), kept forever
        self.chain = [GENESIS]       # [seq] -> state digest after seq
        self.app = KVStore()
        self.last_ts = {}            # client -> last executed timestamp
        self.replies = {}            # client -> _Reply

        self.waiting = collections.OrderedDict()  # (client, ts) -> (Request, since)
        self.proposed = set()        # keys the primary put in a batch this view
        self.forwarded = {}          # key -> (view, time)
        self.timer_start = None      # request timer, while waiting in an active view
        self.vc_attempts = 0         # view changes since the last progress

        self.view_changes = {}       # sender -> latest valid ViewChange
        self.my_view_change = None
        self.vc_sent_at = 0.0
        self.nv_timer_start = None
        self.new_view_sent = -1

        self.checkpoint_msgs = {}    # seq -> {sender -> Signed}
        self.heard = {}              # replica -> highest seq it showed it reached
        self.fetch_votes = {}        # seq -> {sender -> (digest, batch)}
        self.certified = {}          # seq -> digest with 2f+1 commits, batch unknown
        self.last_fetch = -1e9
        self.last_probe = now
        self.stall_since = None
        self.answered = {}           # replica -> time of our last STATE to it
        self.checked = {}            # (replica, kind) -> when we last checked a certificate
        # Until peers said how far they got, a primary does not order
        # anything: restarted with no state, it would reuse sequence numbers.
        self.recovering = members.n > 1
        self.recovery_deadline = now + RECOVERY_TIMEOUT
        self.recovery_answers = {}   # sender -> its max_seq, while recovering
        self.buffer = []             # Signed of views not entered yet
        self.last_scan = now
        self.drops = collections.Counter()
        self.out = Outputs()

    # ---- driver interface -------------------------------------------------

    def take_outputs(self):
        out, self.out = self.out, Outputs()
        return out

    def start(self, now):
        """Asks peers for anything executed so far (nothing is persisted)."""
        self._fetch(now)

    def receive(self, kind, sender, content, signature, now):
        """A peer message as it arrived on the method for `kind`."""
        try:
            signed = Signed.from_wire(sender, content, signature)
        except MessageError as e:
            return self._drop("malformed", sender, e)
        if signed.kind != kind:
            return self._drop("type-mismatch", sender, f"{signed.kind!r} on {kind}")
        if not self.m.is_replica(sender):
            return self._drop("unknown-sender", sender)
        if sender == self.id:
            return self._drop("own-id", sender)
        if signed.body.get("replica") != sender:
            return self._drop("replica-field", sender)
        if not self.m.verify(signed):
            return self._drop("bad-signature", sender)
        try:
            self._HANDLERS[kind](self, signed, now)
        except MessageError as e:
            self._drop("invalid", sender, f"{kind}: {e}")

    def client_request(self, client, data, signature, now):
        """A client's request. Returns (status, detail): ("pending", its
        timestamp), ("executed", Signed reply), ("stale", text) or
        ("invalid", text)."""
        try:
            request = Request.from_wire(client, data, signature)
        except MessageError as e:
            return ("invalid", str(e))
        if not self.m.verify_request(request):
            return ("invalid", f"unknown client '{client}' or bad signature")
        last = self.last_ts.get(client, -1)
        if request.timestamp < last:
            return ("stale", f"timestamp {request.timestamp} is older than the last "
                             f"executed one ({last}) of client '{client}'")
        if request.timestamp == last:
            return ("executed", self.reply_for(client, last))
        self._on_request(request, now, relay=True)
        return ("pending", request.timestamp)

    def reply_for(self, client, timestamp):
        """This replica's signed reply to (client, timestamp), if executed."""
        reply = self.replies.get(client)
        if reply is None or reply.timestamp != timestamp:
            return None
        if reply.signed is None:
            reply.signed = Signed.create(self.key, self.id, {
                "type": REPLY, "replica": self.id, "view": reply.view,
                "client": client, "timestamp": timestamp, "result": reply.result})
        return reply.signed

    def last_timestamp(self, client):
        return self.last_ts.get(client, -1)

    def next_wakeup(self, now):
        """Seconds until `tick` has something to do (a batch to cut, timers)."""
        wake = self.last_scan + SCAN_INTERVAL
        if self.active and not self.recovering and self._is_primary():
            due = self._batch_due()
            if due is not None:
                wake = min(wake, due)
        return max(0.0, wake - now)

    def tick(self, now):
        if self.active and not self.recovering and self._is_primary():
            self._maybe_propose(now)
        if now - self.last_scan < SCAN_INTERVAL:
            return
        if now - self.last_scan > SCAN_GAP:
            self.log.info("did not run for %.1fs; restarting timers", now - self.last_scan)
            if self.timer_start is not None:
                self.timer_start = now
            if self.nv_timer_start is not None:
                self.nv_timer_start = now
            self._fetch(now)
        self.last_scan = now
        self._check_timers(now)
        self._retransmit(now)
        self._maybe_fetch(now)

    # ---- helpers ----------------------------------------------------------

    def _drop(self, reason, sender, detail=""):
        self.drops[reason] += 1
        self.log.debug("drop %s from %r: %s", reason, sender, detail)

    def _send(self, signed, to=None):
        self.out.sends.append((to, signed))

    def _sign(self, body):
        return Signed.create(self.key, self.id, body)

    def _is_primary(self):
        return self.m.primary(self.view) == self.id

    def _timeout(self):
        return self.base_timeout * (2 ** min(self.vc_attempts, MAX_TIMEOUT_DOUBLINGS))

    def _in_window(self, seq):
        return self.stable.seq < seq <= self.stable.seq + self.window

    def _drop_outside_window(self, sender, what, seq):
        # Below the low watermark is merely late (normal); above the high
        # one is a replica ahead of us or a confused one.
        reason = "below-window" if seq <= self.stable.seq else "above-window"
        self._drop(reason, sender, f"{what} {seq}")

    def _note_heard(self, sender, seq):
        if seq > self.heard.get(sender, 0):
            self.heard[sender] = seq

    def _claimed_progress(self):
        """A sequence number at least one correct peer has reached (the
        f+1-th highest claim), or 0."""
        claims = sorted((s for r, s in self.heard.items() if r != self.id), reverse=True)
        return claims[self.m.f] if len(claims) > self.m.f else 0

    def _current_view_message(self, view, signed):
        """True if a normal-case message of `view` may be processed now;
        buffers it if it belongs to a view this replica may soon enter."""
        if view == self.view and self.active:
            return True
        if (view > self.view or (view == self.view and not self.active)) \
                and view <= self.view + BUFFER_VIEWS_AHEAD and len(self.buffer) < MAX_BUFFERED:
            self.buffer.append(signed)
        return False

    def _slot(self, view, seq):
        slot = self.slots.get((view, seq))
        if slot is None:
            slot = self.slots[(view, seq)] = _Slot(view, seq)
        return slot

    # ---- requests ---------------------------------------------------------

    def _learn(self, request, now):
        key = request.key
        if key in self.waiting or request.timestamp <= self.last_ts.get(request.client, -1):
            return
        mine = [k for k in self.waiting if k[0] == request.client]
        if len(mine) >= MAX_WAITING_PER_CLIENT:
            self._unwait(min(mine))
        self.waiting[key] = (request, now)
        if self.timer_start is None and self.active:
            self.timer_start = now

    def _on_request(self, request, now, relay):
        self._learn(request, now)
        if request.key not in self.waiting or not self.active:
            return
        if self._is_primary():
            if not self.recovering:
                self._maybe_propose(now)
        elif relay:
            self._forward(request, now)

    def _forward(self, request, now):
        previous = self.forwarded.get(request.key)
        if previous and previous[0] == self.view and now - previous[1] < FORWARD_REPEAT:
            return
        self.forwarded[request.key] = (self.view, now)
        self._send(self._sign({"type": FORWARD, "replica": self.id,
                               "request": request.to_obj()}),
                   to=self.m.primary(self.view))

    def _on_forward(self, signed, now):
        request = Request.from_obj(field_obj(signed.body, "request"))
        if not self.m.verify_request(request):
            raise MessageError(f"forwarded request of '{request.client}' is not "
                               "signed by that client")
        self._on_request(request, now, relay=False)

    def _forget(self, client, timestamp):
        """The client's requests up to `timestamp` need no more waiting for."""
        for key in [k for k in self.waiting if k[0] == client and k[1] <= timestamp]:
            self._unwait(key)

    def _unwait(self, key):
        del self.waiting[key]
        self.proposed.discard(key)
        self.forwarded.pop(key, None)

    # ---- normal case ------------------------------------------------------

    def _candidates(self):
        return [(r, t) for k, (r, t) in self.waiting.items() if k not in self.proposed]

    def _batch_due(self, candidates=None):
        """When the primary may cut a batch that is not full: batch_delay after
        the first waiting request arrived, and after the pipeline had room
        again (so that clients answered by the last batch join the next);
        None while the pipeline is full or nothing waits."""
        if (self.next_seq > self.stable.seq + self.window
                or self.next_seq - 1 - self.last_exec >= PIPELINE_DEPTH):
            return None
        if candidates is None:
            candidates = self._candidates()
        if not candidates:
            return None
        return max(candidates[0][1], self.pipeline_freed) + self.batch_delay

    def _maybe_propose(self, now):
        while self.next_seq <= self.stable.seq + self.window:
            candidates = self._candidates()
            if not candidates:
                return
            if len(candidates) < self.batch_size:
                due = self._batch_due(candidates)
                if due is None or now < due:
                    return
            self._propose(tuple(r for r, _ in candidates[:self.batch_size]), now)

    def _propose(self, batch, now):
        seq = max(self.next_seq, self.stable.seq + 1)
        self.next_seq = seq + 1
        digest = batch_digest(batch)
        signed = self._sign(pre_prepare_body(self.view, seq, self.id, digest, batch))
        pp = PrePrepare(self.view, seq, digest, batch, signed)
        self.proposed.update(r.key for r in batch)
        slot = self._slot(self.view, seq)
        slot.pp = pp
        slot.last_sent = now
        self._send(signed)
        self._check_slot(slot, now)

    def _on_pre_prepare(self, signed, now):
        pp = parse_pre_prepare(signed, self.m)
        if not self._current_view_message(pp.view, signed):
            return
        if not self._in_window(pp.seq):
            return self._drop_outside_window(signed.sender, "pre-prepare", pp.seq)
        self._accept_pre_prepare(pp, now)

    def _accept_pre_prepare(self, pp, now):
        if bugnames.NO_DIGEST_CHECK not in self.bugs and batch_digest(pp.batch) != pp.digest:
            return self._drop("digest-mismatch", pp.signed.sender, f"seq {pp.seq}")
        for request in pp.batch:
            if not self.m.verify_request(request):
                return self._drop("bad-request", pp.signed.sender,
                                  f"seq {pp.seq}: request of '{request.client}'")
        slot = self._slot(pp.view, pp.seq)
        if slot.pp is not None:
            if slot.pp.digest != pp.digest:
                self.log.warning("primary %s sent two pre-prepares for view %d seq %d",
                                 pp.signed.sender, pp.view, pp.seq)
                self._drop("conflicting-pre-prepare", pp.signed.sender)
            return
        slot.pp = pp
        for request in pp.batch:
            self._learn(request, now)
        if self._is_primary():
            self.proposed.update(r.key for r in pp.batch)
        else:
            prepare = self._sign({"type": PREPARE, "view": pp.view, "seq": pp.seq,
                                  "replica": self.id, "digest": pp.digest})
            slot.prepares[self.id] = prepare
            self._send(prepare)
        slot.last_sent = now
        self._check_slot(slot, now)

    def _on_prepare(self, signed, now):
        body = signed.body
        view, seq = field_int(body, "view"), field_int(body, "seq", lo=1)
        field_digest(body, "digest")
        if not self._current_view_message(view, signed):
            return
        if signed.sender == self.m.primary(view):
            return self._drop("prepare-from-primary", signed.sender)
        if not self._in_window(seq):
            return self._drop_outside_window(signed.sender, "prepare", seq)
        slot = self._slot(view, seq)
        if signed.sender not in slot.prepares:
            slot.prepares[signed.sender] = signed
            self._check_slot(slot, now)

    def _on_commit(self, signed, now):
        body = signed.body
        view, seq = field_int(body, "view"), field_int(body, "seq", lo=1)
        field_digest(body, "digest")
        self._note_heard(signed.sender, seq)
        if not self._current_view_message(view, signed):
            return
        if not self._in_window(seq):
            return self._drop_outside_window(signed.sender, "commit", seq)
        slot = self._slot(view, seq)
        if signed.sender not in slot.commits:
            slot.commits[signed.sender] = signed
            self._check_slot(slot, now)
            self._check_certified(slot, signed.body["digest"], now)

    def _check_certified(self, slot, digest, now):
        """2f+1 matching commits prove `digest` committed at slot.seq even
        without the pre-prepare (lost, or a different one from an
        equivocating primary): fetch the batch, one answer will do."""
        if (slot.committed or slot.seq <= self.last_exec or slot.seq in self.certified
                or (slot.pp is not None and slot.pp.digest == digest)):
            return
        if sum(1 for c in slot.commits.values() if c.body["digest"] == digest) < self.m.quorum:
            return
        self.certified[slot.seq] = digest
        if now - self.last_fetch >= MIN_FETCH_INTERVAL:
            self._fetch(now)

    def _check_slot(self, slot, now):
        if slot.pp is None or slot.committed:
            return
        digest = slot.pp.digest
        if not slot.prepared:
            matching = [p for p in slot.prepares.values() if p.body.get("digest") == digest]
            if len(matching) < 2 * self.m.f:
                return
            slot.prepared = True
            matching.sort(key=lambda p: p.sender)
            cert = PreparedCert(slot.pp, tuple(matching[:2 * self.m.f]))
            old = self.certs.get(slot.seq)
            if old is None or old.view <= cert.view:
                self.certs[slot.seq] = cert
            commit = self._sign({"type": COMMIT, "view": slot.view, "seq": slot.seq,
                                 "replica": self.id, "digest": digest})
            slot.commits[self.id] = commit
            self._send(commit)
            slot.last_sent = now
        need = self.m.weak if bugnames.WEAK_COMMIT_QUORUM in self.bugs else self.m.quorum
        votes = sum(1 for c in slot.commits.values() if c.body.get("digest") == digest)
        if votes < need:
            return
        slot.committed = True
        if slot.seq > self.last_exec and slot.seq not in self.committed:
            self.committed[slot.seq] = (digest, slot.pp.batch)
            self._execute_ready(now)

    # ---- execution and checkpoints ----------------------------------------

    def _execute_ready(self, now):
        before = self.last_exec
        while self.last_exec + 1 in self.committed:
            digest, batch = self.committed.pop(self.last_exec + 1)
            self._execute(digest, batch, now)
        if self.last_exec > before:
            self.stall_since = None
            if self.active:
                self.vc_attempts = 0
                self.timer_start = now if self.waiting else None
                if self._is_primary() and not self.recovering:
                    self.pipeline_freed = now
                    self._maybe_propose(now)

    def _execute(self, digest, batch, now):
        seq = self.last_exec + 1
        for request in batch:
            client, ts = request.client, request.timestamp
            if ts <= self.last_ts.get(client, -1):
                continue  # executed already (once per client and timestamp)
            result = self.app.execute(request.operation)
            self.last_ts[client] = ts
            self.replies[client] = _Reply(ts, self.view, result)
            self.out.executed.append(Executed(client, ts, request.operation, result))
            self.out.replies.append((client, ts))
            self._forget(client, ts)
        self.last_exec = seq
        self.exec_log.append((digest, batch))
        self.chain.append(chain_digest(self.chain[-1], digest))
        self.fetch_votes.pop(seq, None)
        self.certified.pop(seq, None)
        if seq % self.interval == 0:
            checkpoint = self._sign({"type": CHECKPOINT, "seq": seq, "replica": self.id,
                                     "digest": self.chain[seq]})
            self._send(checkpoint)
            self._add_checkpoint_vote(checkpoint, now)
        if seq == self.stable.seq and self.chain[seq] != self.stable.digest:
            self.log.error("state digest at stable checkpoint %d differs from the "
                           "cluster's: this replica diverged", seq)

    def _on_checkpoint(self, signed, now):
        seq = field_int(signed.body, "seq", lo=1)
        field_digest(signed.body, "digest")
        self._note_heard(signed.sender, seq)
        if seq <= self.stable.seq:
            return
        if seq % self.interval or seq > self.stable.seq + 4 * self.window:
            return self._drop("bad-checkpoint", signed.sender, f"seq {seq}")
        self._add_checkpoint_vote(signed, now)

    def _add_checkpoint_vote(self, signed, now):
        seq, digest = signed.body["seq"], signed.body["digest"]
        msgs = self.checkpoint_msgs.setdefault(seq, {})
        if signed.sender in msgs:
            return
        msgs[signed.sender] = signed
        matching = [s for s in msgs.values() if s.body["digest"] == digest]
        if len(matching) >= self.m.quorum and seq > self.stable.seq:
            matching.sort(key=lambda s: s.sender)
            self._stabilize(CheckpointProof(seq, digest, tuple(matching[:self.m.quorum])), now)

    def _stabilize(self, proof, now):
        if proof.seq <= self.stable.seq:
            return
        self.stable = proof
        low = proof.seq
        self.slots = {k: s for k, s in self.slots.items() if k[1] > low}
        self.certs = {s: c for s, c in self.certs.items() if s > low}
        self.checkpoint_msgs = {s: v for s, v in self.checkpoint_msgs.items() if s > low}
        self.next_seq = max(self.next_seq, low + 1)
        if self.last_exec >= low:
            if self.chain[low] != proof.digest:
                self.log.error("state digest at stable checkpoint %d differs from the "
                               "cluster's: this replica diverged", low)
        else:
            self.log.info("checkpoint %d is stable but only %d executed; fetching",
                          low, self.last_exec)
            self._fetch(now)

    # ---- view changes -----------------------------------------------------

    def _check_timers(self, now):
        if self.active:
            if (self.timer_start is not None and self.waiting
                    and now - self.timer_start >= self._timeout()):
                self.log.info("request timer expired in view %d (%d requests waiting)",
                              self.view, len(self.waiting))
                self._start_view_change(self.view + 1, now)
            return
        if self.my_view_change is not None and now - self.vc_sent_at >= 1.0:
            self._send(self.my_view_change.signed)
            self.vc_sent_at = now
        if self.nv_timer_start is None:
            # Replicas already in a later view count too: they left this one
            # (their view change for it may have been lost), and waiting for
            # them to send one for this view would wait forever.
            votes = sum(1 for vc in self.view_changes.values() if vc.view >= self.view)
            if votes >= self.m.quorum:
                self.nv_timer_start = now
        elif now - self.nv_timer_start >= self._timeout():
            self.log.info("no new-view for view %d in time", self.view)
            self._start_view_change(self.view + 1, now)

    def _start_view_change(self, view, now):
        if bugnames.NO_VIEW_CHANGE in self.bugs or view <= self.view:
            return
        self.log.info("view change: view %d -> %d", self.view, view)
        self.view = view
        self.active = False
        self.vc_attempts += 1
        self.timer_start = None
        self.nv_timer_start = None
        self.slots = {}
        self.proposed = set()
        self.buffer = [s for s in self.buffer if s.body.get("view", -1) >= view]
        certs = tuple(c for s, c in sorted(self.certs.items()) if s > self.stable.seq)
        signed = self._sign(view_change_body(view, self.id, self.stable, certs))
        self.my_view_change = ViewChange(view, self.id, self.stable, certs, signed)
        self.view_changes[self.id] = self.my_view_change
        self._send(signed)
        self.vc_sent_at = now
        self._maybe_send_new_view(now)

    def _rate_limited(self, signed, now):
        key = (signed.sender, signed.kind)
        if now - self.checked.get(key, -1e9) < MIN_CERTIFICATE_INTERVAL:
            self._drop("too-often", signed.sender, signed.kind)
            return True
        self.checked[key] = now
        return False

    def _on_view_change(self, signed, now):
        view = field_int(signed.body, "view", lo=1)
        if view < self.view or (view == self.view and self.active):
            return
        known = self.view_changes.get(signed.sender)
        if known is not None and (known.view > view or known.signed == signed):
            return
        if self._rate_limited(signed, now):
            return
        vc = parse_view_change(signed, self.m)
        self.view_changes[signed.sender] = vc
        self._note_heard(signed.sender, vc.checkpoint.seq)
        # The f+1 rule: a correct replica is among them, so the view must change.
        higher = sorted(v.view for r, v in self.view_changes.items()
                        if r != self.id and v.view > self.view)
        if len(higher) >= self.m.weak:
            self._start_view_change(higher[0], now)
        self._maybe_send_new_view(now)

    def _maybe_send_new_view(self, now):
        if self.active or not self._is_primary() or self.new_view_sent == self.view:
            return
        vcs = [vc for vc in self.view_changes.values() if vc.view == self.view]
        if len(vcs) < self.m.quorum:
            return
        vcs.sort(key=lambda vc: (vc.replica != self.id, vc.replica))
        chosen = vcs[:self.m.quorum]
        plan = plan_new_view(self.view, chosen)
        pre_prepares = {}
        for seq, (digest, batch) in sorted(plan.batches.items()):
            signed = self._sign(pre_prepare_body(self.view, seq, self.id, digest, batch))
            pre_prepares[seq] = PrePrepare(self.view, seq, digest, batch, signed)
        signed = self._sign(new_view_body(self.view, self.id, [vc.signed for vc in chosen],
                                          [pp.signed for pp in pre_prepares.values()]))
        self.new_view_sent = self.view
        self._send(signed)
        self._enter_view(NewView(self.view, plan, pre_prepares, signed), now)

    def _on_new_view(self, signed, now):
        view = field_int(signed.body, "view", lo=1)
        if view < self.view or (view == self.view and self.active):
            return
        if self._rate_limited(signed, now):
            return
        self._enter_view(parse_new_view(signed, self.m), now)

    def _enter_view(self, nv, now):
        self.log.info("entered view %d (primary %s, re-issuing %d..%d)", nv.view,
                      self.m.primary(nv.view), nv.plan.checkpoint.seq + 1, nv.plan.max_seq)
        self.view = nv.view
        self.active = True
        self.new_view = nv
        self.nv_timer_start = None
        self.my_view_change = None
        self.view_changes = {r: vc for r, vc in self.view_changes.items()
                             if vc.view > nv.view}
        self.slots = {}
        self.proposed = set()
        self._stabilize(nv.plan.checkpoint, now)
        primary = self._is_primary()
        for seq, pp in sorted(nv.pre_prepares.items()):
            if self._in_window(seq):
                self._accept_pre_prepare(pp, now)
        if primary:
            # The new view's history is exactly the NEW-VIEW's: nothing to
            # recover before ordering (see `recovering`).
            self.next_seq = max(nv.plan.max_seq, self.stable.seq) + 1
            self.recovering = False
        else:
            reissued = {r.key for pp in nv.pre_prepares.values() for r in pp.batch}
            for request, _ in list(self.waiting.values()):
                if request.key not in reissued:
                    self._forward(request, now)
        self.timer_start = now if self.waiting else None
        buffered, self.buffer = self.buffer, []
        for signed in buffered:
            view = signed.body.get("view", -1)
            if view == self.view:
                try:
                    self._HANDLERS[signed.kind](self, signed, now)
                except MessageError as e:
                    self._drop("invalid", signed.sender, e)
            elif view > self.view:
                self.buffer.append(signed)
        if primary and not self.recovering:
            self._maybe_propose(now)

    # ---- retransmission and state transfer --------------------------------

    def _retransmit(self, now):
        if not self.active:
            return
        for slot in self.slots.values():
            if (slot.committed or slot.pp is None or slot.seq <= self.last_exec
                    or now - slot.last_sent < RETRANSMIT_INTERVAL):
                continue
            slot.last_sent = now
            if slot.pp.signed.sender == self.id:
                self._send(slot.pp.signed)
            mine = slot.prepares.get(self.id)
            if mine is not None:
                self._send(mine)
            mine = slot.commits.get(self.id)
            if mine is not None:
                self._send(mine)

    def _behind(self):
        return (self._claimed_progress() > self.last_exec or self.stable.seq > self.last_exec
                or self.last_exec + 1 in self.certified)

    def _maybe_fetch(self, now):
        if self.recovering:
            if now >= self.recovery_deadline:
                self._end_recovery()
            elif now - self.last_fetch >= RECOVERY_FETCH_INTERVAL:
                self._fetch(now)
                return
        if now - self.last_probe >= PROBE_INTERVAL:
            self._fetch(now)
            return
        if not self._behind():
            self.stall_since = None
            return
        if self.stall_since is None:
            self.stall_since = now
        elif (now - self.stall_since >= STALL_BEFORE_FETCH
              and now - self.last_fetch >= MIN_FETCH_INTERVAL):
            self._fetch(now)

    def _fetch(self, now):
        self.last_fetch = now
        self.last_probe = now
        self._send(self._sign({"type": FETCH, "replica": self.id,
                               "from": self.last_exec + 1, "view": self.view,
                               "active": self.active, "low": self.stable.seq}))

    def _on_fetch(self, signed, now):
        body = signed.body
        start = field_int(body, "from", lo=1)
        their_view = field_int(body, "view")
        their_active = field_bool(body, "active")
        their_low = field_int(body, "low")
        if now - self.answered.get(signed.sender, -1e9) < MIN_ANSWER_INTERVAL:
            return self._drop("too-often", signed.sender, "fetch")
        self.answered[signed.sender] = now
        batches, size = [], 0
        for seq in range(start, min(self.last_exec, start + MAX_FETCH_BATCHES - 1) + 1):
            digest, batch = self.exec_log[seq - 1]
            item = {"seq": seq, "digest": digest, "batch": [r.to_obj() for r in batch]}
            size += 200 + sum(len(r.operation) + 200 for r in batch)
            if batches and size > MAX_FETCH_BYTES:
                break
            batches.append(item)
        new_view = None
        if (self.active and self.new_view is not None
                and (their_view < self.view or (their_view == self.view and not their_active))):
            new_view = self.new_view.signed.to_obj()
        max_seq = max([self.last_exec] + [s for (v, s) in self.slots if v == self.view])
        self._send(self._sign({
            "type": STATE, "replica": self.id, "view": self.view, "active": self.active,
            "last_exec": self.last_exec, "max_seq": max_seq, "batches": batches,
            "checkpoint": self.stable.to_obj() if self.stable.seq > their_low else None,
            "new_view": new_view}), to=signed.sender)

    def _on_state(self, signed, now):
        if now - self.last_fetch > STATE_ANSWER_WINDOW:
            return self._drop("unsolicited", signed.sender, "state")
        body = signed.body
        sender = signed.sender
        last_exec = field_int(body, "last_exec")
        max_seq = field_int(body, "max_seq")
        items = field_list(body, "batches", MAX_FETCH_BATCHES)
        self._note_heard(sender, last_exec)
        nv = field_obj(body, "new_view", optional=True)
        if nv is not None:
            nv_signed = Signed.from_obj(nv)
            view = field_int(nv_signed.body, "view", lo=1)
            if view > self.view or (view == self.view and not self.active):
                self._enter_view(parse_new_view(nv_signed, self.m), now)
        checkpoint = field_obj(body, "checkpoint", optional=True)
        if checkpoint is not None and field_int(checkpoint, "seq") > self.stable.seq:
            self._stabilize(parse_checkpoint_proof(checkpoint, self.m), now)
        horizon = self.last_exec + 4 * MAX_FETCH_BATCHES
        for item in items:
            if not isinstance(item, dict):
                raise MessageError("a fetched batch must be an object")
            seq = field_int(item, "seq", lo=1)
            if seq <= self.last_exec or seq in self.committed or seq > horizon:
                continue
            digest = field_digest(item, "digest")
            batch = parse_batch(item.get("batch"), MAX_BATCH)
            if batch_digest(batch) != digest:
                raise MessageError(f"fetched batch {seq} does not match its digest")
            votes = self.fetch_votes.setdefault(seq, {})
            votes.setdefault(sender, (digest, batch))
            if (self.certified.get(seq) == digest
                    or sum(1 for d, _ in votes.values() if d == digest) >= self.m.weak):
                self.committed[seq] = (digest, batch)
        before = self.last_exec
        self._execute_ready(now)
        if self.last_exec > before:
            self.log.info("state transfer: executed up to %d", self.last_exec)
            if self._behind() and now - self.last_fetch >= MIN_FETCH_INTERVAL:
                self._fetch(now)
        if self.recovering:
            self.recovery_answers[sender] = max_seq
            if len(self.recovery_answers) > self.m.f:
                self._end_recovery()

    def _end_recovery(self):
        claims = sorted(self.recovery_answers.values(), reverse=True)
        # The f+1-th highest claim: some correct replica got at least this far.
        reached = claims[self.m.f] if len(claims) > self.m.f else 0
        self.next_seq = max(self.next_seq, self.last_exec + 1, reached + 1)
        self.recovering = False
        self.log.info("recovered: executed %d, next sequence number %d (%d peers answered)",
                      self.last_exec, self.next_seq, len(claims))

    _HANDLERS = {
        PRE_PREPARE: _on_pre_prepare,
        PREPARE: _on_prepare,
        COMMIT: _on_commit,
        CHECKPOINT: _on_checkpoint,
        VIEW_CHANGE: _on_view_change,
        NEW_VIEW: _on_new_view,
        FORWARD: _on_forward,
        FETCH: _on_fetch,
        STATE: _on_state,
    }
