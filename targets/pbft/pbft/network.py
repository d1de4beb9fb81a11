"""gRPC plumbing: the Replica and Client services and asynchronous peer sends.

`PeerSender` sends each signed message as one unary call with a deadline on
its own asyncio task, so a slow or dead peer never holds up the protocol or
the other peers; failures are counted, never retried here (the protocol
retransmits what matters). Channels reconnect quickly, so a peer that comes
back is reachable again within about a second.

`serve_replica` / `serve_client` register servicers that hand every call to
the node's callbacks. Generated stubs (pbft_pb2, pbft_pb2_grpc) are passed
in, because they live in the build tree rather than next to this package.

Everything runs on one asyncio event loop; not thread-safe.
"""

import asyncio
import collections
import logging

import grpc

from .messages import (CHECKPOINT, COMMIT, FETCH, FORWARD, NEW_VIEW, PRE_PREPARE,
                       PREPARE, STATE, VIEW_CHANGE)

# kind -> (gRPC method of pbft.Replica, request message type)
METHODS = {
    PRE_PREPARE: ("PrePrepare", "PrePrepareMsg"),
    PREPARE: ("Prepare", "PrepareMsg"),
    COMMIT: ("Commit", "CommitMsg"),
    CHECKPOINT: ("Checkpoint", "CheckpointMsg"),
    VIEW_CHANGE: ("ViewChange", "ViewChangeMsg"),
    NEW_VIEW: ("NewView", "NewViewMsg"),
    FORWARD: ("Forward", "ForwardMsg"),
    FETCH: ("Fetch", "FetchMsg"),
    STATE: ("State", "StateMsg"),
}

MAX_MESSAGE_BYTES = 64 << 20
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    # The defaults back off for up to two minutes after a peer was down.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.enable_retries", 0),
]
SERVER_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.so_reuseport", 0),
]

log = logging.getLogger("pbft.network")


class PeerSender:
    DEADLINE = 3.0
    MAX_IN_FLIGHT = 2000  # per peer; more are dropped while a peer is stuck

    def __init__(self, peers, pb2, pb2_grpc):
        """peers: id -> address to dial (every replica but this one)."""
        self._pb2 = pb2
        self._channels = {}
        self._stubs = {}
        for rid, address in peers.items():
            channel = grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)
            self._channels[rid] = channel
            self._stubs[rid] = pb2_grpc.ReplicaStub(channel)
        self._in_flight = collections.Counter()
        self._tasks = set()
        self.sent = collections.Counter()      # kind (calls, not messages)
        self.failures = collections.Counter()  # (peer, status code name)
        self.overflow = collections.Counter()   # peer

    def send(self, to, signed):
        """Sends to one peer, or to every peer when `to` is None."""
        method, type_name = METHODS[signed.kind]
        message = getattr(self._pb2, type_name)(
            sender=signed.sender, content=signed.content, signature=signed.signature)
        for rid in ([to] if to is not None else self._stubs):
            stub = self._stubs.get(rid)
            if stub is None:
                continue
            if self._in_flight[rid] >= self.MAX_IN_FLIGHT:
                self.overflow[rid] += 1
                continue
            self._in_flight[rid] += 1
            self.sent[signed.kind] += 1
            task = asyncio.ensure_future(self._call(rid, getattr(stub, method), message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _call(self, rid, method, message):
        try:
            await method(message, timeout=self.DEADLINE)
        except grpc.aio.AioRpcError as e:
            self.failures[(rid, e.code().name)] += 1
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a send must never take the loop down
            self.failures[(rid, type(e).__name__)] += 1
        finally:
            self._in_flight[rid] -= 1

    async def close(self):
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for channel in self._channels.values():
            await channel.close()


def serve_replica(server, pb2, pb2_grpc, on_message):
    """Registers pbft.Replica; on_message(kind, request) handles each call."""
    servicer_base = pb2_grpc.ReplicaServicer

    def handler(kind):
        async def handle(self, request, context):
            on_message(kind, request)
            return pb2.Ack()
        return handle

    servicer = type("ReplicaServicer", (servicer_base,),
                    {method: handler(kind) for kind, (method, _) in METHODS.items()})
    pb2_grpc.add_ReplicaServicer_to_server(servicer(), server)


def serve_client(server, pb2_grpc, on_request, on_await):
    """Registers pbft.Client; the callbacks are coroutines (request, context)."""

    class ClientServicer(pb2_grpc.ClientServicer):
        async def Request(self, request, context):
            return await on_request(request, context)

        async def AwaitReply(self, request, context):
            return await on_await(request, context)

    pb2_grpc.add_ClientServicer_to_server(ClientServicer(), server)
