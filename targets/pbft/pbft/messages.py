"""Wire content of PBFT messages: canonical JSON, digests, signed messages.

Everything a replica receives passes through here before the protocol looks
at it: `Signed.from_wire` and `Signed.from_obj` turn bytes into a parsed JSON
object, and the `field_*` helpers read one field with its type and range
checked, raising MessageError (never anything else) on bad input. Signatures
are checked by the caller, which knows the keys.

Canonical JSON is `json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)` encoded as UTF-8: what is signed and hashed, so that a
request embedded in a batch can be re-encoded to the exact bytes its client
signed.

Pure functions and immutable values; thread-safe.
"""

import hashlib
import json
from dataclasses import dataclass

# Every integer in a message (views, sequence numbers, timestamps) must fit
# here; bigger ones are malformed rather than merely far in the future.
MAX_INT = 2**63 - 1
# Longest operation (UTF-8 bytes) a replica accepts.
MAX_OPERATION_BYTES = 16384

# The state digest before anything executed.
GENESIS = hashlib.sha256(b"pbft genesis").hexdigest()

# Phases and their gRPC methods (the JSON "type" must match the method).
PRE_PREPARE = "pre-prepare"
PREPARE = "prepare"
COMMIT = "commit"
CHECKPOINT = "checkpoint"
VIEW_CHANGE = "view-change"
NEW_VIEW = "new-view"
FORWARD = "forward"
FETCH = "fetch"
STATE = "state"
REPLY = "reply"

PEER_KINDS = (PRE_PREPARE, PREPARE, COMMIT, CHECKPOINT, VIEW_CHANGE, NEW_VIEW,
              FORWARD, FETCH, STATE)


class MessageError(ValueError):
    """Malformed message content; the text says what is wrong."""


def canonical(obj):
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError) as e:
        raise MessageError(f"cannot encode canonically: {e}") from None


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def chain_digest(previous, batch_digest):
    """State digest after executing a batch: a hash chain over batch digests."""
    return sha256_hex((previous + batch_digest).encode("ascii"))


def parse_json_object(data, what="content"):
    try:
        obj = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise MessageError(f"{what} is not UTF-8 JSON: {e}") from None
    if not isinstance(obj, dict):
        raise MessageError(f"{what} is not a JSON object")
    return obj


def field_int(obj, key, lo=0, hi=MAX_INT):
    value = obj.get(key)
    # bool is an int in Python; JSON true is not a number.
    if not isinstance(value, int) or isinstance(value, bool):
        raise MessageError(f"'{key}' must be an integer")
    if value < lo or value > hi:
        raise MessageError(f"'{key}' = {value} is outside [{lo}, {hi}]")
    return value


def field_str(obj, key, max_len=256):
    value = obj.get(key)
    if not isinstance(value, str):
        raise MessageError(f"'{key}' must be a string")
    if len(value) > max_len:
        raise MessageError(f"'{key}' is longer than {max_len} characters")
    return value


def field_bool(obj, key):
    value = obj.get(key)
    if not isinstance(value, bool):
        raise MessageError(f"'{key}' must be true or false")
    return value


def field_list(obj, key, max_len):
    value = obj.get(key)
    if not isinstance(value, list):
        raise MessageError(f"'{key}' must be a list")
    if len(value) > max_len:
        raise MessageError(f"'{key}' has more than {max_len} elements")
    return value


def field_obj(obj, key, optional=False):
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, dict):
        raise MessageError(f"'{key}' must be an object")
    return value


def field_digest(obj, key):
    value = obj.get(key)
    if (not isinstance(value, str) or len(value) != 64
            or any(c not in "0123456789abcdef" for c in value)):
        raise MessageError(f"'{key}' must be 64 lowercase hex digits")
    return value


def field_hex(obj, key, max_bytes=256):
    value = obj.get(key)
    if not isinstance(value, str) or len(value) > 2 * max_bytes:
        raise MessageError(f"'{key}' must be a hex string")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise MessageError(f"'{key}' is not valid hex") from None


@dataclass(frozen=True)
class Request:
    """A client request as signed by its client."""

    client: str
    timestamp: int
    operation: str
    signature: bytes

    @property
    def key(self):
        return (self.client, self.timestamp)

    def signed_bytes(self):
        return request_bytes(self.client, self.timestamp, self.operation)

    def to_obj(self):
        return {"client": self.client, "timestamp": self.timestamp,
                "operation": self.operation, "signature": self.signature.hex()}

    @classmethod
    def from_obj(cls, obj):
        if not isinstance(obj, dict):
            raise MessageError("a request must be an object")
        return cls._checked(field_str(obj, "client"), field_int(obj, "timestamp"),
                            field_str(obj, "operation", MAX_OPERATION_BYTES),
                            field_hex(obj, "signature"))

    @classmethod
    def from_wire(cls, client, data, signature):
        """From a ClientRequest: `data` must be the canonical encoding."""
        obj = parse_json_object(data, "request")
        if set(obj) != {"client", "timestamp", "operation"}:
            raise MessageError(
                "request must have exactly the keys client, timestamp, operation")
        request = cls._checked(field_str(obj, "client"), field_int(obj, "timestamp"),
                               field_str(obj, "operation", MAX_OPERATION_BYTES),
                               bytes(signature))
        if request.client != client:
            raise MessageError(
                f"request names client '{request.client}' but was sent as '{client}'")
        if request.signed_bytes() != bytes(data):
            raise MessageError("request is not in canonical JSON form")
        return request

    @classmethod
    def _checked(cls, client, timestamp, operation, signature):
        if "\n" in operation or "\r" in operation:
            raise MessageError("operation must not contain line breaks")
        try:
            size = len(operation.encode("utf-8"))
        except UnicodeEncodeError:
            raise MessageError("operation is not valid Unicode") from None
        if size > MAX_OPERATION_BYTES:
            raise MessageError(f"operation is longer than {MAX_OPERATION_BYTES} bytes")
        if len(signature) > 128:
            raise MessageError("signature is too long")
        return cls(client, timestamp, operation, bytes(signature))


def request_bytes(client, timestamp, operation):
    """The bytes a client signs."""
    return canonical({"client": client, "timestamp": timestamp,
                      "operation": operation})


def batch_digest(batch):
    """SHA-256 (hex) of the canonical encoding of a batch of Requests."""
    return sha256_hex(canonical([r.to_obj() for r in batch]))


def parse_batch(objs, max_len):
    if not isinstance(objs, list):
        raise MessageError("'batch' must be a list")
    if len(objs) > max_len:
        raise MessageError(f"batch has more than {max_len} requests")
    return tuple(Request.from_obj(o) for o in objs)


@dataclass(frozen=True)
class Signed:
    """A signed message: who claims to have sent it, the exact content bytes,
    the signature over them, and the content parsed (`body`)."""

    sender: str
    content: bytes
    signature: bytes
    body: dict

    @property
    def kind(self):
        return self.body.get("type")

    @classmethod
    def create(cls, key, sender, body):
        content = canonical(body)
        return cls(sender, content, key.sign(content), body)

    @classmethod
    def from_wire(cls, sender, content, signature):
        if not isinstance(sender, str) or not sender:
            raise MessageError("sender must be a non-empty string")
        content = bytes(content)
        return cls(sender, content, bytes(signature), parse_json_object(content))

    def to_obj(self):
        """For embedding in another message (certificates)."""
        return {"sender": self.sender, "content": self.content.decode("utf-8"),
                "signature": self.signature.hex()}

    @classmethod
    def from_obj(cls, obj):
        if not isinstance(obj, dict):
            raise MessageError("an embedded message must be an object")
        sender = field_str(obj, "sender")
        content = obj.get("content")
        if not isinstance(content, str):
            raise MessageError("'content' of an embedded message must be a string")
        try:
            raw = content.encode("utf-8")
        except UnicodeEncodeError:
            raise MessageError("embedded content is not valid Unicode") from None
        return cls.from_wire(sender, raw, field_hex(obj, "signature"))
