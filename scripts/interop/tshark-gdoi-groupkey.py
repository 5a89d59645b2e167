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
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tshark_support import sa_tek_layout_difference, write_udp_pcap  # noqa: E402

capture = json.load(open(sys.argv[1]))
OUT = sys.argv[2] if len(sys.argv) > 2 else "/tmp/groupkey-gdoi.pcap"
frames = [(f["name"], bytes.fromhex(f["hex"])) for f in capture["frames"]]

write_udp_pcap(OUT, [(payload, 848, 848) for _, payload in frames])

base = ["tshark", "-r", OUT, "-d", "udp.port==848,isakmp"]
text = subprocess.run(base + ["-V"], capture_output=True, text=True).stdout
blocks = text.split("\nFrame ")
bad = known = 0
for (label, _), block in zip(frames, blocks):
    lines = block.splitlines()
    problems = [l.strip() for l in lines if "Malformed" in l or "[Expert Info (Error" in l]
    sat_layout = sa_tek_layout_difference(block)
    if problems and sat_layout:
        verdict, known = "known tshark SA TEK layout difference (%s)" % sat_layout, known + 1
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
