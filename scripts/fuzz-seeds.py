#!/usr/bin/env python3
"""Writes fuzzing seeds from the committed vectors into DIR/seeds-<target>/ (used by scripts/fuzz.sh)."""
import json
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out = sys.argv[1]


def write(target, name, data):
    folder = os.path.join(out, "seeds-" + target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


sk = json.load(open(os.path.join(root, "Tests/GIKEv2WireTests/Vectors/ikev2-sk-messages.json")))
for v in sk["vectors"]:
    for i, m in enumerate([v["message"]] if "message" in v else v.get("fragments", [])):
        write("FuzzGIKEv2Wire", "%s-%d" % (v["name"], i), bytes.fromhex(m))
    if v.get("innerPayloads"):
        write("FuzzGIKEv2Wire", v["name"] + "-inner", bytes([v["firstInnerPayload"]]) + bytes.fromhex(v["innerPayloads"]))
for i, m in enumerate(json.load(open(os.path.join(root, "Tests/GIKEv2WireTests/Vectors/strongswan-ikev2.json")))["messages"]):
    write("FuzzGIKEv2Wire", "strongswan-%d" % i, bytes.fromhex(m["udp"]))

exchanges = [2, 4, 5, 32, 33, 35]
gdoi = json.load(open(os.path.join(root, "Tests/GDOIWireTests/Vectors/gdoi-messages.json")))
for v in gdoi["vectors"]:
    message = bytes.fromhex(v["message"])
    write("FuzzGDOIWire", v["name"], message)
    if v.get("plaintext"):
        write("FuzzGDOIWire", v["name"] + "-plain", bytes([exchanges.index(v["exchange"]), message[16]]) + bytes.fromhex(v["plaintext"]))
for i, m in enumerate(json.load(open(os.path.join(root, "Tests/GDOIWireTests/Vectors/strongswan-ikev1.json")))["messages"]):
    write("FuzzGDOIWire", "strongswan-%d" % i, bytes.fromhex(m["udp"]))
