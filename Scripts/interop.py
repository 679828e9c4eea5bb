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
  4. the stranger's receipt for it makes `send --wait delivered` succeed;
  5. a location (0x02 kind 0x01) each way;
  6. a long text in chunks (0x02 kind 0x02) each way, with the receipt for chunk 0 saying the
     whole message was delivered.
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
import zlib

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


def seal_v2(k, own_sid, kind, body):
    nonce = os.urandom(24)
    header = bytes([0x02]) + own_sid
    return header + nonce + crypto_aead_xchacha20poly1305_ietf_encrypt(bytes([kind]) + body, header, nonce, k), nonce


def open_v2(k, envelope):
    plain = crypto_aead_xchacha20poly1305_ietf_decrypt(envelope[33:], envelope[:9], envelope[9:33], k)
    return plain[0], plain[1:]


def round_half_away(x):
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def int24(v):
    return (v & 0xFFFFFF).to_bytes(3, "big")


def location_body(lat, lon, fix_time, alt):
    q_lat = min(round_half_away(lat / 90 * 2**23), 2**23 - 1)
    q_lon = round_half_away(lon / 180 * 2**23)
    if q_lon == 2**23:
        q_lon = -2**23
    return bytes([0x01]) + int24(q_lat) + int24(q_lon) + struct.pack(">I", fix_time) + struct.pack(">h", alt)


def read_location(body):
    flags = body[0]
    def s24(b):
        v = int.from_bytes(b, "big")
        return v - 2**24 if v & 0x800000 else v
    lat, lon = s24(body[1:4]) * 90 / 2**23, s24(body[4:7]) * 180 / 2**23
    fix = struct.unpack(">I", body[7:11])[0]
    alt = struct.unpack(">h", body[11:13])[0] if flags & 1 else None
    return lat, lon, fix, alt


def transfer_stream(text):
    content = text.encode()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = c.compress(content) + c.flush()
    flags, payload = (1, deflated) if len(deflated) < len(content) else (0, content)
    return (bytes([0x01, flags]) + struct.pack(">I", len(content)) + hashlib.sha256(content).digest()[:8]
            + bytes([0]) + bytes([0]) + payload)


def read_stream(stream):
    kind, flags, length = stream[0], stream[1], struct.unpack(">I", stream[2:6])[0]
    digest, name_len = stream[6:14], stream[14]
    media_len = stream[15 + name_len]
    payload = stream[16 + name_len + media_len:]
    content = zlib.decompressobj(-15).decompress(payload, length) if flags & 1 else payload
    if kind != 0x01 or len(content) != length or hashlib.sha256(content).digest()[:8] != digest:
        fail("lora-msg's transfer stream did not check out (type, length or digest)")
    return content.decode()


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

        def next_frame(what, want, seconds=90):
            """The next PRIVATE_APP payload from lora-msg's radio that `want` accepts."""
            deadline = time.time() + seconds
            while True:
                try:
                    sender, frame = frames.get(timeout=max(0.1, deadline - time.time()))
                except queue.Empty:
                    fail(f"{what} never arrived")
                if sender == their_node and want(frame):
                    return frame

        def receipt_delivers(send, nonce, what, seconds):
            """Our receipt for `nonce`; the waiting `lora-msg send --wait delivered` must end delivered."""
            iface.sendData(receipt(kr, me_sid, my_node, [nonce]), destinationId=their_node, portNum=PRIVATE_APP, wantAck=True)
            try:
                out, err = send.communicate(timeout=seconds)
            except subprocess.TimeoutExpired:
                send.kill()
                fail(f"send --wait delivered of {what} never ended")
            if send.returncode != 0 or not out.startswith("delivered"):
                fail(f"send --wait delivered of {what}: exit {send.returncode}, {out.strip()} {err.strip()}")

        def await_receipt_for(nonce, what):
            next_frame(f"a receipt for {what}",
                       lambda f: (r := verify_receipt(kr, f, them_sid)) is not None and nonce[:6] in r[1])

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
        frame = next_frame("lora-msg's contact accept", lambda f: f[:1] == b"\x05")
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
        node, refs = verify_receipt(kr, next_frame("a receipt for the stranger's envelope",
                                                   lambda f: verify_receipt(kr, f, them_sid) is not None), them_sid)
        if node != their_node or nonce[:6] not in refs:
            fail(f"the receipt names node {node:08x} and refs {[r.hex() for r in refs]}, not {their_node:08x} and {nonce[:6].hex()}")
        print("conformance: ok  interop: lora-msg's 0x03 receipt verified and named the envelope")

        # 3 and 4. lora-msg seals a text for the stranger (handed to the running tail) and waits
        # for the stranger's receipt.
        send = subprocess.Popen([binary, "send", "stranger", "hello, stranger", "--wait", "delivered", "--timeout", "90",
                                 "--home", home, "--port", their_radio], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        frame = next_frame("lora-msg's text for the stranger", lambda f: f[:1] == b"\x01")
        if frame[1:9] != them_sid:
            fail(f"the envelope's sender id is {frame[1:9].hex()}, not {them_sid.hex()}")
        try:
            text = open_v1(k, frame)
        except Exception:
            fail("lora-msg's envelope did not open under the contact key")
        if text != b"hello, stranger":
            fail(f"lora-msg's envelope held {text!r}")
        print("conformance: ok  interop: the stranger opened lora-msg's 0x01 envelope")
        receipt_delivers(send, frame[9:33], "the text", 90)
        print("conformance: ok  interop: the stranger's receipt made lora-msg's message delivered")

        # 5. A location each way.
        body = location_body(-33.8568, 151.2153, 1_790_000_000, 58)
        envelope, nonce = seal_v2(k, me_sid, 0x01, body)
        iface.sendData(envelope, destinationId=their_node, portNum=PRIVATE_APP, wantAck=True)
        try:
            shown = json.loads(lines.get(timeout=60))
        except queue.Empty:
            fail("tail never showed the stranger's location")
        if (shown.get("kind"), shown.get("alt")) != ("location", 58) or abs(shown["lat"] + 33.8568) > 2e-5 or abs(shown["lon"] - 151.2153) > 3e-5:
            fail(f"tail showed the location as {shown}")
        await_receipt_for(nonce, "the stranger's location")
        share = subprocess.run([binary, "share-location", "stranger", "--lat", "47.3769", "--lon", "8.5417", "--alt", "408",
                                "--home", home, "--port", their_radio], capture_output=True, text=True, timeout=90)
        if share.returncode != 0:
            fail(f"share-location: {share.stderr.strip()}")
        frame = next_frame("lora-msg's location", lambda f: f[:1] == b"\x02")
        kind, body = open_v2(k, frame)
        lat, lon, fix, alt = read_location(body)
        if kind != 0x01 or abs(lat - 47.3769) > 2e-5 or abs(lon - 8.5417) > 3e-5 or alt != 408 or abs(fix - time.time()) > 600:
            fail(f"lora-msg's location read as kind {kind}, {lat}, {lon}, alt {alt}, fix {fix}")
        print("conformance: ok  interop: a 0x02 location each way")

        # 6. A long text in chunks each way.
        # Random words: deflate cannot fold them into one chunk.
        long_text = "Stranger's long text: " + " ".join(os.urandom(6).hex() for _ in range(40))
        stream = transfer_stream(long_text)
        pieces = [stream[i:i + 144] for i in range(0, len(stream), 144)]
        transfer_id = os.urandom(4)
        first_nonce = None
        for i, piece in enumerate(pieces):
            chunk, n = seal_v2(k, me_sid, 0x02, transfer_id + bytes([i, len(pieces)]) + piece)
            first_nonce = first_nonce or n
            iface.sendData(chunk, destinationId=their_node, portNum=PRIVATE_APP, wantAck=False)
            time.sleep(3)   # our chunk on the air first (PROTOCOL.md's pacing on a direct path)
        try:
            shown = json.loads(lines.get(timeout=90))
        except queue.Empty:
            fail("tail never showed the stranger's long text")
        if shown.get("text") != long_text:
            fail(f"tail showed {shown.get('text')!r}")
        await_receipt_for(first_nonce, "the stranger's long text (chunk 0's nonce)")
        print(f"conformance: ok  interop: lora-msg reassembled the stranger's {len(long_text)}-byte text from {len(pieces)} chunks")

        reply = "lora-msg's long answer: " + " ".join(os.urandom(6).hex() for _ in range(50))
        send = subprocess.Popen([binary, "send", "stranger", reply, "--wait", "delivered", "--timeout", "300",
                                 "--home", home, "--port", their_radio], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        held, count, tid, nonce0 = {}, None, None, None
        while count is None or len(held) < count:
            frame = next_frame("lora-msg's chunks", lambda f: f[:1] == b"\x02", seconds=180)
            kind, body = open_v2(k, frame)
            if kind != 0x02:
                continue
            tid, index, count = body[:4], body[4], body[5]
            held[index] = body[6:]
            if index == 0:
                nonce0 = frame[9:33]
        text = read_stream(b"".join(held[i] for i in range(count)))
        if text != reply:
            fail(f"lora-msg's long text read back as {text!r}")
        receipt_delivers(send, nonce0, "the long text", 120)
        print(f"conformance: ok  interop: the stranger reassembled lora-msg's {len(reply)}-byte text from {count} chunks and its receipt delivered it")
    finally:
        tail.terminate()
        try:
            tail.wait(10)
        except subprocess.TimeoutExpired:
            tail.kill()
        iface.close()


if __name__ == "__main__":
    main()
