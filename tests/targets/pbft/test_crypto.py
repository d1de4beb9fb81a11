"""pbft.crypto: key formats and ECDSA P-256 signatures."""

import unittest

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from pbft.crypto import KeyFormatError, PrivateKey, PublicKey


class CryptoTest(unittest.TestCase):
    def setUp(self):
        self.key = PrivateKey.generate()

    def test_hex_round_trip(self):
        again = PrivateKey.from_hex(self.key.hex)
        self.assertEqual(again.public, self.key.public)
        self.assertEqual(len(self.key.hex), 64)
        self.assertEqual(len(self.key.public.hex), 130)
        self.assertTrue(self.key.public.hex.startswith("04"))
        self.assertEqual(PublicKey.from_hex(self.key.public.hex), self.key.public)

    def test_sign_and_verify(self):
        sig = self.key.sign(b"content")
        self.assertTrue(self.key.public.verify(b"content", sig))
        self.assertFalse(self.key.public.verify(b"content!", sig))
        self.assertFalse(PrivateKey.generate().public.verify(b"content", sig))

    def test_signature_is_der_ecdsa_sha256_as_cryptography_makes_it(self):
        # An outside signer using the documented scheme must be accepted.
        raw = ec.derive_private_key(int(self.key.hex, 16), ec.SECP256R1())
        sig = raw.sign(b"abc", ec.ECDSA(hashes.SHA256()))
        self.assertEqual(sig[0], 0x30)  # DER SEQUENCE
        self.assertTrue(self.key.public.verify(b"abc", sig))

    def test_garbage_signatures_are_false_not_errors(self):
        for sig in (b"", b"\x30", b"\x00" * 72, b"\xff" * 300):
            self.assertFalse(self.key.public.verify(b"x", sig))

    def test_bad_formats(self):
        with self.assertRaises(KeyFormatError):
            PrivateKey.from_hex("zz")
        with self.assertRaises(KeyFormatError):
            PrivateKey.from_hex("00" * 31)
        with self.assertRaises(KeyFormatError):
            PrivateKey.from_hex("00" * 32)  # zero is not a valid scalar
        with self.assertRaises(KeyFormatError):
            PublicKey.from_hex(self.key.public.hex[:-2])
        with self.assertRaises(KeyFormatError):
            PublicKey.from_hex("02" + self.key.public.hex[2:66])  # compressed
        with self.assertRaises(KeyFormatError):
            PublicKey.from_hex("04" + "00" * 64)  # not on the curve
        with self.assertRaises(KeyFormatError):
            PublicKey.from_hex(1234)


if __name__ == "__main__":
    unittest.main()
