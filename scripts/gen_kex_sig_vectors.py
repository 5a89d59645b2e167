#!/usr/bin/env python3
"""Generates the key-exchange, signature and certificate vectors of GroupKeyCryptoTests.

Independent of groupkey's Swift code: MODP values come from Python's own big integers, with the
primes rebuilt from the formulas of RFC 2409 §6.2 and RFC 3526 (not copied hex); elliptic-curve,
XDH, signature and X.509 values come from the Python `cryptography` package. Published vectors
(RFC 5903 §8, RFC 7748 §5.2/§6) are re-checked here before they are written.

Run from the repository root:  python3 scripts/gen_kex_sig_vectors.py
Output: Tests/GroupKeyCryptoTests/Vectors/{kex-*, sig-*, cert-*}.{json,pem}. MODP vectors are the
same on every run; keys, signatures and certificates are random, so commit the whole output together.
"""
import datetime
import hashlib
import ipaddress
import json
import os

import cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519, x448
from cryptography.x509.oid import NameOID

OUT = os.path.join("Tests", "GroupKeyCryptoTests", "Vectors")
GENERATOR = f"scripts/gen_kex_sig_vectors.py (Python cryptography {cryptography.__version__})"


def write_json(name, value):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def write_text(name, text):
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)


def hx(data):
    return data.hex()


# ---------------------------------------------------------------------------------------------
# MODP groups: primes from their defining formulas, p = 2^n - 2^(n-64) - 1 + 2^64 * ([2^(n-130) pi] + c)

def floor_pi_times_2_pow(k):
    """floor(2^k * pi) by Machin's formula in fixed point with guard bits."""
    guard = 64
    one = 1 << (k + guard)

    def arctan_inv(x):
        total, term, n, sign = 0, one // x, 1, 1
        x2 = x * x
        while term:
            total += sign * (term // n)
            term //= x2
            n += 2
            sign = -sign
        return total

    pi = 16 * arctan_inv(5) - 4 * arctan_inv(239)
    return pi >> guard


MODP_FORMULAS = {  # id: (bits, offset) -- RFC 2409 §6.2 (group 2), RFC 3526 §2-§7
    2: (1024, 129093), 5: (1536, 741804), 14: (2048, 124476), 15: (3072, 1690314),
    16: (4096, 240904), 17: (6144, 929484), 18: (8192, 4743158),
}


def modp_prime(group):
    n, c = MODP_FORMULAS[group]
    return 2 ** n - 2 ** (n - 64) - 1 + 2 ** 64 * (floor_pi_times_2_pow(n - 130) + c)


def probably_prime(n, rounds=8):
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in [2, 3, 5, 7, 11, 13, 17, 19][:rounds]:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def modp_vectors():
    cases = []
    for group in MODP_FORMULAS:
        p = modp_prime(group)
        assert probably_prime(p), f"group {group}: formula did not give a prime"
        size = (p.bit_length() + 7) // 8
        # Fixed private values from a hash, so reruns give the same MODP vectors. For the smaller
        # groups the responder's counter is stepped until g^xy has a leading zero octet, so the
        # vectors check the padding of RFC 7296 §2.14 (a one-in-256 event otherwise).
        x = int.from_bytes(hashlib.sha512(b"groupkey modp initiator %d" % group).digest(), "big")
        gx = pow(2, x, p)
        counter = 0
        while True:
            y = int.from_bytes(hashlib.sha512(b"groupkey modp responder %d %d" % (group, counter)).digest(), "big")
            gy = pow(2, y, p)
            shared = pow(gy, x, p)
            if group not in (2, 5, 14) or shared.bit_length() <= 8 * (size - 1):
                break
            counter += 1
        assert shared == pow(gx, y, p)
        cases.append({
            "id": group, "prime": hx(p.to_bytes(size, "big")),
            "x": hx(x.to_bytes(64, "big")), "gx": hx(gx.to_bytes(size, "big")),
            "y": hx(y.to_bytes(64, "big")), "gy": hx(gy.to_bytes(size, "big")),
            "shared": hx(shared.to_bytes(size, "big")),
        })
    write_json("kex-modp.json", {
        "source": f"{GENERATOR}: primes from the formulas of RFC 2409 §6.2 and RFC 3526 §2-7 (checked "
                  "prime), private values x = SHA-512('groupkey modp initiator <id>'), y = SHA-512('groupkey modp responder <id> <n>') "
                  "with the first n giving g^xy a leading zero octet for groups 2, 5 and 14 (n = 0 otherwise), "
                  "g = 2, values big-endian and left-padded to the prime length (RFC 7296 §3.4)",
        "cases": cases,
    })


# ---------------------------------------------------------------------------------------------
# RFC 5903 §8 (copied from the RFC text), re-checked with cryptography.

RFC5903 = [
    {"id": 19, "curve": ec.SECP256R1(),
     "i": "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
     "gix": "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180",
     "giy": "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
     "r": "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
     "grx": "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63",
     "gry": "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
     "girx": "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"},
    {"id": 20, "curve": ec.SECP384R1(),
     "i": "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194",
     "gix": "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa",
     "giy": "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
     "r": "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc",
     "grx": "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571",
     "gry": "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
     "girx": "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746"},
    {"id": 21, "curve": ec.SECP521R1(),
     "i": "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a095aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d4a52",
     "gix": "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbee1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176ced3e",
     "giy": "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10ad8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f9582",
     "r": "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb151685eb9",
     "grx": "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a219b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9460f",
     "gry": "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0fc56a",
     "girx": "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3ddea"},
]


def ecp_vectors():
    cases = []
    for v in RFC5903:
        for priv, x, y in [("i", "gix", "giy"), ("r", "grx", "gry")]:
            key = ec.derive_private_key(int(v[priv], 16), v["curve"])
            nums = key.public_key().public_numbers()
            size = len(v[x]) // 2
            assert nums.x.to_bytes(size, "big").hex() == v[x] and nums.y.to_bytes(size, "big").hex() == v[y]
        i_key = ec.derive_private_key(int(v["i"], 16), v["curve"])
        peer = ec.EllipticCurvePublicNumbers(int(v["grx"], 16), int(v["gry"], 16), v["curve"]).public_key()
        assert i_key.exchange(ec.ECDH(), peer).hex() == v["girx"]
        cases.append({k: val for k, val in v.items() if k != "curve"})
    write_json("kex-rfc5903-ecp.json", {
        "source": "RFC 5903 §8.1-8.3 (i, g^i, r, g^r, shared secret girx), re-checked by " + GENERATOR,
        "cases": cases,
    })


# ---------------------------------------------------------------------------------------------
# RFC 7748 §5.2 and §6 (written from the RFC), confirmed with cryptography's X25519/X448.

RFC7748_FUNCTION = [
    {"curve": "x25519", "scalar": "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
     "u": "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
     "output": "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
    {"curve": "x25519", "scalar": "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
     "u": "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
     "output": "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
    {"curve": "x448", "scalar": "3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3",
     "u": "06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086",
     "output": "ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239fe14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f"},
    {"curve": "x448", "scalar": "203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c538345dd77c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f",
     "u": "0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b165d015894e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db",
     "output": "884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7ad1b3ee3a5700df34321d62077e63633c575c1c954514e99da7c179d"},
]

RFC7748_ITERATED = [  # k = u = base point (9 / 5), then k, u = X(k, u), k
    {"curve": "x25519", "iterations": 1, "output": "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"},
    {"curve": "x25519", "iterations": 1000, "output": "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"},
    {"curve": "x448", "iterations": 1, "output": "3f482c8a9f19b01e6c46ee9711d9dc14fd4bf67af30765c2ae2b846a4d23a8cd0db897086239492caf350b51f833868b9bc2b3bca9cf4113"},
    {"curve": "x448", "iterations": 1000, "output": "aa3b4749d55b9daf1e5b00288826c467274ce3ebbdd5c17b975e09d4af6c67cf10d087202db88286e2b79fceea3ec353ef54faa26e219f38"},
]

RFC7748_DH = [
    {"curve": "x25519",
     "alicePrivate": "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
     "alicePublic": "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
     "bobPrivate": "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
     "bobPublic": "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
     "shared": "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
    {"curve": "x448",
     "alicePrivate": "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
     "alicePublic": "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
     "bobPrivate": "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
     "bobPublic": "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
     "shared": "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"},
]

XDH = {"x25519": (x25519.X25519PrivateKey, x25519.X25519PublicKey, 32, 9),
       "x448": (x448.X448PrivateKey, x448.X448PublicKey, 56, 5)}


def xdh(curve, scalar, u):
    priv_cls, pub_cls, _, _ = XDH[curve]
    return priv_cls.from_private_bytes(scalar).exchange(pub_cls.from_public_bytes(u))


def xdh_vectors():
    for v in RFC7748_FUNCTION:
        assert xdh(v["curve"], bytes.fromhex(v["scalar"]), bytes.fromhex(v["u"])).hex() == v["output"], v
    for v in RFC7748_ITERATED:
        size, base = XDH[v["curve"]][2], XDH[v["curve"]][3]
        k = u = base.to_bytes(size, "little")
        for _ in range(v["iterations"]):
            k, u = xdh(v["curve"], k, u), k
        assert k.hex() == v["output"], v
    for v in RFC7748_DH:
        priv_cls = XDH[v["curve"]][0]
        for who in ("alice", "bob"):
            key = priv_cls.from_private_bytes(bytes.fromhex(v[who + "Private"]))
            assert key.public_key().public_bytes_raw().hex() == v[who + "Public"]
        assert xdh(v["curve"], bytes.fromhex(v["alicePrivate"]), bytes.fromhex(v["bobPublic"])).hex() == v["shared"]
    write_json("kex-rfc7748-xdh.json", {
        "source": "RFC 7748 §5.2 (function and 1/1000-iteration vectors) and §6.1/§6.2 (DH), each "
                  "confirmed by " + GENERATOR,
        "function": RFC7748_FUNCTION, "iterated": RFC7748_ITERATED, "dh": RFC7748_DH,
    })


# ---------------------------------------------------------------------------------------------
# Signatures: keys, Python signatures over a fixed message, for every scheme.

MESSAGE = b"groupkey RFC 7427 signed octets: RealMessage | Nonce | prf(SK_p, ID')"
HASHES = {"sha1": hashes.SHA1(), "sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


def pem_private(key, fmt):
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def pem_public(key):
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signature_vectors():
    pkcs8, trad = serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL
    keys = {
        "rsa2048": (rsa.generate_private_key(65537, 2048), trad),
        "ecp256": (ec.generate_private_key(ec.SECP256R1()), pkcs8),
        "ecp384": (ec.generate_private_key(ec.SECP384R1()), trad),
        "ecp521": (ec.generate_private_key(ec.SECP521R1()), pkcs8),
        "ed25519": (ed25519.Ed25519PrivateKey.generate(), pkcs8),
    }
    files = {}
    for name, (key, fmt) in keys.items():
        write_text(f"sig-{name}-private.pem", pem_private(key, fmt))
        write_text(f"sig-{name}-public.pem", pem_public(key.public_key()))
        files[name] = {
            "private": f"sig-{name}-private.pem", "public": f"sig-{name}-public.pem",
            "privateFormat": "PKCS#8" if fmt == pkcs8 else "traditional",
            # The same key in DER, the other private form, to test DER loading of both forms.
            "privateDER": hx(key.private_bytes(serialization.Encoding.DER, pkcs8 if fmt == trad else
                                               (trad if name.startswith("ec") else pkcs8),
                                               serialization.NoEncryption())),
            "publicDER": hx(key.public_key().public_bytes(serialization.Encoding.DER,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)),
        }
    cases = []
    rsa_key = keys["rsa2048"][0]
    for h in ("sha1", "sha256", "sha384", "sha512"):
        sig = rsa_key.sign(MESSAGE, padding.PKCS1v15(), HASHES[h])
        cases.append({"key": "rsa2048", "scheme": "rsa-pkcs1-" + h, "deterministic": True, "signature": hx(sig)})
    for h in ("sha256", "sha384", "sha512"):
        pss = padding.PSS(mgf=padding.MGF1(HASHES[h]), salt_length=HASHES[h].digest_size)
        sig = rsa_key.sign(MESSAGE, pss, HASHES[h])
        cases.append({"key": "rsa2048", "scheme": "rsa-pss-" + h, "deterministic": False, "signature": hx(sig)})
    for name, h in (("ecp256", "sha256"), ("ecp384", "sha384"), ("ecp521", "sha512"), ("ecp256", "sha512")):
        sig = keys[name][0].sign(MESSAGE, ec.ECDSA(HASHES[h]))
        cases.append({"key": name, "scheme": "ecdsa-" + h, "deterministic": False, "signature": hx(sig)})
    sig = keys["ed25519"][0].sign(MESSAGE)
    cases.append({"key": "ed25519", "scheme": "ed25519", "deterministic": True, "signature": hx(sig)})
    write_json("sig-signatures.json", {
        "source": f"{GENERATOR}: random keys (PEM files beside this one), signatures by Python over "
                  "`message`; PSS with MGF1 of the same hash and salt length = hash length; ECDSA as "
                  "DER ECDSA-Sig-Value",
        "message": hx(MESSAGE), "keys": files, "cases": cases,
    })
    return keys


# ---------------------------------------------------------------------------------------------
# AlgorithmIdentifiers as a second implementation writes them: the signatureAlgorithm field of
# certificates that cryptography signs with each scheme.

def der_children(data):
    """Top-level TLVs of a DER SEQUENCE body (enough for Certificate ::= SEQUENCE {tbs, alg, sig})."""
    out, i = [], 0
    while i < len(data):
        start = i
        i += 1
        length = data[i]
        i += 1
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(data[i:i + n], "big")
            i += n
        i += length
        out.append(data[start:i])
    return out


def algorithm_identifier_vectors(keys):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "algid probe")])
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    # cryptography refuses to sign certificates with SHA-1; RFC 7427 A.1.1 is the only source for it.
    probes = [("rsa-pkcs1-" + h, "rsa2048", HASHES[h], None) for h in ("sha256", "sha384", "sha512")]
    probes += [("rsa-pss-" + h, "rsa2048", HASHES[h], padding.PSS(mgf=padding.MGF1(HASHES[h]),
                                                                   salt_length=padding.PSS.DIGEST_LENGTH))
               for h in ("sha256", "sha384", "sha512")]
    probes += [("ecdsa-" + h, "ecp256", HASHES[h], None) for h in ("sha256", "sha384", "sha512")]
    probes += [("ed25519", "ed25519", None, None)]
    cases = []
    for scheme, key_name, h, pad in probes:
        key = keys[key_name][0]
        builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(1)
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)))
        cert = builder.sign(key, h, rsa_padding=pad) if pad else builder.sign(key, h)
        top = der_children(cert.public_bytes(serialization.Encoding.DER))
        body = der_children(top[0][2 if top[0][1] < 0x80 else 2 + (top[0][1] & 0x7F):])
        cases.append({"scheme": scheme, "der": hx(body[1])})
    write_json("sig-algorithm-identifiers.json", {
        "source": f"signatureAlgorithm of certificates signed by {GENERATOR}; compare RFC 7427 "
                  "Appendix A (which lists all but RSASSA-PSS with SHA-384/512 and Ed25519)",
        "cases": cases,
    })


# ---------------------------------------------------------------------------------------------
# Certificates: root CA -> intermediate -> leaves; an expired leaf; a leaf of an untrusted CA.

def make_cert(subject_cn, subject_key, issuer_cert, issuer_key, ca, start, end, serial, sans=None,
              path_len=None):
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "groupkey test"),
                         x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    issuer = issuer_cert.subject if issuer_cert else subject
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(subject_key.public_key()).serial_number(serial)
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
    if issuer_cert:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def certificate_vectors():
    utc = datetime.timezone.utc
    good_from, good_to = datetime.datetime(2025, 1, 1, tzinfo=utc), datetime.datetime(2045, 1, 1, tzinfo=utc)
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = make_cert("groupkey test root CA", root_key, None, root_key, True, good_from, good_to, 1)
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter = make_cert("groupkey test intermediate CA", inter_key, root, root_key, True, good_from, good_to, 2,
                      path_len=0)
    sans = [x509.DNSName("gcks.example.net"), x509.IPAddress(ipaddress.ip_address("192.0.2.10")),
            x509.IPAddress(ipaddress.ip_address("2001:db8::10")), x509.RFC822Name("gcks@example.net")]
    rsa_leaf_key = rsa.generate_private_key(65537, 2048)
    rsa_leaf = make_cert("gcks-rsa.example.net", rsa_leaf_key, inter, inter_key, False, good_from, good_to, 3, sans)
    ec_leaf_key = ec.generate_private_key(ec.SECP256R1())
    ec_leaf = make_cert("gcks-ecdsa.example.net", ec_leaf_key, inter, inter_key, False, good_from, good_to, 4,
                        [x509.DNSName("gcks-ecdsa.example.net")])
    expired_key = ec.generate_private_key(ec.SECP256R1())
    expired = make_cert("expired.example.net", expired_key, inter, inter_key, False,
                        datetime.datetime(2020, 1, 1, tzinfo=utc), datetime.datetime(2022, 1, 1, tzinfo=utc), 5)
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue = make_cert("untrusted CA", rogue_key, None, rogue_key, True, good_from, good_to, 6)
    rogue_leaf_key = ec.generate_private_key(ec.SECP256R1())
    rogue_leaf = make_cert("rogue.example.net", rogue_leaf_key, rogue, rogue_key, False, good_from, good_to, 7)

    pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode()
    files = {"root": root, "intermediate": inter, "leaf-rsa": rsa_leaf, "leaf-ecdsa": ec_leaf,
             "leaf-expired": expired, "untrusted-ca": rogue, "leaf-untrusted": rogue_leaf}
    for name, cert in files.items():
        write_text(f"cert-{name}.pem", pem(cert))
    write_text("cert-rsa-leaf-key.pem", pem_private(rsa_leaf_key, serialization.PrivateFormat.PKCS8))
    # A bundle with a comment line between blocks, as operators' files have.
    write_text("cert-bundle.pem", "# leaf, intermediate, root\n" + pem(rsa_leaf) + "\n" + pem(inter) + pem(root))
    meta = {}
    for name, cert in files.items():
        meta[name] = {
            "file": f"cert-{name}.pem",
            "der": hx(cert.public_bytes(serialization.Encoding.DER)),
            "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
            "notBefore": int(cert.not_valid_before_utc.timestamp()),
            "notAfter": int(cert.not_valid_after_utc.timestamp()),
            "publicKeyDER": hx(cert.public_key().public_bytes(serialization.Encoding.DER,
                                                               serialization.PublicFormat.SubjectPublicKeyInfo)),
        }
    write_json("cert-chain.json", {
        "source": f"{GENERATOR}: root CA (P-384) -> intermediate (P-256, pathLen 0) -> RSA and ECDSA "
                  "leaves valid 2025-01-01..2045-01-01; an expired leaf (2020-2022); a leaf of an "
                  "untrusted self-signed CA. Subject strings as cryptography's rfc4514_string().",
        "verificationTime": int(datetime.datetime(2030, 6, 1, tzinfo=utc).timestamp()),
        "rsaLeafSANs": {"dns": ["gcks.example.net"], "ip": ["192.0.2.10", "2001:db8::10"],
                        "email": ["gcks@example.net"]},
        "certificates": meta,
    })


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    modp_vectors()
    ecp_vectors()
    xdh_vectors()
    keys = signature_vectors()
    algorithm_identifier_vectors(keys)
    certificate_vectors()
    print("vectors written to", OUT)
