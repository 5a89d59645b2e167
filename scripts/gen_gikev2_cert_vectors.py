#!/usr/bin/env python3
"""Test PKI for the G-IKEv2 engine tests' certificate authentication (RFC 7296 section 2.15 with
RFC 7427 Digital Signature AUTH). Python `cryptography` builds a P-256 root CA, a GM leaf
(ECDSA P-256, SAN DNS gm1.example), a second GM leaf (Ed25519, SAN email gm2@example.net), a GCKS
leaf (RSA-2048, SAN DNS gcks.example) and a GM leaf under an unrelated self-signed CA. Validity
2025-01-01 to 2045-01-01. Writes PEM files to the directory given (Tests/GIKEv2Tests/Vectors).
Keys are test keys only.
"""
import datetime
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
END = datetime.datetime(2045, 1, 1, tzinfo=datetime.timezone.utc)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "groupkey engine test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def certificate(subject, key, issuer, issuer_key, ca=False, san=None):
    builder = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(START).not_valid_after(END)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    algorithm = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(issuer_key, algorithm)


def pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def main():
    out = Path(sys.argv[1])
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = certificate("engine test root CA", root_key, "engine test root CA", root_key, ca=True)
    gm_key = ec.generate_private_key(ec.SECP256R1())
    gm = certificate("gm1.example", gm_key, "engine test root CA", root_key, san=[x509.DNSName("gm1.example")])
    gm2_key = ed25519.Ed25519PrivateKey.generate()
    gm2 = certificate("gm2", gm2_key, "engine test root CA", root_key, san=[x509.RFC822Name("gm2@example.net")])
    gcks_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    gcks = certificate("gcks.example", gcks_key, "engine test root CA", root_key, san=[x509.DNSName("gcks.example")])
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = certificate("other CA", other_key, "other CA", other_key, ca=True)
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue = certificate("gm1.example", rogue_key, "other CA", other_key, san=[x509.DNSName("gm1.example")])
    files = {
        "engine-root.pem": root.public_bytes(serialization.Encoding.PEM),
        "engine-gm1-ecdsa.pem": gm.public_bytes(serialization.Encoding.PEM),
        "engine-gm1-ecdsa-key.pem": pem_key(gm_key),
        "engine-gm2-ed25519.pem": gm2.public_bytes(serialization.Encoding.PEM),
        "engine-gm2-ed25519-key.pem": pem_key(gm2_key),
        "engine-gcks-rsa.pem": gcks.public_bytes(serialization.Encoding.PEM),
        "engine-gcks-rsa-key.pem": pem_key(gcks_key),
        "engine-rogue-gm1.pem": rogue.public_bytes(serialization.Encoding.PEM),
        "engine-rogue-gm1-key.pem": pem_key(rogue_key),
    }
    for file, data in files.items():
        (out / file).write_bytes(data)


if __name__ == "__main__":
    main()
