#!/usr/bin/env python3
"""Reads a loopback pcap of strongSwan traffic and writes the UDP payloads as JSON fixtures:
Tests/GIKEv2WireTests/Vectors/strongswan-ikev2.json (MjVer 2) and
Tests/GDOIWireTests/Vectors/strongswan-ikev1.json (MjVer 1). Payloads keep their 4-octet non-ESP
marker, which strongSwan adds on every port but 500. Usage: pcap-to-fixtures.py FILE.pcap VERSION"""
import json
import os
import struct
import sys

path, version = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "strongSwan"
data = open(path, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
linktype = struct.unpack(endian + "I", data[20:24])[0]
offset, packets = 24, []
while offset + 16 <= len(data):
    _, _, incl, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
    frame = data[offset + 16: offset + 16 + incl]
    offset += 16 + incl
    l2 = {1: 14, 113: 16, 276: 20, 0: 4}.get(linktype, 14)  # Ethernet (lo), Linux SLL/SLL2, BSD loopback
    ip = frame[l2:]
    if not ip or ip[0] >> 4 != 4 or ip[9] != 17:
        continue
    ihl = (ip[0] & 0x0F) * 4
    sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
    payload = ip[ihl + 8: ihl + ulen]
    packets.append({"from": sport, "to": dport, "udp": payload.hex()})

v2, v1 = [], []
for p in packets:
    raw = bytes.fromhex(p["udp"])
    body = raw[4:] if raw[:4] == b"\0\0\0\0" else raw
    if len(body) < 28:
        continue
    entry = dict(p, exchange=body[18], flags=body[19], marker=raw[:4] == b"\0\0\0\0")
    (v2 if body[17] >> 4 == 2 else v1).append(entry)

root = os.path.join(os.path.dirname(__file__), "..", "Tests")
for name, items, folder in (("strongswan-ikev2.json", v2, "GIKEv2WireTests"), ("strongswan-ikev1.json", v1, "GDOIWireTests")):
    doc = {"source": "captured on loopback from %s (two charon instances, PSK, responder on UDP 848) by scripts/capture-strongswan.sh" % version.strip(),
           "messages": items}
    with open(os.path.join(root, folder, "Vectors", name), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(name, len(items), "messages")
