"""The correct replica in a simulated cluster: safe and live under crashes,
restarts with no state, lossy networks, partitions, pauses and Byzantine
peers (equivocation, garbage, forgeries, replays)."""

import random
import unittest

from pbft.messages import PRE_PREPARE, Signed, batch_digest
from pbft.viewchange import pre_prepare_body
from sim import SimCluster


class SimulationTest(unittest.TestCase):
    def assertSafe(self, c, replicas=None):
        self.assertTrue(c.consistent(replicas), {r: len(v) for r, v in c.logs.items()})

    def assertSameLogs(self, c, replicas, timeout=10):
        ok = c.run_until(lambda: len({len(c.logs[r]) for r in replicas}) == 1, timeout)
        self.assertTrue(ok, {r: len(c.logs[r]) for r in replicas})
        self.assertSafe(c, replicas)

    def test_normal_case(self):
        c = SimCluster(clients=4)
        done = c.drive(25, timeout=30)
        self.assertEqual(len(done), 100)
        self.assertSameLogs(c, c.ids)
        self.assertEqual(len(c.logs["r0"]), 100)
        self.assertEqual({r.view for r in c.replicas.values()}, {0})

    def test_crashed_primary_then_restart_with_no_state(self):
        c = SimCluster(clients=2)
        self.assertEqual(len(c.drive(10, timeout=20, prefix="before")), 20)
        c.crash("r0")
        self.assertEqual(len(c.drive(10, timeout=30, prefix="during")), 20)
        self.assertGreaterEqual(c.replicas["r1"].view, 1)
        c.restart("r0")
        self.assertSameLogs(c, c.ids)
        self.assertEqual(c.logs["r0"], c.logs["r1"])  # the whole log, re-executed
        self.assertEqual(c.replicas["r0"].view, c.replicas["r1"].view)
        self.assertEqual(len(c.drive(5, timeout=20, prefix="after")), 10)
        self.assertSameLogs(c, c.ids)

    def test_lossy_duplicating_reordering_network(self):
        for seed in range(1, 6):
            with self.subTest(seed=seed):
                c = SimCluster(clients=3, seed=seed, drop=0.15, duplicate=0.1,
                               delay=(0.001, 0.03))
                done = c.drive(10, timeout=120)
                self.assertEqual(len(done), 30)
                self.assertSafe(c)
                c.drop = c.duplicate = 0.0
                self.assertSameLogs(c, c.ids, timeout=20)

    def test_random_network_faults_with_a_crash_or_pause(self):
        """Seeded mixes of loss, duplication and delay, plus one replica
        crashed (then restarted with no state) or paused in the middle."""
        for seed in range(1, 13):
            with self.subTest(seed=seed):
                rng = random.Random(seed)
                c = SimCluster(clients=3, seed=seed, drop=rng.choice([0.0, 0.05, 0.2, 0.3]),
                               duplicate=rng.choice([0.0, 0.1, 0.3]),
                               delay=(0.001, rng.choice([0.005, 0.05, 0.2])))
                done = c.drive(5, timeout=60)
                victim = rng.choice(c.ids)
                crash = rng.random() < 0.5
                (c.crash if crash else c.pause)(victim)
                done += c.drive(5, timeout=120, prefix="during")
                (c.restart if crash else c.resume)(victim)
                done += c.drive(5, timeout=120, prefix="after")
                self.assertEqual(len(done), 45)
                self.assertSafe(c)
                c.drop = c.duplicate = 0.0
                self.assertSameLogs(c, c.ids, timeout=60)

    def test_checkpoints_and_state_transfer_across_the_window(self):
        c = SimCluster(clients=2)  # checkpoint_interval 32, window 128
        c.crash("r3")
        self.assertEqual(len(c.drive(100, timeout=120)), 200)
        self.assertGreater(c.replicas["r0"].stable.seq, 0)
        c.restart("r3")
        self.assertSameLogs(c, c.ids, timeout=20)
        self.assertEqual(c.replicas["r3"].stable.seq, c.replicas["r0"].stable.seq)

    def test_partition_heals(self):
        c = SimCluster(clients=2)
        cut = [True]
        c.filters.append(lambda src, dst, s: cut[0] and "r3" in (src, dst))
        self.assertEqual(len(c.drive(10, timeout=30)), 20)
        self.assertEqual(c.logs["r3"], [])
        cut[0] = False
        self.assertSameLogs(c, c.ids)

    def test_paused_replica_catches_up(self):
        c = SimCluster(clients=2)
        c.pause("r2")
        self.assertEqual(len(c.drive(10, timeout=30)), 20)
        c.resume("r2")
        self.assertSameLogs(c, c.ids)
        self.assertEqual(len(c.drive(5, timeout=30, prefix="more")), 10)
        self.assertSameLogs(c, c.ids)

    def test_paused_primary(self):
        c = SimCluster(clients=2)
        c.drive(3, timeout=10, prefix="before")
        c.pause("r0")
        self.assertEqual(len(c.drive(5, timeout=30)), 10)
        c.resume("r0")
        self.assertSameLogs(c, c.ids)

    def test_equivocating_primary(self):
        """r0 sends r3 a different, validly signed batch for every seq."""
        c = SimCluster(clients=2)
        forged = set()

        def equivocate(src, dst, signed):
            if (src != "r0" or dst != "r3" or signed.kind != PRE_PREPARE
                    or signed.content in forged):
                return False
            b = signed.body
            other = (c.request("c1", "equivocated"),)
            evil = c.sign_as("r0", pre_prepare_body(b["view"], b["seq"], "r0",
                                                    batch_digest(other), other))
            forged.add(evil.content)
            c.post("r0", "r3", evil)
            return True

        c.filters.append(equivocate)
        self.assertEqual(len(c.drive(10, timeout=60)), 20)
        self.assertSameLogs(c, c.ids)
        self.assertFalse(any("equivocated" in e[2] for e in c.logs["r1"]))

    def test_byzantine_replica_sends_garbage_forgeries_and_replays(self):
        c = SimCluster(clients=2)
        rng = random.Random(7)
        seen = []

        def byzantine_r3(src, dst, signed):
            if dst == "r3":
                seen.append(signed)  # r3 learns everything sent to it
            return src == "r3"      # and its own honest messages never leave

        c.filters.append(byzantine_r3)
        kinds = ["pre-prepare", "prepare", "commit", "checkpoint", "view-change",
                 "new-view", "forward", "fetch", "state"]
        done, rounds = [], 0
        while len(done) < 20 and rounds < 100:
            rounds += 1
            for dst in ("r0", "r1", "r2"):
                kind = rng.choice(kinds)
                attacks = [
                    Signed("r3", bytes(rng.getrandbits(8) for _ in range(40)), b"x",
                           {"type": kind}),
                    c.sign_as("r3", {"type": kind, "replica": "r3", "view": rng.randint(0, 2**70),
                                     "seq": rng.randint(-5, 300), "digest": "ab" * 32}),
                    Signed.create(c.keys["r3"], "r1", {"type": kind, "replica": "r1", "view": 0,
                                                       "seq": 1, "digest": "ab" * 32}),
                ]
                if seen:
                    attacks.append(rng.choice(seen))  # replay of someone else's message
                for attack in attacks:
                    c.queue_raw(dst, attack)
            done += c.drive(1, timeout=5, prefix=f"round{rounds}")
        self.assertGreaterEqual(len(done), 20)
        self.assertSameLogs(c, ["r0", "r1", "r2"])


if __name__ == "__main__":
    unittest.main()
