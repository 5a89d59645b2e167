#!/usr/bin/env python3
"""Independent check of one G-IKEv2 registration transcript (IKE_SA_INIT + GSA_AUTH).

Reads the transcript the Swift engine tests write (GROUPKEY_WRITE_TRANSCRIPT, see
Tests/GIKEv2Tests/RegistrationTranscriptTests.swift): the four messages, the GM's X25519 private
value and the PSK. With Python `cryptography` and its own parser written from the RFC figures it
re-derives the IKE SA (RFC 7296 section 2.13-2.14), checks both PSK AUTH payloads (section 2.15),
decrypts the GSA_AUTH messages (AES-GCM, RFC 5282), derives GSK_w (RFC 9838 section 3.1.1) and
unwraps every key in the KD payload (RFC 5649; RFC 9838 section 4.5 and Appendix A.2). The
response may come as SKF fragments (RFC 7383), which it reassembles. Prints JSON
for Tests/GIKEv2Tests/Vectors/gikev2-registration.json. Handles the suite the test uses:
ENCR_AES_GCM_16 with a 128-bit key, PRF_HMAC_SHA2_256, Curve25519, KW_5649_*.
"""
import hashlib
import hmac
import json
import struct
import sys

import cryptography
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding
from cryptography.hazmat.primitives import serialization


def prf(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def prf_plus(key, seed, length):
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = prf(key, block + seed + bytes([counter]))
        out += block
        counter += 1
    return out[:length]


def payloads(data, first, offset):
    """Walks a payload chain: [(type, body, offset of the payload)]."""
    result, kind = [], first
    while kind != 0:
        nxt, _, length = struct.unpack_from("!BBH", data, offset)
        result.append((kind, data[offset + 4:offset + length], offset))
        if kind == 46:  # SK is last; its Next Payload names the first inner payload
            break
        kind, offset = nxt, offset + length
    return result


def header(message):
    spi_i, spi_r, nxt, version, exchange, flags, mid, length = struct.unpack_from("!QQBBBBII", message, 0)
    assert version == 0x20 and length == len(message)
    return spi_i, spi_r, nxt, exchange, flags, mid


def open_sk(message, key):
    """AES-GCM-16 SK payload (RFC 5282): IV 8 octets, AAD = header through the SK header."""
    _, _, first, _, _, _ = header(message)
    chain = payloads(message, first, 28)
    kind, body, offset = chain[-1]
    assert kind == 46
    inner_first = message[offset]
    iv, sealed = body[:8], body[8:]
    plain = AESGCM(key[:16]).decrypt(key[16:20] + iv, sealed, message[:offset + 4])
    plain = plain[:len(plain) - plain[-1] - 1]
    return payloads(plain, inner_first, 0)


def open_skf(fragments, key):
    """AES-GCM SKF fragments (RFC 7383 section 2.5): each protected alone, the AAD running through
    Total Fragments; the plaintext chunks are joined in Fragment Number order."""
    chunks, first_inner = {}, None
    for message in fragments:
        _, _, first, _, _, _ = header(message)
        assert first == 53
        offset = 28
        inner_first, _, length = struct.unpack_from("!BBH", message, offset)
        number, total = struct.unpack_from("!HH", message, offset + 4)
        iv, sealed = message[offset + 8:offset + 16], message[offset + 16:offset + length]
        plain = AESGCM(key[:16]).decrypt(key[16:20] + iv, sealed, message[:offset + 8])
        chunks[number] = plain[:len(plain) - plain[-1] - 1]
        if number == 1:
            first_inner = inner_first
    assert sorted(chunks) == list(range(1, total + 1))
    return payloads(b"".join(chunks[n] for n in sorted(chunks)), first_inner, 0)


def find(chain, kind):
    return [body for k, body, _ in chain if k == kind]


def attributes(data):
    out, offset = [], 0
    while offset < len(data):
        kind, value = struct.unpack_from("!HH", data, offset)
        if kind & 0x8000:
            out.append((kind & 0x7FFF, value))
            offset += 4
        else:
            out.append((kind, data[offset + 4:offset + 4 + value]))
            offset += 4 + value
    return out


def main():
    t = json.load(open(sys.argv[1]))
    init_req, init_resp = bytes.fromhex(t["initRequest"]), bytes.fromhex(t["initResponse"])
    auth_req = bytes.fromhex(t["authRequest"])
    auth_resp = [bytes.fromhex(m) for m in t["authResponse"]]
    psk = bytes.fromhex(t["psk"])
    spi_i, _, first, _, _, _ = header(init_req)
    req = payloads(init_req, first, 28)
    _, spi_r, first, _, _, _ = header(init_resp)
    resp = payloads(init_resp, first, 28)
    ke_i, ke_r = find(req, 34)[0][4:], find(resp, 34)[0][4:]
    n_i, n_r = find(req, 40)[0], find(resp, 40)[0]
    private = X25519PrivateKey.from_private_bytes(bytes.fromhex(t["memberPrivateKey"]))
    assert private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == ke_i
    shared = private.exchange(X25519PublicKey.from_public_bytes(ke_r))

    # The chosen proposal: read the KWA (transform type 13) and the ENCR key length.
    sa = find(resp, 33)[0]
    transforms, offset, kwa = {}, 8, None
    while offset < len(sa):
        _, _, length, ttype, _, tid = struct.unpack_from("!BBHBBH", sa, offset)
        transforms[ttype] = tid
        offset += length
    assert transforms[1] == 20 and transforms[2] == 5 and transforms[4] == 31, transforms
    kwa = transforms[13]

    skeyseed = prf(n_i + n_r, shared)
    keys = prf_plus(skeyseed, n_i + n_r + struct.pack("!QQ", spi_i, spi_r), 32 + 20 + 20 + 32 + 32)
    sk_d, sk_ei, sk_er, sk_pi, sk_pr = keys[:32], keys[32:52], keys[52:72], keys[72:104], keys[104:136]

    inner_req = open_sk(auth_req, sk_ei)
    inner_resp = open_sk(auth_resp[0], sk_er) if len(auth_resp) == 1 else open_skf(auth_resp, sk_er)
    pad = prf(psk, b"Key Pad for IKEv2")
    id_i, auth_i = find(inner_req, 35)[0], find(inner_req, 39)[0]
    id_r, auth_r = find(inner_resp, 36)[0], find(inner_resp, 39)[0]
    initiator_ok = auth_i[0] == 2 and prf(pad, init_req + n_r + prf(sk_pi, id_i)) == auth_i[4:]
    responder_ok = auth_r[0] == 2 and prf(pad, init_resp + n_i + prf(sk_pr, id_r)) == auth_r[4:]

    gsk_w = prf_plus(sk_d, b"Key Wrap for G-IKEv2", {1: 16, 2: 24, 3: 32}[kwa])
    kd = find(inner_resp, 52)[0]
    offset, group_bags, member = 0, [], []
    while offset < len(kd):
        protocol, spi_size, length = struct.unpack_from("!BBH", kd, offset)
        body = kd[offset + 4:offset + length]
        if protocol == 0:
            member += attributes(body)
        else:
            group_bags.append((protocol, body[:spi_size], attributes(body[spi_size:])))
        offset += length
    wrap_keys = {}
    for kind, value in member:
        if kind == 1:
            key_id, kwk_id = struct.unpack_from("!II", value, 0)
            wrap_keys[key_id] = (kwk_id, value[8:])
    held = {}

    def key_for(key_id):
        if key_id == 0:
            return gsk_w
        if key_id not in held:
            kwk_id, wrapped = wrap_keys[key_id]
            held[key_id] = aes_key_unwrap_with_padding(key_for(kwk_id), wrapped)
        return held[key_id]

    out = {}
    for protocol, spi, attrs in group_bags:
        (_, value), = [a for a in attrs if a[0] == 1]
        key_id, kwk_id = struct.unpack_from("!II", value, 0)
        assert key_id == 0
        material = aes_key_unwrap_with_padding(key_for(kwk_id), value[8:])
        name = "tek" if protocol == 3 else "rekey"
        out[name + "SPI"], out[name + "KeyMaterial"] = spi.hex(), material.hex()
    # The Working Key Path, root-most first: follow KWK IDs down from the rekey SA_KEY's KWK.
    (_, rekey_spi, rekey_attrs), = [b for b in group_bags if b[0] == 6]
    path, current = [], struct.unpack_from("!I", [a for a in rekey_attrs if a[0] == 1][0][1], 4)[0]
    while current != 0:
        path.append(current)
        current = wrap_keys[current][0]
    sender_ids = [int.from_bytes(v, "big") for k, v in member if k == 3]
    print(json.dumps({
        "source": "scripts/check-gikev2-registration.py with Python cryptography %s over a transcript written by "
                  "RegistrationTranscriptTests (GROUPKEY_WRITE_TRANSCRIPT)" % cryptography.__version__,
        "transcript": t,
        "initiatorAuthValid": initiator_ok,
        "responderAuthValid": responder_ok,
        "gskW": gsk_w.hex(),
        "tekSPI": out["tekSPI"], "tekKeyMaterial": out["tekKeyMaterial"],
        "rekeySPI": out["rekeySPI"], "rekeyKeyMaterial": out["rekeyKeyMaterial"],
        "workingKeyPath": path,
        "senderIDs": sender_ids,
    }, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
