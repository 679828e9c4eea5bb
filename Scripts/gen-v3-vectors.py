#!/usr/bin/env python3
"""Known-answer vectors for lora-msg's 0x06 ratcheted envelope, written from docs/PROTOCOL.md
alone with code we did not write: X25519 and HKDF from `cryptography`, XChaCha20-Poly1305 from
PyNaCl, SHA-256 from the standard library. The Swift tests make the same bytes and open these.

    python3 -m venv .venv-golden && .venv-golden/bin/pip install 'cryptography>=42' pynacl==1.6.2
    .venv-golden/bin/python Scripts/gen-v3-vectors.py > Tests/LoraCryptoTests/Fixtures/v3-vectors.json
"""
import hashlib
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
    print(json.dumps({"cases": cases}, indent=1))


main()
