"""pbft.viewchange: certificate validation, new-view selection and checks."""

import unittest

from fixtures import Cluster
from pbft.messages import MessageError, Signed
from pbft.viewchange import (NULL_DIGEST, new_view_body, parse_new_view,
                             parse_prepared_cert, parse_view_change, plan_new_view)


class ViewChangeValidationTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster()
        self.m = self.c.members
        self.a = (self.c.request(ts=1, op="A"),)
        self.b = (self.c.request(ts=2, op="B"),)

    def test_valid_view_change(self):
        cert = self.c.cert(0, 1, self.a)
        vc = parse_view_change(self.c.view_change("r2", 1, [cert]), self.m)
        self.assertEqual((vc.view, vc.replica), (1, "r2"))
        self.assertEqual([c.seq for c in vc.certs], [1])

    def test_certificate_needs_2f_prepares_from_distinct_backups(self):
        cert = self.c.cert(0, 1, self.a)
        obj = cert.to_obj()
        self.assertEqual(parse_prepared_cert(obj, self.m).digest, cert.digest)
        cases = {
            "too few": dict(obj, prepares=obj["prepares"][:1]),
            "repeated sender": dict(obj, prepares=[obj["prepares"][0]] * 2),
            "from the primary": dict(obj, prepares=[
                self.c.vote("prepare", "r0", 0, 1, cert.digest).to_obj(),
                obj["prepares"][0]]),
            "other digest": dict(obj, prepares=[
                obj["prepares"][0],
                self.c.vote("prepare", "r3", 0, 1, "b" * 64).to_obj()]),
            "forged": dict(obj, prepares=[
                obj["prepares"][0],
                Signed.create(self.c.keys["r3"], "r2", {
                    "type": "prepare", "view": 0, "seq": 1, "replica": "r2",
                    "digest": cert.digest}).to_obj()]),
            "pre-prepare by a backup": dict(obj, pre_prepare=self.c.sign(
                "r1", dict(cert.pre_prepare.signed.body, replica="r1")).to_obj()),
        }
        for name, bad in cases.items():
            with self.subTest(name), self.assertRaises(MessageError):
                parse_prepared_cert(bad, self.m)

    def test_certificate_digest_must_match_batch(self):
        pp = self.c.pre_prepare(0, 1, self.a, digest="c" * 64)
        obj = {"pre_prepare": pp.signed.to_obj(),
               "prepares": [self.c.vote("prepare", r, 0, 1, "c" * 64).to_obj()
                            for r in ("r1", "r2")]}
        with self.assertRaises(MessageError):
            parse_prepared_cert(obj, self.m)

    def test_view_change_rejects(self):
        cert = self.c.cert(1, 1, self.a)
        with self.assertRaises(MessageError):  # cert not from an earlier view
            parse_view_change(self.c.view_change("r2", 1, [cert]), self.m)
        with self.assertRaises(MessageError):  # beyond the window
            parse_view_change(self.c.view_change("r2", 1, [self.c.cert(0, 17, self.a)]),
                              self.m)
        proof = self.c.checkpoint_proof(4, "d" * 64, ["r0", "r1"])
        with self.assertRaises(MessageError):  # 2 checkpoints, not 2f+1
            parse_view_change(self.c.view_change("r2", 1, checkpoint=proof), self.m)
        with self.assertRaises(MessageError):  # wrong view expected
            parse_view_change(self.c.view_change("r2", 1), self.m, view=2)


class NewViewSelectionTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster()
        self.m = self.c.members
        self.reqs = [self.c.request(ts=i, op=f"op{i}") for i in range(1, 5)]

    def vc(self, sender, view, certs=(), checkpoint=None):
        return parse_view_change(self.c.view_change(sender, view, certs, checkpoint), self.m)

    def test_highest_view_certificate_wins_and_gaps_get_null(self):
        old = self.c.cert(0, 2, (self.reqs[0],))
        new = self.c.cert(1, 2, (self.reqs[1],))
        third = self.c.cert(0, 4, (self.reqs[2],))
        plan = plan_new_view(2, [self.vc("r1", 2, [old]), self.vc("r2", 2, [new, third]),
                                 self.vc("r3", 2)])
        self.assertEqual(plan.checkpoint.seq, 0)
        self.assertEqual(plan.max_seq, 4)
        self.assertEqual(sorted(plan.batches), [1, 2, 3, 4])
        self.assertEqual(plan.batches[2][0], new.digest)
        self.assertEqual(plan.batches[1], (NULL_DIGEST, ()))
        self.assertEqual(plan.batches[3], (NULL_DIGEST, ()))
        self.assertEqual(plan.batches[4][0], third.digest)

    def test_stable_checkpoint_sets_min_s(self):
        proof = self.c.checkpoint_proof(4, "e" * 64)
        plan = plan_new_view(1, [self.vc("r1", 1, [self.c.cert(0, 3, (self.reqs[0],))]),
                                 self.vc("r2", 1, checkpoint=proof), self.vc("r3", 1)])
        self.assertEqual(plan.checkpoint.seq, 4)
        self.assertEqual(plan.max_seq, 4)
        self.assertEqual(plan.batches, {})

    def test_nothing_prepared(self):
        plan = plan_new_view(1, [self.vc(r, 1) for r in ("r0", "r2", "r3")])
        self.assertEqual((plan.checkpoint.seq, plan.max_seq, plan.batches), (0, 0, {}))

    def new_view(self, view, vcs, pre_prepares, sender=None):
        sender = sender or self.m.primary(view)
        body = new_view_body(view, sender, vcs, [pp.signed for pp in pre_prepares])
        return self.c.sign(sender, body)

    def test_valid_new_view(self):
        cert = self.c.cert(0, 1, (self.reqs[0],))
        vcs = [self.c.view_change(r, 1, [cert] if r == "r2" else []) for r in ("r1", "r2", "r3")]
        pps = [self.c.pre_prepare(1, 1, (self.reqs[0],))]
        nv = parse_new_view(self.new_view(1, vcs, pps), self.m)
        self.assertEqual(nv.view, 1)
        self.assertEqual(sorted(nv.pre_prepares), [1])

    def test_new_view_rejects(self):
        cert = self.c.cert(0, 1, (self.reqs[0],))
        vcs = [self.c.view_change(r, 1, [cert] if r == "r2" else []) for r in ("r1", "r2", "r3")]
        good = [self.c.pre_prepare(1, 1, (self.reqs[0],))]
        cases = {
            # the primary drops the prepared request for another one
            "substituted batch": (vcs, [self.c.pre_prepare(1, 1, (self.reqs[1],))], None),
            "null instead of prepared": (vcs, [self.c.pre_prepare(1, 1, ())], None),
            "missing seq": (vcs, [], None),
            "extra seq": (vcs, good + [self.c.pre_prepare(1, 2, ())], None),
            "too few view changes": (vcs[:2], good, None),
            "repeated view change": ([vcs[0], vcs[0], vcs[1]], good, None),
            "not the primary": (vcs, good, "r2"),
            "view change of another view": (
                vcs[:2] + [self.c.view_change("r3", 2)], good, None),
        }
        for name, (v, pps, sender) in cases.items():
            with self.subTest(name), self.assertRaises(MessageError):
                parse_new_view(self.new_view(1, v, pps, sender), self.m)


if __name__ == "__main__":
    unittest.main()
