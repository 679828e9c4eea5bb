#!/usr/bin/env python3
"""Known-answer vectors for lora-msg's groups (docs/PROTOCOL.md, "Groups"), written from that
section alone with code we did not write: X25519 and HKDF from `cryptography`,
XChaCha20-Poly1305 from PyNaCl, HMAC-SHA-256 and SHA-256 from the standard library. Every frame
is opened and its member tags checked here with the receivers' keys before it is written. The
Swift tests make the same bytes from the same inputs, and open and verify these.

    python3 -m venv .venv-golden && .venv-golden/bin/pip install 'cryptography>=42' pynacl==1.6.2
    .venv-golden/bin/python Scripts/gen-group-vectors.py > Tests/LoraCryptoTests/Fixtures/group-vectors.json
    cp Tests/LoraCryptoTests/Fixtures/group-vectors.json docs/vectors/   # what PROTOCOL.md links (a test compares them)
"""
import hashlib
import hmac
import json
import struct

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt, crypto_aead_xchacha20poly1305_ietf_encrypt

from vector_primitives import contact_key, hkdf, public, sender_id


def chain0(secret, group_id, epoch, member_sid):
    return hkdf(secret, b"lora-msg v4 group chain" + group_id + bytes([epoch]) + member_sid)


def chain_at(ck0, n):
    ck = ck0
    for _ in range(n):
        ck = hkdf(ck, b"lora-msg v4 group next")
    return ck


def post_key(ck):
    okm = hkdf(ck, b"lora-msg v4 group post", length=56)
    return okm[:32], okm[32:]


def tag_key(own_secret, peer_public):
    return hkdf(contact_key(own_secret, peer_public), b"lora-msg v4 group tag")


def member_tags(signed, maker_secret, others):
    """One 8-byte tag per other member, in ascending order of their sender ids."""
    ordered = sorted(others, key=lambda s: sender_id(public(s)))
    return b"".join(hmac.new(tag_key(maker_secret, public(o)), signed, hashlib.sha256).digest()[:8] for o in ordered)


def holds_tag(frame_signed, tags, receiver_secret, maker_public):
    mine = hmac.new(tag_key(receiver_secret, maker_public), frame_signed, hashlib.sha256).digest()[:8]
    return any(tags[i:i + 8] == mine for i in range(0, len(tags), 8))


def post(group_id, epoch, secret, poster, others, n, kind, body):
    sid = sender_id(public(poster))
    ck = chain_at(chain0(secret, group_id, epoch, sid), n)
    key, nonce = post_key(ck)
    header = bytes([0x07]) + group_id + sid + bytes([epoch]) + struct.pack(">H", n) + bytes([len(others)])
    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(bytes([kind]) + body, header, nonce, key)
    signed = header + sealed
    frame = signed + member_tags(signed, poster, others)
    assert len(frame) <= 165, len(frame)
    # Open it as each receiver would: its tag first, then the AEAD with its own derivation.
    for o in others:
        assert holds_tag(signed, frame[len(signed):], o, public(poster))
        rk, rn = post_key(chain_at(chain0(secret, group_id, epoch, sid), n))
        assert crypto_aead_xchacha20poly1305_ietf_decrypt(frame[21:len(signed)], header, rn, rk) == bytes([kind]) + body
    return {"chain_key": ck.hex(), "key": key.hex(), "nonce": nonce.hex(), "frame": frame.hex()}


def ack(group_id, maker, others, refs):
    sid = sender_id(public(maker))
    signed = bytes([0x08]) + group_id + sid + bytes([len(refs)]) + b"".join(refs) + bytes([len(others)])
    frame = signed + member_tags(signed, maker, others)
    for o in others:
        assert holds_tag(signed, frame[len(signed):], o, public(maker))
    return frame


def roster(group_id, epoch, flags, secret, name, members):
    out = group_id + bytes([epoch, flags]) + (secret if flags & 1 else b"")
    out += bytes([len(name.encode())]) + name.encode() + bytes([len(members)])
    for pub, member_name in members:
        out += pub + bytes([len(member_name.encode())]) + member_name.encode()
    return out


def main():
    people = [hashlib.sha256(b"group member %d" % i).digest() for i in range(8)]
    group_id = bytes.fromhex("a1b2c3d4e5f60718")
    secret = hashlib.sha256(b"epoch secret").digest()
    posts = []

    def case(name, members, epoch, poster, n, kind, body):
        others = [people[i] for i in range(members) if i != poster]
        v = post(group_id, epoch, secret, people[poster], others, n, kind, body)
        v.update({"name": name, "members": members, "epoch": epoch, "poster": poster, "n": n, "kind": kind, "body": body.hex()})
        posts.append(v)

    case("2 members, text, n=0", 2, 1, 0, 0, 0x00, b"hello")
    case("3 members, text, n=1", 3, 1, 1, 1, 0x00, "au moulin à 9 h".encode())
    case("3 members, the longest text (111 bytes)", 3, 1, 2, 0, 0x00, b"x" * 111)
    case("8 members, text after 70 posts", 8, 200, 5, 70, 0x00, b"the river is up")
    case("8 members, the longest text (71 bytes)", 8, 255, 7, 2, 0x00, b"y" * 71)
    case("3 members, a location body", 3, 9, 0, 3, 0x01, bytes.fromhex("00212a4b043b6c6753f1e400"))

    acks = []
    for name, members, maker, refs in [("3 members, 1 post", 3, 1, [bytes.fromhex(posts[1]["nonce"])[:6]]),
                                       ("8 members, 12 posts", 8, 0, [hashlib.sha256(b"ref %d" % i).digest()[:6] for i in range(12)])]:
        others = [people[i] for i in range(members) if i != maker]
        acks.append({"name": name, "members": members, "maker": maker, "refs": [r.hex() for r in refs],
                     "frame": ack(group_id, people[maker], others, refs).hex()})

    members3 = [(public(people[i]), n) for i, n in enumerate(["alice", "bob", "carol"])]
    rosters = [
        {"name": "a member's roster", "epoch": 1, "flags": 1, "group_name": "valley", "members": 3,
         "content": roster(group_id, 1, 1, secret, "valley", members3).hex()},
        {"name": "a removal notice", "epoch": 2, "flags": 0, "group_name": "valley", "members": 2,
         "content": roster(group_id, 2, 0, b"", "valley", members3[:2]).hex()},
        {"name": "a leave notice", "epoch": 2, "flags": 2, "group_name": "valley", "members": 0,
         "content": roster(group_id, 2, 2, b"", "valley", []).hex()},
    ]
    chains = [{"epoch": e, "member": m, "chain_key_0": chain0(secret, group_id, e, sender_id(public(people[m]))).hex()} for e, m in [(1, 0), (200, 5)]]
    json.dump({"about": "lora-msg group vectors; see docs/PROTOCOL.md, Groups. Generated by Scripts/gen-group-vectors.py.",
               "member_secrets": [p.hex() for p in people], "group_id": group_id.hex(), "epoch_secret": secret.hex(),
               "chains": chains, "posts": posts, "acks": acks, "rosters": rosters}, __import__("sys").stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
