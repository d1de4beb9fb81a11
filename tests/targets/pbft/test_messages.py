"""pbft.messages: canonical JSON, digests, requests and field checks."""

import json
import unittest

from pbft.crypto import PrivateKey
from pbft.messages import (MAX_INT, MessageError, Request, Signed, batch_digest,
                           canonical, chain_digest, field_digest, field_int, field_str,
                           parse_batch, parse_json_object, request_bytes)


def make_request(key, client="c0", ts=1, op="set a 1"):
    return Request(client, ts, op, key.sign(request_bytes(client, ts, op)))


class CanonicalTest(unittest.TestCase):
    def test_sorted_compact_utf8(self):
        self.assertEqual(canonical({"b": 1, "a": "é"}), '{"a":"é","b":1}'.encode("utf-8"))

    def test_request_bytes_are_the_documented_encoding(self):
        self.assertEqual(request_bytes("c0", 17, "set x 1"),
                         b'{"client":"c0","operation":"set x 1","timestamp":17}')

    def test_batch_digest_depends_on_content_and_order(self):
        key = PrivateKey.generate()
        a, b = make_request(key, ts=1), make_request(key, ts=2)
        self.assertEqual(batch_digest((a, b)), batch_digest((a, b)))
        self.assertNotEqual(batch_digest((a, b)), batch_digest((b, a)))
        self.assertNotEqual(batch_digest((a, b)), batch_digest((a,)))
        self.assertEqual(len(batch_digest(())), 64)

    def test_chain_digest(self):
        self.assertNotEqual(chain_digest("0" * 64, "1" * 64), chain_digest("0" * 64, "2" * 64))


class RequestTest(unittest.TestCase):
    def setUp(self):
        self.key = PrivateKey.generate()

    def test_from_wire_accepts_canonical_bytes(self):
        data = request_bytes("c0", 5, "get k")
        r = Request.from_wire("c0", data, b"sig")
        self.assertEqual((r.client, r.timestamp, r.operation), ("c0", 5, "get k"))
        self.assertEqual(r.signed_bytes(), data)

    def test_from_wire_rejects(self):
        cases = {
            "not canonical": (b'{"timestamp":5,"client":"c0","operation":"x"}', "c0"),
            "extra key": (b'{"client":"c0","extra":1,"operation":"x","timestamp":5}', "c0"),
            "wrong client": (request_bytes("c1", 5, "x"), "c0"),
            "line break": (request_bytes("c0", 5, "a\nb"), "c0"),
            "negative ts": (request_bytes("c0", -1, "x"), "c0"),
            "bool ts": (b'{"client":"c0","operation":"x","timestamp":true}', "c0"),
            "float ts": (b'{"client":"c0","operation":"x","timestamp":1.5}', "c0"),
            "huge ts": (request_bytes("c0", MAX_INT + 1, "x"), "c0"),
            "not json": (b"\xff\xfe", "c0"),
            "array": (b"[]", "c0"),
            "too long": (request_bytes("c0", 5, "x" * 20000), "c0"),
        }
        for name, (data, client) in cases.items():
            with self.subTest(name), self.assertRaises(MessageError):
                Request.from_wire(client, data, b"sig")

    def test_object_round_trip(self):
        r = make_request(self.key)
        self.assertEqual(Request.from_obj(r.to_obj()), r)

    def test_parse_batch_limits(self):
        objs = [make_request(self.key, ts=i).to_obj() for i in range(3)]
        self.assertEqual(len(parse_batch(objs, 3)), 3)
        with self.assertRaises(MessageError):
            parse_batch(objs, 2)
        with self.assertRaises(MessageError):
            parse_batch({"a": 1}, 10)


class FieldTest(unittest.TestCase):
    def test_int(self):
        self.assertEqual(field_int({"v": 3}, "v"), 3)
        for bad in (True, "3", 3.0, None, -1, MAX_INT + 1, 10**100):
            with self.subTest(bad=bad), self.assertRaises(MessageError):
                field_int({"v": bad}, "v")

    def test_str_and_digest(self):
        self.assertEqual(field_str({"s": "x"}, "s"), "x")
        with self.assertRaises(MessageError):
            field_str({"s": 1}, "s")
        with self.assertRaises(MessageError):
            field_str({"s": "x" * 300}, "s")
        self.assertEqual(field_digest({"d": "a" * 64}, "d"), "a" * 64)
        for bad in ("A" * 64, "a" * 63, "g" * 64, 7):
            with self.subTest(bad=bad), self.assertRaises(MessageError):
                field_digest({"d": bad}, "d")

    def test_json_object(self):
        self.assertEqual(parse_json_object(b'{"a":1}'), {"a": 1})
        deep = b"[" * 100000 + b"]" * 100000
        for bad in (b"", b"nul", b"[1]", b"\xc3", deep, b'"x"'):
            with self.subTest(bad=bad[:10]), self.assertRaises(MessageError):
                parse_json_object(bad)


class SignedTest(unittest.TestCase):
    def test_embedding_round_trip_keeps_exact_bytes(self):
        key = PrivateKey.generate()
        s = Signed.create(key, "r1", {"type": "prepare", "replica": "r1", "op": "é\u2028"})
        again = Signed.from_obj(json.loads(json.dumps(s.to_obj())))
        self.assertEqual(again, s)
        self.assertTrue(key.public.verify(again.content, again.signature))

    def test_from_obj_rejects(self):
        for bad in (None, [], {"sender": "r1"}, {"sender": "r1", "content": 5, "signature": ""},
                    {"sender": "r1", "content": "{}", "signature": "zz"},
                    {"sender": "r1", "content": "\ud800", "signature": ""},
                    {"sender": "", "content": "{}", "signature": ""}):
            with self.subTest(bad=bad), self.assertRaises(MessageError):
                Signed.from_obj(bad)


if __name__ == "__main__":
    unittest.main()
