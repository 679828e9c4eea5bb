#!/usr/bin/env python3
"""Known-answer vectors for lora-msg's v2 frames (receipt, contact request and accept, sealed
location), written from docs/PROTOCOL.md alone with code we did not write: X25519 and HKDF
from `cryptography`, XChaCha20-Poly1305 from PyNaCl, HMAC and SHA-256 from the standard
library. The Swift tests make the same bytes and open these.

    python3 -m venv .venv-golden && .venv-golden/bin/pip install 'cryptography>=42' pynacl==1.6.2
    .venv-golden/bin/python Scripts/gen-v2-vectors.py > Tests/LoraCryptoTests/Fixtures/v2-vectors.json
    cp Tests/LoraCryptoTests/Fixtures/v2-vectors.json docs/vectors/   # what PROTOCOL.md links (a test compares them)
"""
import hashlib
import hmac
import json
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt


def public(secret):
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def hkdf(ikm, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(ikm)


def contact_key(own_secret, peer_public):
    shared = X25519PrivateKey.from_private_bytes(own_secret).exchange(X25519PublicKey.from_public_bytes(peer_public))
    return hkdf(shared, b"ProximityApp_ContactsKey_v1")


def sender_id(pub):
    return hashlib.sha256(pub).digest()[:8]


def receipt(maker_secret, other_secret, node, nonces, read):
    maker_pub, other_pub = public(maker_secret), public(other_secret)
    k = contact_key(maker_secret, other_pub)
    kr = hkdf(k, b"lora-msg v2 receipt")
    sid = sender_id(maker_pub)
    signed = bytes([0x03, 1 if read else 0]) + sid[:4] + struct.pack(">I", node) + b"".join(n[:6] for n in nonces)
    tag = hmac.new(kr, signed + sid, hashlib.sha256).digest()[:16]
    frame = signed + tag
    assert len(frame) == 26 + 6 * len(nonces)
    return {"maker_secret": maker_secret.hex(), "other_secret": other_secret.hex(), "node": node, "read": read,
            "nonces": [n.hex() for n in nonces], "frame": frame.hex()}


def request(secret, name):
    return {"secret": secret.hex(), "name": name, "frame": (bytes([0x04]) + public(secret) + name.encode()).hex()}


def accept(accepter_secret, requester_secret, node, name):
    requester_pub = public(requester_secret)
    k = contact_key(accepter_secret, requester_pub)
    ka = hkdf(k, b"lora-msg v2 accept")
    signed = bytes([0x05]) + public(accepter_secret) + struct.pack(">I", node) + name.encode()
    tag = hmac.new(ka, signed + requester_pub, hashlib.sha256).digest()[:16]
    return {"accepter_secret": accepter_secret.hex(), "requester_secret": requester_secret.hex(), "node": node,
            "name": name, "frame": (signed + tag).hex()}


def transfer_receipt(maker_secret, other_secret, node, transfer_id, held):
    maker_pub, other_pub = public(maker_secret), public(other_secret)
    kr = hkdf(contact_key(maker_secret, other_pub), b"lora-msg v2 receipt")
    sid = sender_id(maker_pub)
    bitmap = bytearray((len(held) + 7) // 8)
    for i, h in enumerate(held):
        if h:
            bitmap[i // 8] |= 1 << (i % 8)
    signed = bytes([0x03, 0x02]) + sid[:4] + struct.pack(">I", node) + struct.pack(">I", transfer_id) + bytes([len(held)]) + bytes(bitmap)
    tag = hmac.new(kr, signed + sid, hashlib.sha256).digest()[:16]
    return {"maker_secret": maker_secret.hex(), "other_secret": other_secret.hex(), "node": node,
            "transfer_id": transfer_id, "held": held, "frame": (signed + tag).hex()}


def transfer(sender_secret, recipient_secret, nonces, transfer_id, kind, name, media, content):
    """The stream (deflated with raw deflate, level 9, as zlib makes it, when shorter), its
    chunks, and each chunk sealed under the given nonce."""
    import zlib
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    deflated = c.compress(content) + c.flush()
    use = len(deflated) < len(content)
    stream = bytes([kind, 1 if use else 0]) + struct.pack(">I", len(content)) + hashlib.sha256(content).digest()[:8]
    stream += bytes([len(name.encode())]) + name.encode() + bytes([len(media)]) + media.encode() + (deflated if use else content)
    pieces = [stream[i:i + 144] for i in range(0, len(stream), 144)]
    assert len(pieces) <= len(nonces)
    frames = []
    for i, piece in enumerate(pieces):
        body = bytes([0x02]) + struct.pack(">I", transfer_id) + bytes([i, len(pieces)]) + piece
        frames.append(sealed(sender_secret, recipient_secret, nonces[i], body).hex())
    return {"sender_secret": sender_secret.hex(), "recipient_secret": recipient_secret.hex(), "transfer_id": transfer_id,
            "type": kind, "name": name, "media_type": media, "content": content.hex(), "deflated": use,
            "stream": stream.hex(), "nonces": [n.hex() for n in nonces[:len(pieces)]], "frames": frames}


def int24(v):
    return struct.pack(">i", v)[1:]


def location_body(lat, lon, fix_time, alt=None, acc=None):
    # Quantization as PROTOCOL.md states it: round half away from zero, latitude clamped to
    # 2^23 - 1, longitude +180 wrapping to -180.
    def rnd(x):
        return int(x + 0.5) if x >= 0 else -int(-x + 0.5)
    qlat = min(rnd(lat / 90 * 2**23), 2**23 - 1)
    qlon = rnd(lon / 180 * 2**23)
    if qlon >= 2**23:
        qlon -= 2**24
    flags = (1 if alt is not None else 0) | (2 if acc is not None else 0)
    body = bytes([0x01, flags]) + int24(qlat) + int24(qlon) + struct.pack(">I", fix_time)
    if alt is not None:
        body += struct.pack(">h", alt)
    if acc is not None:
        body += struct.pack(">H", acc)
    return body, qlat, qlon


def sealed(sender_secret, recipient_secret, nonce, body):
    k = contact_key(sender_secret, public(recipient_secret))
    header = bytes([0x02]) + sender_id(public(sender_secret))
    return header + nonce + crypto_aead_xchacha20poly1305_ietf_encrypt(body, header, nonce, k)


def location(sender_secret, recipient_secret, nonce, lat, lon, fix_time, alt=None, acc=None):
    body, qlat, qlon = location_body(lat, lon, fix_time, alt, acc)
    frame = sealed(sender_secret, recipient_secret, nonce, body)
    return {"sender_secret": sender_secret.hex(), "recipient_secret": recipient_secret.hex(), "nonce": nonce.hex(),
            "lat": lat, "lon": lon, "fix_time": fix_time, "alt": alt, "accuracy": acc,
            "lat_units": qlat, "lon_units": qlon, "plaintext": body.hex(), "frame": frame.hex()}


def main():
    alice = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    bob = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    n1, n2, n3 = bytes(range(0x40, 0x58)), bytes(range(0xA0, 0xB8)), bytes([0xFF] * 24)
    out = {
        "generator": "cryptography + PyNaCl + hashlib/hmac, from docs/PROTOCOL.md",
        "receipts": [
            receipt(bob, alice, 0xDAEF9304, [n1], False),
            receipt(bob, alice, 0x00000001, [n1, n2, n3], True),
            receipt(alice, bob, 0xFFFFFFFE, [n2] * 16, False),
        ],
        "requests": [request(alice, "north farm"), request(bob, "谷の家")],
        "accepts": [accept(bob, alice, 0xDAEF9304, "east"), accept(alice, bob, 0, "")],
        "transfer_receipts": [
            transfer_receipt(bob, alice, 0xDAEF9304, 0xDEADBEEF, [True, False, True]),
            transfer_receipt(alice, bob, 7, 1, [i % 5 != 2 for i in range(128)]),
        ],
        "transfers": [
            transfer(alice, bob, [bytes([i]) * 24 for i in range(1, 40)], 0x01020304, 1, "", "",
                     ("the river is rising at the north bridge; bring the sheep up to the barn tonight. " * 12).encode()),
            transfer(bob, alice, [bytes([0x80 + i]) * 24 for i in range(1, 40)], 0xFFFFFFFF, 2, "map.bin", "application/octet-stream",
                     bytes((i * 97 + 13) % 251 for i in range(700))),
        ],
        "locations": [
            location(alice, bob, n1, 46.5197, 6.6323, 1763726400),
            location(bob, alice, n2, -33.8568, 151.2153, 1763726401, 58, 4),
            location(alice, bob, n3, 90.0, 180.0, 0, -412, None),
            location(alice, bob, n1, -90.0, -180.0, 4294967295, None, 65535),
        ],
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
