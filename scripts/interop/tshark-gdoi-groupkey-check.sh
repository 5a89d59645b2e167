#!/bin/sh
# tshark dissects a GROUPKEY-PULL, a GROUPKEY-PUSH and its PUSH-ACK written by the Swift test
# "GroupKeyPull capture" (encrypted as sent, plus decrypted copies): zero malformed frames, and the
# TEK SPIs, key data and sequence numbers visible in tshark's GDOI fields.
# Usage: scripts/interop/tshark-gdoi-groupkey-check.sh   (from the package root; needs tshark)
set -eu
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed: skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build --build-tests >/dev/null
GROUPKEY_GDOI_CAPTURE="$work/capture.json" swift test --skip-build --filter GroupKeyCaptureTests >/dev/null
python3 scripts/interop/tshark-gdoi-groupkey.py "$work/capture.json" "$work/gdoi.pcap"
