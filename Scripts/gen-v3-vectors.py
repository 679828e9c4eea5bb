#!/usr/bin/env python3
"""Known-answer vectors for lora-msg's 0x06 ratcheted envelope, written from docs/PROTOCOL.md
alone with code we did not write: X25519 and HKDF from `cryptography`, XChaCha20-Poly1305 from
PyNaCl, SHA-256 from the standard library. The Swift tests make the same bytes and open these.

    python3 -m venv .venv-golden && .venv-golden/bin/pip install 'cryptography>=42' pynacl==1.6.2
    .venv-golden/bin/python Scripts/gen-v3-vectors.py > Tests/LoraCryptoTests/Fixtures/v3-vectors.json
    cp Tests/LoraCryptoTests/Fixtures/v3-vectors.json docs/vectors/   # what PROTOCOL.md links (a test compares them)
"""
import hashlib
import hmac
import json
import struct

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

from vector_primitives import contact_key, dh, hkdf, public, sender_id


def frame(sender_secret, recipient_public, sender_ratchet, recipient_ratchet_public, s, r, n, kind, body, attach):
    k = contact_key(sender_secret, recipient_public)
    epoch = hkdf(dh(sender_ratchet, recipient_ratchet_public), b"lora-msg v3 epoch", salt=k)
    sid = sender_id(public(sender_secret))
    okm = hkdf(epoch, b"lora-msg v3 message" + sid + bytes([s, r]) + struct.pack(">H", n), length=56)
    key, nonce = okm[:32], okm[32:]
    header = bytes([0x06]) + sid + bytes([1 if attach else 0, s, r]) + struct.pack(">H", n)
    if attach:
        header += public(sender_ratchet)
    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(bytes([kind]) + body, header, nonce, key)
    out = header + sealed
    assert len(out) <= 200
    return {"epoch": epoch.hex(), "message_key": key.hex(), "nonce": nonce.hex(), "frame": out.hex()}


def receipt(maker_secret, other_secret, node, body, read, transfer, key_id, newest, ratchet_secret):
    """A 0x03 receipt carrying the maker's ratchet: refs (or a bitmap) then the ratchet part."""
    maker_pub = public(maker_secret)
    kr = hkdf(contact_key(maker_secret, public(other_secret)), b"lora-msg v2 receipt")
    sid = sender_id(maker_pub)
    flags = (1 if read else 0) | (2 if transfer else 0) | 4 | (8 if ratchet_secret else 0)
    part = bytes([key_id, newest]) + (public(ratchet_secret) if ratchet_secret else b"")
    signed = bytes([0x03, flags]) + sid[:4] + struct.pack(">I", node) + body + part
    frame = signed + hmac.new(kr, signed + sid, hashlib.sha256).digest()[:16]
    return {"maker_secret": maker_secret.hex(), "other_secret": other_secret.hex(), "node": node, "read": read,
            "transfer": transfer, "body": body.hex(), "key_id": key_id, "newest_peer_key_id": newest,
            "ratchet_public": public(ratchet_secret).hex() if ratchet_secret else None, "frame": frame.hex()}


def main():
    a = bytes(range(1, 33))
    b = bytes(range(101, 133))
    ra = [hashlib.sha256(b"ratchet a %d" % i).digest() for i in range(3)]
    rb = [hashlib.sha256(b"ratchet b %d" % i).digest() for i in range(3)]
    cases = []

    def case(name, sender, recipient, s_secret, r_public, s, r, n, kind, body, attach):
        v = frame(sender, public(recipient), s_secret, r_public, s, r, n, kind, body, attach)
        v.update({"name": name, "sender_secret": sender.hex(), "recipient_secret": recipient.hex(),
                  "sender_ratchet_secret": s_secret.hex(), "recipient_ratchet_public": r_public.hex(),
                  "s": s, "r": r, "n": n, "kind": kind, "body": body.hex(), "attached": attach})
        cases.append(v)

    case("first text, a's key attached", a, b, ra[0], public(rb[0]), 1, 1, 0, 0x00, "Water is rising at the ford.".encode(), True)
    case("second text, no key", a, b, ra[0], public(rb[0]), 1, 1, 1, 0x00, "Bring the boat.".encode(), False)
    case("151-byte text, no key", a, b, ra[0], public(rb[1]), 1, 2, 7, 0x00, ("x" * 151).encode(), False)
    case("137-byte text with key (200 bytes)", a, b, ra[1], public(rb[1]), 2, 2, 0, 0x00, ("y" * 137).encode(), True)
    case("b answers under its key 2", b, a, rb[1], public(ra[1]), 2, 2, 65534, 0x00, "Сейчас иду.".encode(), False)
    case("ids wrapped", b, a, rb[2], public(ra[2]), 255, 1, 3, 0x00, "🌊".encode(), True)
    refs = hashlib.sha256(b"nonce 1").digest()[:6] + hashlib.sha256(b"nonce 2").digest()[:6]
    bitmap = struct.pack(">I", 0xA1B2C3D4) + bytes([11, 0xFF, 0x03])
    receipts = [
        receipt(b, a, 0x0E5400D2, refs, False, False, 2, 1, rb[1]),
        receipt(b, a, 0x0E5400D2, refs[:6], True, False, 7, 9, None),
        receipt(a, b, 0x0435DC00, bitmap, False, True, 255, 3, ra[2]),
    ]
    print(json.dumps({"cases": cases, "receipts": receipts}, indent=1))


main()
