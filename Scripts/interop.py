#!/usr/bin/env python3
"""A stranger's lora-msg, written from docs/PROTOCOL.md alone (envelope v1 and the v2 receipt),
on top of the official Meshtastic Python client, talking to the real lora-msg over virtual
radios. Run by Scripts/conformance; its own failures say what differed.

    interop.py LORA_MSG_BIN STRANGER_RADIO LORA_MSG_RADIO LORA_MSG_HOME

The stranger holds STRANGER_RADIO; lora-msg (its `tail`, then `send`) holds LORA_MSG_RADIO with
the identity in LORA_MSG_HOME. Checked both ways:
  0. the stranger's contact request (0x04) is accepted with `contact accept`, and lora-msg's
     accept (0x05) verifies under the accept key: from here on each holds the other's key;
  1. the stranger seals a text (0x01) for lora-msg: `tail --json` shows it from the contact;
  2. lora-msg's receipt (0x03) for it verifies under the receipt key and names the envelope;
  3. `lora-msg send` seals a text for the stranger: it opens under the contact key;
  4. the stranger's receipt for it makes `send --wait delivered` succeed.
"""
import base64
import hashlib
import hmac
import json
import os
import queue
import struct
import subprocess
import sys
import threading
import time

from nacl.bindings import (crypto_aead_xchacha20poly1305_ietf_decrypt,
                           crypto_aead_xchacha20poly1305_ietf_encrypt)
from pubsub import pub
import meshtastic.serial_interface as si

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vector_primitives import contact_key, hkdf, public, sender_id  # noqa: E402

PRIVATE_APP = 256


def fail(why):
    print(f"conformance: FAIL interop: {why}")
    sys.exit(1)


def seal_v1(k, own_sid, text):
    nonce = os.urandom(24)
    header = bytes([0x01]) + own_sid
    return header + nonce + crypto_aead_xchacha20poly1305_ietf_encrypt(text.encode(), header, nonce, k), nonce


def open_v1(k, envelope):
    if len(envelope) < 49 or envelope[0] != 0x01:
        return None
    return crypto_aead_xchacha20poly1305_ietf_decrypt(envelope[33:], envelope[:9], envelope[9:33], k)


def receipt(kr, maker_sid, maker_node, refs):
    body = bytes([0x03, 0x00]) + maker_sid[:4] + struct.pack(">I", maker_node) + b"".join(r[:6] for r in refs)
    return body + hmac.new(kr, body + maker_sid, hashlib.sha256).digest()[:16]


def verify_receipt(kr, frame, maker_sid):
    """The refs of a plain delivered/read receipt from `maker_sid`, or None. Flag bits this
    reader does not know (the ratchet offer, bits 2-3) make it drop the frame, as a v2 build does."""
    if len(frame) < 32 or frame[0] != 0x03 or frame[1] & ~0x01 or (len(frame) - 26) % 6:
        return None
    body, tag = frame[:-16], frame[-16:]
    if body[2:6] != maker_sid[:4]:
        return None
    if not hmac.compare_digest(hmac.new(kr, body + maker_sid, hashlib.sha256).digest()[:16], tag):
        fail("a receipt from lora-msg did not verify under HKDF(K, 'lora-msg v2 receipt')")
    node = struct.unpack(">I", body[6:10])[0]
    return node, [body[i:i + 6] for i in range(10, len(body), 6)]


def main():
    binary, my_radio, their_radio, home = sys.argv[1:5]
    secret = os.urandom(32)
    me_pub, me_sid = public(secret), sender_id(public(secret))
    ident = json.loads(subprocess.run([binary, "id", "--home", home, "--json"], check=True, capture_output=True, text=True).stdout)
    them_pub = base64.b64decode(ident["public_key"])
    them_sid = sender_id(them_pub)
    if ident["sender_id"] != them_sid.hex():
        fail(f"lora-msg says its sender id is {ident['sender_id']}, PROTOCOL.md gives {them_sid.hex()}")
    k = contact_key(secret, them_pub)
    kr = hkdf(k, b"lora-msg v2 receipt")
    ka = hkdf(k, b"lora-msg v2 accept")

    frames = queue.Queue()
    iface = si.SerialInterface(devPath=my_radio)
    my_node = iface.localNode.nodeNum

    def on_receive(packet, interface):
        d = packet.get("decoded", {})
        if interface is iface and d.get("portnum") == "PRIVATE_APP":
            frames.put((packet["from"], bytes(d["payload"])))

    pub.subscribe(on_receive, "meshtastic.receive")
    tail = subprocess.Popen([binary, "tail", "--json", "--home", home, "--port", their_radio],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in tail.stdout], daemon=True).start()
    try:
        ready = ""
        while "listening" not in ready:
            ready = tail.stderr.readline()
            if not ready:
                fail("tail ended before it was listening")
        their_node = int(ready.split(" as !")[1].split()[0], 16)

        # 0. A contact request to everyone in range; the user accepts it.
        iface.sendData(bytes([0x04]) + me_pub + b"stranger", destinationId="^all", portNum=PRIVATE_APP, wantAck=True)
        for _ in range(60):
            accepted = subprocess.run([binary, "contact", "accept", "stranger", "--me", "farmhouse", "--home", home, "--port", their_radio],
                                      capture_output=True, text=True)
            if accepted.returncode == 0:
                break
            time.sleep(1)
        else:
            fail(f"contact accept never found the request: {accepted.stderr.strip()}")
        deadline = time.time() + 60
        while True:
            try:
                sender, frame = frames.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                fail("lora-msg's contact accept never arrived")
            if sender == their_node and frame[:1] == b"\x05":
                break
        if not 53 <= len(frame) <= 85 or frame[1:33] != them_pub:
            fail(f"the accept is {len(frame)} bytes and carries key {frame[1:33].hex()}")
        body, tag = frame[:-16], frame[-16:]
        if not hmac.compare_digest(hmac.new(ka, body + me_pub, hashlib.sha256).digest()[:16], tag):
            fail("lora-msg's accept did not verify under HKDF(K, 'lora-msg v2 accept')")
        node, name = struct.unpack(">I", body[33:37])[0], body[37:].decode()
        if node != their_node or name != "farmhouse":
            fail(f"the accept names node {node:08x} and '{name}'")
        print("conformance: ok  interop: a 0x04 request was accepted and lora-msg's 0x05 accept verified")

        # 1. The stranger's text, as a DM with want_ack like lora-msg's own.
        envelope, nonce = seal_v1(k, me_sid, "from a stranger's code")
        iface.sendData(envelope, destinationId=their_node, portNum=PRIVATE_APP, wantAck=True)
        try:
            shown = json.loads(lines.get(timeout=60))
        except queue.Empty:
            fail("tail never showed the stranger's envelope")
        if shown.get("contact") != "stranger" or shown.get("text") != "from a stranger's code":
            fail(f"tail showed {shown}")
        print("conformance: ok  interop: lora-msg opened a 0x01 envelope sealed by PROTOCOL.md alone")

        # 2. lora-msg's receipt for it.
        deadline = time.time() + 60
        while True:
            try:
                sender, frame = frames.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                fail("no receipt came back for the stranger's envelope")
            got = verify_receipt(kr, frame, them_sid) if sender == their_node else None
            if got:
                break
        node, refs = got
        if node != their_node or nonce[:6] not in refs:
            fail(f"the receipt names node {node:08x} and refs {[r.hex() for r in refs]}, not {their_node:08x} and {nonce[:6].hex()}")
        print("conformance: ok  interop: lora-msg's 0x03 receipt verified and named the envelope")

        # 3 and 4. lora-msg seals a text for the stranger (handed to the running tail) and waits
        # for the stranger's receipt.
        send = subprocess.Popen([binary, "send", "stranger", "hello, stranger", "--wait", "delivered", "--timeout", "90",
                                 "--home", home, "--port", their_radio], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while True:
            try:
                sender, frame = frames.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                fail("lora-msg's text for the stranger never arrived")
            if sender == their_node and frame[:1] == b"\x01":
                break
        if frame[1:9] != them_sid:
            fail(f"the envelope's sender id is {frame[1:9].hex()}, not {them_sid.hex()}")
        try:
            text = open_v1(k, frame)
        except Exception:
            fail("lora-msg's envelope did not open under the contact key")
        if text != b"hello, stranger":
            fail(f"lora-msg's envelope held {text!r}")
        print("conformance: ok  interop: the stranger opened lora-msg's 0x01 envelope")
        iface.sendData(receipt(kr, me_sid, my_node, [frame[9:33]]), destinationId=their_node, portNum=PRIVATE_APP, wantAck=True)
        try:
            out, err = send.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            send.kill()
            fail("lora-msg send --wait delivered never ended")
        if send.returncode != 0 or not out.startswith("delivered"):
            fail(f"send --wait delivered: exit {send.returncode}, {out.strip()} {err.strip()}")
        print("conformance: ok  interop: the stranger's receipt made lora-msg's message delivered")
    finally:
        tail.terminate()
        try:
            tail.wait(10)
        except subprocess.TimeoutExpired:
            tail.kill()
        iface.close()


if __name__ == "__main__":
    main()
