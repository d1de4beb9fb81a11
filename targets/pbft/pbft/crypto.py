"""ECDSA P-256 keys in the hex forms the config files use.

A private key is its 32-byte big-endian scalar in hex; a public key is the
SEC1 uncompressed point (65 bytes, starting with 04) in hex. Signatures are
ECDSA over SHA-256 of the signed bytes, DER-encoded, exactly what
cryptography's ec.ECDSA(hashes.SHA256()) produces and accepts.

Objects are immutable and safe to share between threads.
"""

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

_CURVE = ec.SECP256R1()
_ALGORITHM = ec.ECDSA(hashes.SHA256())


class KeyFormatError(ValueError):
    """A key in the wrong format; the message says what is expected."""


def _from_hex(text, what):
    if not isinstance(text, str):
        raise KeyFormatError(f"{what} must be a hex string")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise KeyFormatError(f"{what} is not valid hex") from None


class PublicKey:
    """Verifies signatures made by the matching private key."""

    def __init__(self, key):
        self._key = key
        self.hex = key.public_bytes(
            serialization.Encoding.X962,
            serialization.PublicFormat.UncompressedPoint).hex()

    @classmethod
    def from_hex(cls, text, what="public key"):
        raw = _from_hex(text, what)
        if len(raw) != 65 or raw[0] != 4:
            raise KeyFormatError(
                f"{what} must be a SEC1 uncompressed P-256 point: 65 bytes "
                f"(130 hex digits) starting with 04, got {len(raw)} bytes")
        try:
            return cls(ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, raw))
        except ValueError:
            raise KeyFormatError(f"{what} is not a point on P-256") from None

    def verify(self, data, signature):
        """True iff `signature` is a valid DER ECDSA signature of `data`."""
        try:
            self._key.verify(bytes(signature), bytes(data), _ALGORITHM)
            return True
        except (InvalidSignature, ValueError, TypeError):
            return False

    def __eq__(self, other):
        return isinstance(other, PublicKey) and other.hex == self.hex

    def __hash__(self):
        return hash(self.hex)


class PrivateKey:
    """Signs bytes; knows its public key."""

    def __init__(self, key):
        self._key = key
        self.public = PublicKey(key.public_key())
        self.hex = key.private_numbers().private_value.to_bytes(32, "big").hex()

    @classmethod
    def generate(cls):
        return cls(ec.generate_private_key(_CURVE))

    @classmethod
    def from_hex(cls, text, what="private key"):
        raw = _from_hex(text, what)
        if len(raw) != 32:
            raise KeyFormatError(
                f"{what} must be a 32-byte big-endian P-256 scalar "
                f"(64 hex digits), got {len(raw)} bytes")
        try:
            return cls(ec.derive_private_key(int.from_bytes(raw, "big"), _CURVE))
        except ValueError:
            raise KeyFormatError(f"{what} is out of range for P-256") from None

    def sign(self, data):
        return self._key.sign(bytes(data), _ALGORITHM)
