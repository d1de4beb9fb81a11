"""A real 4-replica cluster on 127.0.0.1: normal case, a killed primary, a
replica restarted with no state, robustness against garbage, the client's
failure line and clean shutdown."""

import signal
import time
import unittest

import grpc

from cluster import ByzantineReplica, LocalCluster, dump, make_request
import pbft_pb2


class ClusterTest(unittest.TestCase):
    def cluster(self, **kw):
        c = LocalCluster(**kw)
        self.addCleanup(c.close)
        return c

    def assertSameLogs(self, c, rids, count, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(len(c.executed(r)) >= count for r in rids):
                break
            time.sleep(0.05)
        logs = {r: c.executed(r) for r in rids}
        first = logs[rids[0]]
        self.assertEqual(len(first), count, dump(c))
        for r in rids:
            self.assertEqual(logs[r], first, f"{r} differs\n{dump(c)}")

    def test_normal_case_and_clean_shutdown(self):
        c = self.cluster(clients=2)
        c.start_all()
        a, b = c.client("c0"), c.client("c1")
        for i in range(10):
            for client, name in ((a, "a"), (b, "b")):
                op = f"set {name}-{i} {i}"
                self.assertEqual(client.submit(op), f"ok {op}")
        self.assertSameLogs(c, c.ids, 20)
        self.assertEqual(c.operations("r0")[:2], ["set a-0 0", "set b-0 0"])
        for rid in c.ids:
            self.assertEqual(c.replicas[rid].stdout[0], f"pbft replica {rid} ready")
            self.assertEqual(c.replicas[rid].stop(), 0)

    def test_killed_primary_view_change_and_progress(self):
        c = self.cluster()
        c.start_all()
        client = c.client()
        for i in range(5):
            self.assertEqual(client.submit(f"set before-{i} x"), f"ok set before-{i} x")
        c.replicas["r0"].kill()
        start = time.monotonic()
        for i in range(5):
            self.assertEqual(client.submit(f"set after-{i} y", timeout=30),
                             f"ok set after-{i} y", dump(c))
        self.assertLess(time.monotonic() - start, 30)
        self.assertSameLogs(c, ["r1", "r2", "r3"], 10)
        self.assertTrue(any("entered view 1" in line for line in c.replicas["r1"].stderr))

    def test_restarted_replica_reprints_the_whole_log(self):
        c = self.cluster(tuning={"checkpoint_interval": 4, "window": 16})
        c.start_all()
        client = c.client()
        for i in range(10):
            client.submit(f"set one-{i} 1")
        c.replicas["r3"].kill()
        for i in range(10):
            self.assertEqual(client.submit(f"set two-{i} 2"), f"ok set two-{i} 2")
        self.assertSameLogs(c, ["r0", "r1", "r2"], 20)
        c.start("r3")
        self.assertSameLogs(c, c.ids, 20)
        client.submit("set three 3")
        self.assertSameLogs(c, c.ids, 21)

    def test_restarted_primary_rejoins(self):
        c = self.cluster()
        c.start_all()
        client = c.client()
        for i in range(3):
            client.submit(f"set one-{i} 1")
        c.replicas["r0"].kill()
        for i in range(3):
            self.assertEqual(client.submit(f"set two-{i} 2"), f"ok set two-{i} 2")
        c.start("r0")
        self.assertSameLogs(c, c.ids, 6)
        c.replicas["r1"].kill()  # the primary of view 1; r0 must take part now
        for i in range(3):
            self.assertEqual(client.submit(f"set three-{i} 3", timeout=40),
                             f"ok set three-{i} 3", dump(c))
        self.assertSameLogs(c, ["r0", "r2", "r3"], 9)

    def test_garbage_forgeries_and_huge_messages_are_dropped(self):
        c = self.cluster()
        c.start_all()
        evil = ByzantineReplica(c, "r3")
        self.addCleanup(evil.close)
        client = c.client()
        self.assertEqual(client.submit("set x 1"), "ok set x 1")
        victims = ["r0", "r1", "r2"]
        kinds = ["pre-prepare", "prepare", "commit", "checkpoint", "view-change",
                 "new-view", "forward", "fetch", "state"]
        for kind in kinds:
            for content in (b"", b"\xff\xfe", b"[]", b'{"type":"%s"}' % kind.encode(),
                            b'{"type":"%s","replica":"r3","view":1e400,"seq":-1}' % kind.encode(),
                            b"[" * 100000):
                evil.send_raw(kind, "r3", content, b"sig", victims)
            evil.send({"type": kind, "replica": "r3", "view": 2**80, "seq": 2**80,
                       "digest": "00" * 32, "batch": "x", "view_changes": [None],
                       "from": 1, "active": "yes", "low": -1}, victims)
            evil.send({"type": kind, "replica": "r0", "view": 0, "seq": 1,
                       "digest": "00" * 32}, victims)  # signed by r3, claims r0
            evil.send_raw(kind, "nobody", b"{}", b"", victims)
        evil.send_raw("prepare", "r3", b'{"pad":"' + b"x" * (8 << 20) + b'"}', b"", victims)
        stub = evil.client_stubs["r0"]
        with self.assertRaises(grpc.RpcError) as cm:
            stub.Request(pbft_pb2.ClientRequest(client="c0", request=b"{}", signature=b""),
                         timeout=5)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        forged = make_request(c.replica_key("r3"), "c0", 10**15, "set forged 1")
        with self.assertRaises(grpc.RpcError):
            evil.submit(forged, ["r0"])
        for i in range(5):
            self.assertEqual(client.submit(f"set y{i} 2"), f"ok set y{i} 2")
        for rid in victims:
            self.assertIsNone(c.replicas[rid].proc.poll(), dump(c))
        self.assertSameLogs(c, c.ids, 6)
        self.assertNotIn("set forged 1", c.operations("r0"))
        self.assertFalse(any("Traceback" in line for r in victims
                             for line in c.replicas[r].stderr), dump(c))

    def test_client_reports_failure_without_a_quorum(self):
        c = self.cluster()
        c.start_all(["r0", "r1"])
        client = c.client(extra_args=["--timeout", "2"])
        start = time.monotonic()
        self.assertEqual(client.submit("set lost 1", timeout=20), "fail set lost 1")
        self.assertLess(time.monotonic() - start, 10)
        c.start_all(["r2", "r3"])
        self.assertEqual(client.submit("set found 1", timeout=30), "ok set found 1", dump(c))
        client.process.proc.stdin.close()
        self.assertEqual(client.process.proc.wait(10), 0)

    def test_paused_replica_catches_up(self):
        c = self.cluster()
        c.start_all()
        client = c.client()
        c.replicas["r2"].signal(signal.SIGSTOP)
        for i in range(5):
            self.assertEqual(client.submit(f"set p{i} 1"), f"ok set p{i} 1")
        time.sleep(2)
        c.replicas["r2"].signal(signal.SIGCONT)
        self.assertSameLogs(c, c.ids, 5)
        for i in range(5):
            self.assertEqual(client.submit(f"set q{i} 1"), f"ok set q{i} 1")
        self.assertSameLogs(c, c.ids, 10)


if __name__ == "__main__":
    unittest.main()
