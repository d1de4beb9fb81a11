#!/usr/bin/python3
"""A system's own key generator, as a target's keys.generate runs it.

fake_keygen.py MODE SCHEME PRIVATE_ENCODING PUBLIC_ENCODING PRIVATE_FILE PUBLIC_FILE

writes a fresh key pair of SCHEME (ed25519, ecdsa-p256, secp256k1) in the
given encodings (pem, hex, base64), or misbehaves as MODE says:
  ok        a good pair
  fail      complains on stderr and exits 3, writing nothing
  mismatch  the public key of another key
  garbage   a private key file that is no key
  missing   exits 0 without writing anything
"""
import base64
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def generate(scheme):
    if scheme == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    curve = {"ecdsa-p256": ec.SECP256R1(), "secp256k1": ec.SECP256K1()}[scheme]
    return ec.generate_private_key(curve)


def raw_private(key):
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
    return key.private_numbers().private_value.to_bytes(32, "big")


def raw_public(key):
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def text(raw, pem, encoding):
    if encoding == "pem":
        return pem.decode()
    if encoding == "hex":
        return raw.hex() + "\n"
    return base64.b64encode(raw).decode() + "\n"


def private_text(key, encoding):
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return text(raw_private(key), pem, encoding)


def public_text(key, encoding):
    pem = key.public_bytes(serialization.Encoding.PEM,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return text(raw_public(key), pem, encoding)


def main():
    mode, scheme, private_encoding, public_encoding, private_file, public_file = sys.argv[1:]
    if mode == "fail":
        print("fake_keygen: no entropy today", file=sys.stderr)
        return 3
    if mode == "missing":
        return 0
    key = generate(scheme)
    public = generate(scheme).public_key() if mode == "mismatch" else key.public_key()
    with open(private_file, "w") as f:
        f.write("not a key\n" if mode == "garbage" else private_text(key, private_encoding))
    with open(public_file, "w") as f:
        f.write(public_text(public, public_encoding))
    return 0


if __name__ == "__main__":
    sys.exit(main())
