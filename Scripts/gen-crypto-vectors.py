#!/usr/bin/env python3
"""Known-answer vectors for lora-msg's envelope, from code we did not write.

X25519 and HKDF-SHA-256 come from `cryptography` (OpenSSL); XChaCha20-Poly1305 from PyNaCl;
SHA-256 from hashlib. The Swift tests check our bytes against this file.

    python3 -m venv .venv-golden && .venv-golden/bin/pip install 'cryptography>=42' pynacl==1.6.2
    .venv-golden/bin/python Scripts/gen-crypto-vectors.py > Tests/LoraCryptoTests/Fixtures/envelope-vectors.json
    cp Tests/LoraCryptoTests/Fixtures/envelope-vectors.json docs/vectors/   # what PROTOCOL.md links (a test compares them)
"""
import hashlib
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

INFO = b"ProximityApp_ContactsKey_v1"


def raw_public(priv):
    from cryptography.hazmat.primitives import serialization
    return priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def contact_key(own_secret, peer_public):
    own = X25519PrivateKey.from_private_bytes(own_secret)
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    shared = own.exchange(X25519PublicKey.from_public_bytes(peer_public))
    # salt=None is RFC 5869's "HashLen zeros".
    return shared, HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(shared)


def envelope(name, sender_secret, recipient_secret, nonce, text):
    sender_pub = raw_public(X25519PrivateKey.from_private_bytes(sender_secret))
    recipient_pub = raw_public(X25519PrivateKey.from_private_bytes(recipient_secret))
    shared, key = contact_key(sender_secret, recipient_pub)
    sender_id = hashlib.sha256(sender_pub).digest()[:8]
    header = bytes([0x01]) + sender_id
    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(text, header, nonce, key)
    env = header + nonce + sealed
    assert len(env) <= 200
    return {
        "name": name,
        "sender_secret": sender_secret.hex(),
        "sender_public": sender_pub.hex(),
        "recipient_secret": recipient_secret.hex(),
        "recipient_public": recipient_pub.hex(),
        "shared_secret": shared.hex(),
        "contact_key": key.hex(),
        "sender_id": sender_id.hex(),
        "nonce": nonce.hex(),
        "plaintext_utf8": text.decode("utf-8"),
        "envelope": env.hex(),
    }


def main():
    alice = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    bob = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    vectors = [
        envelope("rfc7748-alice-to-bob", alice, bob, bytes(range(0x40, 0x58)), b"meet at the ford"),
        envelope("bob-to-alice-utf8", bob, alice, bytes(range(0xA0, 0xB8)),
                 "Grüße aus dem Tal — 谷からこんにちは".encode()),
        envelope("empty", alice, bob, bytes(24), b""),
        envelope("max-151", alice, bob, bytes([0xFF] * 24), b"x" * 151),
    ]
    # Cross-checks of the RFC constants the Swift tests also carry.
    hk = HKDF(algorithm=hashes.SHA256(), length=42, salt=bytes(range(13)), info=bytes(range(0xF0, 0xFA)))
    assert hk.derive(b"\x0b" * 22).hex().startswith("3cb25f25faacd57a90434f64d0362f2a")
    print(json.dumps({"generator": "cryptography + PyNaCl", "vectors": vectors}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
