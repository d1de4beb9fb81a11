"""pbft.protocol.Replica driven message by message, without a network."""

import unittest

from fixtures import Cluster, Driver
from pbft.messages import (CHECKPOINT, COMMIT, FETCH, FORWARD, PREPARE, STATE,
                           VIEW_CHANGE, batch_digest, canonical)


class NormalCaseTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster()
        self.d = Driver(self.c, "r1")
        self.batch = (self.c.request("c0", 1, "set x 1"), self.c.request("c1", 1, "set y 2"))
        self.pp = self.c.pre_prepare(0, 1, self.batch)

    def test_prepared_needs_2f_prepares_and_committed_2f_plus_1_commits(self):
        d, digest = self.d, self.pp.digest
        d.feed(self.pp.signed)
        prepares = d.sent_kinds(PREPARE)
        self.assertEqual(len(prepares), 1)
        self.assertEqual(prepares[0].body["digest"], digest)
        self.assertEqual(d.sent_kinds(COMMIT), [])
        # The primary's prepare does not count, a repeated one neither.
        d.feed(self.c.vote(PREPARE, "r0", 0, 1, digest))
        d.feed(self.c.vote(PREPARE, "r3", 0, 1, "f" * 64))
        self.assertEqual(d.sent_kinds(COMMIT), [])
        d.feed(self.c.vote(PREPARE, "r2", 0, 1, digest))
        self.assertEqual(len(d.sent_kinds(COMMIT)), 1)
        d.feed(self.c.vote(COMMIT, "r2", 0, 1, digest))
        d.feed(self.c.vote(COMMIT, "r2", 0, 1, digest))
        d.feed(self.c.vote(COMMIT, "r3", 0, 1, "f" * 64))
        self.assertEqual(d.executed, [])
        d.feed(self.c.vote(COMMIT, "r0", 0, 1, digest))
        self.assertEqual(d.executed, [("c0", 1, "set x 1"), ("c1", 1, "set y 2")])
        reply = d.replica.reply_for("c0", 1)
        self.assertEqual(reply.body["result"], "OK")
        self.assertTrue(self.c.keys["r1"].public.verify(reply.content, reply.signature))

    def commit(self, pp, voters=("r0", "r2")):
        self.d.feed(pp.signed)
        self.d.feed(self.c.vote(PREPARE, "r2", pp.view, pp.seq, pp.digest))
        for r in voters:
            self.d.feed(self.c.vote(COMMIT, r, pp.view, pp.seq, pp.digest))

    def test_executes_in_sequence_order(self):
        second = self.c.pre_prepare(0, 2, (self.c.request("c0", 2, "set x 2"),))
        self.commit(second)
        self.assertEqual(self.d.executed, [])
        self.commit(self.pp)
        self.assertEqual([e[2] for e in self.d.executed], ["set x 1", "set y 2", "set x 2"])

    def test_request_executes_once_and_reply_is_cached(self):
        dup = self.c.pre_prepare(0, 2, (self.batch[0], self.batch[0]))
        self.commit(self.pp)
        self.commit(dup)
        self.assertEqual(len(self.d.executed), 2)
        status, reply = self.d.request(self.batch[0])
        self.assertEqual(status, "executed")
        self.assertIs(reply, self.d.replica.reply_for("c0", 1))
        old = self.c.request("c0", 0, "set x 0")
        self.assertEqual(self.d.request(old)[0], "stale")

    def test_conflicting_pre_prepare_is_ignored(self):
        other = self.c.pre_prepare(0, 1, (self.c.request("c0", 7, "evil"),))
        self.d.feed(self.pp.signed)
        self.d.feed(other.signed)
        self.assertEqual(len(self.d.sent_kinds(PREPARE)), 1)
        self.assertEqual(self.d.replica.drops["conflicting-pre-prepare"], 1)

    def test_pre_prepare_checks(self):
        cases = {
            "digest-mismatch": self.c.pre_prepare(0, 1, self.batch, digest="a" * 64).signed,
            "bad-request": self.c.pre_prepare(0, 1, (
                self.batch[0].__class__("c0", 9, "forged", self.batch[1].signature),)).signed,
            "above-window": self.c.pre_prepare(0, 17, self.batch).signed,
        }
        for reason, signed in cases.items():
            with self.subTest(reason):
                d = Driver(self.c, "r1")
                d.feed(signed)
                self.assertEqual(d.sent, [])
                self.assertEqual(d.replica.drops[reason], 1)
        d = Driver(self.c, "r1")
        d.feed(self.c.sign("r2", dict(self.pp.signed.body, replica="r2")))
        self.assertEqual(d.sent, [])
        self.assertEqual(d.replica.drops["invalid"], 1)  # not the primary

    def test_garbage_is_dropped_never_raised(self):
        d = Driver(self.c, "r1")
        good = self.c.vote(PREPARE, "r2", 0, 1, "a" * 64)
        forged = self.c.sign("r3", dict(good.body))  # r3's key, claims r2
        cases = [
            ("malformed", PREPARE, "r2", b"\xff\x00", good.signature),
            ("malformed", PREPARE, "r2", b"[1,2]", good.signature),
            ("malformed", PREPARE, "", good.content, good.signature),
            ("type-mismatch", COMMIT, "r2", good.content, good.signature),
            ("unknown-sender", PREPARE, "mallory", good.content, good.signature),
            ("own-id", PREPARE, "r1", good.content, good.signature),
            ("replica-field", PREPARE, "r3", good.content, good.signature),
            ("bad-signature", PREPARE, "r2", good.content, b"\x30\x00"),
            ("bad-signature", PREPARE, "r2", forged.content, forged.signature),
        ]
        for reason, kind, sender, content, sig in cases:
            with self.subTest(reason):
                before = d.replica.drops[reason]
                d.replica.receive(kind, sender, content, sig, 0.0)
                self.assertEqual(d.replica.drops[reason], before + 1)
        for body in ({"type": "prepare", "replica": "r2", "view": 10**30, "seq": 1,
                      "digest": "a" * 64},
                     {"type": "prepare", "replica": "r2", "view": "0", "seq": 1},
                     {"type": "prepare", "replica": "r2", "view": 0, "seq": True,
                      "digest": "a" * 64},
                     {"type": "prepare", "replica": "r2", "view": 0, "seq": 1, "digest": None},
                     {"type": "prepare", "replica": "r2"}):
            with self.subTest(body=body):
                d.feed(self.c.sign("r2", body))
        for kind in ("view-change", "new-view", "fetch", "state", "checkpoint",
                     "forward", "pre-prepare", "commit"):
            with self.subTest(kind=kind):
                d.feed(self.c.sign("r0", {"type": kind, "replica": "r0", "view": 2**62}))
        self.assertEqual(d.sent_kinds(PREPARE) + d.sent_kinds(COMMIT), [])
        self.assertEqual(d.executed, [])
        self.assertEqual(d.replica.view, 0)

    def test_backup_forwards_client_requests_to_the_primary(self):
        status, ts = self.d.request(self.batch[0])
        self.assertEqual((status, ts), ("pending", 1))
        forwards = [(to, s) for to, s in self.d.sent if s.kind == FORWARD]
        self.assertEqual(len(forwards), 1)
        self.assertEqual(forwards[0][0], "r0")
        self.assertEqual(forwards[0][1].body["request"]["operation"], "set x 1")

    def test_invalid_client_requests(self):
        forged = self.batch[0].__class__("c0", 5, "set x 1", self.batch[1].signature)
        self.assertEqual(self.d.request(forged)[0], "invalid")
        unknown = self.c.request("c0", 5, "x").__class__("c9", 5, "x", b"sig")
        self.assertEqual(self.d.request(unknown)[0], "invalid")
        status, _ = self.d.replica.client_request("c0", canonical({"client": "c0"}), b"", 0.0)
        self.assertEqual(status, "invalid")


class PrimaryTest(unittest.TestCase):
    def test_primary_batches_requests_after_the_batch_delay(self):
        c = Cluster()
        d = Driver(c, "r0")
        requests = tuple(c.request("c0", i + 1, f"op{i}") for i in range(3))
        for r in requests:
            d.request(r)
        self.assertEqual(d.sent_kinds("pre-prepare"), [])
        d.advance(0.05)
        pps = d.sent_kinds("pre-prepare")
        self.assertEqual(len(pps), 1)
        self.assertEqual([r["operation"] for r in pps[0].body["batch"]], ["op0", "op1", "op2"])
        self.assertEqual(pps[0].body["seq"], 1)
        self.assertEqual(pps[0].body["digest"], batch_digest(requests))


class CheckpointTest(unittest.TestCase):
    def test_checkpoint_becomes_stable_with_2f_plus_1_and_collects_garbage(self):
        c = Cluster()  # checkpoint_interval 4, window 16
        d = Driver(c, "r1")
        for seq in range(1, 5):
            pp = c.pre_prepare(0, seq, (c.request("c0", seq, f"op{seq}"),))
            d.feed(pp.signed)
            d.feed(c.vote(PREPARE, "r2", 0, seq, pp.digest))
            for r in ("r0", "r2"):
                d.feed(c.vote(COMMIT, r, 0, seq, pp.digest))
        self.assertEqual(d.replica.last_exec, 4)
        mine = d.sent_kinds(CHECKPOINT)
        self.assertEqual(len(mine), 1)
        digest = mine[0].body["digest"]
        self.assertEqual(digest, d.replica.chain[4])
        d.feed(c.checkpoint("r2", 4, digest))
        self.assertEqual(d.replica.stable.seq, 0)
        d.feed(c.checkpoint("r3", 4, "0" * 64))  # disagrees: does not count
        self.assertEqual(d.replica.stable.seq, 0)
        d.feed(c.checkpoint("r0", 4, digest))
        self.assertEqual(d.replica.stable.seq, 4)
        self.assertEqual(d.replica.slots, {})
        self.assertEqual(d.replica.certs, {})
        # The window moved: seq 20 is now acceptable, 3 is not.
        pp = c.pre_prepare(0, 20, (c.request("c0", 20, "x"),))
        d.feed(pp.signed)
        self.assertEqual(d.sent_kinds(PREPARE)[-1].body["seq"], 20)
        d.feed(c.pre_prepare(0, 3, ()).signed)
        self.assertEqual(d.replica.drops["below-window"], 1)


class StateTransferTest(unittest.TestCase):
    def state(self, sender, batches, last_exec=None, view=0):
        return self.c.sign(sender, {
            "type": STATE, "replica": sender, "view": view, "active": True,
            "last_exec": last_exec if last_exec is not None else len(batches),
            "max_seq": len(batches), "checkpoint": None, "new_view": None,
            "batches": [{"seq": i + 1, "digest": batch_digest(b),
                         "batch": [r.to_obj() for r in b]} for i, b in enumerate(batches)]})

    def test_adopts_a_batch_on_f_plus_1_matching_answers(self):
        self.c = c = Cluster()
        d = Driver(c, "r3")
        good = [(c.request("c0", 1, "A"),), (c.request("c0", 2, "B"),)]
        evil = [(c.request("c1", 1, "EVIL"),)]
        d.feed(self.state("r0", evil))
        d.feed(self.state("r1", good))
        self.assertEqual(d.executed, [])
        d.feed(self.state("r2", good))
        self.assertEqual([e[2] for e in d.executed], ["A", "B"])
        self.assertEqual(d.replica.last_exec, 2)

    def test_commit_certificate_lets_one_answer_suffice(self):
        self.c = c = Cluster()
        d = Driver(c, "r3")
        batch = (c.request("c0", 1, "A"),)
        digest = batch_digest(batch)
        d.advance(0.2)
        d.clear()
        for r in ("r0", "r1"):
            d.feed(c.vote(COMMIT, r, 0, 1, digest))
        self.assertEqual(d.sent_kinds(FETCH), [])
        d.feed(c.vote(COMMIT, "r2", 0, 1, digest))  # 2f+1: committed, pre-prepare lost
        self.assertEqual(len(d.sent_kinds(FETCH)), 1)
        d.feed(self.state("r0", [(c.request("c1", 1, "EVIL"),)]))
        self.assertEqual(d.executed, [])
        d.feed(self.state("r1", [batch]))
        self.assertEqual(d.executed, [("c0", 1, "A")])

    def test_ignores_state_nobody_asked_for(self):
        self.c = c = Cluster()
        d = Driver(c, "r3")
        d.now += 10  # its last FETCH is long ago
        good = [(c.request("c0", 1, "A"),)]
        d.feed(self.state("r1", good))
        d.feed(self.state("r2", good))
        self.assertEqual(d.executed, [])
        self.assertEqual(d.replica.drops["unsolicited"], 2)

    def test_answers_fetch_with_executed_batches(self):
        self.c = c = Cluster()
        d = Driver(c, "r3")
        good = [(c.request("c0", 1, "A"),), (c.request("c0", 2, "B"),)]
        d.feed(self.state("r1", good))
        d.feed(self.state("r2", good))
        d.clear()
        d.feed(c.sign("r0", {"type": FETCH, "replica": "r0", "from": 2, "view": 0,
                             "active": True, "low": 0}))
        (to, answer), = d.sent
        self.assertEqual(to, "r0")
        self.assertEqual(answer.kind, STATE)
        self.assertEqual([b["seq"] for b in answer.body["batches"]], [2])
        self.assertEqual(answer.body["last_exec"], 2)

    def test_fetches_when_f_plus_1_peers_are_ahead(self):
        self.c = c = Cluster()
        d = Driver(c, "r3")
        d.advance(0.5)
        d.clear()
        for r in ("r0", "r1"):
            d.feed(c.vote(COMMIT, r, 0, 5, "a" * 64))
        d.advance(0.3)
        fetches = d.sent_kinds(FETCH)
        self.assertGreaterEqual(len(fetches), 1)
        self.assertEqual(fetches[0].body["from"], 1)


class ViewChangeTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster()  # view_change_timeout 0.5 s

    def test_request_timer_starts_a_view_change(self):
        d = Driver(self.c, "r2")
        d.request(self.c.request("c0", 1, "x"))
        d.advance(0.3)
        self.assertEqual(d.sent_kinds(VIEW_CHANGE), [])
        d.advance(0.4)
        (vc,) = d.sent_kinds(VIEW_CHANGE)
        self.assertEqual(vc.body["view"], 1)
        self.assertFalse(d.replica.active)

    def test_progress_resets_the_timer(self):
        d = Driver(self.c, "r2")
        d.request(self.c.request("c0", 1, "x"))
        d.request(self.c.request("c1", 1, "y"))
        d.advance(0.4)
        pp = self.c.pre_prepare(0, 1, (self.c.request("c0", 1, "x"),))
        d.feed(pp.signed)
        d.feed(self.c.vote(PREPARE, "r1", 0, 1, pp.digest))
        for r in ("r0", "r1"):
            d.feed(self.c.vote(COMMIT, r, 0, 1, pp.digest))
        self.assertEqual(len(d.executed), 1)
        d.advance(0.4)
        self.assertEqual(d.sent_kinds(VIEW_CHANGE), [])
        d.advance(0.2)
        self.assertEqual(len(d.sent_kinds(VIEW_CHANGE)), 1)

    def test_a_stopped_process_does_not_blame_the_primary(self):
        d = Driver(self.c, "r2")
        d.request(self.c.request("c0", 1, "x"))
        d.advance(0.1)
        d.now += 5.0  # SIGSTOP / SIGCONT
        d.advance(0.1)
        self.assertEqual(d.sent_kinds(VIEW_CHANGE), [])
        self.assertGreaterEqual(len(d.sent_kinds(FETCH)), 1)

    def test_moves_on_when_the_new_primary_is_silent(self):
        d = Driver(self.c, "r1")
        d.replica._start_view_change(4, d.now)  # r0, primary of view 4, is dead
        d.feed(self.c.view_change("r3", 4))
        # r2 already gave up on view 4; its view change for 4 never arrived.
        d.feed(self.c.view_change("r2", 5))
        d.clear()
        d.advance(5.0)
        views = [vc.body["view"] for vc in d.sent_kinds(VIEW_CHANGE)]
        self.assertIn(5, views)
        self.assertEqual(d.replica.view, 5)

    def test_f_plus_1_rule_joins_a_higher_view(self):
        d = Driver(self.c, "r3")
        d.feed(self.c.view_change("r1", 1))
        self.assertEqual(d.sent_kinds(VIEW_CHANGE), [])
        d.feed(self.c.view_change("r2", 2))
        (vc,) = d.sent_kinds(VIEW_CHANGE)
        self.assertEqual(vc.body["view"], 1)  # the smallest of the higher views

    def test_new_primary_sends_new_view_with_prepared_batches(self):
        d = Driver(self.c, "r1")  # primary of view 1
        pp = self.c.pre_prepare(0, 1, (self.c.request("c0", 1, "keep me"),))
        d.feed(pp.signed)
        d.feed(self.c.vote(PREPARE, "r2", 0, 1, pp.digest))
        self.assertIn(1, d.replica.certs)
        d.feed(self.c.view_change("r2", 1))
        d.feed(self.c.view_change("r3", 1))
        nvs = d.sent_kinds("new-view")
        self.assertEqual(len(nvs), 1)
        (reissued,) = nvs[0].body["pre_prepares"]
        self.assertIn('"digest":"%s"' % pp.digest, reissued["content"])
        self.assertTrue(d.replica.active)
        self.assertEqual(d.replica.view, 1)

    def test_backup_enters_view_on_valid_new_view_only(self):
        primary = Driver(self.c, "r1")
        for r in ("r2", "r3"):
            primary.feed(self.c.view_change(r, 1))
        primary.replica._start_view_change(1, 0.0)
        primary._collect()
        (nv,) = primary.sent_kinds("new-view")
        d = Driver(self.c, "r2")
        tampered = self.c.sign("r1", dict(nv.body, view_changes=nv.body["view_changes"][:2]))
        d.feed(tampered)
        self.assertEqual(d.replica.view, 0)
        d.advance(0.05)
        d.feed(nv)
        self.assertEqual((d.replica.view, d.replica.active), (1, True))


if __name__ == "__main__":
    unittest.main()
