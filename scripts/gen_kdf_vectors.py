#!/usr/bin/env python3
"""Writes known-answer vectors for the key derivations no RFC gives vectors for: prf+ (RFC 7296
§2.13), SKEYSEED and the SK_* chain (§2.14, §2.18), Child SA KEYMAT (§2.17), the IKEv1 SKEYID
chain, key expansion and IVs (RFC 2409 §5, Appendix B), and the G-IKEv2 GSK_w and Rekey SA KEYMAT
split (RFC 9838 §3.1.1, §3.4).

Every HMAC and hash comes from the Python `cryptography` package (OpenSSL-independent code paths
are not available there, but the formulas here are written from the RFC text separately from the
Swift code). Inputs are fixed octet strings derived from labels, so the file is reproducible:

    python3 scripts/gen_kdf_vectors.py > Tests/GroupKeyCryptoTests/Vectors/kdf-cross-check.json
"""
import hashlib
import json
import sys

import cryptography
from cryptography.hazmat.primitives import hashes, hmac

HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
          "sha512": hashes.SHA512, "md5": hashes.MD5}


def octets(label, n):
    """n reproducible octets named by a label."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha512(f"{label}/{counter}".encode()).digest()
        counter += 1
    return out[:n]


def prf(alg, key, data):
    h = hmac.HMAC(key, HASHES[alg]())
    h.update(data)
    return h.finalize()


def prf_plus(alg, key, seed, length):
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = prf(alg, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:length]


def digest(alg, data):
    h = hashes.Hash(HASHES[alg]())
    h.update(data)
    return h.finalize()


def hx(b):
    return b.hex()


def prf_plus_cases():
    cases = []
    for alg, length in [("sha1", 20), ("sha1", 73), ("sha256", 1), ("sha256", 32), ("sha256", 200),
                        ("sha384", 100), ("sha512", 64), ("sha512", 333), ("sha256", 255 * 32)]:
        key = octets(f"prfplus-key-{alg}-{length}", 32)
        seed = octets(f"prfplus-seed-{alg}-{length}", 40)
        cases.append({"prf": alg, "key": hx(key), "seed": hx(seed), "length": length,
                      "output": hx(prf_plus(alg, key, seed, length))})
    return cases


def ikev2_cases():
    # (prf, integ key length, encr key length incl. salt, shared secret length)
    configs = [("sha256", 32, 32, 256),   # AES-CBC-256 + HMAC-SHA2-256-128, MODP-2048
               ("sha256", 0, 36, 32),     # AES-GCM-16-256 (32 + 4 salt), X25519
               ("sha384", 48, 16, 48),    # AES-CBC-128 + HMAC-SHA2-384-192, ECP-384
               ("sha512", 64, 36, 66),    # AES-GCM-256 + (unused) , ECP-521 x-coordinate
               ("sha1", 20, 24, 128)]     # legacy: 3DES + HMAC-SHA1-96, MODP-1024
    cases = []
    for n, (alg, ia, ea, ss_len) in enumerate(configs):
        ni = octets(f"ikev2-ni-{n}", 32)
        nr = octets(f"ikev2-nr-{n}", 32)
        g_ir = octets(f"ikev2-gir-{n}", ss_len)
        spi_i = octets(f"ikev2-spii-{n}", 8)
        spi_r = octets(f"ikev2-spir-{n}", 8)
        p = len(prf(alg, b"k", b"d"))
        skeyseed = prf(alg, ni + nr, g_ir)
        stream = prf_plus(alg, skeyseed, ni + nr + spi_i + spi_r, 3 * p + 2 * ia + 2 * ea)
        keys, off = {}, 0
        for name, length in [("skD", p), ("skAi", ia), ("skAr", ia), ("skEi", ea), ("skEr", ea),
                             ("skPi", p), ("skPr", p)]:
            keys[name] = hx(stream[off:off + length])
            off += length
        new_g_ir = octets(f"ikev2-rekey-gir-{n}", ss_len)
        new_ni = octets(f"ikev2-rekey-ni-{n}", 32)
        new_nr = octets(f"ikev2-rekey-nr-{n}", 32)
        sk_d = stream[:p]
        rekeyed = prf(alg, sk_d, new_g_ir + new_ni + new_nr)
        child_len = 2 * (ea + ia)
        child = prf_plus(alg, sk_d, new_ni + new_nr, child_len)
        child_pfs = prf_plus(alg, sk_d, new_g_ir + new_ni + new_nr, child_len)
        gsk_w = {str(kl): hx(prf_plus(alg, sk_d, b"Key Wrap for G-IKEv2", kl)) for kl in (16, 24, 32)}
        cases.append({
            "prf": alg, "integrityKeyLength": ia, "encryptionKeyLength": ea,
            "nonceInitiator": hx(ni), "nonceResponder": hx(nr), "sharedSecret": hx(g_ir),
            "spiInitiator": hx(spi_i), "spiResponder": hx(spi_r),
            "skeyseed": hx(skeyseed), **keys,
            "rekey": {"sharedSecret": hx(new_g_ir), "nonceInitiator": hx(new_ni), "nonceResponder": hx(new_nr),
                      "skeyseed": hx(rekeyed), "childLength": child_len,
                      "childKeymat": hx(child), "childKeymatPFS": hx(child_pfs)},
            "gskW": gsk_w,
        })
    return cases


def ikev1_cases():
    # (hash, encryption key length, block size, shared secret length)
    configs = [("sha1", 32, 16, 256),    # AES-256 with SHA-1: SKEYID_e (20) too short -> Ka expansion
               ("sha1", 24, 8, 128),     # 3DES with SHA-1, MODP-1024: expansion
               ("sha256", 16, 16, 256),  # AES-128 with SHA-256: leading 16 octets
               ("sha256", 32, 16, 32),   # AES-256 with SHA-256: exact
               ("md5", 16, 16, 192),     # legacy MD5: AES-128, expansion (16 == 16, exact)
               ("sha512", 32, 16, 66)]
    cases = []
    for n, (alg, klen, block, ss_len) in enumerate(configs):
        ni = octets(f"ikev1-ni-{n}", 20)
        nr = octets(f"ikev1-nr-{n}", 24)
        g_xy = octets(f"ikev1-gxy-{n}", ss_len)
        cky_i = octets(f"ikev1-ckyi-{n}", 8)
        cky_r = octets(f"ikev1-ckyr-{n}", 8)
        psk = octets(f"ikev1-psk-{n}", 17)
        gxi = octets(f"ikev1-gxi-{n}", ss_len)
        gxr = octets(f"ikev1-gxr-{n}", ss_len)
        last_block = octets(f"ikev1-lastblock-{n}", block)
        mid = octets(f"ikev1-mid-{n}", 4)
        skeyid_psk = prf(alg, psk, ni + nr)
        skeyid_sig = prf(alg, ni + nr, g_xy)
        d = prf(alg, skeyid_psk, g_xy + cky_i + cky_r + b"\x00")
        a = prf(alg, skeyid_psk, d + g_xy + cky_i + cky_r + b"\x01")
        e = prf(alg, skeyid_psk, a + g_xy + cky_i + cky_r + b"\x02")
        if len(e) >= klen:
            ka = e[:klen]
        else:
            k = prf(alg, e, b"\x00")
            ka = k
            while len(ka) < klen:
                k = prf(alg, e, k)
                ka += k
            ka = ka[:klen]
        cases.append({
            "hash": alg, "encryptionKeyLength": klen, "blockSize": block,
            "preSharedKey": hx(psk), "nonceInitiator": hx(ni), "nonceResponder": hx(nr),
            "sharedSecret": hx(g_xy), "cookieInitiator": hx(cky_i), "cookieResponder": hx(cky_r),
            "skeyidPreSharedKey": hx(skeyid_psk), "skeyidSignature": hx(skeyid_sig),
            "skeyidD": hx(d), "skeyidA": hx(a), "skeyidE": hx(e), "encryptionKey": hx(ka),
            "publicValueInitiator": hx(gxi), "publicValueResponder": hx(gxr),
            "phase1IV": hx(digest(alg, gxi + gxr)[:block]),
            "lastPhase1Block": hx(last_block), "messageID": int.from_bytes(mid, "big"),
            "phase2IV": hx(digest(alg, last_block + mid)[:block]),
        })
    return cases


def rekey_split_cases():
    cases = []
    for n, (e, a, w) in enumerate([(36, 0, 32), (32, 32, 32), (16, 20, 16), (20, 0, 24)]):
        keymat = octets(f"rekey-keymat-{n}", e + a + w)
        cases.append({"encryptionKeyLength": e, "integrityKeyLength": a, "keyWrapKeyLength": w,
                      "keymat": hx(keymat), "gskE": hx(keymat[:e]), "gskA": hx(keymat[e:e + a]),
                      "gskW": hx(keymat[e + a:])})
    return cases


def main():
    doc = {
        "source": "scripts/gen_kdf_vectors.py with Python cryptography " + cryptography.__version__ +
                  "; formulas from RFC 7296 §2.13/§2.14/§2.17/§2.18, RFC 2409 §5 and Appendix B, RFC 9838 §3.1.1/§3.4",
        "prfPlus": prf_plus_cases(),
        "ikev2": ikev2_cases(),
        "ikev1": ikev1_cases(),
        "rekeySASplit": rekey_split_cases(),
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
