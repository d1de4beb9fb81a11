"""View changes: the certificates a VIEW-CHANGE carries, their validation,
and the choice of the pre-prepares a NEW-VIEW re-issues.

A VIEW-CHANGE for view v from replica i carries i's last stable checkpoint
(sequence number, state digest, 2f+1 signed CHECKPOINT messages) and, for
every sequence number above it at which i prepared a batch, the prepared
certificate of the highest view: the primary's signed PRE-PREPARE and 2f
signed PREPAREs from distinct backups.

The new primary, holding 2f+1 valid VIEW-CHANGEs for v, computes (Castro &
Liskov, OSDI '99, section 4.4): min-s, the highest stable checkpoint among
them; max-s, the highest prepared sequence number (at least min-s); and for
every n in (min-s, max-s] the batch of the highest-view certificate for n,
or the null (empty) batch if none. A backup recomputes the same from the
VIEW-CHANGEs inside the NEW-VIEW and accepts it only if the re-issued
pre-prepares match exactly.

Pure functions over immutable values: no sockets, no clock, thread-safe
given a Membership used from one thread.
"""

from dataclasses import dataclass

from .messages import (CHECKPOINT, GENESIS, NEW_VIEW, PRE_PREPARE, PREPARE,
                       VIEW_CHANGE, MessageError, Signed, batch_digest, field_digest,
                       field_int, field_list, field_obj, field_str, parse_batch)

# Largest batch accepted from anyone, whatever this replica's own batch_size.
MAX_BATCH = 10000
NULL_DIGEST = batch_digest(())


@dataclass(frozen=True)
class PrePrepare:
    """A verified, well-formed PRE-PREPARE (digest not yet checked)."""

    view: int
    seq: int
    digest: str
    batch: tuple
    signed: Signed


@dataclass(frozen=True)
class PreparedCert:
    pre_prepare: PrePrepare
    prepares: tuple  # of Signed, from 2f distinct backups

    @property
    def view(self):
        return self.pre_prepare.view

    @property
    def seq(self):
        return self.pre_prepare.seq

    @property
    def digest(self):
        return self.pre_prepare.digest

    def to_obj(self):
        return {"pre_prepare": self.pre_prepare.signed.to_obj(),
                "prepares": [p.to_obj() for p in self.prepares]}


@dataclass(frozen=True)
class CheckpointProof:
    seq: int
    digest: str
    proof: tuple  # of Signed CHECKPOINTs from 2f+1 distinct replicas

    def to_obj(self):
        return {"seq": self.seq, "digest": self.digest,
                "proof": [p.to_obj() for p in self.proof]}


GENESIS_CHECKPOINT = CheckpointProof(0, GENESIS, ())


@dataclass(frozen=True)
class ViewChange:
    view: int
    replica: str
    checkpoint: CheckpointProof
    certs: tuple  # of PreparedCert, ascending seq
    signed: Signed


@dataclass(frozen=True)
class NewViewPlan:
    """What a NEW-VIEW for `view` must re-issue."""

    view: int
    checkpoint: CheckpointProof  # min-s and its proof
    max_seq: int
    # seq -> (digest, batch) for every seq in (checkpoint.seq, max_seq]
    batches: dict


@dataclass(frozen=True)
class NewView:
    view: int
    plan: NewViewPlan
    pre_prepares: dict  # seq -> PrePrepare, exactly the plan's
    signed: Signed


def _verified(signed, members, kind):
    if signed.kind != kind:
        raise MessageError(f"expected a {kind} message, got {signed.kind!r}")
    if field_str(signed.body, "replica") != signed.sender:
        raise MessageError("'replica' differs from the sender")
    if not members.verify(signed):
        raise MessageError(f"bad signature or unknown sender on an embedded {kind} "
                           f"from '{signed.sender}'")
    return signed.body


def parse_pre_prepare(signed, members):
    """Checks sender (the view's primary), signature and form; not the digest."""
    body = _verified(signed, members, PRE_PREPARE)
    view = field_int(body, "view")
    if signed.sender != members.primary(view):
        raise MessageError(f"pre-prepare for view {view} from '{signed.sender}', "
                           f"whose primary is '{members.primary(view)}'")
    seq = field_int(body, "seq", lo=1)
    return PrePrepare(view, seq, field_digest(body, "digest"),
                      parse_batch(body.get("batch"), MAX_BATCH), signed)


def parse_prepared_cert(obj, members):
    if not isinstance(obj, dict):
        raise MessageError("a prepared certificate must be an object")
    pp = parse_pre_prepare(Signed.from_obj(field_obj(obj, "pre_prepare")), members)
    if batch_digest(pp.batch) != pp.digest:
        raise MessageError(f"certificate for seq {pp.seq}: digest does not match batch")
    primary = members.primary(pp.view)
    senders = set()
    prepares = []
    for item in field_list(obj, "prepares", members.n):
        signed = Signed.from_obj(item)
        body = _verified(signed, members, PREPARE)
        if signed.sender == primary or signed.sender in senders:
            raise MessageError("prepares must come from distinct backups")
        if (field_int(body, "view") != pp.view or field_int(body, "seq") != pp.seq
                or field_digest(body, "digest") != pp.digest):
            raise MessageError(f"certificate for seq {pp.seq}: a prepare does not "
                               "match the pre-prepare")
        senders.add(signed.sender)
        prepares.append(signed)
    if len(prepares) < 2 * members.f:
        raise MessageError(f"certificate for seq {pp.seq} has {len(prepares)} "
                           f"prepares, needs {2 * members.f}")
    return PreparedCert(pp, tuple(prepares))


def parse_checkpoint_proof(obj, members):
    if not isinstance(obj, dict):
        raise MessageError("'checkpoint' must be an object")
    seq = field_int(obj, "seq")
    digest = field_digest(obj, "digest")
    items = field_list(obj, "proof", members.n)
    if seq == 0:
        if digest != GENESIS or items:
            raise MessageError("checkpoint 0 must be the genesis digest with no proof")
        return GENESIS_CHECKPOINT
    if seq % members.tuning.checkpoint_interval:
        raise MessageError(f"checkpoint {seq} is not a multiple of the interval")
    senders = set()
    proof = []
    for item in items:
        signed = Signed.from_obj(item)
        body = _verified(signed, members, CHECKPOINT)
        if signed.sender in senders:
            raise MessageError("checkpoint proof repeats a sender")
        if field_int(body, "seq") != seq or field_digest(body, "digest") != digest:
            raise MessageError("checkpoint proof does not match its seq and digest")
        senders.add(signed.sender)
        proof.append(signed)
    if len(proof) < members.quorum:
        raise MessageError(f"checkpoint proof has {len(proof)} messages, "
                           f"needs {members.quorum}")
    return CheckpointProof(seq, digest, tuple(proof))


def parse_view_change(signed, members, view=None):
    """A verified, fully checked VIEW-CHANGE (for `view`, if given)."""
    body = _verified(signed, members, VIEW_CHANGE)
    v = field_int(body, "view", lo=1)
    if view is not None and v != view:
        raise MessageError(f"view-change for view {v}, expected {view}")
    checkpoint = parse_checkpoint_proof(field_obj(body, "checkpoint"), members)
    window = members.tuning.window
    certs = {}
    for item in field_list(body, "prepared", window):
        cert = parse_prepared_cert(item, members)
        if cert.view >= v:
            raise MessageError(f"prepared certificate of view {cert.view} in a "
                               f"view-change for view {v}")
        if not checkpoint.seq < cert.seq <= checkpoint.seq + window:
            raise MessageError(f"prepared certificate for seq {cert.seq} outside "
                               f"({checkpoint.seq}, {checkpoint.seq + window}]")
        if cert.seq in certs:
            raise MessageError(f"two prepared certificates for seq {cert.seq}")
        certs[cert.seq] = cert
    return ViewChange(v, signed.sender, checkpoint,
                      tuple(certs[s] for s in sorted(certs)), signed)


def view_change_body(view, replica, checkpoint, certs):
    return {"type": VIEW_CHANGE, "view": view, "replica": replica,
            "checkpoint": checkpoint.to_obj(),
            "prepared": [c.to_obj() for c in sorted(certs, key=lambda c: c.seq)]}


def plan_new_view(view, view_changes):
    """The NEW-VIEW content a set of valid VIEW-CHANGEs for `view` implies."""
    checkpoint = max((vc.checkpoint for vc in view_changes),
                     key=lambda c: (c.seq, c.digest))
    best = {}
    for vc in view_changes:
        for cert in vc.certs:
            if cert.seq <= checkpoint.seq:
                continue
            current = best.get(cert.seq)
            # Highest view wins; the digest only breaks (impossible) ties
            # deterministically, so that backups recompute the same plan.
            if current is None or (cert.view, current.digest) > (current.view, cert.digest):
                best[cert.seq] = cert
    max_seq = max([checkpoint.seq] + list(best))
    batches = {}
    for seq in range(checkpoint.seq + 1, max_seq + 1):
        cert = best.get(seq)
        if cert is None:
            batches[seq] = (NULL_DIGEST, ())
        else:
            batches[seq] = (cert.digest, cert.pre_prepare.batch)
    return NewViewPlan(view, checkpoint, max_seq, batches)


def pre_prepare_body(view, seq, replica, digest, batch):
    return {"type": PRE_PREPARE, "view": view, "seq": seq, "replica": replica,
            "digest": digest, "batch": [r.to_obj() for r in batch]}


def new_view_body(view, replica, view_changes, pre_prepares):
    """view_changes and pre_prepares are Signed messages."""
    return {"type": NEW_VIEW, "view": view, "replica": replica,
            "view_changes": [vc.to_obj() for vc in view_changes],
            "pre_prepares": [pp.to_obj() for pp in pre_prepares]}


def parse_new_view(signed, members):
    """A NEW-VIEW whose view changes are valid and whose pre-prepares are
    exactly those the view changes imply; MessageError otherwise."""
    body = _verified(signed, members, NEW_VIEW)
    view = field_int(body, "view", lo=1)
    if signed.sender != members.primary(view):
        raise MessageError(f"new-view for view {view} from '{signed.sender}', "
                           f"whose primary is '{members.primary(view)}'")
    view_changes = {}
    for item in field_list(body, "view_changes", members.n):
        vc = parse_view_change(Signed.from_obj(item), members, view)
        if vc.replica in view_changes:
            raise MessageError(f"new-view repeats the view-change of '{vc.replica}'")
        view_changes[vc.replica] = vc
    if len(view_changes) < members.quorum:
        raise MessageError(f"new-view has {len(view_changes)} view-changes, "
                           f"needs {members.quorum}")
    plan = plan_new_view(view, list(view_changes.values()))
    pre_prepares = {}
    for item in field_list(body, "pre_prepares", members.tuning.window):
        pp = parse_pre_prepare(Signed.from_obj(item), members)
        if pp.view != view or pp.seq in pre_prepares:
            raise MessageError("new-view pre-prepares must be of its view, one per seq")
        expected = plan.batches.get(pp.seq)
        if expected is None:
            raise MessageError(f"new-view re-issues seq {pp.seq}, outside "
                               f"({plan.checkpoint.seq}, {plan.max_seq}]")
        if pp.digest != expected[0] or batch_digest(pp.batch) != pp.digest:
            raise MessageError(f"new-view pre-prepare for seq {pp.seq} is not the "
                               "batch the view-changes imply")
        pre_prepares[pp.seq] = pp
    if len(pre_prepares) != len(plan.batches):
        raise MessageError(f"new-view re-issues {len(pre_prepares)} sequence numbers, "
                           f"the view-changes imply {len(plan.batches)}")
    return NewView(view, plan, pre_prepares, signed)
