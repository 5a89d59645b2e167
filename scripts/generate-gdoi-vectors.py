#!/usr/bin/env python3
"""Generates Tests/GDOIWireTests/Vectors/gdoi-messages.json.

ISAKMP / IKEv1 / GDOI messages built here independently of the Swift codec, every payload packed by
hand from the figures of RFC 2408 §3, RFC 2407 §4, RFC 3947 §3, RFC 6407 §5 and RFC 8263 §3, following
the readings of WIRE-REFERENCE §18 (no "DST ID Prot" octet; 2-octet SA Attribute Next Payload; the
SA Length covers SAK/GAP/SAT). Encrypted messages are AES-CBC encrypted with a fixed key and IV and
zero padding (RFC 2409 App. B) using Python `cryptography`, and carry their plaintext beside them.
Run: python3 scripts/generate-gdoi-vectors.py
"""
import hashlib
import json
import os
import struct

import cryptography
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GDOIWireTests", "Vectors", "gdoi-messages.json")


def fixed(label, n):
    out, i = b"", 0
    while len(out) < n:
        out += hashlib.sha256(label.encode() + bytes([i])).digest()
        i += 1
    return out[:n]


def chain(payloads):
    """(type, body) list -> generic-header chain (RFC 2408 §3.2)."""
    out = b""
    for i, (ptype, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return out


def header(icookie, rcookie, nxt, exchange, flags, msgid, length):
    return struct.pack("!QQBBBBII", icookie, rcookie, nxt, 0x10, exchange, flags, msgid, length)


def tv(t, v):
    return struct.pack("!HH", 0x8000 | t, v)


def tlv(t, v):
    return struct.pack("!HH", t, len(v)) + v


def message(icookie, rcookie, exchange, flags, msgid, payloads):
    body = chain(payloads)
    return header(icookie, rcookie, payloads[0][0] if payloads else 0, exchange, flags, msgid, 28 + len(body)) + body


def encrypted(icookie, rcookie, exchange, msgid, payloads, key, iv, flags=0x01):
    plain = chain(payloads)
    pad = (16 - len(plain) % 16) % 16
    padded = plain + bytes(pad)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ct = enc.update(padded) + enc.finalize()
    msg = header(icookie, rcookie, payloads[0][0], exchange, flags, msgid, 28 + len(ct)) + ct
    return msg, plain, padded


def identity(id_type, port, data):
    return struct.pack("!BHB", id_type, port, len(data)) + data


vectors = []
ICK, RCK = 0x1011121314151617, 0x2021222324252627
key, iv = fixed("SKEYID_e derived key", 16), fixed("phase 2 IV", 16)

# Phase-1 SA: DOI 2 (GDOI), Situation 0 (WIRE-REFERENCE §18.19), one proposal with two transforms.
def transform(num, tid, attrs, last):
    body = struct.pack("!BBH", num, tid, 0) + attrs
    return struct.pack("!BBH", 0 if last else 3, 0, 4 + len(body)) + body

p1_attrs = tv(1, 7) + tv(14, 256) + tv(2, 4) + tv(3, 1) + tv(4, 14) + tv(11, 1) + tlv(12, struct.pack("!I", 86400))
p1_attrs_b = tv(1, 7) + tv(14, 128) + tv(2, 2) + tv(3, 3) + tv(4, 19) + tv(11, 1) + tv(12, 28800)
transforms = transform(1, 1, p1_attrs, False) + transform(2, 1, p1_attrs_b, True)
prop_body = struct.pack("!BBBB", 1, 1, 0, 2) + transforms
proposal = struct.pack("!BBH", 0, 0, 4 + len(prop_body)) + prop_body
sa_p1 = struct.pack("!II", 2, 0) + proposal
nat_t_vid = bytes.fromhex("4a131c81070358455c5728f20e95452f")  # RFC 3947 vendor ID
mm1 = message(ICK, 0, 2, 0, 0, [(1, sa_p1), (13, nat_t_vid)])
vectors.append({"name": "main-mode-1", "exchange": 2, "messageNumber": 1,
                "description": "Main Mode message 1: SA(DOI 2, AES-CBC/SHA2-256/PSK/group 14 and a second transform), VID(RFC 3947)",
                "message": mm1.hex()})
mm3 = message(ICK, RCK, 2, 0, 0, [(4, fixed("g^xi", 256)), (10, fixed("Ni_b", 32)),
                                  (20, fixed("NAT-D remote", 32)), (20, fixed("NAT-D local", 32))])
vectors.append({"name": "main-mode-3", "exchange": 2, "messageNumber": 3,
                "description": "Main Mode message 3: KE(2048-bit), NONCE, NAT-D x2", "message": mm3.hex()})
mm5, mm5_plain, mm5_padded = encrypted(ICK, RCK, 2, 0, [(5, struct.pack("!BBH", 2, 17, 500) + b"gm1.example"),
                                                        (8, fixed("HASH_I", 32)),
                                                        (11, struct.pack("!IBBH", 2, 1, 16, 24578) + fixed("cookies", 16))],
                                       key, iv)
vectors.append({"name": "main-mode-5", "exchange": 2, "messageNumber": 5,
                "description": "Main Mode message 5 encrypted: ID(FQDN, UDP/500), HASH_I, N(INITIAL-CONTACT 24578)",
                "message": mm5.hex(), "plaintext": mm5_plain.hex(), "padded": mm5_padded.hex(), "key": key.hex(), "iv": iv.hex()})

# GROUPKEY-PULL (RFC 6407 §3.2). Group 1001 as ID_KEY_ID.
group_id = struct.pack("!BBH", 11, 0, 0) + struct.pack("!I", 1001)
pull1, p1p, _ = encrypted(ICK, RCK, 32, 0x0A0B0C0D, [(8, fixed("HASH(1)", 32)), (10, fixed("Ni", 16)), (5, group_id)], key, iv)
vectors.append({"name": "groupkey-pull-1", "exchange": 32, "messageNumber": 1, "description": "HASH(1), Ni, ID(KEY_ID 1001)",
                "message": pull1.hex(), "plaintext": p1p.hex()})

kek_spi = fixed("KEK cookie pair", 16)
sak = (struct.pack("!B", 17) + identity(1, 848, bytes([192, 0, 2, 1])) + identity(1, 848, bytes([239, 192, 0, 1]))
       + kek_spi + bytes(4)
       + tv(2, 3) + tv(3, 128) + tlv(4, struct.pack("!I", 86400)) + tv(5, 3) + tv(6, 1) + tv(7, 2048) + tv(1, 1) + tv(9, 1))
gap = tv(1, 10) + tv(2, 30)
sat_esp = (struct.pack("!BB", 1, 0) + identity(4, 0, bytes([10, 0, 0, 0, 255, 0, 0, 0]))
           + identity(1, 0, bytes([239, 192, 0, 10])) + struct.pack("!B", 20) + bytes.fromhex("0a0b0c0d")
           + tv(1, 1) + tlv(2, struct.pack("!I", 3600)) + tv(4, 1) + tv(6, 256) + tv(14, 4) + tv(15, 3))
sat_ah = (struct.pack("!BB", 2, 17) + identity(1, 0, bytes([0, 0, 0, 0])) + identity(1, 5000, bytes([239, 192, 0, 11]))
          + struct.pack("!B", 5) + bytes.fromhex("0a0b0c0f") + tv(1, 1) + tv(2, 3600) + tv(4, 2) + tv(5, 5))
sa_attr_chain = chain([(15, sak), (22, gap), (16, sat_esp), (16, sat_ah)])
sa_gdoi = struct.pack("!IIHH", 2, 0, 15, 0) + sa_attr_chain
pull2, p2p, _ = encrypted(ICK, RCK, 32, 0x0A0B0C0D, [(8, fixed("HASH(2)", 32)), (10, fixed("Nr", 16)), (1, sa_gdoi)], key, iv)
vectors.append({"name": "groupkey-pull-2", "exchange": 32, "messageNumber": 2,
                "description": "HASH(2), Nr, SA(SAK{UDP 848, AES-128 KEK, SHA-256/RSA-2048, LKH, ack}, GAP{ATD 10, DTD 30}, SAT ESP AES-GCM-16, SAT AH SHA2-256)",
                "message": pull2.hex(), "plaintext": p2p.hex(), "kekSPI": kek_spi.hex()})

pull3, p3p, _ = encrypted(ICK, RCK, 32, 0x0A0B0C0D, [(8, fixed("HASH(3)", 32)), (22, tv(3, 2))], key, iv)
vectors.append({"name": "groupkey-pull-3", "exchange": 32, "messageNumber": 3, "description": "HASH(3), GAP(SENDER_ID_REQUEST 2)",
                "message": pull3.hex(), "plaintext": p3p.hex()})

tek_key, tek_salt = fixed("TEK AES-256", 32), fixed("TEK salt", 4)
ah_key = fixed("TEK HMAC-SHA2-256", 32)
kek_iv_key = fixed("KEK IV", 16) + fixed("KEK AES-128", 16)   # IV | key (RFC 6407 §5.6.2.1)
lkh_keys = b"".join(struct.pack("!HBBIII", node, 3, 0, 0, 0, 100 + node) + fixed("LKH node %d" % node, 32)
                    for node in (7, 3, 1))
lkh_download = struct.pack("!BHB", 1, 3, 0) + lkh_keys
def packet(kd_type, spi, attrs):
    body = struct.pack("!B", len(spi)) + spi + attrs
    return struct.pack("!BBH", kd_type, 0, 4 + len(body)) + body
kd = struct.pack("!HH", 5, 0) + (
    packet(1, bytes.fromhex("0a0b0c0d"), tlv(1, tek_key + tek_salt))
    + packet(1, bytes.fromhex("0a0b0c0f"), tlv(2, ah_key))
    + packet(2, kek_spi, tlv(1, kek_iv_key) + tlv(2, fixed("RSA public key DER", 270)))
    + packet(3, kek_spi, tlv(1, lkh_download))
    + packet(4, b"", tv(1, 16) + tlv(2, bytes([0, 0, 0, 1])) + tlv(2, bytes([0, 0, 0, 2]))))
pull4, p4p, _ = encrypted(ICK, RCK, 32, 0x0A0B0C0D, [(8, fixed("HASH(4)", 32)), (18, struct.pack("!I", 7)), (17, kd)], key, iv)
vectors.append({"name": "groupkey-pull-4", "exchange": 32, "messageNumber": 4,
                "description": "HASH(4), SEQ(7), KD(TEK ESP key|salt, TEK AH integrity key, KEK IV|key + SIG key, LKH_DOWNLOAD_ARRAY of 3, SID bits 16 + 2 values)",
                "message": pull4.hex(), "plaintext": p4p.hex(), "tekKey": (tek_key + tek_salt).hex(), "lkhDownload": lkh_download.hex()})

# GROUPKEY-PUSH (RFC 6407 §4): cookies = KEK SPI, E flag only, Message ID 0.
kick, krck = struct.unpack("!QQ", kek_spi)
lkh_update = struct.pack("!BHBHHI", 1, 2, 0, 6, 0, 106) + b"".join(
    struct.pack("!HBBIII", node, 3, 0, 0, 0, 200 + node) + fixed("LKH new %d" % node, 32) for node in (3, 1))
kd_push = struct.pack("!HH", 2, 0) + packet(1, bytes.fromhex("0a0b0c0e"), tlv(1, fixed("TEK 2", 36))) + packet(3, kek_spi, tlv(2, lkh_update))
sa_push = struct.pack("!IIHH", 2, 0, 16, 0) + chain([(16, sat_esp[:23] + bytes.fromhex("0a0b0c0e") + sat_esp[27:])])
delete = struct.pack("!IBBH", 2, 1, 4, 1) + bytes.fromhex("0a0b0c0d")
push, pushp, _ = encrypted(kick, krck, 33, 0, [(18, struct.pack("!I", 8)), (12, delete), (1, sa_push), (17, kd_push),
                                               (9, fixed("RSA signature", 256))], fixed("KEK AES-128", 16), fixed("KEK IV", 16))
vectors.append({"name": "groupkey-push", "exchange": 33, "messageNumber": 1,
                "description": "GROUPKEY-PUSH: SEQ(8), D(ESP 0a0b0c0d), SA(SAT ESP), KD(TEK, LKH_UPDATE_ARRAY of 2), SIG",
                "message": push.hex(), "plaintext": pushp.hex(), "lkhUpdate": lkh_update.hex()})

ack = message(kick, krck, 35, 0, 0, [(8, fixed("ack HASH", 32)), (18, struct.pack("!I", 8)), (5, group_id)])
vectors.append({"name": "groupkey-push-ack", "exchange": 35, "messageNumber": 1, "description": "GROUPKEY-PUSH-ACK: HASH, SEQ(8), ID (RFC 8263 §3)",
                "message": ack.hex()})

doc = {"source": "scripts/generate-gdoi-vectors.py with Python cryptography %s; payloads packed by hand from RFC 2408 §3, RFC 2407 §4, RFC 3947 §3, RFC 6407 §5, RFC 8263 §3 (WIRE-REFERENCE §18 readings); AES-CBC with zero padding per RFC 2409 App. B" % cryptography.__version__,
       "vectors": vectors}
with open(OUT, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
print("wrote", len(vectors), "vectors")
