"""Each planted bug shown on real processes, next to the correct replicas in
the same scenario. A test-driven ByzantineReplica plays the faulty primary
r0 (it has r0's key but no process); LinkProxy stands in for a network that
loses one replica's messages."""

import time
import unittest

from cluster import ByzantineReplica, LinkProxy, LocalCluster, dump, make_request
from pbft import bugs
from pbft.messages import COMMIT, GENESIS, VIEW_CHANGE, batch_digest
from pbft.viewchange import pre_prepare_body

HONEST = ["r1", "r2", "r3"]


class BugScenarioTest(unittest.TestCase):
    def byzantine_cluster(self, bug_names, dial=None, clients=2):
        c = LocalCluster(clients=clients, bugs=bug_names, dial=dial)
        self.addCleanup(c.close)
        c.start_all(HONEST)
        c.wait_settled()
        r0 = ByzantineReplica(c, "r0")
        self.addCleanup(r0.close)
        keys = {cid: c.client_key(cid) for cid in c.client_configs}
        return c, r0, keys

    # ---- weak-commit-quorum -------------------------------------------------

    def weak_commit_scenario(self, bug_names):
        """r0 gets [X] committed at r2 alone while r2's messages to r1 and r3
        are lost; r1 and r3 move to view 1 with r0's (empty) view change and
        order [Y, X] at sequence number 1. Only f+1 commits reach r2."""
        proxies = {}

        def dial(me, peer, addresses):
            if me == "r2" and peer in ("r1", "r3"):
                proxies[peer] = LinkProxy(addresses[peer])
                self.addCleanup(proxies[peer].close)
                return proxies[peer].address
            return None

        c = LocalCluster(clients=2, bugs=bug_names, dial=dial)
        self.addCleanup(c.close)
        c.start_all(HONEST)
        c.wait_settled()
        r0 = ByzantineReplica(c, "r0")
        self.addCleanup(r0.close)
        y = make_request(c.client_key("c1"), "c1", 1, "set Y 1")
        r0.submit(y, ["r1", "r3"])
        x = make_request(c.client_key("c0"), "c0", 1, "set X 1")
        digest = batch_digest((x,))
        r0.send(pre_prepare_body(0, 1, "r0", digest, (x,)), ["r1", "r2"])
        time.sleep(0.3)
        r0.send({"type": COMMIT, "view": 0, "seq": 1, "replica": "r0", "digest": digest},
                HONEST)
        if bugs.WEAK_COMMIT_QUORUM in bug_names:
            self.assertTrue(c.wait_executed(["r2"], ["set X 1"], 10), dump(c))
        else:
            time.sleep(0.5)
            self.assertEqual(c.operations("r2"), [])
        r0.send({"type": VIEW_CHANGE, "view": 1, "replica": "r0",
                 "checkpoint": {"seq": 0, "digest": GENESIS, "proof": []}, "prepared": []},
                HONEST)
        self.assertTrue(c.replicas["r1"].wait_for(
            lambda out, err: any("entered view 1" in line for line in err), 20), dump(c))
        for proxy in proxies.values():
            proxy.blocked = False
        self.assertTrue(c.wait_executed(["r1", "r3"], ["set Y 1", "set X 1"], 20), dump(c))
        time.sleep(1.0)
        return c

    def test_weak_commit_quorum_lets_replicas_diverge(self):
        c = self.weak_commit_scenario([bugs.WEAK_COMMIT_QUORUM])
        self.assertEqual(c.operations("r1")[:2], ["set Y 1", "set X 1"])
        self.assertEqual(c.operations("r2")[:1], ["set X 1"])  # seq 1 differs
        self.assertNotIn("set Y 1", c.operations("r2"))

    def test_correct_replicas_agree_in_the_weak_commit_scenario(self):
        c = self.weak_commit_scenario([])
        self.assertTrue(c.wait_executed(["r2"], ["set Y 1", "set X 1"], 10), dump(c))
        for rid in HONEST:
            self.assertEqual(c.operations(rid), ["set Y 1", "set X 1"], dump(c))

    # ---- no-digest-check ----------------------------------------------------

    def digest_scenario(self, bug_names):
        """r0 sends r3 its batch with a request removed, digest untouched."""
        c, r0, keys = self.byzantine_cluster(bug_names)
        x = make_request(keys["c0"], "c0", 1, "set X 1")
        y = make_request(keys["c1"], "c1", 1, "set Y 1")
        digest = batch_digest((x, y))
        r0.send(pre_prepare_body(0, 1, "r0", digest, (x, y)), ["r1", "r2"])
        r0.send(pre_prepare_body(0, 1, "r0", digest, (x,)), ["r3"])
        r0.send({"type": COMMIT, "view": 0, "seq": 1, "replica": "r0", "digest": digest},
                HONEST)
        self.assertTrue(c.wait_executed(["r1", "r2"], ["set X 1", "set Y 1"], 15), dump(c))
        time.sleep(2.0)
        return c

    def test_no_digest_check_executes_the_altered_batch(self):
        c = self.digest_scenario([bugs.NO_DIGEST_CHECK])
        self.assertEqual(c.operations("r1"), ["set X 1", "set Y 1"])
        self.assertEqual(c.operations("r3"), ["set X 1"], dump(c))

    def test_correct_replicas_fetch_the_real_batch(self):
        c = self.digest_scenario([])
        self.assertTrue(c.wait_executed(["r3"], ["set X 1", "set Y 1"], 10), dump(c))
        for rid in HONEST:
            self.assertEqual(c.operations(rid), ["set X 1", "set Y 1"])

    # ---- no-view-change -----------------------------------------------------

    def test_no_view_change_stalls_after_the_primary_dies(self):
        c = LocalCluster(bugs=[bugs.NO_VIEW_CHANGE])
        self.addCleanup(c.close)
        c.start_all()
        client = c.client(extra_args=["--timeout", "6"])
        self.assertEqual(client.submit("set before 1"), "ok set before 1")
        c.replicas["r0"].kill()
        self.assertEqual(client.submit("set after 1", timeout=30), "fail set after 1")
        for rid in HONEST:
            self.assertEqual(c.operations(rid), ["set before 1"], dump(c))
            self.assertFalse(any("view change" in line for line in c.replicas[rid].stderr))


if __name__ == "__main__":
    unittest.main()
