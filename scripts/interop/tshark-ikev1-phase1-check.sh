#!/usr/bin/env bash
# tshark, an independent dissector, decrypts a real IKEv1 Main Mode to `groupkey serve` on loopback
# with the keys `serve --ike-key-log FILE` writes to FILE.ikev1 (ikev1_decryption_table lines):
# strongSwan's charon initiates (PSK, IPsec DOI), then tries Quick Mode, which the key server
# refuses with a protected Notify. Passes when tshark reports no malformed frame, shows the
# decrypted ID and HASH of messages 5 and 6, and the decrypted NO-PROPOSAL-CHOSEN of our
# Informational (phase-2 IV from the last phase-1 block, RFC 2409 App. B).
# (tshark 4.0 reads a phase-1 SA under the GDOI DOI as a GDOI SA, so it cannot follow a GDOI
# member's Main Mode; charon's IPsec-DOI phase 1 is decoded as such.)
# Needs root, tshark, tcpdump, strongswan-charon, strongswan-swanctl and a built binary.
#   scripts/interop/tshark-ikev1-phase1-check.sh .build/debug/groupkey [PORT]
set -euo pipefail
GROUPKEY=$(cd "$(dirname "${1:?usage: tshark-ikev1-phase1-check.sh GROUPKEY_BINARY [PORT]}")" && pwd)/$(basename "$1")
PORT=${2:-18870}
W=$(mktemp -d)
. "$(dirname "$0")/charon-common.sh"
remove_work_directory_on_exit

charon_write_strongswan_conf "$W" 5508 5509 "random nonce openssl pem pkcs1 x509 pubkey hmac kdf kernel-netlink socket-default vici" \
  "" "retransmit_tries = 1"
charon_write_ikev1_psk_initiator_conf "$W/swanctl.conf" "$PORT" aes128-sha256-modp2048 no

# --immediate-mode: without it libpcap hands packets over only when its ring-buffer block times
# out (about 1 s), so the kill below could come before the exchange reached the file.
tcpdump -i lo -U --immediate-mode -w "$W/ike.pcap" "udp port $PORT" >"$W/tcpdump.log" 2>&1 &
DUMP_PID=$!
# Traffic only once tcpdump is capturing.
wait_for_text "$W/tcpdump.log" "listening on" || true
serve_start --listen "127.0.0.2:$PORT" --ike-key-log "$W/keys"
wait_for_text "$W/serve.out" "listening on" || true
charon_start "$W"
U="--uri unix://$W/charon.vici"
sleep 0.3
swanctl --load-all --file "$W/swanctl.conf" $U >/dev/null 2>&1
swanctl --initiate --child qm --timeout 5 $U >/dev/null 2>&1 || true
sleep 0.5
# SIGKILL: a test runner may start us with SIGTERM blocked, which tcpdump inherits; -U has
# written every packet already.
kill -KILL "$DUMP_PID"; wait "$DUMP_PID" 2>/dev/null || true; DUMP_PID=""

KEYLINE=$(head -1 "$W/keys.ikev1" 2>/dev/null || true)
[ -n "$KEYLINE" ] || { echo "FAIL: no line in the IKEv1 key log"; exit 1; }
tshark -r "$W/ike.pcap" -d "udp.port==$PORT,udpencap" -o "uat:ikev1_decryption_table:$KEYLINE" -V >"$W/dissect.txt" 2>/dev/null
FRAMES=$(tshark -r "$W/ike.pcap" 2>/dev/null | wc -l)
MALFORMED=$(grep -c -i "malformed" "$W/dissect.txt" || true)
echo "frames: $FRAMES, malformed: $MALFORMED"
fail() { echo "FAIL: $1"; grep -E "Exchange type|Payload:|Encrypted Data|Malformed" "$W/dissect.txt" | head -60; exit 1; }
[ "$MALFORMED" -eq 0 ] || fail "tshark found malformed frames"
[ "$(grep -c 'Payload: Identification (5)' "$W/dissect.txt")" -ge 2 ] || fail "messages 5 and 6 not decrypted"
grep -q "Payload: Hash (8)" "$W/dissect.txt" || fail "no decrypted HASH payload"
grep -q "NO-PROPOSAL-CHOSEN" "$W/dissect.txt" || fail "our Informational's Notify not decrypted"
echo "tshark decrypted Main Mode and our protected Notify with the IKEv1 key log, no malformed frames: pass"
