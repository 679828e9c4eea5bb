"""The primitives every known-answer script shares, each from a library we did not write:
X25519 and HKDF-SHA-256 from `cryptography`, SHA-256 from the standard library."""
import hashlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def public(secret):
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def dh(secret, peer_public):
    return X25519PrivateKey.from_private_bytes(secret).exchange(X25519PublicKey.from_public_bytes(peer_public))


def hkdf(ikm, info, length=32, salt=None):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def contact_key(own_secret, peer_public):
    return hkdf(dh(own_secret, peer_public), b"ProximityApp_ContactsKey_v1")


def sender_id(pub):
    return hashlib.sha256(pub).digest()[:8]
