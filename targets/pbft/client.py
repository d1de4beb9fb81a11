#!/usr/bin/python3
"""A PBFT client: one operation per stdin line, one result line per operation.

    PBFT_CLIENT_ID=c0 /usr/bin/python3 client.py --config c0.json
        [--timeout 30] [--retry 1] [--stubs DIR] [--allow-unsafe-f] [--verbose]

For each line (without its line break) the client signs {client, timestamp,
operation} and sends it to the replica it believes is the primary
(Client.Request, which answers once that replica executed it) while asking
f other replicas for their replies (Client.AwaitReply). If anything goes
wrong, or after 0.3 s (at most --retry/2), it asks every replica; after --retry
seconds (then doubling) it sends the request itself to every replica, as
PBFT prescribes. Once f+1 replicas sent matching, correctly signed replies
it prints

    ok <operation>

and reads the next line; if that does not happen within --timeout seconds
(or f+1 replicas reject the request as invalid) it prints

    fail <operation>

and goes on. Results and reasons go to stderr. One request is outstanding
at a time, as in the paper. Exit status: 0 at end of input or on SIGTERM or
SIGINT, 2 for a usage or config error.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
import time

import grpc

from pbft.config import ConfigError, load_client_config
from pbft.messages import (MAX_OPERATION_BYTES, REPLY, MessageError, field_int,
                           field_str, parse_json_object, request_bytes)

log = logging.getLogger("pbft.client")

POLL_MS = 2000          # how long one Request/AwaitReply call may wait at a replica
ERROR_BACKOFF = 0.2     # before asking a replica again after a failed call
FANOUT_AFTER = 0.3      # then every replica is asked for its reply
MAX_RETRY_INTERVAL = 4.0

CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 16 << 20),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.enable_retries", 0),
]


def check_operation(operation):
    """None if replicas will accept the operation, else why not."""
    if "\r" in operation or "\n" in operation:
        return "operation contains a line break"
    try:
        size = len(operation.encode("utf-8"))
    except UnicodeEncodeError:
        return "operation is not valid Unicode"
    if size > MAX_OPERATION_BYTES:
        return f"operation is longer than {MAX_OPERATION_BYTES} bytes"
    return None


class Client:
    """Submits operations one at a time on an asyncio loop."""

    def __init__(self, config, pb2, pb2_grpc, timeout=30.0, retry=1.0):
        self.config = config
        self.pb2 = pb2
        self.ids = sorted(p.id for p in config.replicas)
        self.keys = {p.id: p.public_key for p in config.replicas}
        self.channels = {p.id: grpc.aio.insecure_channel(p.address, options=CHANNEL_OPTIONS)
                         for p in config.replicas}
        self.stubs = {rid: pb2_grpc.ClientStub(ch) for rid, ch in self.channels.items()}
        self.timeout = timeout
        self.retry = retry
        self.view = 0
        self.last_ts = 0
        self.rotation = 0

    async def close(self):
        for channel in self.channels.values():
            await channel.close()

    def _timestamp(self):
        # Wall-clock microseconds keep timestamps increasing across restarts
        # of a client with the same id.
        self.last_ts = max(self.last_ts + 1, time.time_ns() // 1000)
        return self.last_ts

    def _parse_reply(self, rid, reply, timestamp):
        """(result, view) of a valid reply from `rid`, else None."""
        if reply.sender != rid or not self.keys[rid].verify(reply.content, reply.signature):
            log.warning("reply from %s is not signed by it; ignored", rid)
            return None
        try:
            body = parse_json_object(reply.content, "reply")
            if (body.get("type") != REPLY or body.get("replica") != rid
                    or body.get("client") != self.config.id
                    or field_int(body, "timestamp") != timestamp):
                raise MessageError("reply is not for this request")
            return field_str(body, "result", MAX_OPERATION_BYTES * 4), field_int(body, "view")
        except MessageError as e:
            log.warning("bad reply from %s: %s", rid, e)
            return None

    async def submit(self, operation):
        """Returns (True, result) or (False, reason)."""
        reason = check_operation(operation)
        if reason:
            return False, reason
        f = self.config.f
        ts = self._timestamp()
        data = request_bytes(self.config.id, ts, operation)
        signature = self.config.private_key.sign(data)
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = start + self.timeout
        pending = {}    # task -> replica id
        kinds = {}      # replica id -> "request" or "await", as last asked
        relaunch = {}   # replica id -> when to ask again after a failure
        votes = {}      # replica id -> (result, view)
        invalid = {}

        def launch(rid, kind):
            for task, r in list(pending.items()):
                if r == rid:
                    task.cancel()
                    del pending[task]
            wait_ms = int(max(0.0, min(POLL_MS / 1000.0, deadline - loop.time())) * 1000)
            if kind == "request":
                call = self.stubs[rid].Request(
                    self.pb2.ClientRequest(client=self.config.id, request=data,
                                           signature=signature, wait_ms=wait_ms),
                    timeout=wait_ms / 1000 + 2)
            else:
                call = self.stubs[rid].AwaitReply(
                    self.pb2.ReplyQuery(client=self.config.id, timestamp=ts, wait_ms=wait_ms),
                    timeout=wait_ms / 1000 + 2)
            pending[asyncio.ensure_future(call)] = rid
            kinds[rid] = kind
            relaunch.pop(rid, None)

        def fan_out():
            asking = set(pending.values()) | set(relaunch)
            for rid in self.ids:
                if rid not in votes and rid not in asking:
                    launch(rid, "await")

        # The primary orders the request and answers once it executed it; f
        # more replicas (rotating) are asked for their replies, which makes
        # f+1 in the normal case. Everybody is asked as soon as something
        # goes wrong, and sent the request itself after `retry`.
        primary = self.ids[self.view % len(self.ids)]
        others = [r for r in self.ids if r != primary]
        self.rotation += 1
        launch(primary, "request")
        for i in range(min(f, len(others))):
            launch(others[(self.rotation + i) % len(others)], "await")
        fanout_at = start + min(FANOUT_AFTER, self.retry / 2)
        retry_at = start + self.retry
        retry_interval = self.retry
        broadcast = False
        try:
            while True:
                now = loop.time()
                if now >= deadline:
                    return False, f"no {f + 1} matching replies within " \
                                  f"{self.timeout:g}s ({len(votes)} replies)"
                if now >= fanout_at:
                    fan_out()
                    fanout_at = float("inf")
                if now >= retry_at:
                    broadcast = True
                    log.info("no reply to %d yet after %.1fs; sending to every replica",
                             ts, now - start)
                    for rid in self.ids:
                        if rid not in votes:
                            launch(rid, "request")
                    retry_interval = min(retry_interval * 2, MAX_RETRY_INTERVAL)
                    retry_at = now + retry_interval
                for rid, when in list(relaunch.items()):
                    if when <= now:
                        launch(rid, kinds[rid])
                wake = min([deadline, retry_at, fanout_at] + list(relaunch.values()))
                timeout = max(0.001, wake - now)
                if not pending:
                    await asyncio.sleep(timeout)
                    continue
                done, _ = await asyncio.wait(list(pending), timeout=timeout,
                                             return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    rid = pending.pop(task, None)
                    if rid is None or task.cancelled():
                        continue
                    try:
                        reply = task.result()
                    except grpc.aio.AioRpcError as e:
                        if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
                            invalid[rid] = e.details()
                            if len(invalid) > f:
                                return False, f"rejected by replicas: {e.details()}"
                        relaunch[rid] = loop.time() + ERROR_BACKOFF
                        fanout_at = min(fanout_at, loop.time())
                        if rid == primary and not broadcast:
                            # The primary is unreachable: no point waiting
                            # for the retry timer to tell the backups.
                            retry_at = min(retry_at, loop.time())
                        continue
                    if not reply.content:
                        launch(rid, "await")
                        continue
                    parsed = self._parse_reply(rid, reply, ts)
                    if parsed is None:
                        relaunch[rid] = loop.time() + ERROR_BACKOFF
                        fanout_at = min(fanout_at, loop.time())
                        continue
                    votes[rid] = parsed
                    matching = sorted((v for r, v in votes.values() if r == parsed[0]),
                                      reverse=True)
                    if len(matching) > f:
                        self.view = max(self.view, matching[f])
                        return True, parsed[0]
                    if len(votes) > len(matching):
                        fanout_at = min(fanout_at, loop.time())  # replies disagree
        finally:
            for task in pending:
                task.cancel()


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="PBFT client; its id comes from the environment variable "
                    "PBFT_CLIENT_ID. Operations are read from stdin, one per line.")
    parser.add_argument("--config", required=True, help="client config (JSON)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds before an operation is reported as failed")
    parser.add_argument("--retry", type=float, default=1.0,
                        help="seconds before the request goes to every replica")
    parser.add_argument("--stubs", metavar="DIR",
                        help="directory with pbft_pb2.py and pbft_pb2_grpc.py")
    parser.add_argument("--allow-unsafe-f", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    my_id = os.environ.get("PBFT_CLIENT_ID", "")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        stream=sys.stderr,
                        format=f"%(asctime)s {my_id or '?'} %(levelname)s: %(message)s")
    try:
        if not my_id:
            raise ConfigError("set PBFT_CLIENT_ID to this client's id, e.g. "
                              "PBFT_CLIENT_ID=c0")
        if args.timeout <= 0 or args.retry <= 0:
            raise ConfigError("--timeout and --retry must be positive")
        config = load_client_config(args.config, my_id, args.allow_unsafe_f)
        if args.stubs:
            sys.path.insert(0, os.path.abspath(args.stubs))
        try:
            import pbft_pb2
            import pbft_pb2_grpc
        except ImportError as e:
            raise ConfigError(f"cannot import the generated gRPC stubs ({e}); pass "
                              "--stubs <build>/targets/pbft or put it on PYTHONPATH")
    except ConfigError as e:
        print(f"client.py: {e}", file=sys.stderr)
        return 2
    return asyncio.run(run(config, pbft_pb2, pbft_pb2_grpc, args))


async def run(config, pb2, pb2_grpc, args):
    # Lines end at "\n" only (a "\r" inside a line is part of the operation,
    # which replicas then refuse); bytes that are not UTF-8 come back out
    # unchanged in the fail line.
    sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape", newline="\n")
    sys.stdout.reconfigure(encoding="utf-8", errors="surrogateescape")
    sys.stderr.reconfigure(encoding="utf-8", errors="backslashreplace")
    loop = asyncio.get_running_loop()
    lines = asyncio.Queue()

    def read_stdin():
        # A daemon thread, so that a blocked read never delays exit.
        for line in iter(sys.stdin.readline, ""):
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    main_task = asyncio.current_task()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, main_task.cancel)
    client = Client(config, pb2, pb2_grpc, args.timeout, args.retry)
    try:
        while True:
            line = await lines.get()
            if line is None:
                return 0
            operation = line[:-1] if line.endswith("\n") else line
            if operation.endswith("\r"):
                operation = operation[:-1]
            ok, detail = await client.submit(operation)
            if ok:
                print(f"ok {operation}", flush=True)
                print(f"result {operation}: {detail}", file=sys.stderr, flush=True)
            else:
                print(f"fail {operation}", flush=True)
                print(f"fail {operation}: {detail}", file=sys.stderr, flush=True)
    except asyncio.CancelledError:
        return 0
    finally:
        await client.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
