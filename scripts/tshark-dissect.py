#!/usr/bin/env python3
"""Writes every message the codec tests build or accept into a pcap and has tshark dissect it.

Sources: the Python-built vectors (Tests/*/Vectors/ikev2-sk-messages.json, gdoi-messages.json),
which the Swift tests prove the codecs re-serialise and seal byte for byte, and strongSwan's
captured messages. IKEv2 SK payloads are decrypted by tshark with the vectors' keys (ICV checked).
GDOI messages are encrypted with IVs tshark cannot derive (it follows the phase-1 IV chain), so
each is also written in decrypted form (E flag clear, plaintext payloads) for tshark to dissect.

Prints one line per frame and exits 1 if tshark reports any malformed packet, an expert error or
a failed ICV. Usage: python3 scripts/tshark-dissect.py [OUT.pcap]
"""
import json
import os
import struct
import subprocess
import sys

from tshark_support import sa_tek_layout_difference, write_udp_pcap

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/groupkey-wire.pcap"


def load(rel):
    with open(os.path.join(ROOT, rel)) as f:
        return json.load(f)


frames = []  # (label, udp payload, sport, dport)
uat = []

sk = load("Tests/GIKEv2WireTests/Vectors/ikev2-sk-messages.json")
for v in sk["vectors"]:
    for i, m in enumerate([v["message"]] if "message" in v else v.get("fragments", [])):
        frames.append(("%s%s" % (v["name"], "" if "message" in v else " fragment %d" % (i + 1)), bytes.fromhex(m), 848, 848))
    if v.get("encryptionKey"):
        first = bytes.fromhex(v["message"] if "message" in v else v["fragments"][0])
        ispi, rspi = first[:8].hex(), first[8:16].hex()
        if v["isAEAD"]:
            key = v["encryptionKey"] + v["salt"]
            uat.append('uat:ikev2_decryption_table:%s,%s,%s,%s,"AES-GCM-256 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"'
                       % (ispi, rspi, key, key))
        else:
            uat.append('uat:ikev2_decryption_table:%s,%s,%s,%s,"AES-CBC-256 [RFC3602]",%s,%s,"HMAC_SHA2_256_128 [RFC4868]"'
                       % (ispi, rspi, v["encryptionKey"], v["encryptionKey"], v["integrityKey"], v["integrityKey"]))

gdoi = load("Tests/GDOIWireTests/Vectors/gdoi-messages.json")
for v in gdoi["vectors"]:
    message = bytes.fromhex(v["message"])
    frames.append((v["name"], message, 848, 848))
    if v.get("plaintext"):
        plain = bytes.fromhex(v["plaintext"])
        header = bytearray(message[:28])
        header[19] &= 0xFE
        header[24:28] = struct.pack("!I", 28 + len(plain))
        frames.append((v["name"] + " (decrypted copy)", bytes(header) + plain, 848, 848))

for rel in ("Tests/GIKEv2WireTests/Vectors/strongswan-ikev2.json", "Tests/GDOIWireTests/Vectors/strongswan-ikev1.json"):
    for i, m in enumerate(load(rel)["messages"]):
        udp = bytes.fromhex(m["udp"])
        # strongSwan framed these with the non-ESP marker; written here as on port 4500 so tshark's
        # udpencap dissector strips it.
        frames.append(("strongSwan %s #%d" % (os.path.basename(rel)[:-5], i + 1), udp, 4500, 4500))

write_udp_pcap(OUT, [(payload, sport, dport) for _, payload, sport, dport in frames])

args = ["tshark", "-r", OUT, "-d", "udp.port==848,isakmp"]
for o in uat:
    args += ["-o", o]
text = subprocess.run(args + ["-V"], capture_output=True, text=True).stdout
blocks = text.split("\nFrame ")
bad = known = 0
for (label, _, _, _), block in zip(frames, blocks):
    lines = block.splitlines()
    problems = [l.strip() for l in lines if "Malformed" in l or "[Expert Info (Error" in l or "[incorrect" in l]
    sat_layout = sa_tek_layout_difference(block)
    notes = []
    if "Decrypted Data" in block:
        notes.append("SK decrypted" + (", ICV [correct]" if "[correct]" in block else ""))
    if problems and sat_layout:
        verdict, known = "known tshark SA TEK layout difference (%s)" % sat_layout, known + 1
    elif problems:
        verdict, bad = "ERROR " + "; ".join(problems[:2]), bad + 1
    else:
        verdict = "ok"
    print("%-52s %s%s" % (label, verdict, " (" + "; ".join(notes) + ")" if notes else ""))
print("%d frames: %d clean, %d known dissector difference, %d errors" % (len(frames), len(frames) - bad - known, known, bad))
sys.exit(1 if bad or len(blocks) != len(frames) else 0)
