"""A running replica: protocol.Replica behind gRPC on an asyncio loop.

The node owns the event loop's view of time, the gRPC server (peer and
client services on one listen address), the PeerSender, and the process's
stdout. It feeds every input to the Replica and, after each, drains the
Replica's outputs: messages go to PeerSender, executed requests become
stdout lines, ready replies wake the client calls waiting for them.

stdout carries exactly two kinds of lines, each flushed at once:
  pbft replica <id> ready            once the server listens
  EXECUTED <client> <timestamp> <operation>   per executed request, in order
Everything else is logged to stderr.

Single-threaded (asyncio): serves from start() until stop().
"""

import asyncio
import logging
import sys

import grpc

from . import network
from .membership import Membership
from .protocol import Replica

# Timers are armed from the replica's next deadline, never closer than this.
MIN_TICK = 0.002
MAX_WAIT_MS = 10000
MAX_WAITERS = 4096
STATS_INTERVAL = 10.0

log = logging.getLogger("pbft.node")


class StartError(Exception):
    """The node could not start (e.g. the listen address is taken)."""


class Node:
    def __init__(self, config, bugs, pb2, pb2_grpc, out=None):
        self.config = config
        self.pb2 = pb2
        self.pb2_grpc = pb2_grpc
        self.out = out or sys.stdout
        members = Membership({p.id: p.public_key for p in config.replicas}, config.f,
                             config.clients, config.tuning)
        self.loop = asyncio.get_running_loop()
        self.replica = Replica(config.id, config.private_key, members, bugs,
                               now=self.loop.time(), log=logging.getLogger("pbft.replica"))
        self.sender = network.PeerSender(
            {p.id: p.address for p in config.replicas if p.id != config.id}, pb2, pb2_grpc)
        self.waiters = {}  # (client, timestamp) -> [Future]
        self.server = None
        self._timer = None
        self._stopping = False
        self._stats_task = None

    # ---- lifecycle ----------------------------------------------------------

    async def start(self):
        self.loop.set_exception_handler(_exception_handler)
        self.server = grpc.aio.server(options=network.SERVER_OPTIONS)
        network.serve_replica(self.server, self.pb2, self.pb2_grpc, self._on_peer)
        network.serve_client(self.server, self.pb2_grpc, self._on_request, self._on_await)
        try:
            port = self.server.add_insecure_port(self.config.listen)
        except RuntimeError as e:
            raise StartError(f"cannot listen on {self.config.listen}: {e}") from None
        if port == 0:
            raise StartError(f"cannot listen on {self.config.listen} (address in use "
                             "or not local)")
        await self.server.start()
        self.replica.start(self.loop.time())
        self._flush()
        self._stats_task = asyncio.ensure_future(self._stats())
        self._print(f"pbft replica {self.config.id} ready")
        log.info("replica %s listening on %s (n=%d, f=%d, bugs: %s)", self.config.id,
                 self.config.listen, len(self.config.replicas), self.config.f,
                 ", ".join(sorted(self.replica.bugs)) or "none")

    async def stop(self):
        self._stopping = True
        if self._timer is not None:
            self._timer.cancel()
        if self._stats_task is not None:
            self._stats_task.cancel()
        for futures in self.waiters.values():
            for fut in futures:
                if not fut.done():
                    fut.cancel()
        if self.server is not None:
            await self.server.stop(0.2)
        await self.sender.close()

    def _tick(self):
        self._timer = None
        try:
            self.replica.tick(self.loop.time())
        except Exception:
            log.exception("tick failed")
        self._flush()

    def _schedule_tick(self):
        """Arms the timer for the replica's next deadline, keeping an earlier one."""
        if self._stopping:
            return
        now = self.loop.time()
        when = now + max(MIN_TICK, self.replica.next_wakeup(now))
        if self._timer is not None:
            if self._timer.when() <= when:
                return
            self._timer.cancel()
        self._timer = self.loop.call_at(when, self._tick)

    async def _stats(self):
        reported = {}
        while True:
            await asyncio.sleep(STATS_INTERVAL)
            r = self.replica
            current = {"sent": dict(self.sender.sent), "drops": dict(r.drops),
                       "send failures": dict(self.sender.failures),
                       "send overflow": dict(self.sender.overflow)}
            if current != reported:
                log.info("view %d%s, executed %d, stable checkpoint %d; %s", r.view,
                         "" if r.active else " (changing)", r.last_exec, r.stable.seq,
                         "; ".join(f"{k}: {v}" for k, v in current.items() if v))
                reported = current

    # ---- outputs --------------------------------------------------------------

    def _print(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def _flush(self):
        out = self.replica.take_outputs()
        for to, signed in out.sends:
            self.sender.send(to, signed)
        for e in out.executed:
            self._print(f"EXECUTED {e.client} {e.timestamp} {e.operation}")
        for key in out.replies:
            for fut in self.waiters.pop(key, ()):
                if not fut.done():
                    fut.set_result(True)
        self._schedule_tick()

    # ---- inputs ---------------------------------------------------------------

    def _on_peer(self, kind, request):
        try:
            self.replica.receive(kind, request.sender, request.content, request.signature,
                                 self.loop.time())
        except Exception:
            # The protocol drops what it cannot use; reaching here is a bug in
            # it, and one bad message must still not stop the replica.
            log.exception("handling %s from %r failed", kind, request.sender)
        self._flush()

    def _reply(self, signed):
        if signed is None:
            return self.pb2.ClientReply()
        return self.pb2.ClientReply(sender=signed.sender, content=signed.content,
                                    signature=signed.signature)

    async def _wait(self, client, timestamp, wait_ms):
        reply = self.replica.reply_for(client, timestamp)
        if reply is not None or wait_ms <= 0:
            return reply
        if sum(len(v) for v in self.waiters.values()) >= MAX_WAITERS:
            return None
        fut = self.loop.create_future()
        self.waiters.setdefault((client, timestamp), []).append(fut)
        try:
            await asyncio.wait_for(fut, min(wait_ms, MAX_WAIT_MS) / 1000.0)
        except asyncio.TimeoutError:
            pass
        finally:
            futures = self.waiters.get((client, timestamp))
            if futures is not None and fut in futures:
                futures.remove(fut)
                if not futures:
                    del self.waiters[(client, timestamp)]
        return self.replica.reply_for(client, timestamp)

    async def _on_request(self, request, context):
        try:
            status, detail = self.replica.client_request(
                request.client, request.request, request.signature, self.loop.time())
        except Exception:
            log.exception("client request from %r failed", request.client)
            status, detail = "invalid", "internal error"
        self._flush()
        if status == "invalid":
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, detail)
        if status == "stale":
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, detail)
        if status == "executed":
            return self._reply(detail)
        return self._reply(await self._wait(request.client, detail, request.wait_ms))

    async def _on_await(self, query, context):
        if query.timestamp < self.replica.last_timestamp(query.client):
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                                f"client '{query.client}' already executed a later "
                                "timestamp")
        return self._reply(await self._wait(query.client, query.timestamp, query.wait_ms))


def _exception_handler(loop, context):
    # grpc 1.51's asyncio server leaves an ExecuteBatchError on the loop when a
    # client cancels a call before the answer is sent (grpc/grpc#31043, fixed
    # to a log line in later releases); it is the client's loss, not an error.
    exc = context.get("exception")
    if exc is not None and type(exc).__name__ == "ExecuteBatchError":
        log.debug("answer to a cancelled call not sent: %s", exc)
        return
    loop.default_exception_handler(context)
