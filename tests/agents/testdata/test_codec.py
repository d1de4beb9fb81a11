#!/usr/bin/python3
"""An external codec for turncoat's tests (protocol: docs/codec-protocol.md).

It knows three made-up wire formats:
  vote   text  b"VOTE|<view>|<height>|<hash as lowercase hex>"
         tree  {"view": int, "height": int, "hash": "<hex>"}
  block  packed big-endian: u64 height, u16 payload length, payload bytes
         tree  {"height": int, "payload": "<base64 of the payload>"}
  attrs  text  b"<key>=<value>;<key>=<value>..." in the sender's order
         tree  {"<key>": "<value>", ...} in the same order, which
               encode follows: a round trip keeps the bytes only if
               whoever holds the tree keeps the order of its members

Switches make it misbehave on purpose. Requests are named by their id, which
the agent counts 1, 2, ... across restarts, so a misbehaviour happens once
per agent; the hello, id 0 on every start, happens on every start.
  --misbehave N:KIND   on request id N, instead of answering (repeatable):
                       hang (sleep until killed), exit (code 3), crash
                       (SIGABRT), garbage (text on stdout), not-json (a
                       well-framed non-JSON body), oversize (a length prefix
                       of 64 MiB), wrong-id, missing-field (ok:true with
                       neither tree nor data), bad-base64 (data that is not
                       base64)
  --refuse-hello       answer the hello with ok:false
  --hello-version V    claim protocol version V in the hello answer
  --linger             keep running after stdin closes
  --close-over BYTES   on a request frame over BYTES, close stdin and stdout
                       without reading it, and keep running
  --pid-file PATH      append this process's pid to PATH on start
Stdlib only; run with /usr/bin/python3.
"""
import argparse
import base64
import binascii
import json
import os
import signal
import struct
import sys
import time

MAX_FRAME = 16 << 20
TYPES = ["vote", "block", "attrs"]
BLOCK_HEADER = struct.Struct(">QH")


class CodecError(Exception):
    pass


def log(message):
    sys.stderr.write("test_codec: %s\n" % message)
    sys.stderr.flush()


def read_exact(n):
    data = sys.stdin.buffer.read(n)
    return data if len(data) == n else None


def read_frame(close_over):
    header = read_exact(4)
    if header is None:
        return None
    (length,) = struct.unpack(">I", header)
    if close_over is not None and length > close_over:
        log("a request of %d bytes: closing stdin and stdout, as told" % length)
        os.close(0)
        os.close(1)
        while True:
            time.sleep(3600)
    if length > MAX_FRAME:
        raise CodecError("request frame of %d bytes is too large" % length)
    body = read_exact(length)
    if body is None:
        return None
    return json.loads(body.decode("utf-8"))


def write_raw(data):
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def write_frame(message):
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    write_raw(struct.pack(">I", len(body)) + body)


def need_int(tree, key):
    value = tree.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CodecError("field %r must be a non-negative integer, got %r" % (key, value))
    return value


def decode(type_name, data):
    if type_name == "vote":
        parts = data.split(b"|")
        if len(parts) != 4 or parts[0] != b"VOTE":
            raise CodecError("not a vote: %r" % data[:40])
        try:
            view, height = int(parts[1]), int(parts[2])
            bytes.fromhex(parts[3].decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            raise CodecError("malformed vote fields: %r" % data[:40])
        return {"view": view, "height": height, "hash": parts[3].decode("ascii")}
    if type_name == "block":
        if len(data) < BLOCK_HEADER.size:
            raise CodecError("block of %d bytes is shorter than its header" % len(data))
        height, length = BLOCK_HEADER.unpack_from(data)
        payload = data[BLOCK_HEADER.size:]
        if len(payload) != length:
            raise CodecError("block says %d payload bytes, has %d" % (length, len(payload)))
        return {"height": height, "payload": base64.b64encode(payload).decode("ascii")}
    if type_name == "attrs":
        tree = {}
        for item in data.decode("ascii", "replace").split(";") if data else []:
            key, sep, value = item.partition("=")
            if not sep or not key or key in tree:
                raise CodecError("malformed attrs item %r" % item)
            tree[key] = value
        return tree
    raise CodecError("unknown type %r (known: %s)" % (type_name, ", ".join(TYPES)))


def encode(type_name, tree):
    if not isinstance(tree, dict):
        raise CodecError("tree must be an object")
    if type_name == "vote":
        digest = tree.get("hash")
        try:
            bytes.fromhex(digest)
        except (TypeError, ValueError):
            raise CodecError("field 'hash' must be a hex string, got %r" % (digest,))
        return b"VOTE|%d|%d|%s" % (need_int(tree, "view"), need_int(tree, "height"),
                                  digest.encode("ascii"))
    if type_name == "block":
        try:
            payload = base64.b64decode(tree.get("payload"), validate=True)
        except (TypeError, ValueError, binascii.Error):
            raise CodecError("field 'payload' must be base64")
        if len(payload) > 0xFFFF:
            raise CodecError("payload of %d bytes does not fit a block" % len(payload))
        return BLOCK_HEADER.pack(need_int(tree, "height"), len(payload)) + payload
    if type_name == "attrs":
        if not all(isinstance(v, str) for v in tree.values()):
            raise CodecError("attrs values must be strings")
        return ";".join("%s=%s" % kv for kv in tree.items()).encode("ascii")
    raise CodecError("unknown type %r (known: %s)" % (type_name, ", ".join(TYPES)))


def answer(request):
    op = request.get("op")
    try:
        if op == "decode":
            data = base64.b64decode(request.get("data", ""), validate=True)
            return {"ok": True, "tree": decode(request.get("type"), data)}
        if op == "encode":
            data = encode(request.get("type"), request.get("tree"))
            return {"ok": True, "data": base64.b64encode(data).decode("ascii")}
        raise CodecError("unknown op %r" % (op,))
    except (CodecError, binascii.Error, TypeError) as e:
        return {"ok": False, "error": str(e)}


def misbehave(kind, request_id):
    """Acts out `kind`; returns True if the request is answered that way."""
    if kind == "hang":
        while True:
            time.sleep(3600)
    if kind == "exit":
        sys.exit(3)
    if kind == "crash":
        os.abort()
    if kind == "garbage":
        write_raw(b"Traceback (most recent call last): oops\n")
    elif kind == "not-json":
        write_raw(struct.pack(">I", 9) + b"not json!")
    elif kind == "oversize":
        write_raw(struct.pack(">I", 64 << 20) + b"{")
    elif kind == "wrong-id":
        write_frame({"id": request_id + 1000, "ok": True, "tree": {}, "data": ""})
    elif kind == "missing-field":
        write_frame({"id": request_id, "ok": True})
    elif kind == "bad-base64":
        write_frame({"id": request_id, "ok": True, "data": "**not base64**", "tree": {}})
    else:
        raise SystemExit("unknown misbehaviour %r" % kind)
    return True


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misbehave", action="append", default=[], metavar="N:KIND")
    parser.add_argument("--refuse-hello", action="store_true")
    parser.add_argument("--hello-version", type=int, default=1)
    parser.add_argument("--linger", action="store_true")
    parser.add_argument("--close-over", type=int)
    parser.add_argument("--pid-file")
    args = parser.parse_args()
    plan = {}
    for item in args.misbehave:
        n, _, kind = item.partition(":")
        plan[int(n)] = kind
    return args, plan


def main():
    args, plan = parse_args()
    if args.pid_file:
        with open(args.pid_file, "a") as f:
            f.write("%d\n" % os.getpid())
    while True:
        request = read_frame(args.close_over)
        if request is None:
            break
        request_id = request.get("id")
        kind = plan.get(request_id)
        if kind is not None:
            log("request %d: %s, as told" % (request_id, kind))
            misbehave(kind, request_id)
            continue
        if request.get("op") == "hello":
            if args.refuse_hello:
                log("refusing hello, as told")
                reply = {"ok": False, "error": "hello refused by --refuse-hello"}
            else:
                reply = {"ok": True, "version": args.hello_version, "types": TYPES}
        else:
            reply = answer(request)
        reply["id"] = request_id
        write_frame(reply)
    if args.linger:
        log("stdin closed; lingering, as told")
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
