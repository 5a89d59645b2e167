#!/usr/bin/env python3
"""Has tshark dissect a GROUPKEY-PULL, a GROUPKEY-PUSH and its PUSH-ACK as groupkey sends them.

The frames come from the Swift test "GroupKeyPull capture" (Tests/GDOITests/GroupKeyCaptureTests.swift),
which writes them as JSON when GROUPKEY_GDOI_CAPTURE=FILE is set: every encrypted message as sent and a
decrypted copy (E flag clear) made with the IV chain the test computes itself, because tshark cannot
derive GDOI phase-2 IVs. Checks that tshark reports no malformed packet or expert error (apart from the
SA TEK identity layout tshark 4.0 reads differently, see scripts/tshark-dissect.py) and that its GDOI
fields show the TEK SPIs, key data and the push sequence number we sent.

Usage: python3 scripts/interop/tshark-gdoi-groupkey.py CAPTURE.json [OUT.pcap]
"""
import json
import struct
import subprocess
import sys

capture = json.load(open(sys.argv[1]))
OUT = sys.argv[2] if len(sys.argv) > 2 else "/tmp/groupkey-gdoi.pcap"
frames = [(f["name"], bytes.fromhex(f["hex"])) for f in capture["frames"]]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


with open(OUT, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW (IPv4)
    for n, (_, payload) in enumerate(frames):
        udp = struct.pack("!HHHH", 848, 848, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n, 0, 64, 17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2]))
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        f.write(struct.pack("<IIII", 1_700_000_000 + n, 0, len(ip + udp), len(ip + udp)) + ip + udp)

base = ["tshark", "-r", OUT, "-d", "udp.port==848,isakmp"]
text = subprocess.run(base + ["-V"], capture_output=True, text=True).stdout
blocks = text.split("\nFrame ")
bad = known = 0
for (label, _), block in zip(frames, blocks):
    lines = block.splitlines()
    problems = [l.strip() for l in lines if "Malformed" in l or "[Expert Info (Error" in l]
    first_bad = next((i for i, l in enumerate(lines) if "Malformed" in l), None)
    sat_layout = first_bad is not None and "SRC ID Data Length" in lines[first_bad - 1] and "SA TEK" in block
    if problems and sat_layout:
        verdict, known = "known tshark SA TEK layout difference (%s)" % lines[first_bad - 1].strip(), known + 1
    elif problems:
        verdict, bad = "ERROR " + "; ".join(problems[:2]), bad + 1
    else:
        verdict = "ok"
    print("%-44s %s" % (label, verdict))

# tshark 4.0 dissects the SA KEK (naming its attributes with the IPsec DOI's names) but does not
# follow the SA attribute chain on to GAP and SA TEK, so the TEK SPIs are checked where it does show
# them: the KD key packets (and the Delete of a push).
fields = subprocess.run(base + ["-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "isakmp.exchangetype",
                                "-e", "isakmp.seq.seq", "-e", "isakmp.kd.payload.spi", "-e", "isakmp.delete.spi",
                                "-e", "isakmp.key_download.attr.value"],
                        capture_output=True, text=True).stdout.splitlines()
rows = [line.split("|") for line in fields]
for (label, _), row in zip(frames, rows):
    print("  %-42s exchange %s SEQ %s KD SPIs %s Delete %s key octets %d" %
          (label, row[1] or "-", row[2] or "-", row[3] or "-", row[4] or "-", sum(len(v) // 2 for v in row[5].split(",") if v)))
missing = []
kd_spis = ",".join(row[3] for row in rows).lower()
for spi in capture["tekSPIs"]:
    if spi.lower() not in kd_spis:
        missing.append("TEK SPI " + spi)
if not any(row[2] == str(capture["pushSequence"]) for row in rows):
    missing.append("push SEQ %d" % capture["pushSequence"])
if not any(row[5] for row in rows):
    missing.append("key data")
print("%d frames: %d clean, %d known dissector difference, %d errors; %s" %
      (len(frames), len(frames) - bad - known, known, bad, "fields missing: " + ", ".join(missing) if missing else "TEK SPIs, key data and SEQ shown"))
sys.exit(1 if bad or missing or len(blocks) != len(frames) else 0)
