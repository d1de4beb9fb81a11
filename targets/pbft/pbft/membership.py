"""Who is in the cluster: replica ids, keys, the primary of each view, quorum
sizes, and signature checks against the claimed sender's key.

The primary of view v is the (v mod n)-th replica id in sorted (code point)
order, so every replica computes the same rotation whatever the order of its
config file.

Not thread-safe (the verification cache); used from one event loop.
"""

from .config import Tuning


class Membership:
    # Bound on remembered successful verifications (certificates repeat
    # signatures that were already checked when they first arrived).
    _CACHE_LIMIT = 65536

    def __init__(self, replica_keys, f, client_keys=None, tuning=None):
        """replica_keys: id -> PublicKey; client_keys: id -> PublicKey."""
        self.ids = tuple(sorted(replica_keys))
        self.keys = dict(replica_keys)
        self.client_keys = dict(client_keys or {})
        self.n = len(self.ids)
        self.f = f
        self.tuning = tuning or Tuning()
        self._verified = set()

    @property
    def quorum(self):
        """2f+1: prepared/committed certificates, view changes, checkpoints."""
        return 2 * self.f + 1

    @property
    def weak(self):
        """f+1: at least one correct replica among them."""
        return self.f + 1

    def primary(self, view):
        return self.ids[view % self.n]

    def is_replica(self, rid):
        return rid in self.keys

    def verify(self, signed):
        """True iff signed.sender is a replica and its key signed the content."""
        key = self.keys.get(signed.sender)
        if key is None:
            return False
        token = (signed.sender, signed.signature, signed.content)
        if token in self._verified:
            return True
        if not key.verify(signed.content, signed.signature):
            return False
        self._remember(token)
        return True

    def verify_request(self, request):
        """True iff the request's client is known and signed it."""
        key = self.client_keys.get(request.client)
        if key is None:
            return False
        token = (request.client, request.signature, request.timestamp, request.operation)
        if token in self._verified:
            return True
        if not key.verify(request.signed_bytes(), request.signature):
            return False
        self._remember(token)
        return True

    def _remember(self, token):
        if len(self._verified) >= self._CACHE_LIMIT:
            self._verified.clear()
        self._verified.add(token)
