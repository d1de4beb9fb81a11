"""The planted bugs: each one's effect on the pure state machine, and a
simulated scenario in which it shows as wrong behaviour (the correct
replica passes the same scenario)."""

import unittest

from fixtures import Cluster, Driver
from pbft import bugs
from pbft.messages import COMMIT, PREPARE, VIEW_CHANGE, batch_digest
from pbft.viewchange import pre_prepare_body
from sim import SimCluster


class WeakCommitQuorumTest(unittest.TestCase):
    def run_replica(self, bug):
        c = Cluster()
        d = Driver(c, "r1", [bugs.WEAK_COMMIT_QUORUM] if bug else [])
        pp = c.pre_prepare(0, 1, (c.request("c0", 1, "x"),))
        d.feed(pp.signed)
        d.feed(c.vote(PREPARE, "r2", 0, 1, pp.digest))
        d.feed(c.vote(COMMIT, "r0", 0, 1, pp.digest))  # own + r0 = f+1
        return d.executed

    def test_commits_with_f_plus_1(self):
        self.assertEqual(self.run_replica(bug=False), [])
        self.assertEqual(self.run_replica(bug=True), [("c0", 1, "x")])

    def scenario(self, bug):
        """Byzantine primary r0 (driven by the test) gets batch [X] committed
        at r2 alone while r2's messages are lost; the next view reuses seq 1."""
        names = {r: ([bugs.WEAK_COMMIT_QUORUM] if bug else []) for r in ("r1", "r2", "r3")}
        c = SimCluster(bugs=names, clients=2)
        c.silent.add("r0")
        mute = [True]
        c.filters.append(lambda src, dst, s: mute[0] and src == "r2" and dst != "r0")
        c.run(0.3)
        y = c.request("c1", "Y")
        c.submit(y, to="r1")
        c.submit(y, to="r3")
        x = c.request("c0", "X")
        digest = batch_digest((x,))
        pp = c.sign_as("r0", pre_prepare_body(0, 1, "r0", digest, (x,)))
        for dst in ("r1", "r2"):
            c.post("r0", dst, pp)
        c.run(0.05)
        commit = c.sign_as("r0", {"type": COMMIT, "view": 0, "seq": 1, "replica": "r0",
                                  "digest": digest})
        for dst in ("r1", "r2", "r3"):
            c.post("r0", dst, commit)
        c.run(0.05)
        vc = c.sign_as("r0", {"type": VIEW_CHANGE, "view": 1, "replica": "r0",
                              "checkpoint": {"seq": 0, "digest": c.replicas["r1"].stable.digest,
                                             "proof": []},
                              "prepared": []})
        for dst in ("r1", "r2", "r3"):
            c.post("r0", dst, vc)
        self.assertTrue(c.run_until(lambda: c.replicas["r1"].view == 1
                                    and c.replicas["r1"].active, 5))
        mute[0] = False
        self.assertTrue(c.run_until(lambda: c.all_executed([y], ["r1", "r3"]), 5))
        c.run(2.0)
        return c

    def test_scenario_diverges_only_with_the_bug(self):
        correct = self.scenario(bug=False)
        self.assertTrue(correct.consistent(["r1", "r2", "r3"]), correct.logs)
        self.assertEqual(len(correct.logs["r2"]), 2)
        buggy = self.scenario(bug=True)
        self.assertFalse(buggy.consistent(["r1", "r2", "r3"]), buggy.logs)
        self.assertEqual(buggy.logs["r2"][0][2], "X")
        self.assertEqual(buggy.logs["r1"][0][2], "Y")


class NoDigestCheckTest(unittest.TestCase):
    def test_accepts_a_batch_that_does_not_match_the_digest(self):
        for bug in (False, True):
            with self.subTest(bug=bug):
                c = Cluster()
                d = Driver(c, "r3", [bugs.NO_DIGEST_CHECK] if bug else [])
                x, y = c.request("c0", 1, "X"), c.request("c1", 1, "Y")
                digest = batch_digest((x, y))
                d.feed(c.pre_prepare(0, 1, (x,), digest=digest).signed)
                self.assertEqual(len(d.sent_kinds(PREPARE)), 1 if bug else 0)
                for r in ("r1", "r2"):
                    d.feed(c.vote(PREPARE, r, 0, 1, digest))
                for r in ("r0", "r1", "r2"):
                    d.feed(c.vote(COMMIT, r, 0, 1, digest))
                self.assertEqual(d.executed, [("c0", 1, "X")] if bug else [])

    def scenario(self, bug):
        names = {r: ([bugs.NO_DIGEST_CHECK] if bug else []) for r in ("r1", "r2", "r3")}
        c = SimCluster(bugs=names, clients=2)
        c.silent.add("r0")
        c.run(0.3)
        x, y = c.request("c0", "X"), c.request("c1", "Y")
        digest = batch_digest((x, y))
        full = c.sign_as("r0", pre_prepare_body(0, 1, "r0", digest, (x, y)))
        cut = c.sign_as("r0", pre_prepare_body(0, 1, "r0", digest, (x,)))
        c.post("r0", "r1", full)
        c.post("r0", "r2", full)
        c.post("r0", "r3", cut)
        commit = c.sign_as("r0", {"type": COMMIT, "view": 0, "seq": 1, "replica": "r0",
                                  "digest": digest})
        for dst in ("r1", "r2", "r3"):
            c.post("r0", dst, commit)
        c.run(2.0)
        return c

    def test_scenario_executes_different_requests_only_with_the_bug(self):
        correct = self.scenario(bug=False)
        for r in ("r1", "r2", "r3"):
            self.assertEqual([e[2] for e in correct.logs[r]], ["X", "Y"], r)
        buggy = self.scenario(bug=True)
        self.assertEqual([e[2] for e in buggy.logs["r1"]], ["X", "Y"])
        self.assertEqual([e[2] for e in buggy.logs["r3"]], ["X"])


class NoViewChangeTest(unittest.TestCase):
    def test_never_starts_a_view_change(self):
        c = Cluster()
        d = Driver(c, "r2", [bugs.NO_VIEW_CHANGE])
        d.request(c.request("c0", 1, "x"))
        d.advance(3.0)
        d.feed(c.view_change("r1", 1))
        d.feed(c.view_change("r3", 1))
        self.assertEqual(d.sent_kinds(VIEW_CHANGE), [])
        self.assertEqual(d.replica.view, 0)

    def scenario(self, bug):
        names = {r: ([bugs.NO_VIEW_CHANGE] if bug else []) for r in ("r0", "r1", "r2", "r3")}
        c = SimCluster(bugs=names)
        c.run(0.3)
        c.crash("r0")
        req = c.request("c0", "after the crash")
        c.submit(req)
        c.run(5.0)
        return c, req

    def test_dead_primary_stalls_only_with_the_bug(self):
        c, req = self.scenario(bug=False)
        self.assertTrue(c.all_executed([req]))
        c, req = self.scenario(bug=True)
        self.assertEqual([c.logs[r] for r in c.live()], [[], [], []])


class ParseTest(unittest.TestCase):
    def test_names(self):
        self.assertEqual(bugs.parse(["no-view-change"]), {"no-view-change"})
        with self.assertRaises(ValueError) as cm:
            bugs.parse(["no-such-bug"])
        self.assertIn("weak-commit-quorum", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
