"""pbft.config: the replica and client config files."""

import json
import os
import tempfile
import unittest

import make_configs
from pbft.config import (ConfigError, load_client_config, load_replica_config,
                         parse_client_config, parse_replica_config)
from pbft.crypto import PrivateKey

ADDRESSES = ["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"]


class ReplicaConfigTest(unittest.TestCase):
    def setUp(self):
        self.replicas, self.clients = make_configs.make_cluster(ADDRESSES, clients=2)

    def test_loads_generated_files(self):
        with tempfile.TemporaryDirectory() as d:
            paths = make_configs.write_configs(d, self.replicas, self.clients)
            self.assertEqual(os.stat(paths["r0"]).st_mode & 0o777, 0o600)
            cfg = load_replica_config(paths["r2"], "r2")
            self.assertEqual(cfg.id, "r2")
            self.assertEqual(cfg.f, 1)
            self.assertEqual(cfg.listen, "127.0.0.1:7002")
            self.assertEqual([p.id for p in cfg.replicas], ["r0", "r1", "r2", "r3"])
            self.assertEqual(sorted(cfg.clients), ["c0", "c1"])
            self.assertEqual(cfg.private_key.public, cfg.peer("r2").public_key)
            client = load_client_config(paths["c1"], "c1")
            self.assertEqual(len(client.replicas), 4)

    def test_dial_addresses_may_differ_per_replica(self):
        replicas, _ = make_configs.make_cluster(
            ADDRESSES, dial=lambda me, peer: f"127.0.0.1:9{me[1]}{peer[1]}0")
        cfg = parse_replica_config(replicas["r1"], "r1")
        self.assertEqual(cfg.peer("r2").address, "127.0.0.1:9120")
        self.assertEqual(cfg.peer("r1").address, "127.0.0.1:7001")

    def test_tuning_keys(self):
        obj = dict(self.replicas["r0"], batch_size=8, view_change_timeout_ms=300)
        cfg = parse_replica_config(obj, "r0")
        self.assertEqual(cfg.tuning.batch_size, 8)
        self.assertEqual(cfg.tuning.view_change_timeout_ms, 300)

    def assertError(self, obj, my_id, *fragments, **kw):
        with self.assertRaises(ConfigError) as cm:
            parse_replica_config(obj, my_id, "r.json", **kw)
        for fragment in fragments:
            self.assertIn(fragment, str(cm.exception))

    def test_errors_name_the_problem(self):
        base = self.replicas["r0"]
        self.assertError(base, "r9", "no replica with id 'r9'", "r0, r1, r2, r3")
        self.assertError(dict(base, f=2), "r0", "n >= 3f+1", "f <= 1")
        self.assertError(dict(base, fanciness=1), "r0", "unknown key 'fanciness'")
        self.assertError(dict(base, private_key=PrivateKey.generate().hex), "r0",
                         "does not match")
        self.assertError(dict(base, private_key="abc"), "r0", "private_key")
        self.assertError(dict(base, listen="localhost"), "r0", "host:port")
        self.assertError(dict(base, window=10), "r0", "'window'")
        dup = json.loads(json.dumps(base))
        dup["replicas"][1]["id"] = "r0"
        self.assertError(dup, "r0", "duplicate replica id 'r0'")
        bad_key = json.loads(json.dumps(base))
        bad_key["replicas"][2]["public_key"] = "04" + "00" * 64
        self.assertError(bad_key, "r0", "replicas[2]", "not a point")
        self.assertError(dict(base, clients={"c0": "x"}), "r0", "'clients'")

    def test_unsafe_f_only_on_request(self):
        obj = dict(self.replicas["r0"], f=2)
        self.assertEqual(parse_replica_config(obj, "r0", allow_unsafe_f=True).f, 2)

    def test_client_config_errors(self):
        with self.assertRaises(ConfigError):
            parse_client_config(dict(self.clients["c0"], listen="x:1"), "c0")
        with self.assertRaises(ConfigError):
            load_client_config("/nonexistent/c0.json", "c0")


if __name__ == "__main__":
    unittest.main()
