#!/usr/bin/env python3
"""Generates Tests/GIKEv2WireTests/Vectors/ikev2-sk-messages.json.

Whole IKEv2 / G-IKEv2 messages built here independently of the Swift codec: every payload is packed
by hand from the figures of RFC 7296 §3, RFC 7383 §2.5 and RFC 9838 (draft-23) §4, and protected with
Python `cryptography` (AES-CBC + HMAC-SHA2-256-128 per RFC 7296 §3.14 / RFC 4868; AES-GCM-16 per
RFC 5282, AAD per §5.1). Keys are wrapped with RFC 5649 (aes_key_wrap_with_padding). Keys and IVs
are fixed so the output is reproducible. Run: python3 scripts/generate-ikev2-sk-vectors.py
"""
import hashlib
import hmac
import json
import os
import struct

import cryptography
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GIKEv2WireTests", "Vectors", "ikev2-sk-messages.json")


def fixed(label, n):
    """Deterministic test bytes: SHA-256 counter stream over a label."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(label.encode() + bytes([i])).digest()
        i += 1
    return out[:n]


def chain(payloads):
    """payloads: list of (type, body[, critical]). Returns the chain with Next Payload links (RFC 7296 §3.2)."""
    out = b""
    for i, p in enumerate(payloads):
        ptype, body = p[0], p[1]
        critical = p[2] if len(p) > 2 else False
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += struct.pack("!BBH", nxt, 0x80 if critical else 0, 4 + len(body)) + body
    return out


def header(ispi, rspi, next_payload, exchange, flags, msgid, length):
    return struct.pack("!QQBBBBII", ispi, rspi, next_payload, 0x20, exchange, flags, msgid, length)


def attr_tv(t, v):
    return struct.pack("!HH", 0x8000 | t, v)


def attr_tlv(t, v):
    return struct.pack("!HH", t, len(v)) + v


def transform(ttype, tid, attrs=b"", last=False):
    body = struct.pack("!BxH", ttype, tid) + attrs
    return struct.pack("!BxH", 0 if last else 3, 4 + len(body)) + body


def proposal(num, proto, spi, transforms, last=True):
    ts = b"".join(transform(*t[:3], last=(i == len(transforms) - 1)) for i, t in enumerate(transforms))
    body = struct.pack("!BBBB", num, proto, len(spi), len(transforms)) + spi + ts
    return struct.pack("!BxH", 0 if last else 2, 4 + len(body)) + body


def ts_v4(proto, sport, eport, start, end):
    return struct.pack("!BBHHH", 7, proto, 16, sport, eport) + bytes(start) + bytes(end)


def gsa_policy(proto, spi, src, dst, transforms, attrs):
    ts = b"".join(transform(*t[:3], last=(i == len(transforms) - 1)) for i, t in enumerate(transforms))
    body = spi + src + dst + ts + attrs
    return struct.pack("!BBH", proto, len(spi), 4 + len(body)) + body


def gw_policy(attrs):
    return struct.pack("!BBH", 0, 0, 4 + len(attrs)) + attrs


def wrapped(key_id, kwk_id, encrypted):
    return struct.pack("!II", key_id, kwk_id) + encrypted


def group_bag(proto, spi, attrs):
    return struct.pack("!BBH", proto, len(spi), 4 + len(spi) + len(attrs)) + spi + attrs


def member_bag(attrs):
    return struct.pack("!BBH", 0, 0, 4 + len(attrs)) + attrs


def cbc_protect(prefix_without_len, inner, enc_key, integ_key, iv, block=16, icv_len=16, fixed_fields=b""):
    """prefix_without_len: (header bytes, sk payload type, first inner). Returns dict with all parts."""
    hdr_fields, sk_type, first_inner = prefix_without_len
    pad_len = (block - (len(inner) + 1) % block) % block
    padded = inner + bytes(pad_len) + bytes([pad_len])
    body_len = len(fixed_fields) + len(iv) + len(padded) + icv_len
    total = 28 + 4 + body_len
    hdr = header(*hdr_fields[:2], sk_type, *hdr_fields[2:], total)
    prefix = hdr + struct.pack("!BBH", first_inner, 0, 4 + body_len) + fixed_fields
    enc = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    ct = enc.update(padded) + enc.finalize()
    icv = hmac.new(integ_key, prefix + iv + ct, hashlib.sha256).digest()[:icv_len]
    return {"prefix": prefix, "padded": padded, "ciphertext": ct, "icv": icv, "message": prefix + iv + ct + icv}


def gcm_protect(hdr_fields, first_inner, inner, key, salt, iv, icv_len=16):
    padded = inner + bytes([0])  # RFC 5282 §3: no alignment needed; no padding, Pad Length 0
    body_len = len(iv) + len(padded) + icv_len
    total = 28 + 4 + body_len
    hdr = header(*hdr_fields[:2], 46, *hdr_fields[2:], total)
    aad = hdr + struct.pack("!BBH", first_inner, 0, 4 + body_len)
    sealed = AESGCM(key).encrypt(salt + iv, padded, aad)
    return {"prefix": aad, "padded": padded, "ciphertext": sealed[:-icv_len], "icv": sealed[-icv_len:],
            "message": aad + iv + sealed}


def hx(b):
    return b.hex()


vectors = []

# Shared G-IKEv2 material.
gsk_w = fixed("GSK_w registration", 32)                  # default KWK of the registration SA
kek_spi = fixed("rekey SA SPI", 16)
tek_spi = bytes.fromhex("0a0b0c0d")
kek_keymat = fixed("rekey SA KEYMAT", 32 + 32 + 32)     # GSK_e | GSK_a | GSK_w for AES-CBC-256 / HMAC-SHA2-256 / KW-256
tek_keymat = fixed("TEK KEYMAT", 36)                     # AES-GCM-16-256 key + 4-octet salt
node7 = fixed("LKH leaf 7", 32)
alg_id_sha256_rsa = bytes.fromhex("300d06092a864886f70d01010b0500")  # RFC 7427 App. A sha256WithRSAEncryption
auth_key_spki = Ed25519PrivateKey.from_private_bytes(fixed("rekey signing", 32)).public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

kek_policy = gsa_policy(
    6, kek_spi,
    ts_v4(17, 848, 848, [192, 0, 2, 1], [192, 0, 2, 1]),
    ts_v4(17, 848, 848, [239, 192, 0, 1], [239, 192, 0, 1]),
    [(1, 12, attr_tv(14, 256)), (3, 12, b""), (14, 2, attr_tlv(18, alg_id_sha256_rsa)), (13, 3, b"")],
    attr_tlv(1, struct.pack("!I", 86400)) + attr_tlv(2, struct.pack("!I", 1)))
tek_policy = gsa_policy(
    3, tek_spi,
    ts_v4(0, 0, 65535, [0, 0, 0, 0], [255, 255, 255, 255]),
    ts_v4(0, 0, 65535, [239, 192, 0, 10], [239, 192, 0, 10]),
    [(1, 20, attr_tv(14, 256)), (5, 2, b"")],
    attr_tlv(1, struct.pack("!I", 3600)) + attr_tlv(3, bytes.fromhex("0a0b0c0e")))
gw = gw_policy(attr_tv(1, 10) + attr_tv(2, 30) + attr_tv(3, 16))
gsa_body = kek_policy + tek_policy + gw

kd_body = (group_bag(6, kek_spi, attr_tlv(1, wrapped(0, 0, aes_key_wrap_with_padding(gsk_w, kek_keymat))))
           + group_bag(3, tek_spi, attr_tlv(1, wrapped(0, 0, aes_key_wrap_with_padding(gsk_w, tek_keymat))))
           + member_bag(attr_tlv(1, wrapped(7, 0, aes_key_wrap_with_padding(gsk_w, node7)))
                        + attr_tlv(2, auth_key_spki) + attr_tlv(3, bytes([0x00, 0x01]))))

# 1. GSA_AUTH response, AES-CBC-256 + HMAC-SHA2-256-128.
inner1 = [(36, struct.pack("!Bxxx", 2) + b"gcks.example"),
          (39, struct.pack("!Bxxx", 2) + fixed("AUTH MIC", 32)),
          (51, gsa_body),
          (52, kd_body)]
inner1_bytes = chain(inner1)
ek, ak, iv = fixed("SK_er", 32), fixed("SK_ar", 32), fixed("IV 1", 16)
r = cbc_protect(((0x0102030405060708, 0x1112131415161718, 39, 0x20, 1), 46, 36), inner1_bytes, ek, ak, iv)
vectors.append({
    "name": "gsa-auth-response-aes-cbc-256-hmac-sha2-256-128",
    "description": "GSA_AUTH response HDR, SK{IDr, AUTH, GSA(KEK, TEK, GW), KD(KEK bag, TEK bag, member bag)} (RFC 9838 Fig. 4)",
    "cipher": "ENCR_AES_CBC 256 + AUTH_HMAC_SHA2_256_128",
    "isAEAD": False, "ivLength": 16, "blockSize": 16, "icvLength": 16,
    "encryptionKey": hx(ek), "integrityKey": hx(ak), "iv": hx(iv),
    "firstInnerPayload": 36, "innerPayloads": hx(inner1_bytes), "paddedPlaintext": hx(r["padded"]),
    "aad": "", "icvInput": hx(r["message"][:-16]),
    "ciphertext": hx(r["ciphertext"]), "icv": hx(r["icv"]), "message": hx(r["message"]),
    "kwk": hx(gsk_w), "kekSPI": hx(kek_spi), "tekSPI": hx(tek_spi),
    "unwrapped": {"kek": hx(kek_keymat), "tek": hx(tek_keymat), "node7": hx(node7)},
    "authKeySPKI": hx(auth_key_spki),
})

# 2. GSA_REKEY, AES-GCM-16 with a 256-bit key: SK{GSA(TEK), KD(TEK bag), AUTH(14)}.
gsk_e, salt, iv2 = kek_keymat[:32], fixed("GSK_e salt", 4), fixed("IV 2", 8)
new_tek = fixed("TEK KEYMAT 2", 36)
rekey_tek_policy = gsa_policy(
    3, bytes.fromhex("0a0b0c0e"),
    ts_v4(0, 0, 65535, [0, 0, 0, 0], [255, 255, 255, 255]),
    ts_v4(0, 0, 65535, [239, 192, 0, 10], [239, 192, 0, 10]),
    [(1, 20, attr_tv(14, 256)), (5, 2, b"")],
    attr_tlv(1, struct.pack("!I", 3600)))
rekey_kwk = kek_keymat[64:]
inner2 = [(51, rekey_tek_policy),
          (52, group_bag(3, bytes.fromhex("0a0b0c0e"), attr_tlv(1, wrapped(0, 0, aes_key_wrap_with_padding(rekey_kwk, new_tek))))),
          (39, struct.pack("!Bxxx", 14) + bytes([len(alg_id_sha256_rsa)]) + alg_id_sha256_rsa + fixed("signature", 64))]
inner2_bytes = chain(inner2)
ispi, rspi = struct.unpack("!QQ", kek_spi)
r2 = gcm_protect((ispi, rspi, 41, 0x00, 1), 51, inner2_bytes, gsk_e, salt, iv2)
vectors.append({
    "name": "gsa-rekey-aes-gcm-16-256",
    "description": "GSA_REKEY HDR(SPIs = Rekey SA SPI), SK{GSA(TEK), KD(TEK bag), AUTH(method 14)} (RFC 9838 Fig. 9), nonce = salt | IV (RFC 5282 §4)",
    "cipher": "ENCR_AES_GCM_16 256",
    "isAEAD": True, "ivLength": 8, "blockSize": 1, "icvLength": 16,
    "encryptionKey": hx(gsk_e), "salt": hx(salt), "integrityKey": "", "iv": hx(iv2),
    "firstInnerPayload": 51, "innerPayloads": hx(inner2_bytes), "paddedPlaintext": hx(r2["padded"]),
    "aad": hx(r2["prefix"]), "icvInput": "",
    "ciphertext": hx(r2["ciphertext"]), "icv": hx(r2["icv"]), "message": hx(r2["message"]),
    "kwk": hx(rekey_kwk), "unwrapped": {"tek": hx(new_tek)},
})

# 3. GSA_REGISTRATION request fragmented into SKF messages (RFC 7383 §2.5), AES-CBC-256 + HMAC-SHA2-256-128.
inner3 = [(50, struct.pack("!Bxxx", 11) + struct.pack("!I", 1001)),
          (33, proposal(1, 6, b"", [(1, 12, attr_tv(14, 256)), (3, 12, b""), (13, 3, b"")], last=False)
               + proposal(1, 3, b"", [(1, 20, attr_tv(14, 256)), (5, 2, b"")], last=True)),
          (41, struct.pack("!BBH", 0, 0, 16429) + struct.pack("!I", 2))]
inner3_bytes = chain(inner3)
chunk = 48
chunks = [inner3_bytes[i:i + chunk] for i in range(0, len(inner3_bytes), chunk)]
ek3, ak3 = fixed("SK_ei", 32), fixed("SK_ai", 32)
frags, ivs = [], []
for n, c in enumerate(chunks, start=1):
    ivn = fixed("IV frag %d" % n, 16)
    ivs.append(hx(ivn))
    fields = struct.pack("!HH", n, len(chunks))
    rf = cbc_protect(((0x2122232425262728, 0x3132333435363738, 40, 0x08, 2), 53, 50 if n == 1 else 0),
                     c, ek3, ak3, ivn, fixed_fields=fields)
    frags.append(hx(rf["message"]))
vectors.append({
    "name": "gsa-registration-request-skf-aes-cbc-256",
    "description": "GSA_REGISTRATION request SK{IDg, SAg, N(GROUP_SENDER)} sent as %d SKF fragments of at most %d plaintext octets" % (len(chunks), chunk),
    "cipher": "ENCR_AES_CBC 256 + AUTH_HMAC_SHA2_256_128",
    "isAEAD": False, "ivLength": 16, "blockSize": 16, "icvLength": 16,
    "encryptionKey": hx(ek3), "integrityKey": hx(ak3), "ivs": ivs, "fragmentChunk": chunk,
    "firstInnerPayload": 50, "innerPayloads": hx(inner3_bytes), "fragments": frags,
})

# 3b. The same request as SKF fragments under AES-GCM-16-256. AAD = IKE header through the SKF
# Total Fragments field (the 8 octets before the IV): RFC 5282 §5.1 applied to the SKF header of
# RFC 7383 §2.5, as strongSwan and Wireshark read it.
gk, gsalt = fixed("SK_ei gcm", 32), fixed("SK_ei salt", 4)
gfrags, givs = [], []
for n, c in enumerate(chunks, start=1):
    ivn = fixed("GCM IV frag %d" % n, 8)
    givs.append(hx(ivn))
    padded = c + bytes([0])
    body_len = 4 + len(ivn) + len(padded) + 16
    hdr = header(0x5152535455565758, 0x6162636465666768, 53, 40, 0x08, 3, 28 + 4 + body_len)
    aad = hdr + struct.pack("!BBH", 50 if n == 1 else 0, 0, 4 + body_len) + struct.pack("!HH", n, len(chunks))
    gfrags.append(hx(aad + ivn + AESGCM(gk).encrypt(gsalt + ivn, padded, aad)))
vectors.append({
    "name": "gsa-registration-request-skf-aes-gcm-16-256",
    "description": "the same SK content as %d SKF fragments under AES-GCM-16-256; AAD = header through Total Fragments" % len(chunks),
    "cipher": "ENCR_AES_GCM_16 256",
    "isAEAD": True, "ivLength": 8, "blockSize": 1, "icvLength": 16,
    "encryptionKey": hx(gk), "salt": hx(gsalt), "integrityKey": "", "ivs": givs, "fragmentChunk": chunk,
    "firstInnerPayload": 50, "innerPayloads": hx(inner3_bytes), "fragments": gfrags,
})

# 4. IKE_SA_INIT request in the clear, with a KWA transform in the IKE proposal (RFC 9838 §2.3) and an
# unknown non-critical payload (type 200) that must survive a round trip.
sa_init = chain([
    (33, proposal(1, 1, b"", [(1, 12, attr_tv(14, 256)), (2, 5, b""), (3, 12, b""), (4, 19, b""), (13, 3, b"")])),
    (34, struct.pack("!Hxx", 19) + fixed("KEi", 64)),
    (40, fixed("Ni", 32)),
    (41, struct.pack("!BBH", 0, 0, 16430)),
    (200, b"\x01\x02\x03"),
])
msg4 = header(0x4142434445464748, 0, 33, 34, 0x08, 0, 28 + len(sa_init)) + sa_init
vectors.append({"name": "ike-sa-init-request-clear", "description": "IKE_SA_INIT request with KWA transform and unknown payload 200",
                "message": hx(msg4)})

doc = {
    "source": "scripts/generate-ikev2-sk-vectors.py with Python cryptography %s; payloads packed by hand from RFC 7296 §3, RFC 7383 §2.5, RFC 9838 draft-23 §4; protection per RFC 7296 §3.14, RFC 4868, RFC 5282 §4-5; key wrap RFC 5649" % cryptography.__version__,
    "vectors": vectors,
}
with open(OUT, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
print("wrote", OUT, len(vectors), "vectors")
